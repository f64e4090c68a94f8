import { CallFlowError, type Problem } from '../errors.js';
import { lazyDependency } from '../runtime/lazy-dependency.js';
import { linkedChunks } from '../runtime/linked-chunks.js';
import { flowHasGraphErrors } from './check-flow-graph.js';
import { fastCheckFlow, refused } from './fast-check.js';
import type { Flow } from './types.js';

export { formatPath } from './format-path.js';
export { stepReferences } from './flow-references.js';

/** The result of checking a flow: the flow when there are no errors, and every problem found. */
export interface FlowValidation<F extends Flow = Flow> {
  ok: boolean;
  flow?: F;
  /** Errors and warnings, errors first. */
  problems: Problem[];
}

/**
 * The diagnostics, in their own chunk (dist/diagnostics.js): every problem of a flow with its path, message, hint and
 * "did you mean", the warnings, and the schemas' issues. A flow that is right never needs them, so a handler does not
 * load them: `assertValidFlow` (so `defineFlow`, `createEngine`, every handler) tells a right flow from a wrong one
 * without them, and loads them only to list what is wrong (by `require` on Node, at once).
 */
const diagnostics = lazyDependency<typeof import('./flow-diagnostics.js')>({
  chunk: 'diagnostics',
  linked: () => linkedChunks.diagnostics,
  load: () => import('./flow-diagnostics.js'),
  preload: 'loadFlowDiagnostics',
});

/**
 * Loads the flow diagnostics (their own chunk) once. On Node nothing needs it: they load synchronously when a flow has
 * problems. On Workers, or where callflow was bundled again, call it before `validateFlow`, `checkFlowSource` or a
 * schema's `safeParse` of a wrong value, and before `defineFlow` if a wrong flow should be thrown with its problems listed.
 * @example await loadFlowDiagnostics(); const { problems } = validateFlow(flow);
 */
export async function loadFlowDiagnostics(): Promise<void> {
  await diagnostics.load();
}

/** The diagnostics chunk, loaded (asynchronously, on every runtime). */
export function flowDiagnosticsLoaded(): Promise<typeof import('./flow-diagnostics.js')> {
  return diagnostics.load();
}

/** The diagnostics chunk now (synchronously: by `require` on Node; elsewhere once `loadFlowDiagnostics` resolved). */
export function flowDiagnostics(): typeof import('./flow-diagnostics.js') {
  return diagnostics.now();
}

/**
 * Checks a flow against the schema and the graph rules, reporting every problem at once.
 * Dynamic nodes (functions) are accepted and their steps checked when they run.
 * Uses the diagnostics chunk: see `loadFlowDiagnostics` for Workers.
 */
export function validateFlow(input: unknown): FlowValidation {
  return diagnostics.now().listFlowProblems(input);
}

/** The copy of a flow with no errors (objects in field-table order), else undefined; without the diagnostics chunk. */
export function wellFormedFlow(input: unknown): Flow | undefined {
  const hasFunctions =
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { nodes?: unknown }).nodes === 'object' &&
    Object.values((input as { nodes: Record<string, unknown> }).nodes ?? {}).some((node) => typeof node === 'function');
  const flow = fastCheckFlow(input, hasFunctions);
  return flow === refused || flowHasGraphErrors(flow) ? undefined : flow;
}

/** Validates a flow and throws `CallFlowError('invalid-flow')` listing every error. */
export function assertValidFlow<F extends Flow>(input: F): F {
  if (wellFormedFlow(input) !== undefined) return input;
  let listed: typeof import('./flow-diagnostics.js');
  try {
    listed = diagnostics.now();
  } catch (error) {
    // A Worker (or a bundle of callflow) that did not load the diagnostics: the flow is refused all the same, at once,
    // saying how to have its problems listed (the chunk's own message: call `await loadFlowDiagnostics()` first).
    throw new CallFlowError(
      'invalid-flow',
      `invalid flow: it has errors; to list them, load the diagnostics (or run \`npx callflow validate\` on it): ${(error as Error).message.replace('[callflow] ', '')}`,
      { problems: [] },
    );
  }
  const result = listed.listFlowProblems(input);
  if (!result.ok) throw invalidFlowError(result.problems);
  return input;
}

/** The error thrown for a flow with errors; its message lists each one. */
export function invalidFlowError(problems: Problem[]): CallFlowError {
  const errors = problems.filter((problem) => problem.severity === 'error');
  const lines = errors.map((problem) => {
    const line = problem.line === undefined ? '' : ` (line ${problem.line})`;
    return `  ${problem.path || '(flow)'}${line}: ${problem.message}${problem.hint ? ` (${problem.hint})` : ''}`;
  });
  return new CallFlowError('invalid-flow', `invalid flow: ${errors.length} problem${errors.length === 1 ? '' : 's'}\n${lines.join('\n')}`, {
    problems,
  });
}
