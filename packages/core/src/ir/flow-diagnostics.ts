// The diagnostics, in their own chunk (dist/diagnostics.js): every problem of a flow with its path, message and hint,
// the schemas' issues, the words for a dynamic node's wrong steps, the "did you mean" helpers, and the messages for a handler's wrong options. Loaded only when a flow, a value or an option is
// wrong, or `validateFlow` is asked for the warnings (see `loadFlowDiagnostics` in validate-flow.ts).
export { dynamicStepProblems } from './dynamic-step-problems.js';
export { handlerOptionProblems } from '../provider/handler-option-problems.js';
export { listFlowProblems } from './list-flow-problems.js';
export { flowSchemas } from './schema.js';
export { didYouMean, editDistance, nearest } from './suggest.js';
