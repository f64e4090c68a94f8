import { describe, expect, it } from 'vitest';
import { CallFlowError, createMemoryStore, defineFlow, enqueue, say, transfer, type Store } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import {
  addToQueue,
  createVonageHandler,
  listQueue,
  removeFromQueue,
  signVonageRequest,
  takeFromQueue,
  type VonageVoiceClient,
} from '@callflow/vonage';

const signatureSecret = 'store-signature-secret';
const secret = 'store-test-secret-0123456789';
const base = 'https://ivr.example.com/vonage';

/** A memory store that can be switched off: every operation then rejects like an unreachable Redis. */
function flakyStore(): Store & { down: boolean; downAfterWriteOf(prefix: string): void } {
  const inner = createMemoryStore();
  let trigger: string | undefined;
  const state = { down: false };
  const guard = <T>(operation: () => Promise<T>, written?: string): Promise<T> => {
    if (state.down) return Promise.reject(new CallFlowError('store-unavailable', 'redis unreachable (test)', { provider: 'redis' }));
    const result = operation();
    if (trigger !== undefined && written?.startsWith(trigger)) {
      trigger = undefined;
      state.down = true;
    }
    return result;
  };
  return Object.assign(state, {
    get: (key: string) => guard(() => inner.get(key)),
    set: (key: string, value: string, options?: { ttlSeconds?: number }) => guard(() => inner.set(key, value, options)),
    increment: (key: string, by?: number, options?: { ttlSeconds?: number }) => guard(() => inner.increment(key, by, options)),
    compareAndSet: (key: string, expected: string | undefined, value: string, options?: { ttlSeconds?: number }) =>
      guard(() => inner.compareAndSet(key, expected, value, options), value),
    delete: (key: string) => guard(() => inner.delete(key)),
    downAfterWriteOf(prefix: string) {
      trigger = prefix;
    },
  });
}

function rig(store: Store) {
  const handler = createVonageHandler({ flow: phoneTree, secret, publicBaseUrl: base, signatureSecret, store });
  const uuid = '11111111-2222-4333-8444-555555555555';
  const answer = async () =>
    handler(
      await signVonageRequest({
        url: `${base}/answer?to=447700900000&from=447700900001&uuid=${uuid}&conversation_uuid=CON-1`,
        method: 'GET',
        signatureSecret,
      }),
    );
  const post = async (url: string, body: unknown) => handler(await signVonageRequest({ url, body, signatureSecret }));
  const inputUrlOf = (ncco: Array<Record<string, unknown>>) => (ncco.find((action) => action.action === 'input')!.eventUrl as string[])[0]!;
  return { handler, uuid, answer, post, inputUrlOf };
}

