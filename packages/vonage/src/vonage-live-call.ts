import { CallFlowError } from '@callflow/core';
import type { Ncco } from './ncco-types.js';

/** The part of a `@vonage/server-sdk` `Vonage` client the live-call helpers use; a real client fits. */
export interface VonageVoiceClient {
  voice: {
    /** The SDK types `ncco` as its own `Action[]` (enum-typed); any JSON NCCO goes on the wire, so this takes an array. */
    transferCallWithNCCO(uuid: string, ncco: unknown[]): Promise<void>;
    transferCallWithURL(uuid: string, url: string): Promise<void>;
    /** REST `PUT /v1/calls/{uuid}` `{ action: 'hangup' }`; needed to decline a screened transfer (no NCCO action hangs up). */
    hangupCall?(uuid: string): Promise<void>;
  };
}

/**
 * Moves a live call to a new NCCO (REST `PUT /v1/calls/{uuid}` transfer); the current NCCO stops at once.
 * @example await transferCallToNcco(vonage, uuid, [{ action: 'talk', text: 'Now connecting you.' }]);
 */
export async function transferCallToNcco(client: VonageVoiceClient, callId: string, ncco: Ncco): Promise<void> {
  try {
    await client.voice.transferCallWithNCCO(callId, ncco);
  } catch (error) {
    throw new CallFlowError('provider-request-failed', `transfer of call ${callId} to a new NCCO failed: ${describe(error)}`, { provider: 'vonage', cause: error });
  }
}

/** Moves a live call to the NCCO served at `url` (Vonage fetches it). */
export async function transferCallToUrl(client: VonageVoiceClient, callId: string, url: string): Promise<void> {
  try {
    await client.voice.transferCallWithURL(callId, url);
  } catch (error) {
    throw new CallFlowError('provider-request-failed', `transfer of call ${callId} to ${url} failed: ${describe(error)}`, { provider: 'vonage', cause: error });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { response?: { status?: number } }).response?.status;
    return status ? `${error.message} (HTTP ${status})` : error.message;
  }
  return String(error);
}
