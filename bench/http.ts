import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import twilio from 'twilio';
import { createEngine, parseFlow } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { computeTwilioSignature } from '@callflow/twilio';
import { signVonageRequest } from '@callflow/vonage';
import { generateTelnyxKeyPair, signTelnyxEvent } from '@callflow/telnyx';
import { providerNames, type ProviderName } from '../packages/core/src/providers/provider-registry.js';
import { type BenchRow, twilioMenuPress, vonageMenuPress } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const secret = 'bench-secret-0123456789abcdef';
const authToken = 'bench-twilio-auth-token-0123456789';
const signatureSecret = 'bench-vonage-signature-secret';
const twilioUrl = 'https://ivr.example.com/voice';
const vonageUrl = 'https://ivr.example.com/vonage';

/** Load shape: bounded in connections and time, 127.0.0.1 only. Override with BENCH_HTTP_SECONDS for a quick run. */
const connections = 10;
const warmupSeconds = 1;
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 4);

/** One HTTP request as autocannon sends it. */
export interface PreparedRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What one load run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Requests sent beyond the pool of distinct prepared requests (then repeated from its start). */
  repeated: number;
}

/** The results of the http suite, kept for the chart. */
export interface HttpResult {
  provider: ProviderName;
  target:
    | 'callflow node:http'
    | 'callflow in Express'
    | 'callflow node:http, built-in client'
    | 'callflow in Express, built-in client'
    | 'seed-style Express + SDK'
    | 'ceiling: node:http, no webhook work'
    | 'ceiling: Express, no webhook work';
  load: LoadResult;
  /** Commands the Telnyx client (SDK or built-in) counted during the measured run (Telnyx only). */
  commands?: number;
  /**
   * CPU time (user + system) the server process spent per answered request in each measured round, in µs: what the
   * server itself costs, which other load on the shared cores changes far less than req/s (waiting for a core is not counted).
   */
  cpuMicros?: number[];
  /** Requests/s of every round; `load` is the best one. */
  rounds?: number[];
}

/** Newest modification time under a directory, in ms. */
function newestMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the packages the servers import (dist) when a build is missing or older than its source. */
export function ensureBuilt(): void {
  for (const name of ['core', ...providerNames]) {
    const dist = `${root}packages/${name}/dist/index.js`;
    if (existsSync(dist) && statSync(dist).mtimeMs >= newestMtime(`${root}packages/${name}/src`)) continue;
    try {
      execFileSync('npm', ['run', 'build', '-w', `@callflow/${name}`], { cwd: root, stdio: 'ignore' });
    } catch (error) {
      if (!existsSync(dist)) throw error;
      console.error(`  warning: @callflow/${name} did not build; measuring its previous dist`);
    }
  }
}

