import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createEngine, defineFlow, type gather, hours, type Flow } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { computeTwilioSignature } from '@callflow/twilio';
import { signVonageRequest } from '@callflow/vonage';
import { generateTelnyxKeyPair, signTelnyxEvent } from '@callflow/telnyx';
import { providerNames, type ProviderName } from '../packages/core/src/providers/provider-registry.js';
import { type BenchRow, twilioMenuPress } from './harness.js';
import { ensureBuilt } from './http.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const secret = 'bench-secret-0123456789abcdef';
const authToken = 'bench-twilio-auth-token-0123456789';
const signatureSecret = 'bench-vonage-signature-secret';
const runs = Number(process.env.BENCH_COLD_RUNS ?? 9);

/** One fresh process: wall time from spawn to exit, and what the script measured from its first line. */
interface ColdSample {
  wallMs: number;
  importMs: number;
  answerMs: number;
  /** User + system CPU time from the script's first line to the answer, and from the process's start to it. */
  answerCpuMs: number;
  processCpuMs: number;
}

/** Medians over the runs of one script. */
export interface ColdResult {
  provider: ProviderName;
  /**
   * `callflow` sends Telnyx commands through the telnyx SDK client; `callflow, built-in client` through createCallControlClient;
   * `callflow, flow with hours`: the same webhook for a phone tree whose hours node checks a schedule first (its first
   * webhook loads luxon, the business-hours chunk); `bare node` is a process that loads one module and answers nothing
   * (the floor, run in the same rotation).
   */
  side: 'callflow' | 'callflow, built-in client' | 'callflow, flow with hours' | 'seed-style SDK' | 'bare node';
  wallMs: number;
  importMs: number;
  answerMs: number;
  /** CPU time (user + system), which other load on a shared machine stretches less than wall time: first line → answer, and process start → answer. */
  answerCpuMs: number;
  processCpuMs: number;
}

