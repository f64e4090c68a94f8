import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore, defineFlow, enqueue, gather, hangup, play, record, say, toNodeListener, transfer } from '@callflow/core';
import { createTelnyxEmulator, spoken } from '@callflow/testing';

// The handler code only some flows need sits in chunks of its own (packages/telnyx/src/telnyx-features.ts): a handler
// loads a chunk when its flow has the step, a dynamic node's or an outbound leg's at the first event that needs it. Each
// test here starts from a fresh module registry, so no chunk is loaded before the handler asks for it, and the feature
// must work from its first webhook.

beforeEach(() => {
  vi.resetModules();
});

describe('Telnyx feature chunks from a cold module state', () => {
  it('a queue in a static node: the hold loop (music, announcement) runs from the first call.enqueued', async () => {
    const { startRig } = await import('./harness.js');
    const flow = defineFlow({
      name: 'cold-queue',
      start: 'wait',
      nodes: {
        wait: [
          enqueue('sales', {
            holdMusic: 'https://audio.example.com/hold.mp3',
            announce: { template: 'You are number {position} in line.', everySeconds: 60 },
          }),
        ],
      },
    });
    const rig = await startRig(flow);
    try {
      const transcript = await rig.emulator.call({ queues: [{ result: 'bridged', position: 2 }] });
      expect(transcript.errors).toEqual([]);
      const actions = rig.emulator.requests.map((request) => request.action);
      // The announcement and the first play of the music, sent by the hold chunk at call.enqueued.
      expect(actions.slice(0, 4)).toEqual(['answer', 'enqueue', 'speak', 'playback_start']);
      expect(rig.emulator.requests[2]!.body).toMatchObject({ payload: 'You are number 2 in line.' });
      expect(rig.emulator.requests[3]!.body).toMatchObject({ audio_url: 'https://audio.example.com/hold.mp3' });
    } finally {
      await rig.close();
    }
  });

  it('a voicemail: the record chunk times the silence from the first call (the speech stops the timer, its timeout the recording)', async () => {
    const { startRig } = await import('./harness.js');
    const flow = defineFlow({
      name: 'cold-voicemail',
      start: 'box',
      nodes: {
        box: [say('Leave a message.'), record({ maxSeconds: 45, silenceSeconds: 4, then: 'bye' })],
        bye: [say('Thank you.'), hangup()],
      },
    });
    const rig = await startRig(flow);
    try {
      const transcript = await rig.emulator.call({ recordings: [{ durationSeconds: 9 }] });
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual(['Leave a message.', 'Thank you.']);
      const actions = rig.emulator.requests.filter((request) => !request.duplicate).map((request) => request.action);
      // Sent by the record chunk at the caller's speech (gather_stop) and at the silence after it (record_stop).
      expect(actions).toContain('gather_stop');
      expect(actions.filter((action) => action === 'record_stop')).toHaveLength(1);
    } finally {
      await rig.close();
    }
  });

  it('a transfer in a dynamic node that Telnyx refuses: the transfer chunk loads at the refusal, the caller takes onFailed', async () => {
    const { startRig } = await import('./harness.js');
    const flow = defineFlow({
      name: 'cold-refused',
      start: 'main',
      nodes: {
        main: () => [say('Connecting you.'), transfer('14155550100', { onFailed: 'failed' })],
        failed: [say('We could not connect you.'), hangup()],
      },
    });
    const rig = await startRig(flow);
    try {
      const transcript = await rig.emulator.call({});
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries).toEqual([
        { type: 'say', text: 'Connecting you.' },
        { type: 'transfer', to: '14155550100', status: 'failed' },
        { type: 'say', text: 'We could not connect you.' },
        { type: 'hangup', by: 'flow' },
      ]);
    } finally {
      await rig.close();
    }
  });

  it('an outbound call: the outbound chunk loads at the leg’s first event and the flow runs once it is answered', async () => {
    const { createCallControlClient, createTelnyxHandler, startTelnyxCall } = await import('../src/index.js');
    const flow = defineFlow({
      name: 'cold-outbound',
      start: 'intro',
      nodes: {
        intro: [gather({ prompt: [say('Press 1 to confirm.')], numDigits: 1, routes: { '1': 'confirmed' } })],
        confirmed: [say('Confirmed.'), hangup()],
      },
    });
    let handler: ReturnType<typeof createTelnyxHandler> | undefined;
    const server: Server = createServer(toNodeListener((request) => handler!(request)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const emulator = await createTelnyxEmulator({ webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/telnyx` });
    try {
      handler = createTelnyxHandler({
        flow,
        secret: 'cold-outbound-secret-0123456789',
        publicKey: emulator.publicKey,
        client: createCallControlClient({ apiKey: 'KEY-test', baseUrl: emulator.apiBaseUrl }),
      });
      emulator.scriptOutbound({ input: ['1'] });
      await startTelnyxCall(createCallControlClient({ apiKey: 'KEY-test', baseUrl: emulator.apiBaseUrl }), handler, {
        connectionId: 'conn-1',
        to: '+15551230000',
        from: '+15559870000',
      });
      const transcript = await emulator.outboundCalls.at(-1)!.transcript;
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual(['Press 1 to confirm.', 'Confirmed.']);
    } finally {
      await emulator.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a command refused for good while the recovery chunk cannot load: the call is hung up, never left in silence', async () => {
    vi.doMock('../src/telnyx-recovery.js', () => {
      throw new Error('chunk missing');
    });
    try {
      const { createCallControlClient, createTelnyxHandler, generateTelnyxKeyPair, signTelnyxEvent } = await import('../src/index.js');
      const keys = await generateTelnyxKeyPair();
      const sent: string[] = [];
      // A Call Control API in-process that refuses the play for good (422) and accepts the rest.
      const fetch = async (url: string | URL | Request) => {
        const action = /\/actions\/([^/]+)$/.exec(new URL(String(url)).pathname)?.[1] ?? 'unknown';
        sent.push(action);
        const refused = action === 'playback_start';
        return new Response(refused ? '{"errors":[{"code":"90001","title":"Invalid audio_url"}]}' : '{"data":{"result":"ok"}}', {
          status: refused ? 422 : 200,
          headers: { 'content-type': 'application/json' },
        });
      };
      const handler = createTelnyxHandler({
        flow: defineFlow({
          name: 'refused-play',
          start: 'main',
          nodes: { main: [play('https://audio.example.com/missing.mp3'), hangup()] },
        }),
        secret: 'cold-recovery-secret-0123456789',
        publicKey: keys.publicKey,
        client: createCallControlClient({ apiKey: 'KEY-test', baseUrl: 'http://127.0.0.1:9/v2', fetch }),
        logger: { info() {}, warn() {}, error() {} },
      });
      const reply = await handler(
        await signedEvent(signTelnyxEvent, keys.privateKey, 'e1', 'call.initiated', {
          call_control_id: 'v3:refused',
          direction: 'incoming',
          from: '+15551230000',
          to: '+15559870000',
        }),
      );
      expect(reply.status).toBe(200);
      expect(sent).toEqual(['answer', 'playback_start', 'hangup']);
    } finally {
      vi.doUnmock('../src/telnyx-recovery.js');
    }
  });

  it('a command that fails once: the failure chunk loads at the failure and the command is sent again (same command_id)', async () => {
    const { answered, sent } = await callWithOnePlay(() => import('../src/index.js'), { failFirstPlayWith: 503 });
    expect(answered).toBe(200);
    expect(sent.map((request) => request.action)).toEqual(['answer', 'playback_start', 'playback_start']);
    expect(sent[2]!.commandId).toBe(sent[1]!.commandId);
  });

  it('a command that fails while the failure chunk cannot load: the event is answered 503 for Telnyx to redeliver', async () => {
    vi.doMock('../src/telnyx-command-failure.js', () => {
      throw new Error('chunk missing');
    });
    try {
      const { answered, sent } = await callWithOnePlay(() => import('../src/index.js'), { failFirstPlayWith: 503 });
      expect(answered).toBe(503);
      expect(sent.map((request) => request.action)).toEqual(['answer', 'playback_start']);
    } finally {
      vi.doUnmock('../src/telnyx-command-failure.js');
    }
  });

  it('a store that forgot the call: the recovery chunk loads at the next event and the call goes on from its token', async () => {
    const { answered, sent } = await menuWithForgottenRecord(() => import('../src/index.js'));
    expect(answered).toBe(200);
    expect(sent.map((request) => request.action)).toEqual(['answer', 'gather_using_speak', 'speak']);
    expect(sent[2]!.body).toMatchObject({ payload: 'Sales.' });
  });

  it('a store that forgot the call while the recovery chunk cannot load: the event is answered 503 for Telnyx to redeliver', async () => {
    vi.doMock('../src/telnyx-recovery.js', () => {
      throw new Error('chunk missing');
    });
    try {
      const { answered, sent } = await menuWithForgottenRecord(() => import('../src/index.js'));
      expect(answered).toBe(503);
      expect(sent.map((request) => request.action)).toEqual(['answer', 'gather_using_speak']);
    } finally {
      vi.doUnmock('../src/telnyx-recovery.js');
    }
  });
});

/** One inbound call.initiated to a flow that plays a file and hangs up, through an in-process Call Control API whose first play fails. */
async function callWithOnePlay(
  load: () => Promise<typeof import('../src/index.js')>,
  options: { failFirstPlayWith: number },
): Promise<{ answered: number; sent: Array<{ action: string; commandId: unknown }> }> {
  const { createCallControlClient, createTelnyxHandler, generateTelnyxKeyPair, signTelnyxEvent } = await load();
  const keys = await generateTelnyxKeyPair();
  const sent: Array<{ action: string; commandId: unknown }> = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    const action = /\/actions\/([^/]+)$/.exec(new URL(String(url)).pathname)?.[1] ?? 'unknown';
    sent.push({ action, commandId: (JSON.parse(String(init?.body ?? '{}')) as { command_id?: unknown }).command_id });
    const failed = action === 'playback_start' && sent.filter((request) => request.action === action).length === 1;
    return new Response(failed ? '{"errors":[{"title":"Service Unavailable"}]}' : '{"data":{"result":"ok"}}', {
      status: failed ? options.failFirstPlayWith : 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  const handler = createTelnyxHandler({
    flow: defineFlow({ name: 'one-play', start: 'main', nodes: { main: [play('https://audio.example.com/hello.mp3'), hangup()] } }),
    secret: 'cold-failure-secret-0123456789',
    publicKey: keys.publicKey,
    client: createCallControlClient({ apiKey: 'KEY-test', baseUrl: 'http://127.0.0.1:9/v2', fetch }),
    logger: { info() {}, warn() {}, error() {} },
    retryDelayMs: 1,
  });
  const reply = await handler(
    await signedEvent(signTelnyxEvent, keys.privateKey, 'e1', 'call.initiated', {
      call_control_id: 'v3:one-play',
      direction: 'incoming',
      from: '+15551230000',
      to: '+15559870000',
    }),
  );
  return { answered: reply.status, sent };
}

/** A menu call whose position record the store loses between its first event and the key press that answers the menu. */
async function menuWithForgottenRecord(
  load: () => Promise<typeof import('../src/index.js')>,
): Promise<{ answered: number; sent: Array<{ action: string; body: Record<string, unknown> }> }> {
  const { createCallControlClient, createTelnyxHandler, generateTelnyxKeyPair, signTelnyxEvent } = await load();
  const keys = await generateTelnyxKeyPair();
  const store = createMemoryStore();
  const sent: Array<{ action: string; body: Record<string, unknown> }> = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    const action = /\/actions\/([^/]+)$/.exec(new URL(String(url)).pathname)?.[1] ?? 'unknown';
    sent.push({ action, body: JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown> });
    return new Response('{"data":{"result":"ok"}}', { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const handler = createTelnyxHandler({
    flow: defineFlow({
      name: 'forgotten',
      start: 'menu',
      nodes: {
        menu: [gather({ prompt: [say('Press 1 for sales.')], numDigits: 1, routes: { '1': 'sales' } })],
        sales: [say('Sales.'), hangup()],
      },
    }),
    secret: 'cold-forgotten-secret-0123456789',
    publicKey: keys.publicKey,
    client: createCallControlClient({ apiKey: 'KEY-test', baseUrl: 'http://127.0.0.1:9/v2', fetch }),
    store,
    logger: { info() {}, warn() {}, error() {} },
  });
  const post = async (id: string, type: string, payload: Record<string, unknown>) =>
    (await handler(await signedEvent(signTelnyxEvent, keys.privateKey, id, type, payload))).status;
  const leg = { call_control_id: 'v3:forgotten', from: '+15551230000', to: '+15559870000' };
  expect(await post('e1', 'call.initiated', { ...leg, direction: 'incoming' })).toBe(200);
  await store.delete('telnyx:position:v3:forgotten');
  const answered = await post('e2', 'call.gather.ended', {
    ...leg,
    digits: '1',
    status: 'valid',
    client_state: sent[1]!.body.client_state,
  });
  return { answered, sent };
}

/** A signed Telnyx event as a web `Request`, signed with the module state's own `signTelnyxEvent` (the test's fresh import). */
async function signedEvent(
  signTelnyxEvent: typeof import('../src/index.js').signTelnyxEvent,
  privateKey: string,
  id: string,
  type: string,
  payload: Record<string, unknown>,
): Promise<Request> {
  const body = JSON.stringify({ data: { record_type: 'event', event_type: type, id, occurred_at: new Date().toISOString(), payload } });
  return new Request('http://localhost/telnyx', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...(await signTelnyxEvent(body, { privateKey })) },
  });
}
