import { claimOnce, hasNativeQueues, isCallFlowError, storeQueue, withKeyPrefix, type Logger } from '@callflow/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConformanceCases } from '../../testing/src/store-conformance.js';
import { createRedisStore, recommendedRedisOptions, type RedisStore } from '../src/index.js';
import { startRedisServer, type RedisServerProcess } from './redis-server.js';

let server: RedisServerProcess;
const stores: RedisStore[] = [];
const open = (options: Parameters<typeof createRedisStore>[0] = {}) => {
  // A generous command timeout: on a busy two-core machine a loopback Redis can take longer than the 500 ms default.
  const store = createRedisStore({
    client: server.url,
    prefix: `test-${Math.random().toString(36).slice(2, 8)}:`,
    timeoutMs: 5_000,
    ...options,
  });
  stores.push(store);
  return store;
};
const eventually = async (check: () => Promise<void>, withinMs = 5_000) => {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() - started > withinMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};
const rejection = async (work: Promise<unknown>) => {
  const started = performance.now();
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return { error, elapsedMs: performance.now() - started };
};

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await server?.dispose();
});

describe('Redis store conformance (real redis-server)', () => {
  for (const conformanceCase of storeConformanceCases) {
    it(conformanceCase.name, async () => {
      await conformanceCase.run(open());
    });
  }
});

describe('Redis store', () => {
  it('writes under its prefix, with TTLs in milliseconds, and queues as sorted sets', async () => {
    const store = open({ prefix: 'billing-ivr:' });
    const setAt = Date.now();
    await store.set('greeting', 'hello', { ttlSeconds: 1.5 });
    expect(await store.client.get('billing-ivr:greeting')).toBe('hello');
    const ttl = await store.client.pttl('billing-ivr:greeting');
    // 1.5 s less the time the round trips took (over 500 ms on a loaded machine, where a fixed 1,000 ms floor failed).
    expect(ttl).toBeGreaterThanOrEqual(1_500 - (Date.now() - setAt));
    expect(ttl).toBeLessThanOrEqual(1_500);
    expect(hasNativeQueues(store)).toBe(true);
    expect(hasNativeQueues(withKeyPrefix(store, 'x:'))).toBe(true);
    await storeQueue(store, 'support').push('CA1');
    expect(await store.client.type('billing-ivr:queue:{support}')).toBe('zset');
    await store.queuePush('support', 'CA2', { ttlSeconds: 60 });
    expect(await store.client.pttl('billing-ivr:queue:{support}')).toBeGreaterThan(59_000);
    await store.client.del('billing-ivr:greeting', 'billing-ivr:queue:{support}');
  });

  it('increment with options sets or clears the TTL, and refuses text and fractions', async () => {
    const store = open();
    await store.set('n', '1', { ttlSeconds: 60 });
    expect(await store.increment('n', 2, { ttlSeconds: 5 })).toBe(3);
    expect(await store.client.pttl(`${store.prefix}n`)).toBeLessThanOrEqual(5_000);
    expect(await store.increment('n', 1, {})).toBe(4);
    expect(await store.client.pttl(`${store.prefix}n`)).toBe(-1);
    await store.set('text', 'abc');
    await expect(store.increment('text')).rejects.toThrow(/\[callflow:redis\] cannot increment non-integer value at 'text'/);
    await expect(store.increment('text', 1, { ttlSeconds: 5 })).rejects.toThrow(/non-integer/);
    expect(await store.client.pttl(`${store.prefix}text`)).toBe(-1);
    await expect(store.increment('n', 0.5)).rejects.toThrow(/must be an integer/);
  });

  it('runs its Lua scripts again after Redis forgot them (SCRIPT FLUSH, as after a restart)', async () => {
    const store = open();
    await store.set('k', 'a');
    expect(await store.compareAndSet('k', 'a', 'b')).toBe(true);
    await store.client.script('FLUSH');
    expect(await store.compareAndSet('k', 'b', 'c')).toBe(true);
    await store.client.script('FLUSH');
    expect(await store.queuePush('q', 'CA1')).toBe(1);
    await store.client.script('FLUSH');
    expect(await store.increment('n', 1, { ttlSeconds: 5 })).toBe(1);
  });

  it('a client you pass is used as is, and one that re-sends after reconnects is warned about', async () => {
    const warnings: string[] = [];
    const logger: Logger = { warn: (message) => warnings.push(message), error: () => {} };
    const client = new Redis(server.url);
    const store = createRedisStore({ client, prefix: 'own-client:', logger });
    expect(store.client).toBe(client);
    expect(warnings.join('\n')).toMatch(/re-sends unanswered commands/);
    await store.set('a', '1');
    expect(await client.get('own-client:a')).toBe('1');
    await store.close();
    expect(client.status).toBe('ready');
    await client.del('own-client:a');
    await client.quit();

    const recommended = new Redis(server.url, recommendedRedisOptions);
    const quiet: string[] = [];
    createRedisStore({ client: recommended, logger: { warn: (message) => quiet.push(message), error: () => {} } });
    expect(quiet).toEqual([]);
    recommended.disconnect();
  });

  it('two instances (two connections) share queues, de-duplication and counters atomically', async () => {
    const prefix = `shared-${Date.now()}:`;
    const first = open({ prefix });
    const second = open({ prefix });
    const pushes = await Promise.all(
      Array.from({ length: 100 }, (_, index) => (index % 2 === 0 ? first : second).queuePush('support', `CA${index}`)),
    );
    expect(new Set(pushes).size).toBe(100);
    const order = await second.queueMembers('support');
    for (const [index, position] of pushes.entries()) expect(order[position - 1]).toBe(`CA${index}`);
    const taken = await Promise.all(Array.from({ length: 120 }, (_, index) => (index % 2 === 0 ? first : second).queueShift('support')));
    const members = taken.filter((member): member is string => member !== undefined);
    expect(members).toHaveLength(100);
    expect(new Set(members).size).toBe(100);
    const claims = await Promise.all(Array.from({ length: 50 }, (_, index) => claimOnce(index % 2 === 0 ? first : second, 'event:abc')));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const counts = await Promise.all(
      Array.from({ length: 100 }, (_, index) => (index % 2 === 0 ? first : second).increment('agents-busy')),
    );
    expect(Math.max(...counts)).toBe(100);
  });
});

