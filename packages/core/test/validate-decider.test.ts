import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { phoneTree } from '@callflow/example-flows';
import { parseFlow, validateFlow } from '../src/index.js';
import { wellFormedFlow } from '../src/ir/validate-flow.js';
import { seededRandom as random } from '../../../test/seeded-random.js';

// A flow that is right is told apart without the diagnostics chunk (fast-check.ts and check-flow-graph.ts); the problems
// of one that is wrong are listed by list-flow-problems.ts and check-fields.ts, in that chunk. The two follow the same
// rules: here every base flow, and thousands of seeded mutations of them, get the same verdict from both.

const base = {
  version: 1,
  name: 'decider',
  start: 'menu',
  defaults: { voice: 'alice', language: 'en-US' },
  machineDetection: { onHuman: 'menu', onMachine: 'voicemail' },
  schedules: {
    office: {
      timezone: 'America/New_York',
      weekly: { weekdays: ['09:00-17:00'], sat: 'closed' },
      closures: [
        { date: '2026-12-25', name: 'Christmas' },
        { from: '2026-12-30', to: '2026-12-31' },
      ],
      special: [{ date: '2026-12-24', hours: ['09:00-12:00'] }],
    },
  },
  nodes: {
    menu: [
      { type: 'say', text: 'Hello {{name}}.' },
      {
        type: 'gather',
        prompt: [{ type: 'say', text: 'Press 1 or say sales.' }],
        input: 'both',
        maxDigits: 2,
        finishOnKey: '#',
        routes: { '1': 'hours', '22': 'queue', sales: 'transfer' },
        onInvalid: 'menu',
        attempts: 3,
        noInput: { attempts: 2, then: 'bye' },
        onExhausted: 'bye',
      },
    ],
    hours: [{ type: 'hours', schedule: 'office', open: 'transfer', closed: 'voicemail', holiday: 'bye' }],
    transfer: [{ type: 'transfer', to: '+14155550100', ringSeconds: 20, onBusy: 'voicemail', then: 'bye' }],
    queue: [{ type: 'enqueue', queue: 'support', maxWaitSeconds: 60, onTimeout: 'voicemail', escape: { digit: '0', to: 'room' } }],
    room: [{ type: 'conference', room: 'team', then: 'bye' }],
    voicemail: [{ type: 'record', maxSeconds: 60, then: 'bye' }],
    loop: [
      { type: 'pause', seconds: 1 },
      { type: 'goto', node: 'menu' },
    ],
    bye: [{ type: 'say', text: 'Goodbye.' }, { type: 'hangup' }],
  },
};

const configIvr = parseFlow(readFileSync(new URL('../../../examples/config-ivr/ivr.yaml', import.meta.url), 'utf8'));
const withDynamic = { ...phoneTree, nodes: { ...phoneTree.nodes, extra: () => [{ type: 'hangup' as const }] } };
const bases: unknown[] = [base, phoneTree, configIvr, withDynamic];

const values: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  2,
  3,
  200,
  Number.NaN,
  '',
  'x',
  '1',
  '11',
  '#',
  '1#',
  'menu',
  'bye',
  'menuu',
  'office',
  'toString',
  'both',
  'speech',
  'dtmf',
  '+14155550100',
  'https://example.com/a.mp3',
  '09:00-17:00',
  '2026-12-31',
  '2026-12-01',
  true,
  false,
  [],
  {},
  [{ type: 'say', text: 'x' }],
  { type: 'goto', node: 'loop' },
  { type: 'hangup' },
];
const routeKeys = ['1', '11', '2', '#', '1#', '*', 'sales', 'Sales', ' sales', 'yes please', 'a_b', '123'];

/** Every path to an object or array inside a value (functions left alone). */
function containers(value: unknown, path: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  if (typeof value !== 'object' || value === null) return out;
  out.push(path);
  for (const [key, item] of Object.entries(value)) containers(item, [...path, Array.isArray(value) ? Number(key) : key], out);
  return out;
}

function at(root: unknown, path: Array<string | number>): Record<string | number, unknown> {
  let current = root as Record<string | number, unknown>;
  for (const key of path) current = current[key] as Record<string | number, unknown>;
  return current;
}

