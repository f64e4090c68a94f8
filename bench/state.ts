import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryStore, replyHandlerOf, silentLogger, storeQueue, withKeyPrefix, type Store } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { createRedisStore } from '@callflow/redis';
import { createCallControlClient, createTelnyxHandler, generateTelnyxKeyPair, signTelnyxEvent } from '@callflow/telnyx';
import { startRedisServer } from '../packages/redis/test/redis-server.js';
import { bridgeRequest, interleavedMicros, type BenchRow } from './harness.js';
import { vonageReplyWebhook } from './reply-path.js';
import { ensureBuilt, load, processCpuMicros, startAnsweredVonageServer, startServer, type LoadResult } from './http.js';
// @ts-expect-error: a plain .mjs module shared with the load-test servers (no types)
import { createCommandCounter } from './servers/common.mjs';

const batch = 40;
const rounds = 30;
const warmup = 80;

const inFlight = 10;
// Telnyx events cost an Ed25519 check each (and their set-up two more): fewer of them.
const telnyxBatch = 10;
const telnyxWarmup = 20;

/** Runs `inFlight` calls of `one` at once. */
function concurrently(one: () => Promise<void>): () => Promise<void> {
  return async () => void (await Promise.all(Array.from({ length: inFlight }, one)));
}

/** Per-webhook µs of a batch that ran `inFlight` at a time. */
function perWebhook(measured: { min: number; median: number }): { min: number; median: number } {
  return { min: measured.min / inFlight, median: measured.median / inFlight };
}

/** A store that counts its calls (each one Redis round trip on a single server: a command or one script). */
function countingStore(store: Store): { store: Store; calls: () => number } {
  let calls = 0;
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...callArgs: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: counted, calls: () => calls };
}

/** A signed Telnyx event as the node:http bridge hands it to the reply form. */
const telnyxRequest = (body: string, headers: Record<string, string>) =>
  bridgeRequest('/telnyx', 'POST', { 'content-type': 'application/json', ...headers }, body);

function telnyxEvent(eventType: string, index: number, payload: Record<string, unknown>): string {
  return JSON.stringify({
    data: {
      record_type: 'event',
      event_type: eventType,
      id: `${eventType}-${index}`,
      occurred_at: new Date().toISOString(),
      payload: {
        call_control_id: `v3:bench-${index}`,
        call_leg_id: `leg-${index}`,
        call_session_id: `session-${index}`,
        from: '+15551230000',
        to: '+15559870000',
        ...payload,
      },
    },
  });
}

/**
 * The Telnyx menu press (call.gather.ended, digit 3 → the hours turn, its command sent through the built-in client to an
 * in-process counter) for `calls` distinct calls, each first brought to the menu (call.initiated, call.speak.ended).
 */
async function telnyxStateWebhook(calls: number, store: Store): Promise<() => Promise<void>> {
  const keys = await generateTelnyxKeyPair();
  const counter = createCommandCounter() as { fetch: typeof fetch; clientStates: Map<string, string> };
  const client = createCallControlClient({ apiKey: 'bench', fetch: counter.fetch });
  const handler = createTelnyxHandler({
    flow: phoneTree,
    secret: 'bench-secret-0123456789abcdef',
    publicKey: keys.publicKey,
    client,
    store,
    logger: silentLogger,
  });
  const handle = replyHandlerOf(handler);
  if (!handle) throw new Error('the Telnyx handler has no reply form');
  const deliver = async (body: string) => {
    const reply = await handle(telnyxRequest(body, await signTelnyxEvent(body, { privateKey: keys.privateKey })));
    if (reply.status !== 200) throw new Error(`telnyx state bench: answered ${reply.status}`);
  };
  const pool: Array<{ body: string; headers: Record<string, string> }> = [];
  for (let index = 0; index < calls; index += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, calls - index) }, async (_, offset) => {
        const call = index + offset;
        await deliver(telnyxEvent('call.initiated', call, { direction: 'incoming', state: 'parked' }));
        await deliver(
          telnyxEvent('call.speak.ended', call, { status: 'completed', client_state: counter.clientStates.get(`v3:bench-${call}`) }),
        );
      }),
    );
  }
  for (let index = 0; index < calls; index++) {
    const body = telnyxEvent('call.gather.ended', index, {
      client_state: counter.clientStates.get(`v3:bench-${index}`),
      digits: '3',
      status: 'valid',
    });
    pool.push({ body, headers: await signTelnyxEvent(body, { privateKey: keys.privateKey }) });
  }
  let next = 0;
  return async () => {
    const prepared = pool[next++];
    if (!prepared) throw new Error(`telnyx state bench ran out of distinct calls (${pool.length})`);
    const before = counter.clientStates.get(`v3:bench-${next - 1}`);
    const reply = await handle(telnyxRequest(prepared.body, prepared.headers));
    if (reply.status !== 200 || counter.clientStates.get(`v3:bench-${next - 1}`) === before)
      throw new Error(`telnyx state bench: the menu press answered ${reply.status} without a new command`);
  };
}

