// The handler's jti replay guard (through the store): a token is accepted again only on the very request it came with,
// refused on any other; and what it recorded is forgotten when the handler answers 5xx, so Vonage's retry passes.
import { describe, expect, it } from 'vitest';
import { CallFlowError, createMemoryStore, type Store } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { createVonageHandler, signVonageRequest, vonageJtiKeyPrefix } from '@callflow/vonage';

const signatureSecret = 'jti-signature-secret';
const secret = 'jti-test-secret-0123456789';
const base = 'https://ivr.example.com/vonage';
const answerUrl = (uuid: string) => `${base}/answer?to=447700900000&from=447700900001&uuid=${uuid}`;

async function sameRequestTwice(request: Request): Promise<[Request, Request]> {
  const body = request.method === 'GET' ? undefined : await request.clone().text();
  const copy = () => new Request(request.url, { method: request.method, headers: request.headers, body });
  return [copy(), copy()];
}

describe('Vonage jti replay guard', () => {
  it("the very same request again is answered as the first time; its JWT on another call's URL is refused 403", async () => {
    const store = createMemoryStore();
    const handler = createVonageHandler({ flow: phoneTree, secret, publicBaseUrl: base, signatureSecret, store });
    const [first, again] = await sameRequestTwice(
      await signVonageRequest({ url: answerUrl('00000000-0000-4000-8000-000000000001'), method: 'GET', signatureSecret }),
    );
    const answered = await handler(first);
    expect(answered.status).toBe(200);
    const document = await answered.text();
    const repeated = await handler(again);
    expect(repeated.status).toBe(200);
    expect(await repeated.text()).toBe(document);
    // The same JWT (the same Authorization header) presented with another URL: a replay.
    const elsewhere = new Request(answerUrl('00000000-0000-4000-8000-000000000002'), { method: 'GET', headers: first.headers });
    expect((await handler(elsewhere)).status).toBe(403);
  });

  it('a 503 forgets the jti the check recorded, so the retry of that webhook is not refused as a replay', async () => {
    const memory = createMemoryStore();
    let down = true;
    // Up for the replay guard, down for everything after it: the answer webhook fails with 503 after verification.
    const failing = (key: string) => down && !key.startsWith(vonageJtiKeyPrefix);
    const reject = () => Promise.reject(new CallFlowError('store-unavailable', 'store down'));
    const store: Store = {
      get: (key) => (failing(key) ? reject() : memory.get(key)),
      set: (key, value, options) => (failing(key) ? reject() : memory.set(key, value, options)),
      delete: (key) => (failing(key) ? reject() : memory.delete(key)),
      compareAndSet: (key, expected, value, options) => (failing(key) ? reject() : memory.compareAndSet(key, expected, value, options)),
      increment: (key, by, options) => (failing(key) ? reject() : memory.increment(key, by, options)),
    };
    const handler = createVonageHandler({
      flow: phoneTree,
      secret,
      publicBaseUrl: base,
      signatureSecret,
      store,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const [first, retry] = await sameRequestTwice(
      await signVonageRequest({ url: answerUrl('00000000-0000-4000-8000-000000000003'), method: 'GET', signatureSecret }),
    );
    expect((await handler(first)).status).toBe(503);
    const jti = JSON.parse(atob(first.headers.get('authorization')!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).jti as string;
    expect(await memory.get(`${vonageJtiKeyPrefix}${jti}`)).toBeUndefined();
    down = false;
    expect((await handler(retry)).status).toBe(200);
  });
});