/** A benchmark server started by `startServer`. */
export interface RunningServer {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** CPU time (user + system, µs) a process has used, from /proc; undefined where there is no /proc or it has exited. */
export function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, in clock ticks of 10 ms (USER_HZ 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** Starts `bench/servers/<file>` (or the server at an absolute path) in a child node process and waits for its port. */
export async function startServer(file: string, config: Record<string, unknown>, execArgv: readonly string[] = []): Promise<RunningServer> {
  const nodeOptions = [...execArgv, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const path = file.startsWith('/') ? file : `${root}bench/servers/${file}`;
  const child = spawn(process.execPath, [...nodeOptions, path], {
    cwd: root,
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`${file} exited (${code}) before listening: ${stderr}`)));
  });
  return {
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Where a target's pool of prepared requests has got to, kept across warm-up and rounds. */
interface PoolCursor {
  next: number;
}

/** Runs autocannon against a server (optionally after a warm-up); each request takes the next entry of `pool`. */
export async function load(
  port: number,
  pool: readonly PreparedRequest[],
  options: { seconds?: number; warmupSeconds?: number; distinct?: boolean; cursor?: PoolCursor; afterWarmup?: () => Promise<void> } = {},
): Promise<LoadResult> {
  const cursor = options.cursor ?? { next: 0 };
  const take = () => pool[cursor.next++ % pool.length]!;
  const fire = (duration: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration,
      requests: [{ setupRequest: (request) => ({ ...request, ...take() }) }],
    });
  const warmup = options.warmupSeconds ?? warmupSeconds;
  if (warmup > 0) await fire(warmup);
  await options.afterWarmup?.();
  const first = cursor.next;
  const result = await fire(options.seconds ?? seconds);
  return {
    // Only answers that did the work count: a refusal (non-2xx) is cheaper than the webhook.
    requestsPerSecond: result.requests.average * (result['2xx'] / Math.max(1, result['2xx'] + result.non2xx)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    repeated: options.distinct === false ? 0 : Math.max(0, cursor.next - Math.max(first, pool.length)),
  };
}

/** One server under test, started and checked, with the requests it is sent. */
interface Target {
  target: HttpResult['target'];
  server: RunningServer;
  pool: readonly PreparedRequest[];
  /** False when sending the same request again is the same work (stateless baselines, Twilio). */
  distinct: boolean;
  /** Commands counted by the server's telnyx client so far (Telnyx only). */
  commands?: () => Promise<number>;
}

const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 2);

/**
 * Loads every target in turn, `rounds` times (A B C A B C: a busy moment on the shared machine does not land on one
 * target only), and keeps each target's best round: background load only ever slows a round down.
 */
async function measureTargets(provider: HttpResult['provider'], targets: readonly Target[]): Promise<HttpResult[]> {
  const best = new Map<Target, HttpResult & { rounds: number[] }>();
  const cursors = new Map(targets.map((target) => [target, { next: 0 }]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const target of targets) {
        let before = 0;
        let cpuBefore: number | undefined;
        const measured = await load(target.server.port, target.pool, {
          distinct: target.distinct,
          cursor: cursors.get(target),
          warmupSeconds: round === 0 ? warmupSeconds : 0,
          afterWarmup: async () => {
            before = (await target.commands?.()) ?? 0;
            cpuBefore = processCpuMicros(target.server.child.pid);
          },
        });
        const cpuAfter = processCpuMicros(target.server.child.pid);
        const answered = measured.ok + measured.non2xx;
        const cpu = cpuBefore === undefined || cpuAfter === undefined || answered === 0 ? [] : [(cpuAfter - cpuBefore) / answered];
        const commands = target.commands ? (await target.commands()) - before : undefined;
        const previous = best.get(target);
        const all = [...(previous?.rounds ?? []), measured.requestsPerSecond];
        const cpuMicros = [...(previous?.cpuMicros ?? []), ...cpu];
        // A round that ran out of distinct calls answered some repeats from the idempotency cache: never the best one.
        const better =
          !previous ||
          (measured.repeated === 0 && (previous.load.repeated > 0 || measured.requestsPerSecond > previous.load.requestsPerSecond));
        if (better) best.set(target, { provider, target: target.target, load: measured, commands, rounds: all, cpuMicros });
        else {
          previous.rounds = all;
          previous.cpuMicros = cpuMicros;
        }
      }
    }
  } finally {
    await Promise.all(targets.map((target) => target.server.stop()));
  }
  return targets.map((target) => best.get(target)!);
}

/** Sends one prepared request and returns the status and body text (the correctness check before a load). */
async function send(port: number, request: PreparedRequest): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  return { status: response.status, text: await response.text() };
}

/** Writes a flow as the JSON file the servers read. */
export function writeFlow(directory: string, flow: object): string {
  const path = join(directory, 'phone-tree.json');
  writeFileSync(path, JSON.stringify(flow));
  return path;
}

/** The signed Twilio menu press (Digits=3) for callflow's server and for the seed-style one, and the servers' settings. */
export async function twilioMenuRequests(
  flowPath: string,
): Promise<{ ours: PreparedRequest; seed: PreparedRequest; config: Record<string, unknown> }> {
  const flow = parseFlow(readFileSync(flowPath, 'utf8'), { format: 'json' });
  const engine = createEngine(flow, { secret });
  const call = { callId: 'CA0123456789abcdef0123456789abcdef', from: '+15551230000', to: '+15559870000', provider: 'twilio' };
  const menu = await engine.start(call);
  const params = twilioMenuPress(call.callId, call.from, call.to);
  const body = new URLSearchParams(params).toString();
  const request = async (query: string): Promise<PreparedRequest> => ({
    method: 'POST',
    path: `/voice?${query}`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': await computeTwilioSignature(authToken, `${twilioUrl}?${query}`, params),
    },
    body,
  });
  const ours = await request(`t=${menu.token!}`);
  const seed = await request('state=menu');
  if (seed.headers['x-twilio-signature'] !== twilio.getExpectedTwilioSignature(authToken, `${twilioUrl}?state=menu`, params))
    throw new Error('twilio signatures disagree with the SDK');
  return { ours, seed, config: { secret, authToken, publicUrl: twilioUrl, flowPath } };
}

