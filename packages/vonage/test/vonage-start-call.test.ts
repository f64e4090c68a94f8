import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Vonage } from '@vonage/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineFlow, gather, hangup, say, toNodeListener, type CallEvent } from '@callflow/core';
import { createVonageEmulator, spoken, type VonageEmulator } from '@callflow/testing';
import { createVonageHandler, startVonageCall, type VonageCallsClient, type VonageHandler } from '../src/index.js';

const signatureSecret = 'outbound-signature-secret';
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const flow = defineFlow({
  name: 'reminder',
  start: 'intro',
  machineDetection: { onMachine: 'voicemail' },
  nodes: {
    intro: [say('Hello {{name}}.'), gather({ prompt: [say('Press 1 to confirm.')], numDigits: 1, routes: { '1': 'confirmed' } })],
    confirmed: [say('Confirmed.'), hangup()],
    voicemail: [say('Message for {{name}}: call us back.'), hangup()],
  },
});
let server: Server;
let vonage: VonageEmulator;
let handler: VonageHandler;
let client: Vonage;
const events: CallEvent[] = [];

beforeAll(async () => {
  server = createServer(toNodeListener((request) => handler(request)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vonage`;
  vonage = await createVonageEmulator({ answerUrl: `${url}/answer`, eventUrl: `${url}/event`, signatureSecret });
  client = new Vonage({ applicationId: 'app-1', privateKey }, { apiHost: vonage.apiUrl });
  handler = createVonageHandler({
    flow,
    secret: 'outbound-secret-0123456789abcdef',
    publicBaseUrl: url,
    signatureSecret,
    voiceClient: client,
    onCallEvent: (event) => void events.push(event),
  });
});

afterAll(async () => {
  await vonage.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const last = () => vonage.outboundCalls[vonage.outboundCalls.length - 1]!;
const calls = (): VonageCallsClient => client;

describe('startVonageCall on the Vonage emulator', () => {
  it('creates the call through the SDK (snake_case on the wire) and runs the flow from the signed answer URL', async () => {
    events.length = 0;
    vonage.scriptOutbound({ input: ['1'] });
    const { callId } = await startVonageCall(calls(), handler, {
      to: '+447700900001',
      from: '+447700900000',
      vars: { name: 'Ada' },
      ringSeconds: 20,
    });
    const placed = last();
    expect(placed.uuid).toBe(callId);
    expect(placed.body).toMatchObject({
      to: [{ type: 'phone', number: '447700900001' }],
      from: { type: 'phone', number: '447700900000' },
      answer_method: 'POST',
      ringing_timer: 20,
      advanced_machine_detection: { behavior: 'continue', mode: 'detect_beep', beep_timeout: 45 },
    });
    const transcript = await placed.transcript;
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Hello Ada.', 'Press 1 to confirm.', 'Confirmed.']);
    expect(events.map(({ callId: _id, provider: _provider, ...rest }) => ({ ...rest, durationSeconds: undefined }))).toEqual([
      { type: 'call-started', direction: 'outbound', from: '+447700900000', to: '+447700900001', durationSeconds: undefined },
      { type: 'call-answered', direction: 'outbound', answeredBy: 'human', durationSeconds: undefined },
      { type: 'call-ended', status: 'completed', endedBy: 'flow', cause: 'completed', durationSeconds: undefined },
    ]);
  });

  it('moves a machine to the voicemail route on beep_start, and reports busy', async () => {
    events.length = 0;
    vonage.scriptOutbound({ pickup: 'machine' }, { pickup: 'busy' });
    await startVonageCall(calls(), handler, { to: '+447700900001', from: '+447700900000', vars: { name: 'Ada' } });
    const machine = await last().transcript;
    await startVonageCall(calls(), handler, { to: '+447700900002', from: '+447700900000' });
    const busy = await last().transcript;
    expect(machine.errors).toEqual([]);
    expect(spoken(machine)).toEqual(['Message for Ada: call us back.']);
    expect(
      vonage.restRequests.some((request) => request.method === 'PUT' && request.path === `/v1/calls/${vonage.outboundCalls.at(-2)!.uuid}`),
    ).toBe(true);
    expect(busy.entries).toEqual([{ type: 'unanswered', status: 'busy' }]);
    const ended = events.flatMap((event) => (event.type === 'call-ended' ? [[event.status, event.endedBy]] : []));
    expect(ended).toEqual([
      ['completed', 'flow'],
      ['busy', 'far-end'],
    ]);
    expect(events.flatMap((event) => (event.type === 'call-answered' ? [event.answeredBy] : []))).toEqual(['machine']);
  });
});
