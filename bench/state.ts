import { storeQueue, type Store } from '@callflow/core';
import { createRedisStore } from '@callflow/redis';
import { startRedisServer } from '../packages/redis/test/redis-server.js';
import { interleavedMicros, type BenchRow } from './harness.js';
import { vonageReplyWebhook } from './reply-path.js';

const batch = 40;
const rounds = 20;
const warmup = 80;

const inFlight = 10;

/** Runs `inFlight` calls of `one` at once. */
function concurrently(one: () => Promise<void>): () => Promise<void> {
  return async () => void (await Promise.all(Array.from({ length: inFlight }, one)));
}

/** Per-webhook µs of a batch that ran `inFlight` at a time. */
function perWebhook(measured: { min: number; median: number }): { min: number; median: number } {
  return { min: measured.min / inFlight, median: measured.median / inFlight };
}

/** One queue operation round on a queue already holding `waiting` callers: a caller joins, asks its position, leaves. */
async function queueRound(store: Store, name: string, waiting: number): Promise<() => Promise<void>> {
  const queue = storeQueue(store, name);
  for (let index = 0; index < waiting; index += 1_000) {
    await Promise.all(Array.from({ length: Math.min(1_000, waiting - index) }, (_, offset) => queue.push(`waiting-${index + offset}`)));
  }
  let next = 0;
  return async () => {
    const member = `joining-${next++}`;
    const position = await queue.push(member);
    if (position !== waiting + 1 || (await queue.position(member)) !== position)
      throw new Error(`queue ${name}: position ${position}, expected ${waiting + 1}`);
    if (!(await queue.remove(member))) throw new Error(`queue ${name}: ${member} was not removed`);
  };
}

/**
 * State at scale, on a real redis-server (a child process on 127.0.0.1, on the same two cores): the Vonage menu webhook
 * with @callflow/redis against the memory store, and queue operations with 10 and 100,000 callers waiting.
 */
export async function run(): Promise<BenchRow[]> {
  const server = await startRedisServer();
  const store = createRedisStore({ client: server.url, prefix: `bench-${Date.now()}:` });
  try {
    // Ten webhooks in flight at a time, as the load test's ten connections: a store round trip overlaps the others' work.
    const calls = (warmup + batch * rounds) * inFlight + 10;
    const memory = await vonageReplyWebhook(calls);
    const redis = await vonageReplyWebhook(calls, { store });
    const [memoryTen, redisTen] = await interleavedMicros([concurrently(memory), concurrently(redis)], { batch, rounds, warmup });
    const memoryMicros = perWebhook(memoryTen!);
    const redisMicros = perWebhook(redisTen!);
    const small = await queueRound(store, 'bench-10', 10);
    const large = await queueRound(store, 'bench-100000', 100_000);
    const [smallMicros, largeMicros] = await interleavedMicros([small, large], { batch: 100, rounds: 20, warmup: 200 });
    return [
      {
        name: 'state vonage: menu webhook in-process, @callflow/redis store',
        value: redisMicros!.min,
        unit: 'µs/op',
        baseline: memoryMicros!.min,
        baselineName: 'memory store',
        target: '≤1.5x the memory store',
        note: `${(redisMicros!.min / memoryMicros!.min).toFixed(2)}x; ${inFlight} in flight; redis-server on 127.0.0.1 on the same cores; fastest of ${rounds} interleaved batches (medians ${redisMicros!.median.toFixed(0)} vs ${memoryMicros!.median.toFixed(0)} µs)`,
      },
      {
        name: 'state: queue join + position + leave with 100,000 waiting (redis)',
        value: largeMicros!.min,
        unit: 'µs/op',
        baseline: smallMicros!.min,
        baselineName: '10 waiting',
        target: 'flat from 10 to 100,000',
        note: `${(largeMicros!.min / smallMicros!.min).toFixed(2)}x the 10-caller queue; three round trips each (sorted set)`,
      },
    ];
  } finally {
    await store.close();
    await server.stop();
  }
}
