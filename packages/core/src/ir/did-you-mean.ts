import type * as suggest from './suggest.js';
import { flowDiagnostics } from './validate-flow.js';

// The public "did you mean" helpers. Their code (suggest.ts) is in the diagnostics chunk, which uses it for its hints, so
// a handler does not carry it: on Node they load it synchronously (by require); on Workers, or where callflow was
// bundled again, call `await loadFlowDiagnostics()` first, as for `validateFlow`.

/** Edit distance between two strings (Levenshtein). Uses the diagnostics chunk: see `loadFlowDiagnostics` for Workers. */
export const editDistance: typeof suggest.editDistance = (a, b) => flowDiagnostics().editDistance(a, b);

/** The candidate closest to `name`, if it is close enough to be a likely typo. Uses the diagnostics chunk. */
export const nearest: typeof suggest.nearest = (name, candidates) => flowDiagnostics().nearest(name, candidates);

/** `did you mean 'x'?` for the nearest candidate, or undefined. Uses the diagnostics chunk. */
export const didYouMean: typeof suggest.didYouMean = (name, candidates) => flowDiagnostics().didYouMean(name, candidates);
