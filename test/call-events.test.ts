import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { defineFlow, gather, hangup, say, toNodeListener, transfer, type CallEvent, type FetchHandler, type Flow } from '@callflow/core';
import { createCallControlClient, createTelnyxHandler } from '@callflow/telnyx';
import { createTelnyxEmulator, createTwilioEmulator, createVonageEmulator, type CallScript, type CallTranscript } from '@callflow/testing';
import { createTwilioHandler } from '@callflow/twilio';
import { createVonageHandler } from '@callflow/vonage';

// Inbound calls report the same lifecycle on every provider: started, answered, each transfer leg's outcome, ended.
const flow = defineFlow({
  name: 'inbound-events',
  start: 'menu',
  nodes: {
    menu: [gather({ prompt: [say('Press 1 for sales.')], numDigits: 1, routes: { '1': 'sales' } })],
    sales: [transfer('+15551230099', { onBusy: 'busy' })],
    busy: [say('Sales is busy. Goodbye.'), hangup()],
  },
});
// A transfer that cannot be made: Telnyx's API refuses the number itself (422, 10016: no +E.164), Twilio's and Vonage's
// emulators are scripted to fail the dial (DialCallStatus failed, a connect leg failed).
const refused = defineFlow({
  name: 'inbound-events-refused',
  start: 'main',
  nodes: {
    main: [transfer('14155550100', { onFailed: 'failed' })],
    failed: [say('We could not connect you.'), hangup()],
  },
});
const secret = 'inbound-events-secret-0123456789';
const servers: Server[] = [];
const cleanups: Array<() => Promise<void>> = [];

async function serve(handler: () => FetchHandler): Promise<string> {
  const server = createServer(toNodeListener((request) => handler()(request)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
});

const script = (hangUp: boolean): CallScript => ({ from: '+15557770000', input: hangUp ? [{ hangup: true }] : ['1'], transfers: ['busy'] });
const refusedScript: CallScript = { from: '+15557770000', transfers: ['failed'] };

async function twilioRun(
  hangUp: boolean,
  run: { flow: Flow; script?: CallScript } = { flow },
): Promise<{ events: CallEvent[]; transcript: CallTranscript }> {
  const events: CallEvent[] = [];
  let handler!: FetchHandler;
  const url = `${await serve(() => handler)}/voice`;
  const authToken = 'inbound-events-auth-token-01234';
  handler = createTwilioHandler({ flow: run.flow, secret, authToken, publicBaseUrl: url, onCallEvent: (event) => void events.push(event) });
  const transcript = await createTwilioEmulator({ voiceUrl: url, authToken, statusCallbackUrl: url }).call(run.script ?? script(hangUp));
  return { events, transcript };
}

async function vonageRun(
  hangUp: boolean,
  run: { flow: Flow; script?: CallScript } = { flow },
): Promise<{ events: CallEvent[]; transcript: CallTranscript }> {
  const events: CallEvent[] = [];
  let handler!: FetchHandler;
  const url = `${await serve(() => handler)}/vonage`;
  const signatureSecret = 'inbound-events-signature-secret';
  handler = createVonageHandler({
    flow: run.flow,
    secret,
    signatureSecret,
    publicBaseUrl: url,
    onCallEvent: (event) => void events.push(event),
  });
  const vonage = await createVonageEmulator({ answerUrl: `${url}/answer`, eventUrl: `${url}/event`, signatureSecret });
  cleanups.push(() => vonage.close());
  const transcript = await vonage.call(run.script ?? script(hangUp));
  return { events, transcript };
}

async function telnyxRun(
  hangUp: boolean,
  run: { flow: Flow; script?: CallScript } = { flow },
): Promise<{ events: CallEvent[]; transcript: CallTranscript }> {
  const events: CallEvent[] = [];
  let handler!: FetchHandler;
  const url = `${await serve(() => handler)}/telnyx`;
  const telnyx = await createTelnyxEmulator({ webhookUrl: url });
  cleanups.push(() => telnyx.close());
  handler = createTelnyxHandler({
    flow: run.flow,
    secret,
    publicKey: telnyx.publicKey,
    client: createCallControlClient({ apiKey: 'KEY-events', baseUrl: telnyx.apiBaseUrl }),
    onCallEvent: (event) => void events.push(event),
  });
  const transcript = await telnyx.call(run.script ?? script(hangUp));
  return { events, transcript };
}

const neutral = (events: CallEvent[]) =>
  events.map((event) => {
    const { callId: _id, provider: _provider, ...rest } = event;
    if (rest.type === 'call-ended') return { type: rest.type, status: rest.status, endedBy: rest.endedBy };
    if (rest.type === 'transfer-ended') return { type: rest.type, status: rest.status };
    if (rest.type === 'call-started') return { type: rest.type, direction: rest.direction };
    return rest;
  });

describe('lifecycle events of inbound calls', () => {
  it('are the same on Twilio, Vonage and Telnyx: started, answered, the transfer leg, ended by the flow', async () => {
    const runs = [await twilioRun(false), await vonageRun(false), await telnyxRun(false)];
    for (const run of runs) expect(run.transcript.errors).toEqual([]);
    for (const run of runs) {
      expect(neutral(run.events)).toEqual([
        { type: 'call-started', direction: 'inbound' },
        { type: 'call-answered', direction: 'inbound' },
        { type: 'transfer-ended', status: 'busy' },
        { type: 'call-ended', status: 'completed', endedBy: 'flow' },
      ]);
    }
  });

  it('say the caller ended a call they hung up', async () => {
    const runs = [await twilioRun(true), await vonageRun(true), await telnyxRun(true)];
    for (const run of runs) expect(neutral(run.events).at(-1)).toEqual({ type: 'call-ended', status: 'completed', endedBy: 'caller' });
  });

  it('report a transfer that could not be made as failed, once, on all three (a number Telnyx refuses, a dial the others fail)', async () => {
    const run = { flow: refused, script: refusedScript };
    const runs = [await twilioRun(false, run), await vonageRun(false, run), await telnyxRun(false, run)];
    for (const each of runs) expect(each.transcript.errors).toEqual([]);
    for (const each of runs) {
      expect(neutral(each.events)).toEqual([
        { type: 'call-started', direction: 'inbound' },
        { type: 'call-answered', direction: 'inbound' },
        { type: 'transfer-ended', status: 'failed' },
        { type: 'call-ended', status: 'completed', endedBy: 'flow' },
      ]);
    }
    // The cause is each provider's own words: Telnyx's refusal names the command and its error code.
    expect(runs[2]!.events.find((event) => event.type === 'transfer-ended')).toMatchObject({
      cause: expect.stringMatching(/^transfer refused: .*10016/),
    });
  });
});
