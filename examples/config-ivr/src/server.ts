import { existsSync } from 'node:fs';
import { loadFlow, startConfigIvr, type SmsClient } from './app.js';

if (existsSync('.env')) process.loadEnvFile('.env');

const secret = process.env.CALLFLOW_SECRET;
if (!secret) throw new Error('CALLFLOW_SECRET is not set (copy .env.example to .env)');

let smsClient: SmsClient | undefined;
if (process.env.TWILIO_ACCOUNT_SID && process.env.TWILIO_AUTH_TOKEN) {
  const { default: twilio } = await import('twilio');
  smsClient = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
}

const app = await startConfigIvr({
  flow: loadFlow(process.env.IVR_FLOW_FILE),
  authToken: process.env.TWILIO_AUTH_TOKEN,
  secret,
  publicBaseUrl: process.env.PUBLIC_BASE_URL,
  smsClient,
  alertFrom: process.env.VOICEMAIL_ALERT_FROM,
  alertTo: process.env.VOICEMAIL_ALERT_TO,
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
});
console.log(`config IVR listening on ${app.voiceUrl}; Twilio must call ${process.env.PUBLIC_BASE_URL ?? app.voiceUrl}`);