/** Twilio: the same signed POST (Digits=3 at the menu) again and again; the handler is stateless. */
async function twilioTargets(flowPath: string): Promise<HttpResult[]> {
  const { ours, seed, config } = await twilioMenuRequests(flowPath);
  const targets: Target[] = [];
  for (const [target, file, mode, prepared, execArgv] of [
    ['callflow node:http', 'twilio-callflow.mjs', 'node', ours, []],
    ['callflow in Express', 'twilio-callflow.mjs', 'express', ours, []],
    ['seed-style Express + SDK', 'twilio-seed.mjs', 'express', seed, []],
    ['ceiling: node:http, no webhook work', 'ceiling.mjs', 'node', ours, []],
    ['ceiling: Express, no webhook work', 'ceiling.mjs', 'express', ours, []],
  ] as const) {
    const server = await startServer(file, { ...config, mode }, execArgv);
    targets.push({ target, server, pool: [prepared], distinct: false });
    const check = await send(server.port, prepared);
    if (check.status !== 200 || !check.text.includes('We are open') || !check.text.includes('<Gather')) {
      await Promise.all(targets.map((started) => started.server.stop()));
      throw new Error(`twilio ${target} did not answer the hours turn: ${check.status} ${check.text.slice(0, 200)}`);
    }
  }
  return measureTargets('twilio', targets);
}

/** A signed Vonage menu press (digit 3) of one call to its NCCO input URL, as autocannon sends it. */
async function vonagePress(callId: string, input: string, signatureSecret: string): Promise<PreparedRequest> {
  const request = await signVonageRequest({ url: input, body: vonageMenuPress(callId), signatureSecret });
  const url = new URL(request.url);
  return {
    method: 'POST',
    path: url.pathname + url.search,
    headers: { 'content-type': 'application/json', authorization: request.headers.get('authorization')! },
    body: await request.text(),
  };
}

/** The Vonage servers' settings, and the seed-style server's signed menu presses (it keeps no state: 1,000 are enough). */
export async function vonageMenuPools(flowPath: string): Promise<{ seed: PreparedRequest[]; config: Record<string, unknown> }> {
  const seed: PreparedRequest[] = [];
  for (let index = 0; index < 1_000; index++) {
    const callId = `aaaaaaaa-bbbb-4ccc-8ddd-${String(index).padStart(12, '0')}`;
    seed.push(await vonagePress(callId, `${vonageUrl}/input?state=menu&call=${callId}`, signatureSecret));
  }
  return { seed, config: { secret, signatureSecret, publicUrl: vonageUrl, flowPath } };
}

/**
 * Starts a callflow Vonage server (bench/servers/vonage-callflow.mjs or a copy of it) that first answers `calls` distinct
 * calls through its own handler, unmeasured (their answer webhooks record each call at the menu, as in production), and
 * returns it with each call's signed menu press, so every press of the load is a first delivery at a recorded position.
 */
export async function startAnsweredVonageServer(
  file: string,
  config: Record<string, unknown>,
  calls: number,
  directory: string,
  execArgv: readonly string[] = [],
): Promise<{ server: RunningServer; pool: PreparedRequest[] }> {
  const inputsPath = join(directory, `vonage-inputs-${process.hrtime.bigint()}.json`);
  const server = await startServer(file, { ...config, preseed: calls, inputsPath }, execArgv);
  // Signed once its server is up (a JWT is refused 300 s after its iat): the answers before it can take a while.
  const inputs = JSON.parse(readFileSync(inputsPath, 'utf8')) as Array<[string, string]>;
  rmSync(inputsPath, { force: true });
  const pool: PreparedRequest[] = [];
  for (const [callId, input] of inputs) pool.push(await vonagePress(callId, input, signatureSecret));
  return { server, pool };
}