describe('Vonage handler when the store is unavailable', () => {
  it('answers 503 (so Vonage retries), not the apology, and the retry succeeds once the store is back', async () => {
    const store = flakyStore();
    const { answer } = rig(store);
    store.down = true;
    const refused = await answer();
    expect(refused.status).toBe(503);
    expect(await refused.text()).not.toMatch(/sorry/i);
    store.down = false;
    const retried = await answer();
    expect(retried.status).toBe(200);
    expect(JSON.stringify(await retried.json())).toContain('Hello, and welcome to ACME');
  });

  it('a failure half-way through an input webhook leaves nothing that blocks the retry', async () => {
    const store = flakyStore();
    const { answer, post, uuid, inputUrlOf } = rig(store);
    const menuUrl = inputUrlOf((await (await answer()).json()) as Array<Record<string, unknown>>);
    const body = { uuid, dtmf: { digits: '3', timed_out: false } };
    // The handler claims the call's position, then loses the store: it cannot put the position back.
    store.downAfterWriteOf('busy:');
    // Measured from before the claim, so a slow first attempt cannot shorten what the retry is seen to wait.
    const started = Date.now();
    expect((await post(menuUrl, body)).status).toBe(503);
    expect(store.down).toBe(true);
    store.down = false;
    // Vonage's retry: the claim of the dead attempt runs out (4 s lease), then the retry resumes the call.
    const retried = await post(menuUrl, body);
    expect(retried.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    expect(JSON.stringify(await retried.json())).toContain('We are open Monday to Friday');
    // A further duplicate gets the same NCCO; the call moved exactly once.
    expect(await (await post(menuUrl, body)).text()).toContain('We are open Monday to Friday');
  }, 15_000);
});

describe('Vonage queue on a shared store', () => {
  const queueFlow = defineFlow({
    name: 'queue',
    start: 'hold',
    nodes: {
      hold: [say('Please hold.'), enqueue('agents', { announcePosition: true })],
      connect_agent: [say('Connecting you.'), transfer('+447700900123')],
    },
  });

  it('200 concurrent enqueues get distinct positions 1..200, and concurrent takers each get a different caller', async () => {
    const store = createMemoryStore();
    const positions = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        addToQueue(store, { callId: `call-${index}`, token: `token-${index}`, queue: 'agents', enqueuedAt: index }),
      ),
    );
    expect([...positions].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, index) => index + 1));
    const order = (await listQueue(store, 'agents')).map((caller) => caller.callId);
    // Twenty callers hang up while two agents' worth of takers race for the rest.
    const hungUp = order.filter((_, index) => index % 10 === 5);
    const [removed, taken] = await Promise.all([
      Promise.all(hungUp.map((callId) => removeFromQueue(store, callId))),
      Promise.all(Array.from({ length: 180 }, () => takeFromQueue(store, 'agents'))),
    ]);
    const takenIds = taken.filter((caller) => caller !== undefined).map((caller) => caller.callId);
    // Every caller went exactly one way: taken by one agent, or removed by their hang-up.
    expect(new Set(takenIds).size).toBe(takenIds.length);
    const removedIds = hungUp.filter((_, index) => removed[index] === 'agents');
    expect(new Set([...takenIds, ...removedIds]).size).toBe(takenIds.length + removedIds.length);
    const rest = (await listQueue(store, 'agents')).map((caller) => caller.callId);
    expect([...takenIds, ...removedIds, ...rest].sort()).toEqual([...order].sort());
  });

  it('a caller enqueued through one instance is connected by an agent through another, in order', async () => {
    const store = createMemoryStore();
    const transfers: Array<{ callId: string; ncco: unknown }> = [];
    const voiceClient: VonageVoiceClient = {
      voice: {
        transferCallWithNCCO: async (callId, ncco) => void transfers.push({ callId, ncco }),
        transferCallWithURL: async () => undefined,
      },
    };
    const instances = [0, 1].map(() =>
      createVonageHandler({ flow: queueFlow, secret, publicBaseUrl: base, signatureSecret, store, voiceClient }),
    );
    const callIds = Array.from({ length: 6 }, (_, index) => `00000000-0000-4000-8000-00000000000${index}`);
    const announced: string[] = [];
    for (const [index, callId] of callIds.entries()) {
      const response = await instances[index % 2]!(
        await signVonageRequest({ url: `${base}/answer?to=447700900000&from=447700900001&uuid=${callId}`, method: 'GET', signatureSecret }),
      );
      announced.push(JSON.stringify(await response.json()));
    }
    expect(announced.map((ncco) => /You are number (\d+) in line/.exec(ncco)?.[1])).toEqual(['1', '2', '3', '4', '5', '6']);
    // The third caller hangs up (event through instance 0): they leave the queue.
    await instances[0]!(
      await signVonageRequest({ url: `${base}/event`, body: { uuid: callIds[2], status: 'completed' }, signatureSecret }),
    );
    const picked: string[] = [];
    for (let agent = 0; agent < 6; agent++) {
      const caller = await instances[(agent + 1) % 2]!.connectNextCaller('agents', { node: 'connect_agent' });
      if (caller) picked.push(caller.callId);
    }
    expect(picked).toEqual([callIds[0], callIds[1], callIds[3], callIds[4], callIds[5]]);
    expect(transfers.map((entry) => entry.callId)).toEqual(picked);
    expect(await instances[1]!.queuedCallers('agents')).toEqual([]);
  });

  it('an agent skips a queued caller whose call no longer exists (404), instead of putting them back at the front', async () => {
    const store = createMemoryStore();
    const transferred: string[] = [];
    const voiceClient: VonageVoiceClient = {
      voice: {
        transferCallWithNCCO: async (callId) => {
          if (callId.endsWith('1')) throw Object.assign(new Error('Request failed with status code 404'), { response: { status: 404 } });
          transferred.push(callId);
        },
        transferCallWithURL: async () => undefined,
      },
    };
    const handler = createVonageHandler({ flow: queueFlow, secret, publicBaseUrl: base, signatureSecret, store, voiceClient });
    for (const callId of ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']) {
      await handler(
        await signVonageRequest({ url: `${base}/answer?to=447700900000&from=447700900001&uuid=${callId}`, method: 'GET', signatureSecret }),
      );
    }
    const caller = await handler.connectNextCaller('agents', { node: 'connect_agent' });
    expect(caller?.callId).toBe('00000000-0000-4000-8000-000000000002');
    expect(transferred).toEqual(['00000000-0000-4000-8000-000000000002']);
    expect(await handler.queuedCallers('agents')).toEqual([]);
  });
});

