// A Vonage menu press claims its position in the signature check's store step (with the jti replay record): the same
// guarantees as two steps, on the memory store (step by step) and on Redis (one script).
import { CallFlowError, createMemoryStore, setMany, silentLogger, type Store } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { createVonageHandler, signVonageRequest } from '@callflow/vonage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';
import { startRedisServer, type RedisServerProcess } from './redis-server.js';

const secret = 'position-claim-secret-0123456789';
const signatureSecret = 'position-claim-signature-secret';
const base = 'https://ivr.example.com/vonage';

let server: RedisServerProcess;
let redis: RedisStore;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedisStore({ client: server.url, prefix: `position-claim-${Date.now()}:`, timeoutMs: 5_000, checkServerSettings: false });
});

afterAll(async () => {
  await redis?.close();
  await server?.dispose();
});

/** `store`, except that a write of a document sent for a delivery fails (with the writes beside it) while `failing.on` is true. */
function failingCommit(store: Store, failing: { on: boolean }): Store {
  const down = () => Promise.reject(new CallFlowError('store-unavailable', 'store down for the commit'));
  const touchesResponse = (keys: string[]) => failing.on && keys.some((key) => key.startsWith('vonage:response:'));
  const wrapped: Store = {
    get: (key) => store.get(key),
    set: (key, value, options) => (touchesResponse([key]) ? down() : store.set(key, value, options)),
    increment: (key, by, options) => store.increment(key, by, options),
    compareAndSet: (key, expected, value, options) =>
      touchesResponse([key]) ? down() : store.compareAndSet(key, expected, value, options),
    delete: (key) => store.delete(key),
  };
  if (store.claim) wrapped.claim = store.claim.bind(store);
  // The commit fails whole, as a native setMany does (one step, all or nothing).
  wrapped.setMany = (writes) => (touchesResponse(writes.map((write) => write.key)) ? down() : setMany(store, writes));
  return wrapped;
}

const stores: Array<[string, () => Store]> = [
  ['memory store', () => createMemoryStore()],
  ['Redis store', () => redis],
];

describe.each(stores)('Vonage menu press, position claimed with the jti (%s)', (_name, makeStore) => {
  const setUp = (failing = { on: false }) => {
    const store = makeStore();
    const handler = createVonageHandler({
      flow: phoneTree,
      secret,
      signatureSecret,
      publicBaseUrl: base,
      store: failingCommit(store, failing),
      logger: silentLogger,
    });
    const inputUrl = async (response: Response) => {
      const ncco = (await response.json()) as Array<{ action: string; eventUrl?: string[] }>;
      return ncco.find((action) => action.action === 'input')?.eventUrl?.[0];
    };
    const answer = async (callId: string) => {
      const response = await handler(
        await signVonageRequest({ url: `${base}/answer?to=447700900000&from=447700900001&uuid=${callId}`, method: 'GET', signatureSecret }),
      );
      expect(response.status).toBe(200);
      return (await inputUrl(response))!;
    };
    const press = (url: string, callId: string, digits: string) =>
      signVonageRequest({
        url,
        body: {
          uuid: callId,
          from: '447700900001',
          to: '447700900000',
          dtmf: { digits, timed_out: false },
          timestamp: new Date().toISOString(),
        },
        signatureSecret,
      });
    return { store, handler, answer, press, inputUrl };
  };

  it("a replayed JWT on the call's current position is refused 403 and claims nothing: the real press there is answered", async () => {
    const { store, handler, answer, press, inputUrl } = setUp();
    const callId = `aaaaaaaa-0000-4000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
    const menu = await answer(callId);
    const first = await press(menu, callId, '3');
    const replayBody = await first.clone().text();
    const pressed = await handler(first);
    expect(pressed.status).toBe(200);
    const next = (await inputUrl(pressed))!;
    expect(next, 'the hours turn asks for input again, at a new position').not.toBe(menu);
    const position = await store.get(`vonage:current:${callId}`);
    // The first press's JWT and body, presented on the call's new position: another request, so a replay.
    const replay = new Request(next, { method: 'POST', headers: first.headers, body: replayBody });
    expect((await handler(replay)).status).toBe(403);
    expect(await store.get(`vonage:current:${callId}`), 'the refused replay did not hold the position').toBe(position);
    const real = await handler(await press(next, callId, '3'));
    expect(real.status).toBe(200);
    expect(await real.text()).toContain('"talk"');
  });

  it('a repeated delivery gets the same document; a 503 from the commit releases both the jti and the position', async () => {
    const failing = { on: true };
    const { store, handler, answer, press } = setUp(failing);
    const callId = `bbbbbbbb-0000-4000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
    failing.on = false;
    const menu = await answer(callId);
    failing.on = true;
    const request = await press(menu, callId, '3');
    const body = await request.clone().text();
    const copy = () => new Request(request.url, { method: 'POST', headers: request.headers, body });
    expect((await handler(copy())).status).toBe(503);
    expect(await store.get(`vonage:current:${callId}`), 'the position is back where the press found it').not.toMatch(/^busy:/);
    failing.on = false;
    const retried = await handler(copy());
    expect(retried.status, 'the retry (same JWT, same request) is not refused as a replay, nor stale').toBe(200);
    const document = await retried.text();
    expect(document).toContain('"talk"');
    const again = await handler(copy());
    expect(again.status).toBe(200);
    expect(await again.text(), 'a repeated delivery gets the same document').toBe(document);
  });
});
