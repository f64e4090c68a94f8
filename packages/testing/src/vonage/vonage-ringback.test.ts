import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultRingbackUrl } from '@callflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferScript } from '../script.js';
import { createVonageEmulator } from './create-vonage-emulator.js';

// What the Vonage emulator records the caller hearing while a connect rings and runs the called party's onAnswer NCCO,
// as the NCCO reference documents it: the carrier's ringback for a phone endpoint, then onAnswer.ringbackTone or silence.

let answer: unknown[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const path = new URL(request.url ?? '/', base).pathname;
      response.setHeader('content-type', 'application/json');
      if (path === '/answer') response.end(JSON.stringify(answer));
      else if (path === '/callee') response.end(JSON.stringify([{ action: 'talk', text: 'Call from the clinic line.' }]));
      else response.end('[]');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function transferEntry(onAnswer: Record<string, string> | undefined, transfer: TransferScript = 'completed') {
  answer = [{ action: 'connect', endpoint: [{ type: 'phone', number: '14155550100', ...(onAnswer ? { onAnswer } : {}) }] }];
  const emulator = await createVonageEmulator({
    answerUrl: `${base}/answer`,
    eventUrl: `${base}/event`,
    signatureSecret: 'ringback-secret',
  });
  try {
    const transcript = await emulator.call({ transfers: [transfer] });
    expect(transcript.errors).toEqual([]);
    return transcript.entries.find((entry) => entry.type === 'transfer')!;
  } finally {
    await emulator.close();
  }
}

describe('Vonage emulator: what the caller hears while the called party rings', () => {
  it('a phone endpoint without onAnswer: the carrier ringback, nothing recorded', async () => {
    expect(await transferEntry(undefined)).toEqual({ type: 'transfer', to: '+14155550100', status: 'completed' });
  });

  it('an onAnswer whisper without ringbackTone: silence while the called party hears it', async () => {
    const entry = await transferEntry({ url: `${base}/callee` });
    expect(entry).toMatchObject({ calleeHeard: ['Call from the clinic line.'], callerHeardWhileRinging: 'silence' });
  });

  it("an onAnswer whisper with callflow's ringbackTone: a ringback, nothing recorded", async () => {
    const entry = await transferEntry({ url: `${base}/callee`, ringbackTone: defaultRingbackUrl });
    expect(entry).toMatchObject({ calleeHeard: ['Call from the clinic line.'] });
    expect(entry).not.toHaveProperty('callerHeardWhileRinging');
  });

  it('an onAnswer whisper with another ringbackTone (or the older key ringback): that file', async () => {
    const music = 'https://audio.example.com/waiting.mp3';
    expect(await transferEntry({ url: `${base}/callee`, ringbackTone: music })).toMatchObject({ callerHeardWhileRinging: music });
    expect(await transferEntry({ url: `${base}/callee`, ringback: music })).toMatchObject({ callerHeardWhileRinging: music });
  });

  it('a called party who never answers: only the carrier ringback, whatever onAnswer says', async () => {
    expect(await transferEntry({ url: `${base}/callee` }, 'no-answer')).toEqual({
      type: 'transfer',
      to: '+14155550100',
      status: 'no-answer',
    });
  });
});