/** Store calls of one more Vonage and one more Telnyx menu webhook on `store`. */
async function roundTripsPerWebhook(store: Store): Promise<{ vonage: number; telnyx: number }> {
  const vonage = countingStore(store);
  const vonageOne = await vonageReplyWebhook(1, { store: vonage.store });
  const vonageBefore = vonage.calls();
  await vonageOne();
  const telnyx = countingStore(store);
  const telnyxOne = await telnyxStateWebhook(1, telnyx.store);
  const telnyxBefore = telnyx.calls();
  await telnyxOne();
  return { vonage: vonage.calls() - vonageBefore, telnyx: telnyx.calls() - telnyxBefore };
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
 * `large` against `small`, paired: each round runs a batch of one right after a batch of the other (the order alternating), and
 * the ratio of the pair is kept; the median of those ratios is what a load spike on the shared machine moves least.
 */
async function pairedRatio(
  small: () => Promise<void>,
  large: () => Promise<void>,
  options: { batch: number; rounds: number; warmup: number },
): Promise<{ ratio: number; smallMin: number; largeMin: number; ratios: number[] }> {
  for (let index = 0; index < options.warmup; index++) {
    await small();
    await large();
  }
  const timed = async (fn: () => Promise<void>) => {
    const started = performance.now();
    for (let index = 0; index < options.batch; index++) await fn();
    return ((performance.now() - started) * 1000) / options.batch;
  };
  const ratios: number[] = [];
  let smallMin = Infinity;
  let largeMin = Infinity;
  for (let round = 0; round < options.rounds; round++) {
    const first = round % 2 === 0 ? small : large;
    const firstMicros = await timed(first);
    const secondMicros = await timed(first === small ? large : small);
    const [smallMicros, largeMicros] = first === small ? [firstMicros, secondMicros] : [secondMicros, firstMicros];
    smallMin = Math.min(smallMin, smallMicros);
    largeMin = Math.min(largeMin, largeMicros);
    ratios.push(largeMicros / smallMicros);
  }
  ratios.sort((a, b) => a - b);
  return { ratio: ratios[Math.floor(ratios.length / 2)]!, smallMin, largeMin, ratios };
}

/**
 * CPU per webhook of each function (`inFlight` webhooks a call): this process and redis-server, summed over alternating rounds.
 * What the shared machine's other load changes least: waiting for a core is not counted, only work.
 */
async function cpuPerWebhook(
  functions: ReadonlyArray<() => Promise<void>>,
  redisPid: number | undefined,
  options: { batch: number; rounds: number },
): Promise<Array<{ node: number; redis: number | undefined }>> {
  const totals = functions.map(() => ({ node: 0, redis: 0 as number | undefined }));
  for (let round = 0; round < options.rounds; round++) {
    for (const [position, fn] of functions.entries()) {
      const redisBefore = processCpuMicros(redisPid);
      const before = process.cpuUsage();
      for (let index = 0; index < options.batch; index++) await fn();
      const used = process.cpuUsage(before);
      const redisAfter = processCpuMicros(redisPid);
      const total = totals[position]!;
      total.node += used.user + used.system;
      total.redis =
        redisBefore === undefined || redisAfter === undefined || total.redis === undefined
          ? undefined
          : total.redis + redisAfter - redisBefore;
    }
  }
  const webhooks = options.batch * options.rounds * inFlight;
  return totals.map((total) => ({ node: total.node / webhooks, redis: total.redis === undefined ? undefined : total.redis / webhooks }));
}

const cpuRounds = 10;
const cpuBatch = 30;
const telnyxCpuBatch = 10;

const root = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time under a directory, in ms. */
function newestMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The instance servers import the built packages: core and the providers (`ensureBuilt`), and @callflow/redis. */
function ensureRedisBuilt(): void {
  ensureBuilt();
  const dist = `${root}packages/redis/dist/index.js`;
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestMtime(`${root}packages/redis/src`)) return;
  execFileSync('npm', ['run', 'build', '-w', '@callflow/redis'], { cwd: root, stdio: 'ignore' });
}

const instanceSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const instanceRounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 2);
const instanceConnections = 10;

/**
 * Two instances on one Redis against one: node:http servers (child processes, the built packages) serving the Vonage menu
 * press with @callflow/redis on the same redis-server, each loaded by its own autocannon (10 connections) from this process,
 * all drawing distinct calls from one pool. Rounds alternate one, two, one, two…; the best round of each is kept.
 */
