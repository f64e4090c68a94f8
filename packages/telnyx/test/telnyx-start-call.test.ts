import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineFlow, gather, hangup, say, toNodeListener, type CallEvent, type FetchHandler } from '@callflow/core';
import { createTelnyxEmulator, spoken, type TelnyxEmulator } from '@callflow/testing';
import { createCallControlClient, createTelnyxHandler, decodeClientState, startTelnyxCall } from '../src/index.js';

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
let emulator: TelnyxEmulator;
let handler: FetchHandler & { engine: ReturnType<typeof createTelnyxHandler>['engine'] };
const events: CallEvent[] = [];

beforeAll(async () => {
  server = createServer(toNodeListener((request) => handler(request)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  emulator = await createTelnyxEmulator({ webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/telnyx` });
  const client = createCallControlClient({ apiKey: 'KEY-test', baseUrl: emulator.apiBaseUrl });
  handler = createTelnyxHandler({
    flow,
    secret: 'outbound-secret-0123456789abcdef',
    publicKey: emulator.publicKey,
    client,
    onCallEvent: (event) => void events.push(event),
  });
});

afterAll(async () => {
  await emulator.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const client = () => createCallControlClient({ apiKey: 'KEY-test', baseUrl: emulator.apiBaseUrl });
const last = () => emulator.outboundCalls[emulator.outboundCalls.length - 1]!;

describe('startTelnyxCall on the Telnyx emulator', () => {
  it('dials with calls.dial parameters and runs the flow from the client_state start, without answering the leg', async () => {
    events.length = 0;
    emulator.scriptOutbound({ input: ['1'] });
    const { callId } = await startTelnyxCall(client(), handler, {
      connectionId: 'conn-1',
      to: '+15551230000',
      from: '+15559870000',
      vars: { name: 'Ada' },
      ringSeconds: 20,
    });
    const placed = last();
    expect(placed.callControlId).toBe(callId);
    expect(placed.body).toMatchObject({
      connection_id: 'conn-1',
      to: '+15551230000',
      from: '+15559870000',
      timeout_secs: 20,
      answering_machine_detection: 'detect_beep',
    });
    expect(decodeClientState(placed.body.client_state)).toMatchObject({ kind: 'outbound', detection: 'beep', sequence: 0 });
    const transcript = await placed.transcript;
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Hello Ada.', 'Press 1 to confirm.', 'Confirmed.']);
    expect(emulator.requests.some((request) => request.target === callId && request.action === 'answer')).toBe(false);
    expect(events.map(({ callId: _id, provider: _provider, ...rest }) => ({ ...rest, durationSeconds: undefined }))).toEqual([
      { type: 'call-started', direction: 'outbound', from: '+15559870000', to: '+15551230000', durationSeconds: undefined },
      { type: 'call-answered', direction: 'outbound', answeredBy: 'human', durationSeconds: undefined },
      { type: 'call-ended', status: 'completed', endedBy: 'flow', cause: 'normal_clearing', durationSeconds: undefined },
    ]);
  });

  it('leaves the message once the greeting ended, and reports a busy line and a ring-out', async () => {
    events.length = 0;
    emulator.scriptOutbound({ pickup: 'machine' }, { pickup: 'no-answer' });
    await startTelnyxCall(client(), handler, { connectionId: 'conn-1', to: '+15551230000', from: '+15559870000', vars: { name: 'Ada' } });
    const machine = await last().transcript;
    await startTelnyxCall(client(), handler, { connectionId: 'conn-1', to: '+15551230001', from: '+15559870000' });
    const unanswered = await last().transcript;
    expect(machine.errors).toEqual([]);
    expect(machine.entries[0]).toEqual({ type: 'answered', by: 'machine' });
    expect(spoken(machine)).toEqual(['Message for Ada: call us back.']);
    expect(unanswered.entries).toEqual([{ type: 'unanswered', status: 'no-answer' }]);
    const ended = events.flatMap((event) => (event.type === 'call-ended' ? [[event.status, event.endedBy]] : []));
    expect(ended).toEqual([
      ['completed', 'flow'],
      ['no-answer', 'far-end'],
    ]);
  });

  it('refuses a dial without its connection, and a client without calls.dial', async () => {
    await expect(startTelnyxCall(client(), handler, { connectionId: '', to: '+15551230000', from: '+15559870000' })).rejects.toThrow(
      /connectionId is required/,
    );
    await expect(startTelnyxCall({ calls: {} }, handler, { connectionId: 'c', to: '+15551230000', from: '+15559870000' })).rejects.toThrow(
      /no calls.dial/,
    );
  });

  it('reports each lifecycle event once when every event is delivered twice, and routes not_sure to the unknown route', async () => {
    const seen: CallEvent[] = [];
    let twice!: FetchHandler;
    const local = createServer(toNodeListener((request) => twice(request)));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const doubled = await createTelnyxEmulator({
      webhookUrl: `http://127.0.0.1:${(local.address() as AddressInfo).port}/telnyx`,
      deliveries: { duplicate: true },
    });
    try {
      const doubledClient = createCallControlClient({ apiKey: 'KEY-test', baseUrl: doubled.apiBaseUrl });
      const routed = defineFlow({ ...flow, machineDetection: { onMachine: 'voicemail', onUnknown: 'confirmed' } });
      const duplicateHandler = createTelnyxHandler({
        flow: routed,
        secret: 'outbound-secret-0123456789abcdef',
        publicKey: doubled.publicKey,
        client: doubledClient,
        onCallEvent: (event) => void seen.push(event),
      });
      twice = duplicateHandler;
      doubled.scriptOutbound({ pickup: 'unknown' });
      await startTelnyxCall(doubledClient, duplicateHandler, { connectionId: 'conn-1', to: '+15551230000', from: '+15559870000' });
      const transcript = await doubled.outboundCalls[0]!.transcript;
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual(['Confirmed.']);
      expect(
        seen.map((event) => [
          event.type,
          event.type === 'call-answered'
            ? event.answeredBy
            : event.type === 'call-ended'
              ? event.endedBy
              : event.type === 'call-started'
                ? event.direction
                : event.status,
        ]),
      ).toEqual([
        ['call-started', 'outbound'],
        ['call-answered', 'unknown'],
        ['call-ended', 'flow'],
      ]);
    } finally {
      await doubled.close();
      await new Promise<void>((resolve) => local.close(() => resolve()));
    }
  });
});
