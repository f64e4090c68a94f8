import { createWebhookHandler, type Engine } from '@callflow/core';
import { twilioProvider, type TwilioHandlerOptions } from './twilio-provider.js';

export { twilioSignedUrl } from './twilio-provider.js';
export type { TwilioHandlerOptions } from './twilio-provider.js';

/** A Twilio webhook handler, with the engine and public URL it uses (for live-call helpers). */
export interface TwilioHandler {
  (request: Request): Promise<Response>;
  readonly engine: Engine;
  /** The public URL every callback points at (`publicBaseUrl` without its query). */
  readonly actionUrl: string;
}

/**
 * Serves a Twilio number's voice URL and every callback its TwiML points back at, as a web-standard handler.
 * Options are checked here (a missing auth token throws); bad signature → 403, malformed body → 400, forged token →
 * 403, failure inside the flow → spoken apology and hangup.
 * @example
 * const handler = createTwilioHandler({ flow, secret, authToken: process.env.TWILIO_AUTH_TOKEN, publicBaseUrl: 'https://ivr.example.com/voice' });
 * http.createServer(toNodeListener(handler)).listen(3000);
 */
export function createTwilioHandler(options: TwilioHandlerOptions): TwilioHandler {
  return createWebhookHandler(twilioProvider, options);
}