/** Vonage: distinct calls, each answered first (each press of 3 is a first delivery: the handler de-duplicates repeated ones). */
async function vonageTargets(flowPath: string, directory: string, poolSize: number): Promise<HttpResult[]> {
  const { seed, config } = await vonageMenuPools(flowPath);
  const targets: Target[] = [];
  for (const [target, file, mode] of [
    ['callflow node:http', 'vonage-callflow.mjs', 'node'],
    ['callflow in Express', 'vonage-callflow.mjs', 'express'],
    ['seed-style Express + SDK', 'vonage-seed.mjs', 'express'],
    // The floor again, in this rotation: node:http answering a fixed document (no webhook work).
    ['ceiling: node:http, no webhook work', 'ceiling.mjs', 'node'],
  ] as const) {
    const ours = file === 'vonage-callflow.mjs';
    const { server, pool } = ours
      ? await startAnsweredVonageServer(file, { ...config, mode }, poolSize, directory)
      : { server: await startServer(file, { ...config, mode }), pool: seed };
    // The check uses the last entry, which the load reaches only if the pool runs out.
    targets.push({ target, server, pool: pool.slice(0, -1), distinct: ours });
    const check = await send(server.port, pool.at(-1)!);
    const expected = file === 'ceiling.mjs' ? '<Gather' : '"input"';
    if (check.status !== 200 || !check.text.includes('We are open') || !check.text.includes(expected)) {
      await Promise.all(targets.map((started) => started.server.stop()));
      throw new Error(`vonage ${target} did not answer the hours turn: ${check.status} ${check.text.slice(0, 200)}`);
    }
  }
  return measureTargets('vonage', targets);
}

function gatherEndedBody(index: number, clientState: string): string {
  return JSON.stringify({
    data: {
      record_type: 'event',
      event_type: 'call.gather.ended',
      id: `gather-ended-${index}`,
      occurred_at: new Date().toISOString(),
      payload: {
        call_control_id: `v3:bench-${index}`,
        call_leg_id: `leg-${index}`,
        call_session_id: `session-${index}`,
        client_state: clientState,
        digits: '3',
        status: 'valid',
        from: '+15551230000',
        to: '+15559870000',
      },
    },
  });
}

async function telnyxPool(privateKey: string, clientStates: ReadonlyArray<readonly [number, string]>): Promise<PreparedRequest[]> {
  const pool: PreparedRequest[] = [];
  for (const [index, clientState] of clientStates) {
    const body = gatherEndedBody(index, clientState);
    pool.push({
      method: 'POST',
      path: '/telnyx',
      headers: { 'content-type': 'application/json', ...(await signTelnyxEvent(body, { privateKey })) },
      body,
    });
  }
  return pool;
}

async function commandCount(port: number, action: string): Promise<number> {
  const counts = (await (await fetch(`http://127.0.0.1:${port}/__bench/commands`)).json()) as Record<string, number>;
  return counts[action] ?? 0;
}

/**
 * Telnyx: each callflow server first starts `poolSize` calls in-process (call.initiated, call.speak.ended → the menu's
 * gather_using_speak), then the load delivers call.gather.ended with digit 3 for each, once. The seed-style server needs
 * no set-up: its state is base64 'menu'. Each sends its next command over HTTP to a stand-in Call Control API
 * (bench/servers/telnyx-api.mjs), which counts it: through the telnyx SDK client (its fetch), or for the built-in targets
 * callflow's own `createCallControlClient` (node:http, no telnyx SDK loaded).
 */
