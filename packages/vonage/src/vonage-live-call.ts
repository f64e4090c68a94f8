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
    /**
     * REST `GET /v1/calls/{uuid}` (SDK `voice.getCall`, a `CallDetail` with `status` and `conversationUUID`); lets a queue
     * move of a caller in a conversation tell an applied transfer from one that never was, when its answer was lost.
     */
    getCall?(uuid: string): Promise<{ status?: string; conversationUUID?: string }>;
  };
}

const refusedRetryDelaysMs = [200, 400, 800];

/** The HTTP status of a failed `@vonage/server-sdk` request (`error.response.status`), if Vonage answered. */
export function vonageStatusOf(error: unknown): number | undefined {
  const status = (error as { response?: { status?: unknown } } | undefined)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Runs a REST request again after a 429 or 503 (Vonage refused it, so it was not applied; the Voice API answers 429
 * over its request rate, https://developer.vonage.com/voice/voice-api/guides/troubleshooting), up to three times with
 * backoff. Any other failure, a timeout above all (the transfer may have been applied), is not repeated.
 */
async function withRefusedRetries<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const status = vonageStatusOf(error);
      if (attempt >= refusedRetryDelaysMs.length || (status !== 429 && status !== 503)) throw error;
      await new Promise((resolve) => setTimeout(resolve, refusedRetryDelaysMs[attempt]));
    }
  }
}

/**
 * Moves a live call to a new NCCO (REST `PUT /v1/calls/{uuid}` transfer); the current NCCO stops at once. A 429 or
 * 503 is retried (not applied); other failures throw `provider-request-failed` with the SDK error as `cause`.
 * @example await transferCallToNcco(vonage, uuid, [{ action: 'talk', text: 'Now connecting you.' }]);
 */
export async function transferCallToNcco(client: VonageVoiceClient, callId: string, ncco: Ncco): Promise<void> {
  try {
    await withRefusedRetries(() => client.voice.transferCallWithNCCO(callId, ncco));
  } catch (error) {
    throw new CallFlowError('provider-request-failed', `transfer of call ${callId} to a new NCCO failed: ${describe(error)}`, {
      provider: 'vonage',
      cause: error,
    });
  }
}

/** Moves a live call to the NCCO served at `url` (Vonage fetches it). */
export async function transferCallToUrl(client: VonageVoiceClient, callId: string, url: string): Promise<void> {
  try {
    await withRefusedRetries(() => client.voice.transferCallWithURL(callId, url));
  } catch (error) {
    throw new CallFlowError('provider-request-failed', `transfer of call ${callId} to ${url} failed: ${describe(error)}`, {
      provider: 'vonage',
      cause: error,
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { response?: { status?: number } }).response?.status;
    return status ? `${error.message} (HTTP ${status})` : error.message;
  }
  return String(error);
}
