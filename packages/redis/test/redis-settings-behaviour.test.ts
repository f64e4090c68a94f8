// What each Redis setting does to call state, measured on real servers: the figures docs/deploying.md quotes.
import { claimOnce, isCallFlowError, storeQueue, type Store } from '@callflow/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';
import { startRedisServer, type RedisServerProcess } from './redis-server.js';

const servers: RedisServerProcess[] = [];
const stores: RedisStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all(servers.map((server) => server.dispose()));
});

const calls = 100;
// What 100 live calls keep in the store: a position each, a de-duplication claim each, and half of them queued.
async function writeCallState(store: Store) {
  const queue = storeQueue(store, 'support');
  for (let index = 0; index < calls; index++) {
    await store.set(`vonage:current:call-${index}`, `token-${index}`, { ttlSeconds: 86_400 });
    await claimOnce(store, `telnyx:event:${index}`);
    if (index % 2 === 0) await queue.push(`call-${index}`);
  }
}
async function countCallState(store: Store) {
  let positions = 0;
  let claims = 0;
  for (let index = 0; index < calls; index++) {
    if ((await store.get(`vonage:current:call-${index}`)) !== undefined) positions++;
    if ((await store.get(`telnyx:event:${index}`)) !== undefined) claims++;
  }
  return { positions, claims, queued: (await storeQueue(store, 'support').members()).length };
}
const eventually = async <T>(work: () => Promise<T>): Promise<T> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};

async function open(args: string[], persistent = false) {
  const server = await startRedisServer({ persistent, args });
  servers.push(server);
  const warnings: string[] = [];
  const store = createRedisStore({
    client: server.url,
    timeoutMs: 1_000,
    logger: { warn: (message) => warnings.push(message), error: () => {} },
  });
  stores.push(store);
  await eventually(() => store.get('ready'));
  return { server, store, warnings };
}

describe('measured: a SIGKILLed and restarted Redis, per persistence setting', () => {
  it("--save '' --appendonly no: every position, claim and queued caller is gone after the restart, and the connect warned", async () => {
    const { server, store, warnings } = await open(['--save', '', '--appendonly', 'no']);
    await writeCallState(store);
    expect(await countCallState(store)).toEqual({ positions: 100, claims: 100, queued: 50 });
    await server.stop();
    await server.start();
    const after = await eventually(() => countCallState(store));
    expect(after).toEqual({ positions: 0, claims: 0, queued: 0 });
    await eventually(async () => expect(warnings.join('\n')).toMatch(/no persistence .* set appendonly yes/));
  });

  it('--appendonly yes --appendfsync always: everything survives the SIGKILL', async () => {
    const { server, store, warnings } = await open([], true);
    await writeCallState(store);
    await server.stop();
    await server.start();
    expect(await eventually(() => countCallState(store))).toEqual({ positions: 100, claims: 100, queued: 50 });
    expect(warnings.filter((warning) => /lose call state/.test(warning))).toEqual([]);
  });
});

describe('measured: memory pressure from other data sharing the Redis, per eviction policy', () => {
  const filler = 'x'.repeat(10_000);
  // Another application (a cache) writes 8 MB into a Redis limited to 4 MB.
  async function fill(store: RedisStore) {
    let refused = 0;
    for (let index = 0; index < 800; index++) {
      try {
        await store.client.set(`cache:${index}`, filler);
      } catch {
        refused++;
      }
    }
    return refused;
  }

  it('allkeys-lru: the cache pushes call state out (positions, claims, the queue)', async () => {
    const { store, warnings } = await open(['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru']);
    await writeCallState(store);
    expect(await fill(store)).toBe(0);
    const after = await countCallState(store);
    console.log(`[eviction allkeys-lru] call state left of 100/100/50: ${JSON.stringify(after)}`);
    expect(after.positions + after.claims + after.queued).toBeLessThan(250);
    expect(warnings.join('\n')).toMatch(/maxmemory-policy is allkeys-lru/);
  });

  it('volatile-lru: every callflow key has a TTL, so it is evicted too; the TTL-less cache stays', async () => {
    const { store } = await open(['--maxmemory', '4mb', '--maxmemory-policy', 'volatile-lru']);
    await writeCallState(store);
    const refused = await fill(store);
    const after = await countCallState(store);
    console.log(`[eviction volatile-lru] call state left of 100/100/50: ${JSON.stringify(after)}, cache writes refused ${refused}`);
    expect(after.positions + after.claims).toBeLessThan(200);
  });

  it('noeviction: call state stays whole; writes past the limit are refused with store-unavailable (a 503), not lost', async () => {
    const { store } = await open(['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction']);
    await writeCallState(store);
    const refused = await fill(store);
    expect(refused).toBeGreaterThan(0);
    expect(await countCallState(store)).toEqual({ positions: 100, claims: 100, queued: 50 });
    const error = await store.set('vonage:current:call-new', 'x'.repeat(100_000)).catch((caught: unknown) => caught);
    expect(isCallFlowError(error, 'store-unavailable'), String(error)).toBe(true);
    console.log(`[eviction noeviction] call state left: 100/100/50, cache writes refused ${refused} of 800`);
  });
});
