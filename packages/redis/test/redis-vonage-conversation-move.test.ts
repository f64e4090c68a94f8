// A Vonage queue move of a caller in a queue's conversation (no hold breaks) whose REST answer was lost, with the
// transfer event lost too: once the move's lease is over, the next agent asks Vonage where the leg is (GET
// /v1/calls/{uuid}) and moves only the caller whose transfer never applied. The same on the memory store and on Redis,
// where the queue's lease runs on the server's clock (so this test waits the 30 s lease out for real there).
import { createMemoryStore, defineFlow, enqueue, say, silentLogger, type Store } from '@callflow/core';
import { createVonageHandler, signVonageRequest, type VonageVoiceClient } from '@callflow/vonage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';
import { startRedisServer, type RedisServerProcess } from './redis-server.js';

const secret = 'conversation-move-secret-0123456789';
const signatureSecret = 'conversation-move-signature-secret';
const base = 'https://ivr.example.com/vonage';
const leaseSeconds = 30;

let server: RedisServerProcess;
let redis: RedisStore;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedisStore({
    client: server.url,
    prefix: `conversation-move-${Date.now()}:`,
    timeoutMs: 5_000,
    checkServerSettings: false,
  });
});

afterAll(async () => {
  await redis?.close();
  await server?.dispose();
});

const flow = defineFlow({
  name: 'conversation-move',
  start: 'main',
  nodes: {
    main: [enqueue('agents', { holdMusic: 'https://audio.example.com/hold.mp3', then: 'bye' })],
    connect_agent: [say('Connecting you.')],
    bye: [say('Goodbye.')],
  },
});

/** A Voice API stand-in: a transfer moves the leg into a new conversation, as `GET /v1/calls/{uuid}` then shows. */
function voiceApi() {
  const conversations = new Map<string, string>();
  const transferred: string[] = [];
  const move = (uuid: string) => {
    transferred.push(uuid);
    conversations.set(uuid, `CON-moved-${transferred.length}`);
  };
  const client = (answer: 'answers' | 'applied, answer lost' | 'lost on the way'): VonageVoiceClient => ({
    voice: {
      transferCallWithNCCO: async (uuid) => {
        if (answer !== 'lost on the way') move(uuid);
        if (answer !== 'answers') throw new Error('The operation was aborted due to timeout');
      },
      transferCallWithURL: async () => undefined,
      // provider: @vonage/voice voice.getCall resolves a CallDetail with status and conversationUUID.
      getCall: async (uuid) => ({ status: 'answered', conversationUUID: conversations.get(uuid) ?? `CON-queue-${uuid}` }),
    },
  });
  return { client, transferred };
}

const stores: Array<[string, () => Store, boolean]> = [
  ['memory store', () => createMemoryStore({ now: () => clock.now() }), false],
  ['Redis store', () => redis, true],
];

const clock = {
  offsetMs: 0,
  now: () => Date.now() + clock.offsetMs,
};

describe.each(stores)('Vonage conversation-path move with its answer and transfer event lost (%s)', (_name, makeStore, realLease) => {
  it('after the lease, the caller whose transfer applied is not moved again; the one whose transfer never left is moved once', async () => {
    clock.offsetMs = 0;
    const store = makeStore();
    const api = voiceApi();
    const handler = createVonageHandler({
      flow,
      secret,
      publicBaseUrl: base,
      signatureSecret,
      store,
      now: clock.now,
      logger: silentLogger,
      voiceClient: api.client('answers'),
    });
    const callIds = [`applied-${Date.now()}`, `lost-${Date.now()}`];
    for (const callId of callIds) {
      const answer = await handler(
        await signVonageRequest({ url: `${base}/answer?to=447700900000&from=447700900001&uuid=${callId}`, method: 'GET', signatureSecret }),
      );
      expect(answer.status).toBe(200);
    }
    await expect(handler.connectNextCaller('agents', { node: 'connect_agent' }, api.client('applied, answer lost'))).rejects.toThrow(
      /timeout/,
    );
    await expect(handler.connectNextCaller('agents', { node: 'connect_agent' }, api.client('lost on the way'))).rejects.toThrow(/timeout/);
    expect(await handler.connectNextCaller('agents', { node: 'connect_agent' }), 'within the lease: nobody').toBeUndefined();
    if (realLease) await new Promise((resolve) => setTimeout(resolve, (leaseSeconds + 1) * 1000));
    else clock.offsetMs = (leaseSeconds + 1) * 1000;
    expect((await handler.connectNextCaller('agents', { node: 'connect_agent' }))?.callId).toBe(callIds[1]);
    expect(await handler.connectNextCaller('agents', { node: 'connect_agent' })).toBeUndefined();
    expect(api.transferred).toEqual([callIds[0], callIds[1]]);
    expect(await handler.queuedCallers('agents')).toEqual([]);
  }, 90_000);
});