function runOnce(script: string, config: Record<string, unknown>): ColdSample {
  const started = performance.now();
  const result = spawnSync(process.execPath, [`${root}bench/servers/${script}`], {
    cwd: root,
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${script} failed: ${result.stderr}`);
  const out = JSON.parse(result.stdout) as {
    importMs: number;
    answerMs: number;
    answerCpuMs: number;
    processCpuMs: number;
    status: number;
    ok: boolean;
  };
  if (out.status !== 200 || !out.ok) throw new Error(`${script} did not answer the webhook correctly: ${result.stdout}`);
  return { wallMs, importMs: out.importMs, answerMs: out.answerMs, answerCpuMs: out.answerCpuMs, processCpuMs: out.processCpuMs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Runs ours and the baseline (and any other target) in turn, `runs` times each, after one unmeasured run of each (disk cache). */
function compare(
  provider: ColdResult['provider'],
  ours: [string, Record<string, unknown>],
  seed: [string, Record<string, unknown>],
  others: ReadonlyArray<[ColdResult['side'], string, Record<string, unknown>]> = [],
): ColdResult[] {
  const targets: Array<[ColdResult['side'], string, Record<string, unknown>]> = [
    ['callflow', ...ours],
    ['seed-style SDK', ...seed],
    ...others,
    ['bare node', 'cold-bare-node.mjs', {}],
  ];
  for (const [, script, config] of targets) runOnce(script, config);
  const samples = targets.map((): ColdSample[] => []);
  for (let run = 0; run < runs; run++) {
    for (const [index, [, script, config]] of targets.entries()) samples[index]!.push(runOnce(script, config));
  }
  return targets.map(([side], index) => ({
    provider,
    side,
    wallMs: median(samples[index]!.map((sample) => sample.wallMs)),
    importMs: median(samples[index]!.map((sample) => sample.importMs)),
    answerMs: median(samples[index]!.map((sample) => sample.answerMs)),
    answerCpuMs: median(samples[index]!.map((sample) => sample.answerCpuMs)),
    processCpuMs: median(samples[index]!.map((sample) => sample.processCpuMs)),
  }));
}

/**
 * The phone tree with business hours: pressing 3 reaches an hours step (a weekday schedule) before the same prompt, so
 * the webhook measured is the same document, and the process has to load luxon (its own chunk) to answer it.
 */
function phoneTreeWithHours(): Flow {
  const { hours: hoursNode, ...nodes } = phoneTree.nodes as Record<string, Flow['nodes'][string]>;
  const prompt = (hoursNode as ReturnType<typeof gather>[])[0]!;
  return defineFlow({
    ...phoneTree,
    schedules: { office: { timezone: 'America/New_York', weekly: { weekdays: ['09:00-17:00'] } } },
    nodes: { ...nodes, hours: [hours('office', { open: 'hours_info', closed: 'hours_info' })], hours_info: [prompt] },
  } as Parameters<typeof defineFlow>[0]) as Flow;
}

/** Everything the cold-start suite measured. */
export interface ColdStartMeasurement {
  results: ColdResult[];
  nodeFloorMs: number;
}

/** Wall time of `node -e ''`: the part of every cold start no library can remove. */
function nodeFloorMs(): number {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    spawnSync(process.execPath, ['-e', ''], { cwd: root });
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** The stand-in Call Control API (bench/servers/cold-telnyx-callflow-api.mjs) in its own process; `stop` resolves the actions it received. */
async function startStandInApi(): Promise<{ baseUrl: string; stop: () => Promise<string[]> }> {
  const child = spawn(process.execPath, [`${root}bench/servers/cold-telnyx-callflow-api.mjs`], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      const first = output.split('\n')[0];
      if (output.includes('\n') && first) resolve((JSON.parse(first) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`the stand-in Telnyx API exited (${code}) before listening`)));
  });
  let stopped: Promise<string[]> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    stop: () => {
      stopped ??= (async () => {
        child.kill('SIGTERM');
        await exited;
        return output.split('\n').slice(1).filter(Boolean);
      })();
      return stopped;
    },
  };
}

/** Every provider's cold start, ours vs the SDK-based baseline, plus the bare node floor. */
export async function measureColdStart(): Promise<ColdStartMeasurement> {
  ensureBuilt();
  const directory = mkdtempSync(join(tmpdir(), 'callflow-bench-cold-'));
  try {
    const flowPath = join(directory, 'phone-tree.json');
    writeFileSync(flowPath, JSON.stringify(phoneTree));
    const engine = createEngine(phoneTree, { secret });
    const withHours = phoneTreeWithHours();
    const hoursFlowPath = join(directory, 'phone-tree-hours.json');
    writeFileSync(hoursFlowPath, JSON.stringify(withHours));
    const hoursEngine = createEngine(withHours, { secret });
    // One entry per provider in the registry: a provider without its cold-start scripts does not compile.
    const measure: Record<ProviderName, () => Promise<ColdResult[]>> = {
      twilio: async () => {
        // Twilio: the menu's action webhook, Digits=3.
        const twilioUrl = 'https://ivr.example.com/voice';
        const twilioCall = { callId: 'CA0123456789abcdef0123456789abcdef', from: '+15551230000', to: '+15559870000', provider: 'twilio' };
        const menu = await engine.start(twilioCall);
        const params = twilioMenuPress(twilioCall.callId, twilioCall.from, twilioCall.to);
        const twilioRequest = async (query: string) => ({
          url: `http://127.0.0.1:3000/voice?${query}`,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': await computeTwilioSignature(authToken, `${twilioUrl}?${query}`, params),
          },
          body: new URLSearchParams(params).toString(),
        });
        const twilioConfig = { flowPath, secret, authToken, publicUrl: twilioUrl };
        const hoursMenu = await hoursEngine.start(twilioCall);
        return compare(
          'twilio',
          ['cold-twilio-callflow.mjs', { ...twilioConfig, ...(await twilioRequest(`t=${menu.token!}`)) }],
          ['cold-twilio-seed.mjs', { ...twilioConfig, ...(await twilioRequest('state=menu')) }],
          [
            [
              'callflow, flow with hours',
              'cold-twilio-callflow.mjs',
              { ...twilioConfig, flowPath: hoursFlowPath, ...(await twilioRequest(`t=${hoursMenu.token!}`)) },
            ],
          ],
        );
      },
      vonage: async () => {
        // Vonage: the menu's input webhook, dtmf 3 (JWTs are signed now; the runs finish well inside their 5 minutes).
        const vonageUrl = 'https://ivr.example.com/vonage';
        const vonageCall = { callId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', from: '447700900001', to: '447700900000', provider: 'vonage' };
        const vonageMenu = await engine.start(vonageCall);
        const event = {
          uuid: vonageCall.callId,
          from: vonageCall.from,
          to: vonageCall.to,
          dtmf: { digits: '3', timed_out: false },
          timestamp: new Date().toISOString(),
        };
        const vonageRequest = async (url: string) => {
          const request = await signVonageRequest({ url, body: event, signatureSecret });
          return { url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() };
        };
        const vonageConfig = { flowPath, secret, signatureSecret, publicUrl: vonageUrl };
        return compare(
          'vonage',
          [
            'cold-vonage-callflow.mjs',
            {
              ...vonageConfig,
              ...(await vonageRequest(`http://127.0.0.1:3000/vonage/input?t=${vonageMenu.token!}&call=${vonageCall.callId}`)),
            },
          ],
          [
            'cold-vonage-seed.mjs',
            { ...vonageConfig, ...(await vonageRequest(`http://127.0.0.1:3000/vonage/input?state=menu&call=${vonageCall.callId}`)) },
          ],
        );
      },
      telnyx: async () => {
        // Telnyx: a fresh process has no call position yet, so the first event it can act on is call.initiated.
        const keys = await generateTelnyxKeyPair();
        const body = JSON.stringify({
          data: {
            record_type: 'event',
            event_type: 'call.initiated',
            id: '0ccc7b54-4df3-4bca-a65a-3da1ecc777f0',
            occurred_at: new Date().toISOString(),
            payload: {
              call_control_id: 'v3:cold-start-call',
              call_leg_id: 'leg',
              call_session_id: 'session',
              direction: 'incoming',
              from: '+15551230000',
              to: '+15559870000',
              state: 'parked',
            },
          },
        });
        const telnyxConfig = {
          flowPath,
          secret,
          publicKey: keys.publicKey,
          url: 'http://127.0.0.1:3000/telnyx',
          headers: { 'content-type': 'application/json', ...(await signTelnyxEvent(body, { privateKey: keys.privateKey })) },
          body,
        };
        // callflow twice: commands through the telnyx SDK client, and through the built-in createCallControlClient (no SDK),
        // which sends them over real HTTP to a stand-in API in its own process (this one blocks in spawnSync meanwhile).
        const api = await startStandInApi();
        try {
          const results = compare(
            'telnyx',
            ['cold-telnyx-callflow.mjs', telnyxConfig],
            ['cold-telnyx-seed.mjs', telnyxConfig],
            [['callflow, built-in client', 'cold-telnyx-callflow-fetch.mjs', { ...telnyxConfig, apiBaseUrl: api.baseUrl }]],
          );
          const answers = (await api.stop()).filter((action) => action === 'answer').length;
          // One unmeasured run and `runs` measured ones, each answering the call once.
          if (answers !== runs + 1) throw new Error(`the stand-in Telnyx API received ${answers} answer commands, not ${runs + 1}`);
          return results;
        } finally {
          await api.stop();
        }
      },
    };
    const results: ColdResult[] = [];
    for (const provider of providerNames) results.push(...(await measure[provider]()));
    return { results, nodeFloorMs: nodeFloorMs() };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Table rows: whole-process wall time, first line → response, and import time, per provider, ours vs baseline. */
