// The flow diagnostics, in their own chunk (dist/diagnostics.js): every problem of a flow with its path, message and
// hint, and the schemas' issues. Loaded only when a flow or a value is wrong, or `validateFlow` is asked for the warnings
// (see `loadFlowDiagnostics` in validate-flow.ts).
export { listFlowProblems } from './list-flow-problems.js';
export { flowSchemas } from './schema.js';