async function telnyxTargets(flowPath: string, directory: string, poolSize: number): Promise<HttpResult[]> {
  const keys = await generateTelnyxKeyPair();
  // The seed-style server keeps no state (its state is base64 'menu' in client_state): a small pool is enough.
  const seedStates = Array.from(
    { length: Math.min(poolSize, 1_000) },
    (_, index) => [index, Buffer.from('menu').toString('base64')] as const,
  );
  // One stand-in Call Control API for every target, a process of its own: each command crosses real HTTP, as it does in
  // production (to Telnyx over HTTPS there), through the client's own transport. Targets are loaded one at a time, so
  // the commands it counts during a round are that target's.
  const api = await startServer('telnyx-api.mjs', {});
  const apiUrl = `http://127.0.0.1:${api.port}`;
  const targets: Target[] = [];
  const started: Array<{ target: Target['target']; server: RunningServer; ours: boolean; clientStatesPath: string }> = [];
  for (const [target, file, mode, client] of [
    ['callflow node:http', 'telnyx-callflow.mjs', 'node', 'sdk'],
    ['callflow in Express', 'telnyx-callflow.mjs', 'express', 'sdk'],
    ['callflow node:http, built-in client', 'telnyx-callflow.mjs', 'node', 'built-in'],
    ['callflow in Express, built-in client', 'telnyx-callflow.mjs', 'express', 'built-in'],
    ['seed-style Express + SDK', 'telnyx-seed.mjs', 'express', 'sdk'],
  ] as const) {
    const ours = file === 'telnyx-callflow.mjs';
    const clientStatesPath = join(directory, `client-states-${mode}-${client}.json`);
    const server = await startServer(file, {
      secret,
      flowPath,
      publicKey: keys.publicKey,
      privateKey: keys.privateKey,
      mode,
      client,
      preseed: ours ? poolSize : 0,
      clientStatesPath,
      apiUrl,
    });
    started.push({ target, server, ours, clientStatesPath });
  }
  // Every pool signed once all the servers are up: each callflow server brings its calls to the menu for minutes (each
  // command over HTTP), and a pool signed when its own server came up went past Telnyx's 300 s timestamp tolerance
  // before its second round, which the server then refused (403) to the last event.
  for (const { target, server, ours, clientStatesPath } of started) {
    let pool: PreparedRequest[] = [];
    if (!ours) pool = await telnyxPool(keys.privateKey, seedStates);
    if (ours) {
      const states = JSON.parse(readFileSync(clientStatesPath, 'utf8')) as Record<string, string>;
      pool = await telnyxPool(
        keys.privateKey,
        Object.entries(states).map(([callId, state]) => [Number(callId.slice('v3:bench-'.length)), state] as const),
      );
    }
    const commands = () => commandCount(api.port, 'gather_using_speak');
    targets.push({ target, server, pool: pool.slice(0, -1), distinct: ours, commands });
    const before = await commands();
    const check = await send(server.port, pool.at(-1)!);
    if (check.status !== 200 || (await commands()) !== before + 1) {
      await Promise.all([api, ...started.map((each) => each.server)].map((each) => each.stop()));
      throw new Error(`telnyx ${target} did not send the hours gather: ${check.status} ${check.text.slice(0, 200)}`);
    }
  }
  try {
    return await measureTargets('telnyx', targets);
  } finally {
    await api.stop();
  }
}

const roundsText = (result: HttpResult) => (result.rounds ?? [result.load.requestsPerSecond]).map((value) => Math.round(value)).join('/');
const ratio = (ours: number, baseline: number) => `${(ours / baseline).toFixed(2)}x`;
/** The least CPU per request of a target's rounds: the round other load disturbed least. */
const leastCpu = (result: HttpResult) => (result.cpuMicros?.length ? Math.min(...result.cpuMicros) : undefined);
const cpuText = (result: HttpResult) => (result.cpuMicros ?? []).map((value) => value.toFixed(1)).join('/');