export function coldStartRows(measured: ColdStartMeasurement): BenchRow[] {
  const rows: BenchRow[] = [];
  const baselineName: Record<ProviderName, string> = {
    twilio: 'twilio SDK (validateRequest + VoiceResponse)',
    vonage: '@vonage/jwt + @vonage/voice',
    telnyx: 'telnyx SDK (webhooks.unwrap + client)',
  };
  for (const provider of providerNames) {
    const seed = measured.results.find((result) => result.provider === provider && result.side === 'seed-style SDK');
    const bare = measured.results.find((result) => result.provider === provider && result.side === 'bare node');
    if (!seed || !bare) continue;
    for (const ours of measured.results.filter(
      (result) => result.provider === provider && (result.side === 'callflow' || result.side === 'callflow, built-in client'),
    )) {
      const builtIn = ours.side === 'callflow, built-in client';
      // Telnyx is measured twice: with the telnyx SDK client the user passes, and with callflow's own fetch client.
      const label = provider !== 'telnyx' ? provider : builtIn ? 'telnyx (built-in client)' : 'telnyx (telnyx SDK client)';
      const event = provider === 'telnyx' ? 'call.initiated' : 'menu press 3';
      rows.push({
        name: `cold start ${label}: fresh process answers one webhook (${event}), wall time`,
        value: ours.wallMs,
        unit: 'ms',
        baseline: seed.wallMs,
        baselineName: baselineName[provider],
        target: '≤1/3 of the baseline',
        note: `median of ${runs}; node itself (node -e '') takes ${measured.nodeFloorMs.toFixed(0)} ms`,
      });
      rows.push({
        name: `cold start ${label}: whole process above bare node`,
        value: ours.wallMs - bare.wallMs,
        unit: 'ms',
        target: '≤25 ms',
        note: `${ours.wallMs.toFixed(0)} − ${bare.wallMs.toFixed(0)} ms (a node process loading one module, medians of ${runs} runs in the same rotation); CPU time to the answer ${ours.processCpuMs.toFixed(1)} − ${bare.processCpuMs.toFixed(1)} = ${(ours.processCpuMs - bare.processCpuMs).toFixed(1)} ms`,
      });
      rows.push({
        name: `cold start ${label}: first line → response, in-process`,
        value: ours.answerMs,
        unit: 'ms',
        baseline: seed.answerMs,
        baselineName: baselineName[provider],
        target: '≤15 ms',
        note: `${
          provider !== 'telnyx'
            ? `median of ${runs}`
            : builtIn
              ? 'through toLambdaHandler; createCallControlClient sends the commands over node:http to a local stand-in API: no telnyx SDK, no undici'
              : 'ours imports the telnyx SDK too (the client that sends its commands)'
        }; CPU time ${ours.answerCpuMs.toFixed(1)} ms (baseline ${seed.answerCpuMs.toFixed(1)} ms)`,
      });
      rows.push({
        name: `cold start ${label}: import time`,
        value: ours.importMs,
        unit: 'ms',
        baseline: seed.importMs,
        baselineName: baselineName[provider],
        target: provider === 'twilio' ? '≤1/5 of the SDK' : undefined,
        note:
          provider !== 'telnyx'
            ? undefined
            : builtIn
              ? '@callflow/core + @callflow/telnyx vs telnyx'
              : '@callflow/core + @callflow/telnyx + telnyx vs telnyx',
      });
      if (ours.side === 'callflow') {
        // The same webhook for a flow whose path checks business hours: what loading the luxon chunk adds to a cold start.
        const withHours = measured.results.find((result) => result.provider === provider && result.side === 'callflow, flow with hours');
        if (withHours) {
          rows.push({
            name: `cold start ${provider}, a flow with business hours: whole process above bare node`,
            value: withHours.wallMs - bare.wallMs,
            unit: 'ms',
            note: `${withHours.wallMs.toFixed(0)} − ${bare.wallMs.toFixed(0)} ms; its first webhook loads luxon (the business-hours chunk); ${(withHours.wallMs - ours.wallMs).toFixed(1)} ms above the same flow without hours`,
          });
          rows.push({
            name: `cold start ${provider}, a flow with business hours: first line → response, in-process`,
            value: withHours.answerMs,
            unit: 'ms',
            note: `the flow without hours: ${ours.answerMs.toFixed(1)} ms in the same rotation`,
          });
        }
      }
    }
  }
  return rows;
}

/** The cold-start suite. */
export async function run(): Promise<BenchRow[]> {
  const measured = await measureColdStart();
  lastColdStart = measured;
  return coldStartRows(measured);
}

/** The raw results of the last `run()` (for bench/chart.ts via bench/run.ts). */
export let lastColdStart: ColdStartMeasurement | undefined;
