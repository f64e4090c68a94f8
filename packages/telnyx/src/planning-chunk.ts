import { CallFlowError } from '@callflow/core';
import { linkedChunks } from './linked-chunks.js';

// The planning chunk (telnyx-wait-commands.ts): the commands of the waiting steps only some flows have, and the reading
// of the events and client states only those steps and outbound legs bring. Linked where callflow runs from source or as
// the CommonJS build (Node); elsewhere loaded once by `loadTelnyxPlanning()` (plan-commands.ts), which a handler calls itself.

/** The planning chunk's module. */
export type PlanningChunk = typeof import('./telnyx-wait-commands.js');

let loaded: PlanningChunk | undefined;
let loading: Promise<PlanningChunk> | undefined;

/** Loads the planning chunk, once; a failed load is tried again by the next caller. */
export function loadPlanningChunk(): Promise<PlanningChunk> {
  loading ??= import('./telnyx-wait-commands.js').then(
    (chunk) => (loaded = chunk),
    (error: unknown) => {
      loading = undefined;
      throw new CallFlowError(
        'missing-package',
        `the Telnyx planning chunk did not load: ${error instanceof Error ? error.message : String(error)}`,
        { provider: 'telnyx', cause: error },
      );
    },
  );
  return loading;
}

/** The planning chunk when it is loaded or linked. */
export function planningChunk(): PlanningChunk | undefined {
  return loaded ?? linkedChunks.waitCommands;
}

/** The planning chunk, or a `missing-package` error saying that `what` needs it and `await loadTelnyxPlanning()` before `before`. */
export function requirePlanningChunk(what: string, before: string): PlanningChunk {
  const chunk = planningChunk();
  if (chunk) return chunk;
  throw new CallFlowError(
    'missing-package',
    `${what} are a chunk of their own on this runtime: call \`await loadTelnyxPlanning()\` once before ${before}`,
    { provider: 'telnyx' },
  );
}