describe('Vonage connectNextCaller when the instance dies half-way (the queue lease)', () => {
  const queueFlow = defineFlow({
    name: 'queue',
    start: 'hold',
    nodes: {
      hold: [say('Please hold.'), enqueue('agents', { announcePosition: true })],
      connect_agent: [say('Connecting you.'), transfer('+447700900123')],
    },
  });
  const callIds = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'];
  async function twoInstances() {
    let nowMs = 1_800_000_000_000;
    const now = () => nowMs;
    const store = createMemoryStore({ now });
    const transferred: string[] = [];
    // The first instance's transfer never returns: the process was killed while the REST call was out. `transferOut`
    // resolves once that call is out (the caller's move is held by then), which a fixed sleep would only guess.
    let sentTransfer = () => {};
    const transferOut = new Promise<void>((resolve) => (sentTransfer = resolve));
    const dying: VonageVoiceClient = {
      voice: {
        transferCallWithNCCO: () => {
          sentTransfer();
          return new Promise<void>(() => {});
        },
        transferCallWithURL: async () => undefined,
      },
    };
    const healthy: VonageVoiceClient = {
      voice: {
        transferCallWithNCCO: async (callId) => {
          transferred.push(callId);
        },
        transferCallWithURL: async () => undefined,
      },
    };
    const first = createVonageHandler({ flow: queueFlow, secret, publicBaseUrl: base, signatureSecret, store, now, voiceClient: dying });
    const second = createVonageHandler({ flow: queueFlow, secret, publicBaseUrl: base, signatureSecret, store, now, voiceClient: healthy });
    for (const callId of callIds) {
      await first(
        await signVonageRequest({
          url: `${base}/answer?to=447700900000&from=447700900001&uuid=${callId}`,
          method: 'GET',
          signatureSecret,
          issuedAt: nowMs / 1000,
        }),
      );
    }
    return { first, second, transferred, transferOut, advanceSeconds: (seconds: number) => (nowMs += seconds * 1000) };
  }

  it('a caller taken by an instance that died before its transfer came back is not lost: after the lease, the next agent gets them first', async () => {
    const { first, second, transferred, transferOut, advanceSeconds } = await twoInstances();
    void first.connectNextCaller('agents', { node: 'connect_agent' });
    await transferOut;
    expect(
      (await second.queuedCallers('agents')).map((caller) => caller.callId),
      'while the move is held, the caller is not offered twice',
    ).toEqual([callIds[1]]);
    expect((await second.connectNextCaller('agents', { node: 'connect_agent' }))?.callId).toBe(callIds[1]);
    expect(
      await second.connectNextCaller('agents', { node: 'connect_agent' }),
      'the held caller is not handed out within the lease',
    ).toBeUndefined();
    advanceSeconds(31);
    expect((await second.connectNextCaller('agents', { node: 'connect_agent' }))?.callId, 'the lapsed move is back at the front').toBe(
      callIds[0],
    );
    expect(transferred).toEqual([callIds[1], callIds[0]]);
    expect(await second.connectNextCaller('agents', { node: 'connect_agent' })).toBeUndefined();
    advanceSeconds(31);
    expect(await second.connectNextCaller('agents', { node: 'connect_agent' }), 'a confirmed move never comes back').toBeUndefined();
  });

  it('a caller who hangs up while an instance is moving them is not put back when its lease lapses', async () => {
    const { first, second, transferred, transferOut, advanceSeconds } = await twoInstances();
    void first.connectNextCaller('agents', { node: 'connect_agent' });
    await transferOut;
    const hangUp = await signVonageRequest({
      url: `${base}/event`,
      body: { uuid: callIds[0], status: 'completed' },
      signatureSecret,
      issuedAt: 1_800_000_000,
    });
    expect((await second(hangUp)).status).toBe(204);
    advanceSeconds(31);
    expect((await second.connectNextCaller('agents', { node: 'connect_agent' }))?.callId).toBe(callIds[1]);
    expect(await second.connectNextCaller('agents', { node: 'connect_agent' })).toBeUndefined();
    expect(transferred).toEqual([callIds[1]]);
  });

  it('a caller whose transfer Vonage applied, but whose instance died before confirming it, is not transferred twice: the transfer event removes them', async () => {
    const { first, second, transferred, transferOut, advanceSeconds } = await twoInstances();
    void first.connectNextCaller('agents', { node: 'connect_agent' });
    await transferOut;
    // provider: the moved leg's transfer event (fixtures/provider-docs/event-transfer.json), delivered to the other instance.
    const moved = await signVonageRequest({
      url: `${base}/event`,
      body: {
        conversation_uuid_from: 'CON-1',
        type: 'transfer',
        uuid: callIds[0],
        conversation_uuid_to: 'CON-2',
        timestamp: '2027-01-15T08:00:00.000Z',
      },
      signatureSecret,
      issuedAt: 1_800_000_000,
    });
    expect((await second(moved)).status).toBe(204);
    advanceSeconds(31);
    expect((await second.connectNextCaller('agents', { node: 'connect_agent' }))?.callId, 'the moved caller is not back at the front').toBe(
      callIds[1],
    );
    expect(await second.connectNextCaller('agents', { node: 'connect_agent' })).toBeUndefined();
    expect(transferred).toEqual([callIds[1]]);
  });

  it('a transfer event for a caller put back in the queue since (a new enqueue) leaves them waiting', async () => {
    const { second, transferred } = await twoInstances();
    // No move of this caller is in flight: the event (e.g. from an earlier move, late) does not take them out.
    const late = await signVonageRequest({
      url: `${base}/event`,
      body: {
        type: 'transfer',
        uuid: callIds[0],
        conversation_uuid_from: 'CON-1',
        conversation_uuid_to: 'CON-2',
        timestamp: '2027-01-15T08:00:00.000Z',
      },
      signatureSecret,
      issuedAt: 1_800_000_000,
    });
    expect((await second(late)).status).toBe(204);
    expect((await second.queuedCallers('agents')).map((caller) => caller.callId)).toEqual(callIds);
    expect((await second.connectNextCaller('agents', { node: 'connect_agent' }))?.callId).toBe(callIds[0]);
    expect(transferred).toEqual([callIds[0]]);
  });
});
