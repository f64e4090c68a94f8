import { createWebhookHandler, type Engine, type FetchHandler } from '@callflow/core';
import { telnyxProvider, type TelnyxHandlerOptions } from './telnyx-provider.js';

export type { TelnyxHandlerOptions } from './telnyx-provider.js';

/** The handler, with its engine for live-call control and tests. */
export type TelnyxHandler = FetchHandler & { engine: Engine };

/**
 * Handles Telnyx Call Control webhooks: verifies the signature, de-duplicates by event id, resumes the flow from
 * the event's `client_state` and sends the next commands through the Call Control client you pass. Answers 200 to every valid
 * event; 403 for a bad signature or forged state, 400 for a malformed body, 503 when the store is unavailable or the
 * event is still being handled elsewhere (Telnyx redelivers it). Options are checked here.
 * @example
 * const client = createCallControlClient({ apiKey: process.env.TELNYX_API_KEY! }); // or new Telnyx({ apiKey })
 * const handler = createTelnyxHandler({ flow, secret, publicKey: process.env.TELNYX_PUBLIC_KEY, client });
 * http.createServer(toNodeListener(handler)).listen(3000);
 */
export function createTelnyxHandler(options: TelnyxHandlerOptions): TelnyxHandler {
  return createWebhookHandler(telnyxProvider, options);
}
