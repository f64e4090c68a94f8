import { performance } from 'node:perf_hooks';
import { checkFlowSource, createEngine, parseFlow, signToken, verifyToken, validateFlow, type StaticFlow } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { stringify } from 'yaml';
import { medianMicros, type BenchRow } from './harness.js';

const secret = 'bench-secret-0123456789abcdef';
const call = { callId: 'CA0123456789abcdef0123456789abcdef', from: '+15550001111', to: '+15550002222' };

/** A flow of `size` menu nodes chained by routes, like a large generated IVR. */
export function generateFlow(size: number): StaticFlow {
  const nodes: StaticFlow['nodes'] = {};
  for (let index = 0; index < size; index++) {
    const next = `node_${(index + 1) % size}`;
    nodes[`node_${index}`] = [
      { type: 'say', text: `This is menu ${index}.` },
      {
        type: 'gather',
        prompt: [{ type: 'say', text: 'Press 1 to go on, 2 to go back, 0 for help.' }],
        numDigits: 1,
        routes: { '1': next, '2': `node_${Math.max(0, index - 1)}`, '0': 'help' },
        attempts: 3,
        onExhausted: 'help',
      },
    ];
  }
  nodes.help = [{ type: 'say', text: 'Goodbye.' }, { type: 'hangup' }];
  return { version: 1, name: `generated-${size}`, start: 'node_0', nodes };
}

/** The same flow with `count` mistakes spread through it: a misspelled field, a dangling route, an out-of-range number. */
export function breakFlow(flow: StaticFlow, count: number): StaticFlow {
  const broken = structuredClone(flow);
  const ids = Object.keys(broken.nodes);
  for (let index = 0; index < count; index++) {
    const gather = broken.nodes[ids[Math.floor((index * ids.length) / count)]!]![1] as unknown as Record<string, unknown>;
    if (index % 3 === 0) gather.timout = 5;
    else if (index % 3 === 1) (gather.routes as Record<string, string>)['1'] = 'nowhere';
    else gather.numDigits = 200;
  }
  return broken;
}

/** Median of 7 runs of `work`, in ms (fewer for work that takes seconds). */
function medianMillis(work: () => unknown, rounds = 7): number {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    work();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(rounds / 2)]!;
}

function parseMillis(size: number): number {
  const text = JSON.stringify(generateFlow(size));
  return medianMillis(() => parseFlow(text, { format: 'json' }));
}

function parseYamlMillis(size: number): { median: number; first: number } {
  const text = stringify(generateFlow(size));
  const started = performance.now();
  parseFlow(text, { format: 'yaml' });
  const first = performance.now() - started;
  return { median: medianMillis(() => parseFlow(text, { format: 'yaml' }), size >= 10_000 ? 3 : 7), first };
}

function checkBrokenYamlMillis(size: number): number {
  const text = stringify(breakFlow(generateFlow(size), 10));
  return medianMillis(() => checkFlowSource(text, { format: 'yaml' }), size >= 10_000 ? 3 : 7);
}

function validateMillis(flow: StaticFlow): number {
  return medianMillis(() => validateFlow(flow));
}

async function resumeMicros(flow: Parameters<typeof createEngine>[0]): Promise<number> {
  const engine = createEngine(flow, { secret });
  const start = await engine.start(call);
  const token = start.token!;
  const digits = flow.name === 'phone-tree' ? '3' : '1';
  return medianMicros(() => engine.resume(token, { type: 'digits', digits }, call), { batch: 500 });
}

/** Core figures: engine resume with token handling, token sign/verify, flow parse+validate at 10,000 nodes. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  rows.push({
    name: 'core: resume phone-tree menu (verify + route + plan + sign)',
    value: await resumeMicros(phoneTree),
    unit: 'µs/op',
    target: '≤10 µs',
  });
  const state = { node: 'menu', step: 0, kind: 'gather' as const, tries: {}, vars: {}, promptOffset: 0 };
  const context = { callId: call.callId, flowVersion: 'abc' };
  const token = await signToken(state, context, { secret });
  rows.push({
    name: 'core: token sign',
    value: await medianMicros(() => signToken(state, context, { secret }), { batch: 500 }),
    unit: 'µs/op',
  });
  rows.push({
    name: 'core: token verify',
    value: await medianMicros(() => verifyToken(token, call, { secret }), { batch: 500 }),
    unit: 'µs/op',
  });
  for (const size of [10, 10_000]) {
    rows.push({
      name: `core: resume in a ${size}-node flow`,
      value: await resumeMicros(generateFlow(size)),
      unit: 'µs/op',
      target: 'flat in flow size',
    });
  }
  for (const size of [1_000, 5_000, 10_000]) {
    rows.push({
      name: `core: parse + validate ${size}-node JSON flow`,
      value: parseMillis(size),
      unit: 'ms',
      target: size === 10_000 ? '≤200 ms, linear' : 'linear',
    });
  }
  for (const size of [1_000, 10_000]) {
    const { median, first } = parseYamlMillis(size);
    rows.push({
      name: `core: parse + validate ${size}-node YAML flow`,
      value: median,
      unit: 'ms',
      target: size === 10_000 ? '≤500 ms' : '≤50 ms',
      note: `first parse ${first.toFixed(0)} ms`,
    });
  }
  for (const size of [1_000, 10_000]) {
    rows.push({
      name: `core: check ${size}-node YAML flow with 10 problems (lines and hints)`,
      value: checkBrokenYamlMillis(size),
      unit: 'ms',
    });
  }
  rows.push({ name: 'core: validate 10000-node flow object (no parse)', value: validateMillis(generateFlow(10_000)), unit: 'ms' });
  rows.push({
    name: 'core: validate 1000-node flow object with 10 problems',
    value: validateMillis(breakFlow(generateFlow(1_000), 10)),
    unit: 'ms',
  });
  rows.push({
    name: 'core: validate 10000-node flow object with 10 problems',
    value: validateMillis(breakFlow(generateFlow(10_000), 10)),
    unit: 'ms',
  });
  return rows;
}