describe('the ACL of docs/deploying.md', () => {
  it('is enough for every store operation, the queue leases and the connect-time settings check', async () => {
    const { readFileSync } = await import('node:fs');
    const docs = readFileSync(new URL('../../../docs/deploying.md', import.meta.url), 'utf8');
    const line = /^\s*(ACL SETUSER support-line .*)$/m.exec(docs)?.[1];
    expect(line).toBeDefined();
    const admin = new Redis(server.url);
    try {
      await admin.call(...(line!.replace('>password', '>acl-test-password').split(/\s+/) as [string, ...string[]]));
      const warnings: string[] = [];
      const store = createRedisStore({
        client: `redis://support-line:acl-test-password@127.0.0.1:${server.port}`,
        prefix: 'support-line:',
        logger: { warn: (message) => warnings.push(message), error: () => {} },
      });
      stores.push(store);
      for (const conformanceCase of storeConformanceCases.filter((entry) => !/prefixes/.test(entry.name))) await conformanceCase.run(store);
      const settings = await store.serverSettings();
      expect(settings[0]!.source, 'CONFIG GET is allowed by the ACL').toBe('config');
      expect(await store.client.get('other-app:secret').catch((error: Error) => error.message)).toMatch(/NOPERM/);
    } finally {
      await admin.call('ACL', 'DELUSER', 'support-line');
      admin.disconnect();
    }
  });
});

