import { parseVonageConnectEvent as connectEventOf } from './parse-vonage-connect-event.js';
import { parseVonageRecordEvent as recordEventOf } from './parse-vonage-record-event.js';
import { renderCalleeNcco as calleeNcco, toEndpoint as endpointOf } from './render-ncco-transfer.js';

// The public functions whose code sits in the handler's chunks (the transfer's, the record's), exported by the index
// from here as bindings: a bundler follows a re-export (`export { x } from`) into the handler's up-front code, and would
// put these files back there; a binding of a file the handler does not import is left out of it.

/**
 * The NCCO the called party runs before it joins the caller: the whisper as talk/stream, then the screening prompt
 * with a one-key input whose eventUrl is `screenUrl`. Nothing plays to the caller.
 */
export const renderCalleeNcco: typeof calleeNcco = calleeNcco;

/** A transfer target as a Vonage connect endpoint. */
export const toEndpoint: typeof endpointOf = endpointOf;

/**
 * Reads a synchronous connect event. Failures (busy, unanswered, timeout, rejected, failed, cancelled) are outcomes whose
 * reply NCCO replaces the caller's; `completed` is progress because the notify after the connect reports the answered case.
 */
export const parseVonageConnectEvent: typeof connectEventOf = connectEventOf;

/** Reads a record event into a recording outcome. */
export const parseVonageRecordEvent: typeof recordEventOf = recordEventOf;