/** Turns the measured runs into table rows: req/s, p50 and p99 per provider, ours against the seed-style baseline. */
export function httpRows(results: readonly HttpResult[]): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const provider of providerNames) {
    const baseline = results.find((result) => result.provider === provider && result.target === 'seed-style Express + SDK');
    if (!baseline) continue;
    for (const ours of results.filter((result) => result.provider === provider && result.target.startsWith('callflow '))) {
      const notes = [
        `p50 ${ours.load.p50Ms} / p99 ${ours.load.p99Ms} ms vs ${baseline.load.p50Ms} / ${baseline.load.p99Ms} ms`,
        `best of ${roundsText(ours)} vs ${roundsText(baseline)}`,
      ];
      if (ours.load.non2xx || ours.load.errors || baseline.load.non2xx || baseline.load.errors)
        notes.push(
          `non-2xx/errors: ours ${ours.load.non2xx}/${ours.load.errors}, baseline ${baseline.load.non2xx}/${baseline.load.errors}`,
        );
      if (ours.load.repeated) notes.push(`${ours.load.repeated} repeated deliveries (pool ran out)`);
      if (ours.commands !== undefined)
        notes.push(`commands ${ours.commands} for ${ours.load.ok} 2xx (baseline ${baseline.commands} for ${baseline.load.ok})`);
      rows.push({
        name: `http ${provider}: menu webhook, ${ours.target}`,
        value: ours.load.requestsPerSecond,
        unit: 'req/s',
        baseline: baseline.load.requestsPerSecond,
        baselineName: 'seed-style Express + SDK',
        target:
          provider === 'telnyx' && ours.target.includes('built-in') && ours.target.includes('node:http') ? '≥3x the baseline' : undefined,
        note: notes.join('; '),
      });
    }
    for (const extra of results.filter((result) => result.provider === provider && result.target.startsWith('ceiling'))) {
      rows.push({
        name: `http ${provider}: ${extra.target}`,
        value: extra.load.requestsPerSecond,
        unit: 'req/s',
        baseline: baseline.load.requestsPerSecond,
        baselineName: 'seed-style Express + SDK',
        note: `answers a fixed TwiML document: the most any handler can reach here; 3x the baseline would be ${Math.round(3 * baseline.load.requestsPerSecond)} req/s`,
      });
    }
    const node = results.find((result) => result.provider === provider && result.target === 'callflow node:http');
    const floor = results.find((result) => result.provider === provider && result.target === 'ceiling: node:http, no webhook work');
    if (node && floor) {
      rows.push({
        name: `http ${provider}: callflow node:http against the bare node:http floor`,
        value: node.load.requestsPerSecond,
        unit: 'req/s',
        baseline: floor.load.requestsPerSecond,
        baselineName: 'bare node:http, fixed document',
        target: '≥70% of the floor',
        note: `${((100 * node.load.requestsPerSecond) / floor.load.requestsPerSecond).toFixed(0)}% of the floor; best of ${roundsText(node)} vs ${roundsText(floor)}, same rotation`,
      });
      const ourCpu = leastCpu(node);
      const floorCpu = leastCpu(floor);
      if (ourCpu !== undefined && floorCpu !== undefined) {
        rows.push({
          name: `http ${provider}: server CPU per request, callflow node:http against the bare node:http floor`,
          value: ourCpu,
          unit: 'µs/op',
          baseline: floorCpu,
          baselineName: 'bare node:http, fixed document',
          note: `the floor's CPU is ${((100 * floorCpu) / ourCpu).toFixed(0)}% of callflow's (least of ${node.cpuMicros!.length} rounds: ${cpuText(node)} vs ${cpuText(floor)} µs); CPU time of the server process alone (user + system), which the load generator sharing the cores changes far less than req/s; callflow's own work is ${(ourCpu - floorCpu).toFixed(1)} µs a request beyond node:http`,
        });
      }
    }
    if (node) {
      rows.push({
        name: `http ${provider}: p50 latency, callflow node:http`,
        value: node.load.p50Ms,
        unit: 'ms',
        baseline: baseline.load.p50Ms,
        baselineName: 'seed-style Express + SDK',
        note: `${connections} connections, ${seconds} s`,
      });
      rows.push({
        name: `http ${provider}: p99 latency, callflow node:http`,
        value: node.load.p99Ms,
        unit: 'ms',
        baseline: baseline.load.p99Ms,
        baselineName: 'seed-style Express + SDK',
        note: `req/s ratio ${ratio(node.load.requestsPerSecond, baseline.load.requestsPerSecond)}`,
      });
    }
  }
  return rows;
}

