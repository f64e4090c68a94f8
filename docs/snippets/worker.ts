import { createTwilioHandler, type TwilioHandler } from '@callflow/twilio';
import { flow } from './first-flow.js';

interface Env {
  CALLFLOW_SECRET: string;
  TWILIO_AUTH_TOKEN: string;
  PUBLIC_BASE_URL: string;
}

let handler: TwilioHandler | undefined;

// A Cloudflare Worker (or any fetch-style runtime): no server, no Node APIs needed.
export default {
  fetch(request: Request, env: Env): Promise<Response> {
    handler ??= createTwilioHandler({ flow, secret: env.CALLFLOW_SECRET, authToken: env.TWILIO_AUTH_TOKEN, publicBaseUrl: env.PUBLIC_BASE_URL });
    return handler(request);
  },
};