/** A copy of the flow with one to three random changes: a value replaced, a key deleted or added, a route added. */
function mutate(flow: unknown, next: () => number): unknown {
  const copy = structuredCloneWithFunctions(flow);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const changes = 1 + Math.floor(next() * 3);
  for (let change = 0; change < changes; change++) {
    const target = at(copy, pick(containers(copy)));
    const keys = Object.keys(target);
    const kind = next();
    if (kind < 0.5 && keys.length) target[pick(keys)] = structuredClone(pick(values));
    else if (kind < 0.65 && keys.length) delete target[pick(keys)];
    else if (kind < 0.75) target[Array.isArray(target) ? target.length : pick(['extra', 'timout', 'routes', 'node'])] = pick(values);
    else {
      const nodes = (copy as { nodes?: unknown }).nodes;
      const ids = typeof nodes === 'object' && nodes !== null ? Object.keys(nodes) : [];
      const node = ids.length ? pick(ids) : 'menu';
      const gathers = containers(copy).filter((path) => (at(copy, path) as { type?: unknown }).type === 'gather');
      if (kind < 0.85 && gathers.length) {
        const gather = at(copy, pick(gathers)) as Record<string, unknown> & { routes?: Record<string, unknown> };
        if (next() < 0.6) gather.routes = { ...(gather.routes ?? {}), [pick(routeKeys)]: next() < 0.8 ? node : 'nowhere' };
        else gather[pick(['minDigits', 'maxDigits', 'numDigits'])] = 1 + Math.floor(next() * 4);
      } else if (ids.length) {
        // A jump that may close a loop with no step that waits for the caller.
        const jump = next() < 0.5 ? { type: 'goto', node } : { type: 'hours', schedule: 'office', open: node, closed: pick(ids) };
        (nodes as Record<string, unknown>)[pick(ids)] = next() < 0.5 ? [jump] : [{ type: 'say', text: 'x' }, jump];
      }
    }
  }
  return copy;
}

/** `structuredClone`, keeping dynamic nodes (functions) as they are. */
function structuredCloneWithFunctions(flow: unknown): unknown {
  const { nodes = {}, ...rest } = flow as { nodes?: Record<string, unknown> };
  const copy = structuredClone(rest) as Record<string, unknown>;
  copy.nodes = Object.fromEntries(
    Object.entries(nodes).map(([id, node]) => [id, typeof node === 'function' ? node : structuredClone(node)]),
  );
  return copy;
}

describe('telling a right flow from a wrong one without the diagnostics', () => {
  it('accepts every base flow, as validateFlow does, with the same copy', () => {
    for (const flow of bases) {
      const result = validateFlow(flow);
      expect(result.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
      expect(wellFormedFlow(flow)).toEqual(result.flow);
    }
  });

  it('gives the verdict validateFlow gives, on thousands of mutated flows', () => {
    const next = random(17);
    let wrong = 0;
    const disagreements: string[] = [];
    const errorMessages = new Set<string>();
    for (let trial = 0; trial < 4000; trial++) {
      const flow = mutate(bases[trial % bases.length], next);
      const full = validateFlow(flow);
      const fast = wellFormedFlow(flow);
      if (!full.ok) wrong++;
      for (const problem of full.problems) if (problem.severity === 'error') errorMessages.add(problem.message);
      if ((fast !== undefined) !== full.ok) {
        const errors = full.problems
          .filter((problem) => problem.severity === 'error')
          .map((problem) => `${problem.path}: ${problem.message}`);
        disagreements.push(
          `trial ${trial}: fast ${fast !== undefined ? 'accepts' : 'refuses'}, validateFlow ${errors.join('; ') || 'accepts'}`,
        );
      } else if (fast !== undefined) expect(fast).toEqual(full.flow);
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    // The mutations reach both verdicts often, so the comparison means something.
    expect(wrong).toBeGreaterThan(1000);
    expect(wrong).toBeLessThan(3900);
    // Every graph rule was broken somewhere (the field checks are broken everywhere).
    for (const rule of [
      'unknown node',
      'unknown schedule',
      'loop that never waits for the caller',
      'but the gather only takes dtmf',
      'is neither digits nor words',
      'duplicate route',
      'contains the finish key',
      'digits but numDigits is',
      'is longer than maxDigits',
      'is greater than maxDigits',
      'give numDigits or maxDigits, not both',
      'is after',
    ])
      expect(
        [...errorMessages].some((message) => message.includes(rule)),
        rule,
      ).toBe(true);
  });
});