/** Every target, in order; the raw results are also returned for the chart. */
export async function measureHttp(providers: readonly ProviderName[] = providerNames): Promise<HttpResult[]> {
  ensureBuilt();
  const directory = mkdtempSync(join(tmpdir(), 'callflow-bench-http-'));
  try {
    const flowPath = writeFlow(directory, phoneTree);
    const results: HttpResult[] = [];
    // Distinct calls for the stateful handlers: enough for warm-up plus every round at the rates seen on this machine
    // (Vonage up to ~9,000 req/s, Telnyx up to ~4,000 req/s); a shortfall is reported as repeated deliveries.
    const scale = (rounds * seconds + warmupSeconds) / 9;
    const pool = (size: number) => Number(process.env.BENCH_HTTP_POOL ?? Math.ceil(size * scale));
    // One entry per provider in the registry: a provider without its load targets does not compile.
    const measure: Record<ProviderName, () => Promise<HttpResult[]>> = {
      twilio: () => twilioTargets(flowPath),
      vonage: () => vonageTargets(flowPath, directory, pool(90_000)),
      telnyx: () => telnyxTargets(flowPath, directory, pool(40_000)),
    };
    for (const provider of providerNames) if (providers.includes(provider)) results.push(...(await measure[provider]()));
    return results;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The http suite: phone-tree menu webhook under load, per provider, ours (node:http, Express) vs the seed-style baseline. */
export async function run(): Promise<BenchRow[]> {
  const results = await measureHttp();
  lastHttpResults = results;
  return httpRows(results);
}

/** The raw results of the last `run()` (for bench/chart.ts via bench/run.ts). */
export let lastHttpResults: HttpResult[] = [];

/**
 * Scale: one whole Twilio webhook in-process (signature, form, token, resume, TwiML) in flows of 10, 1,000 and
 * 10,000 menu nodes (bench/core.ts generateFlow), and the one-time cost of building the handler for each.
 */
export async function runScale(): Promise<BenchRow[]> {
  const { generateFlow } = await import('./core.js');
  const { medianMicros } = await import('./harness.js');
  const { createTwilioHandler } = await import('@callflow/twilio');
  const sizes = [10, 1_000, 10_000];
  const targets = [];
  for (const size of sizes) {
    const flow = generateFlow(size);
    const built = performance.now();
    const handler = createTwilioHandler({ flow, secret, authToken, publicBaseUrl: twilioUrl });
    const buildMs = performance.now() - built;
    const call = { callId: 'CA0123456789abcdef0123456789abcdef', from: '+15551230000', to: '+15559870000', provider: 'twilio' };
    const start = await handler.engine.start(call);
    const params = {
      AccountSid: 'AC0123456789abcdef0123456789abcdef',
      CallSid: call.callId,
      CallStatus: 'in-progress',
      Digits: '1',
      From: call.from,
      To: call.to,
    };
    const query = `t=${start.token!}`;
    const signature = await computeTwilioSignature(authToken, `${twilioUrl}?${query}`, params);
    const body = new URLSearchParams(params).toString();
    const request = () =>
      new Request(`http://127.0.0.1:3000/voice?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body,
      });
    const check = await (await handler(request())).text();
    if (!check.includes('This is menu 1.')) throw new Error(`scale webhook did not reach node_1: ${check.slice(0, 200)}`);
    targets.push({ size, buildMs, webhook: async () => (await handler(request())).text(), samples: [] as number[] });
  }
  // Three interleaved passes so a noisy moment on the shared machine does not land on one size only.
  for (let pass = 0; pass < 3; pass++) {
    for (const target of targets) target.samples.push(await medianMicros(target.webhook, { batch: 200, rounds: 9, warmup: 400 }));
  }
  const middle = (values: number[]) => [...values].sort((a, b) => a - b)[1]!;
  const smallest = middle(targets[0]!.samples);
  return targets.map((target) => ({
    name: `scale: twilio whole webhook in-process, ${target.size}-node flow`,
    value: middle(target.samples),
    unit: 'µs/op' as const,
    target: 'flat in flow size',
    note: `handler built in ${target.buildMs.toFixed(1)} ms (once per process)${target.size === 10_000 ? `; 10,000 / 10 nodes = ${(middle(target.samples) / smallest).toFixed(2)}x` : ''}`,
  }));
}
