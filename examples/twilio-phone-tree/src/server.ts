import { existsSync } from 'node:fs';
import { startPhoneTree } from './app.js';
import type { TwilioLiveClient } from '@callflow/twilio';

if (existsSync('.env')) process.loadEnvFile('.env');

const secret = process.env.CALLFLOW_SECRET;
if (!secret) throw new Error('CALLFLOW_SECRET is not set (copy .env.example to .env)');

let twilioClient: TwilioLiveClient | undefined;
if (process.env.TWILIO_ACCOUNT_SID && process.env.TWILIO_AUTH_TOKEN) {
  // Loaded only here, for live-call control; the webhook path never imports the SDK.
  const { default: twilio } = await import('twilio');
  twilioClient = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
}

const app = await startPhoneTree({
  authToken: process.env.TWILIO_AUTH_TOKEN,
  secret,
  publicBaseUrl: process.env.PUBLIC_BASE_URL,
  receptionNumber: process.env.RECEPTION_NUMBER,
  twilioClient,
  twilioNumber: process.env.TWILIO_NUMBER,
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
});
console.log(`phone tree listening on ${app.voiceUrl}; Twilio must call ${process.env.PUBLIC_BASE_URL ?? app.voiceUrl}`);
