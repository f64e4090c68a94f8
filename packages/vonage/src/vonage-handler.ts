import { createWebhookHandler, type Engine } from '@callflow/core';
import { vonageProvider, type VonageHandlerOptions } from './vonage-provider.js';
import type { VonageQueueControl } from './vonage-queue-control.js';

export type { VonageHandlerOptions } from './vonage-provider.js';
export type { QueueTarget } from './vonage-queue-control.js';

/** A `(Request) => Promise<Response>` for Vonage webhooks, with the queue and live-call controls beside it. */
export interface VonageHandler extends VonageQueueControl {
  (request: Request): Promise<Response>;
  readonly engine: Engine;
  /** The handler's public URL without a trailing slash (callbacks and `startVonageCall`'s answer URL are under it). */
  readonly publicBaseUrl: string;
}

/**
 * Creates the Vonage webhook handler. Point the application's answer URL at `{publicBaseUrl}/answer` and its event URL
 * at `{publicBaseUrl}/event`; the NCCOs it returns call back on `/input`, `/connect`, `/record` and `/notify`.
 * Options are checked here (a missing `signatureSecret` throws).
 * @example
 * const handler = createVonageHandler({ flow, secret, publicBaseUrl: 'https://ivr.example.com/vonage', signatureSecret });
 * http.createServer(toNodeListener(handler)).listen(3000);
 */
export function createVonageHandler(options: VonageHandlerOptions): VonageHandler {
  return createWebhookHandler(vonageProvider, options);
}
