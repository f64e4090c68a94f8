import { loadLiveCallChunk } from './vonage-chunks.js';
import type { Ncco } from './ncco-types.js';
import type { VonageVoiceClient } from './vonage-live-call.js';

// The live-call moves' public functions. Their code is in the live-call chunk (vonage-live-call-chunk.ts), which only
// code that moves a live call loads; each of these loads it at its first call.

/**
 * Moves a live call to a new NCCO (REST `PUT /v1/calls/{uuid}` transfer); the current NCCO stops at once. A 429 or
 * 503 is retried (not applied); other failures throw `provider-request-failed` with the SDK error as `cause`.
 * @example await transferCallToNcco(vonage, uuid, [{ action: 'talk', text: 'Now connecting you.' }]);
 */
export async function transferCallToNcco(client: VonageVoiceClient, callId: string, ncco: Ncco): Promise<void> {
  return (await loadLiveCallChunk()).transferCallToNcco(client, callId, ncco);
}

/** Moves a live call to the NCCO served at `url` (Vonage fetches it). */
export async function transferCallToUrl(client: VonageVoiceClient, callId: string, url: string): Promise<void> {
  return (await loadLiveCallChunk()).transferCallToUrl(client, callId, url);
}
