import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineFlow, gather, hangup, say, toNodeListener, type CallEvent } from '@callflow/core';
import { createTwilioEmulator, spoken } from '@callflow/testing';
import { createTwilioHandler, startTwilioCall, twilioAnsweredBy, type TwilioHandler } from '../src/index.js';

const authToken = 'outbound-auth-token-0123456789abcd';
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
let url: string;
let handler: TwilioHandler;
const events: CallEvent[] = [];

beforeAll(async () => {
  server = createServer(toNodeListener((request) => handler(request)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/voice`;
  handler = createTwilioHandler({
    flow,
    secret: 'outbound-secret-0123456789abcdef',
    authToken,
    publicBaseUrl: url,
    onCallEvent: (event) => void events.push(event),
  });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const withoutIds = (list: CallEvent[]) => list.map(({ callId, provider, ...rest }) => ({ ...rest, durationSeconds: undefined }));

describe('startTwilioCall on the Twilio emulator', () => {
  it('places the call with calls.create parameters and runs the flow from its signed start', async () => {
    events.length = 0;
    const twilio = createTwilioEmulator({ voiceUrl: url, authToken });
    twilio.scriptOutbound({ input: ['1'] });
    const { callId } = await startTwilioCall(twilio.client, handler, {
      to: '+15551230000',
      from: '+15559870000',
      vars: { name: 'Ada' },
      ringSeconds: 20,
    });
    const [placed] = twilio.outboundCalls;
    expect(placed!.sid).toBe(callId);
    expect(placed!.params).toMatchObject({
      to: '+15551230000',
      from: '+15559870000',
      timeout: 20,
      method: 'POST',
      machineDetection: 'DetectMessageEnd',
    });
    const transcript = await placed!.transcript;
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Hello Ada.', 'Press 1 to confirm.', 'Confirmed.']);
    expect(withoutIds(events)).toEqual([
      { type: 'call-started', direction: 'outbound', from: '+15559870000', to: '+15551230000', durationSeconds: undefined },
      { type: 'call-answered', direction: 'outbound', answeredBy: 'human', durationSeconds: undefined },
      { type: 'call-ended', status: 'completed', endedBy: 'flow', cause: 'completed', durationSeconds: undefined },
    ]);
  });

  it('routes a machine to the voicemail node after the greeting, and reports busy without running the flow', async () => {
    events.length = 0;
    const twilio = createTwilioEmulator({ voiceUrl: url, authToken });
    twilio.scriptOutbound({ pickup: 'machine' }, { pickup: 'busy' });
    await startTwilioCall(twilio.client, handler, { to: '+15551230000', from: '+15559870000', vars: { name: 'Ada' } });
    await startTwilioCall(twilio.client, handler, { to: '+15551230001', from: '+15559870000' });
    const [machine, busy] = await Promise.all(twilio.outboundCalls.map((placed) => placed.transcript));
    expect(machine!.errors).toEqual([]);
    expect(machine!.entries[0]).toEqual({ type: 'answered', by: 'machine' });
    expect(spoken(machine!)).toEqual(['Message for Ada: call us back.']);
    expect(busy!.entries).toEqual([{ type: 'unanswered', status: 'busy' }]);
    const ended = events
      .filter((event) => event.type === 'call-ended')
      .map((event) => (event.type === 'call-ended' ? [event.status, event.endedBy] : []));
    expect(ended).toEqual(
      expect.arrayContaining([
        ['completed', 'flow'],
        ['busy', 'far-end'],
      ]),
    );
    expect(
      events.filter((event) => event.type === 'call-answered').map((event) => (event.type === 'call-answered' ? event.answeredBy : '')),
    ).toEqual(['machine']);
  });

  it('refuses a start token that was tampered with (403) and a bad number before calling Twilio', async () => {
    const twilio = createTwilioEmulator({ voiceUrl: url, authToken });
    await expect(startTwilioCall(twilio.client, handler, { to: 'alice', from: '+15559870000' })).rejects.toThrow(
      /startCall to must be a phone number/,
    );
    await expect(startTwilioCall(twilio.client, handler, { to: '+15551230000', from: '+15559870000', node: 'nowhere' })).rejects.toThrow(
      /unknown node 'nowhere'/,
    );
    const forged = {
      calls: {
        create: (params: Parameters<typeof twilio.client.calls.create>[0]) =>
          twilio.client.calls.create({ ...params, url: params.url!.replace(/o=[0-9a-f]+/, 'o=000000000000000000000000') }),
      },
    };
    await startTwilioCall(forged, handler, { to: '+15551230000', from: '+15559870000' });
    const transcript = await twilio.outboundCalls[0]!.transcript;
    expect(transcript.errors.join('\n')).toMatch(/HTTP 403/);
  });

  it('maps every documented AnsweredBy value', () => {
    expect(
      ['human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown'].map(twilioAnsweredBy),
    ).toEqual(['human', 'machine', 'machine', 'machine', 'machine', 'machine', 'unknown']);
  });
});