async function runInstances(redisUrl: string): Promise<BenchRow> {
  ensureRedisBuilt();
  const directory = mkdtempSync(join(tmpdir(), 'callflow-bench-instances-'));
  const flowPath = join(directory, 'phone-tree.json');
  writeFileSync(flowPath, JSON.stringify(phoneTree));
  // Enough distinct calls for every round at a generous rate (a repeat would be answered from the cache, cheaper).
  const config = {
    secret: 'bench-secret-0123456789abcdef',
    signatureSecret: 'bench-vonage-signature-secret',
    publicUrl: 'https://ivr.example.com/vonage',
    flowPath,
    redisUrl,
    prefix: `instances-${Date.now()}:`,
  };
  // The first instance answers every call of the pool through the shared store (unmeasured), as production's answer
  // webhooks would have, whichever instance took them.
  const calls = Number(process.env.BENCH_INSTANCE_POOL ?? 240_000);
  const first = await startAnsweredVonageServer('vonage-callflow-redis.mjs', config, calls, directory);
  const pool = first.pool;
  const servers = [first.server, await startServer('vonage-callflow-redis.mjs', config)];
  const cursor = { next: 0 };
  const results = { one: [] as number[], two: [] as number[] };
  const loads: string[] = [];
  let repeated = 0;
  let failed = 0;
  const count = (result: LoadResult) => {
    repeated += result.repeated;
    failed += result.non2xx + result.errors;
    return result.requestsPerSecond;
  };
  try {
    for (let round = 0; round < instanceRounds; round++) {
      const warmupSeconds = round === 0 ? 1 : 0;
      results.one.push(count(await load(servers[0]!.port, pool, { seconds: instanceSeconds, warmupSeconds, cursor })));
      const both = await Promise.all(servers.map((server) => load(server.port, pool, { seconds: instanceSeconds, warmupSeconds, cursor })));
      results.two.push(both.reduce((total, result) => total + count(result), 0));
      loads.push(loadavg()[0]!.toFixed(1));
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(directory, { recursive: true, force: true });
  }
  const one = Math.max(...results.one);
  const two = Math.max(...results.two);
  return {
    name: 'state: two instances on one Redis, Vonage menu webhook over node:http',
    value: two,
    unit: 'req/s',
    baseline: one,
    baselineName: 'one instance',
    target: '≥1.7x one instance',
    note: `${(two / one).toFixed(2)}x; best of ${instanceRounds} alternating rounds of ${instanceSeconds} s (one: ${results.one.map((value) => value.toFixed(0)).join(', ')}; two: ${results.two.map((value) => value.toFixed(0)).join(', ')}); ${instanceConnections} connections per instance; the load generator (autocannon, this process), both instances and redis-server share the machine's ${cpus().length} cores (no core of its own for the load generator); load ${loads.join(', ')}${repeated ? `; ${repeated} repeated requests` : ''}${failed ? `; ${failed} failed` : ''}`,
  };
}

/** A bench row of CPU per webhook, the Redis store's against the memory store's. */
function cpuRow(
  name: string,
  memory: { node: number; redis: number | undefined },
  redis: { node: number; redis: number | undefined },
): BenchRow {
  const total = (cpu: { node: number; redis: number | undefined }) => cpu.node + (cpu.redis ?? 0);
  return {
    name,
    value: total(redis),
    unit: 'µs/op',
    // The memory store's webhooks give redis-server nothing to do: only this process counts.
    baseline: memory.node,
    baselineName: 'memory store',
    target: '≤1.5x the memory store',
    note: `${(total(redis) / memory.node).toFixed(2)}x; this process ${redis.node.toFixed(0)} µs + redis-server ${redis.redis === undefined ? 'unknown (no /proc)' : `${redis.redis.toFixed(0)} µs`} against ${memory.node.toFixed(0)} µs; CPU time (user + system) summed over ${cpuRounds} alternating rounds, ${inFlight} in flight: what other load on the shared cores changes least (waiting for a core is not counted)`,
  };
}

/**
 * State at scale, on a real redis-server (a child process on 127.0.0.1, on the same two cores): the Vonage and Telnyx menu
 * webhooks with @callflow/redis against the memory store, and queue operations with 10 and 100,000 callers waiting.
 */
export async function run(): Promise<BenchRow[]> {
  const server = await startRedisServer();
  const store = createRedisStore({ client: server.url, prefix: `bench-${Date.now()}:` });
  try {
    // Under a prefix of its own: the measured pools below reuse the same call ids.
    const trips = await roundTripsPerWebhook(withKeyPrefix(store, 'round-trips:'));
    // Ten webhooks in flight at a time, as the load test's ten connections: a store round trip overlaps the others' work.
    const calls = (warmup + batch * rounds + cpuBatch * cpuRounds) * inFlight + 10;
    const memory = await vonageReplyWebhook(calls, { store: createMemoryStore() });
    const redis = await vonageReplyWebhook(calls, { store });
    const telnyxCalls = (telnyxWarmup + telnyxBatch * rounds + telnyxCpuBatch * cpuRounds) * inFlight + 10;
    const telnyxMemory = await telnyxStateWebhook(telnyxCalls, createMemoryStore());
    const telnyxRedis = await telnyxStateWebhook(telnyxCalls, store);
    const [memoryTen, redisTen] = await interleavedMicros([concurrently(memory), concurrently(redis)], { batch, rounds, warmup });
    const [telnyxMemoryTen, telnyxRedisTen] = await interleavedMicros([concurrently(telnyxMemory), concurrently(telnyxRedis)], {
      batch: telnyxBatch,
      rounds,
      warmup: telnyxWarmup,
    });
    const [vonageMemoryCpu, vonageRedisCpu] = await cpuPerWebhook([concurrently(memory), concurrently(redis)], server.pid, {
      batch: cpuBatch,
      rounds: cpuRounds,
    });
    const [telnyxMemoryCpu, telnyxRedisCpu] = await cpuPerWebhook([concurrently(telnyxMemory), concurrently(telnyxRedis)], server.pid, {
      batch: telnyxCpuBatch,
      rounds: cpuRounds,
    });
    const memoryMicros = perWebhook(memoryTen!);
    const redisMicros = perWebhook(redisTen!);
    const telnyxMemoryMicros = perWebhook(telnyxMemoryTen!);
    const telnyxRedisMicros = perWebhook(telnyxRedisTen!);
    const small = await queueRound(store, 'bench-10', 10);
    const large = await queueRound(store, 'bench-100000', 100_000);
    // Short batches, many pairs: a burst of load on the shared cores spoils a few pairs, not the median.
    const queues = await pairedRatio(small, large, { batch: 20, rounds: 101, warmup: 200 });
    const instances = process.env.BENCH_STATE_INSTANCES === '0' ? [] : [await runInstances(server.url)];
    const where = `${inFlight} in flight; redis-server on 127.0.0.1 on the same cores; fastest of ${rounds} interleaved batches`;
    return [
      {
        name: 'state vonage: menu webhook in-process, @callflow/redis store',
        value: redisMicros!.min,
        unit: 'µs/op',
        baseline: memoryMicros!.min,
        baselineName: 'memory store',
        target: '≤1.5x the memory store',
        note: `${(redisMicros!.min / memoryMicros!.min).toFixed(2)}x; ${trips.vonage} Redis round trips per webhook; ${where} (medians ${redisMicros!.median.toFixed(0)} vs ${memoryMicros!.median.toFixed(0)} µs)`,
      },
      {
        name: 'state telnyx: menu event in-process (built-in client), @callflow/redis store',
        value: telnyxRedisMicros!.min,
        unit: 'µs/op',
        baseline: telnyxMemoryMicros!.min,
        baselineName: 'memory store',
        target: '≤1.5x the memory store',
        note: `${(telnyxRedisMicros!.min / telnyxMemoryMicros!.min).toFixed(2)}x; ${trips.telnyx} Redis round trips per event; ${where} (medians ${telnyxRedisMicros!.median.toFixed(0)} vs ${telnyxMemoryMicros!.median.toFixed(0)} µs)`,
      },
      cpuRow('state vonage: CPU per menu webhook (this process + redis-server), @callflow/redis store', vonageMemoryCpu!, vonageRedisCpu!),
      cpuRow('state telnyx: CPU per menu event (this process + redis-server), @callflow/redis store', telnyxMemoryCpu!, telnyxRedisCpu!),
      {
        name: 'state: queue join + position + leave with 100,000 waiting (redis)',
        value: queues.largeMin,
        unit: 'µs/op',
        baseline: queues.smallMin,
        baselineName: '10 waiting',
        target: 'flat from 10 to 100,000',
        note: `${queues.ratio.toFixed(2)}x the 10-caller queue (median of ${queues.ratios.length} paired batches of 20, middle half ${queues.ratios[Math.floor(queues.ratios.length / 4)]!.toFixed(2)}-${queues.ratios[Math.floor((queues.ratios.length * 3) / 4)]!.toFixed(2)}x; fastest batches ${(queues.largeMin / queues.smallMin).toFixed(2)}x); three round trips each (sorted set)`,
      },
      ...instances,
    ];
  } finally {
    await store.close();
    await server.stop();
  }
}
