import { createServer } from 'node:http';
import { toNodeListener } from '@callflow/core';
import { createTwilioHandler } from '@callflow/twilio';
import { flow } from './first-flow.js';

export const handler = createTwilioHandler({
  flow,
  secret: process.env.CALLFLOW_SECRET!, // 16+ random characters: signs the continuation tokens
  authToken: process.env.TWILIO_AUTH_TOKEN, // verifies X-Twilio-Signature; requests are refused without it
  publicBaseUrl: process.env.PUBLIC_BASE_URL!, // exactly the Voice URL configured at Twilio, e.g. https://abc.ngrok.app/voice
  hooks: {
    'new-voicemail': async (effect) => console.log(`voicemail from ${effect.call.from}: ${effect.recording?.url}`),
  },
});

export const server = createServer(toNodeListener(handler));