describe('Redis store when Redis goes away (runs last: it kills and restarts the server)', () => {
  it('rejects quickly with store-unavailable while Redis is down, writes nothing late, and recovers when it is back', async () => {
    const store = open({ timeoutMs: 1_500 });
    const queue = storeQueue(store, 'support');
    // A client the user made with ioredis defaults (offline queue on, re-send after reconnect): the store must not leave writes for later either.
    const defaultsClient = new Redis(server.url).on('error', () => {});
    const defaults = createRedisStore({ client: defaultsClient, prefix: 'user-client:', timeoutMs: 1_500 });
    await defaults.set('before', 'yes');
    await store.set('before', 'yes');
    await queue.push('CA-before');

    await server.stop();
    const operations: Array<[string, () => Promise<unknown>]> = [
      ['get', () => store.get('before')],
      ['set', () => store.set('late-set', 'written after the outage?')],
      ['increment', () => store.increment('late-counter')],
      ['increment with TTL', () => store.increment('late-counter-ttl', 1, { ttlSeconds: 60 })],
      ['compare-and-set absent', () => store.compareAndSet('late-cas', undefined, 'x')],
      ['compare-and-set', () => store.compareAndSet('before', 'yes', 'no')],
      ['claimOnce', () => claimOnce(store, 'late-event')],
      ['delete', () => store.delete('before')],
      ['queue push', () => queue.push('CA-late')],
      ['queue position', () => queue.position('CA-before')],
      ['queue shift', () => queue.shift()],
      ['queue remove', () => queue.remove('CA-before')],
      ['queue members', () => queue.members()],
    ];
    const results = await Promise.all(operations.map(async ([name, operation]) => ({ name, ...(await rejection(operation())) })));
    for (const { name, error, elapsedMs } of results) {
      expect(isCallFlowError(error, 'store-unavailable'), `${name} rejects with store-unavailable (got ${String(error)})`).toBe(true);
      expect((error as Error).message).toMatch(/^\[callflow:redis\] /);
      // Bounded by the timeout (1.5 s) plus scheduling on a busy machine, never left hanging.
      expect(elapsedMs, `${name} rejects within 5 s`).toBeLessThan(5_000);
    }
    for (const [name, operation] of [
      ['set', () => defaults.set('late-set', 'x')],
      ['compare-and-set', () => defaults.compareAndSet('late-cas', undefined, 'x')],
      ['queue push', () => defaults.queuePush('support', 'CA-late')],
    ] as const) {
      const { error, elapsedMs } = await rejection(operation());
      expect(isCallFlowError(error, 'store-unavailable'), `${name} on a default client rejects with store-unavailable`).toBe(true);
      expect(elapsedMs).toBeLessThan(5_000);
    }
    const burst = await Promise.all(Array.from({ length: 200 }, (_, index) => rejection(store.set(`burst-${index}`, 'x'))));
    expect(burst.every(({ error }) => isCallFlowError(error, 'store-unavailable'))).toBe(true);
    // Each rejects within its 1.5 s timeout plus scheduling on a busy machine: none waits for the outage to end.
    expect(Math.max(...burst.map(({ elapsedMs }) => elapsedMs))).toBeLessThan(5_000);

    await server.start();
    await eventually(async () => {
      await store.set('after', 'yes');
    });
    expect(await store.get('after')).toBe('yes');
    expect(await store.compareAndSet('after', 'yes', 'again')).toBe(true);
    expect(await queue.push('CA-after')).toBe(1);
    // The server came back empty (no persistence): anything present now was written late by a retrying client.
    for (const key of ['late-set', 'late-counter', 'late-counter-ttl', 'late-cas', 'late-event', 'burst-0', 'burst-199']) {
      expect(await store.get(key), `'${key}' was not written after the outage`).toBeUndefined();
    }
    expect(await queue.members()).toEqual(['CA-after']);
    await eventually(async () => {
      await defaults.set('after', 'yes');
    });
    expect(await defaultsClient.keys('user-client:*')).toEqual(['user-client:after']);
    defaultsClient.disconnect();
  });

  it('a store whose Redis is unreachable from the start rejects quickly, and a closed store rejects at once', async () => {
    const unreachable = createRedisStore({ client: 'redis://127.0.0.1:1', timeoutMs: 300 });
    stores.push(unreachable);
    const { error, elapsedMs } = await rejection(unreachable.get('anything'));
    expect(isCallFlowError(error, 'store-unavailable')).toBe(true);
    // Bounded by the timeout (300 ms) plus scheduling on a busy machine, as above (1 s left 0.7 s for a loaded event loop).
    expect(elapsedMs).toBeLessThan(3_000);

    const store = open();
    await store.set('a', '1');
    await store.close();
    const closed = await rejection(store.get('a'));
    expect(isCallFlowError(closed.error, 'store-unavailable')).toBe(true);
    expect((closed.error as Error).message).toMatch(/closed/);
  });

  it('with an append-only file (production setting), a crashed and restarted Redis keeps queues and de-duplication', async () => {
    const durable = await startRedisServer({ persistent: true });
    const store = createRedisStore({ client: durable.url, prefix: 'durable:' });
    stores.push(store);
    try {
      const queue = storeQueue(store, 'support');
      for (const member of ['CA1', 'CA2', 'CA3']) await queue.push(member);
      expect(await claimOnce(store, 'event-1')).toBe(true);
      await store.set('conference:sales', 'conf-123', { ttlSeconds: 3_600 });
      await durable.stop();
      await durable.start();
      await eventually(async () => {
        await store.get('conference:sales');
      });
      expect(await queue.members()).toEqual(['CA1', 'CA2', 'CA3']);
      expect(await claimOnce(store, 'event-1'), 'a redelivery after the restart is still recognised').toBe(false);
      expect(await store.get('conference:sales')).toBe('conf-123');
      expect(await queue.push('CA4')).toBe(4);
    } finally {
      await durable.dispose();
    }
  });
});
