// Redis store figures against a local redis-server started for the run. Wire into bench/run.ts as a suite, or run:
// npx tsx -e "import('./packages/redis/bench/redis-store.ts').then(m=>m.run()).then(r=>console.table(r))"
import { claimOnce, createMemoryStore, storeQueue } from '@callflow/core';
import { medianMicros, type BenchRow } from '../../../bench/harness.js';
import { startRedisServer } from '../test/redis-server.js';
import { createRedisStore } from '../src/index.js';

/** Latency of each store operation over loopback (ioredis without the store as baseline), and concurrent throughput. */
export async function run(): Promise<BenchRow[]> {
  const server = await startRedisServer();
  const store = createRedisStore({ client: server.url, prefix: 'bench:' });
  const memory = createMemoryStore();
  const rows: BenchRow[] = [];
  try {
    await store.set('k', 'value');
    await medianMicros(() => store.get('k'), { rounds: 5 });
    rows.push({
      name: 'redis: get (loopback)',
      value: await medianMicros(() => store.get('k')),
      unit: 'µs/op',
      baseline: await medianMicros(() => store.client.get('bench:k')),
      baselineName: 'ioredis get',
    });
    rows.push({ name: 'redis: set with TTL', value: await medianMicros(() => store.set('k', 'value', { ttlSeconds: 60 })), unit: 'µs/op' });
    let counter = 0;
    rows.push({
      name: 'redis: compareAndSet (Lua)',
      value: await medianMicros(() => store.compareAndSet('cas', String(counter), String(++counter))),
      unit: 'µs/op',
      baseline: await medianMicros(() => memory.compareAndSet('cas', undefined, 'x')),
      baselineName: 'memory store',
    });
    let event = 0;
    rows.push({
      name: 'redis: claimOnce (SET NX PX)',
      value: await medianMicros(() => claimOnce(store, `event:${event++}`)),
      unit: 'µs/op',
    });
    const queue = storeQueue(store, 'support');
    let member = 0;
    rows.push({
      name: 'redis: queue push + position + shift',
      value: await medianMicros(async () => {
        const id = `CA${member++}`;
        await queue.push(id);
        await queue.position(id);
        await queue.shift();
      }),
      unit: 'µs/op',
    });
    const concurrent = 10_000;
    let started = performance.now();
    await Promise.all(Array.from({ length: concurrent }, (_, index) => claimOnce(store, `burst:${index}`)));
    rows.push({
      name: `redis: ${concurrent} concurrent claimOnce`,
      value: concurrent / ((performance.now() - started) / 1000),
      unit: 'ops/s',
    });
    started = performance.now();
    await Promise.all(Array.from({ length: 2_000 }, (_, index) => queue.push(`burst-${index}`)));
    rows.push({ name: 'redis: 2000 concurrent queue pushes', value: 2_000 / ((performance.now() - started) / 1000), unit: 'ops/s' });
    await server.stop();
    started = performance.now();
    await store.get('k').catch(() => undefined);
    rows.push({
      name: 'redis: reject, first operation after Redis died',
      value: performance.now() - started,
      unit: 'ms',
      target: '≤ timeoutMs (500)',
    });
    started = performance.now();
    await store.get('k').catch(() => undefined);
    rows.push({
      name: 'redis: reject while reconnecting',
      value: performance.now() - started,
      unit: 'ms',
      target: '≤ timeoutMs (500)',
      note: 'waits for a reconnect up to timeoutMs',
    });
  } finally {
    await store.close();
    await server.dispose();
  }
  return rows;
}
