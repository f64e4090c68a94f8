import { existsSync } from 'node:fs';
import { Telnyx } from 'telnyx';
import { startConferenceLine } from './app.js';

if (existsSync('.env')) process.loadEnvFile('.env');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} in .env (see .env.example)`);
  return value;
}

const app = await startConferenceLine({
  secret: required('CALLFLOW_SECRET'),
  publicKey: required('TELNYX_PUBLIC_KEY'),
  client: new Telnyx({ apiKey: required('TELNYX_API_KEY') }),
  room: process.env.CONFERENCE_ROOM,
  holdMusicUrl: process.env.HOLD_MUSIC_URL,
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '0.0.0.0',
});
console.log(`conference line: ${app.url}/conference`);
