import { existsSync } from 'node:fs';
import { Vonage } from '@vonage/server-sdk';
import { createApp } from './app.js';

if (existsSync('.env')) process.loadEnvFile('.env');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} in .env (see .env.example)`);
  return value;
}

const privateKey = process.env.VONAGE_PRIVATE_KEY_PATH;
const voiceClient =
  process.env.VONAGE_APPLICATION_ID && privateKey
    ? new Vonage(
        { applicationId: process.env.VONAGE_APPLICATION_ID, privateKey },
        process.env.VONAGE_API_HOST ? { apiHost: process.env.VONAGE_API_HOST } : {},
      )
    : undefined;

const app = createApp({
  publicUrl: required('PUBLIC_URL'),
  secret: required('CALLFLOW_SECRET'),
  signatureSecret: required('VONAGE_SIGNATURE_SECRET'),
  agentNumber: required('AGENT_NUMBER'),
  holdMusicUrl: process.env.HOLD_MUSIC_URL ?? 'https://nexmo-community.github.io/ncco-examples/assets/voice_api_audio_streaming.mp3',
  voiceClient,
  logger: console,
});

const port = Number(process.env.PORT ?? 9000);
app.server.listen(port, () => {
  console.log(`listening on http://localhost:${port}`);
  console.log(`answer URL: ${process.env.PUBLIC_URL}/inbound/answer   event URL: ${process.env.PUBLIC_URL}/inbound/event`);
  if (!voiceClient) console.log('VONAGE_APPLICATION_ID / VONAGE_PRIVATE_KEY_PATH not set: POST /agent-free cannot transfer calls');
});
