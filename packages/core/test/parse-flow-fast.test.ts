import { describe, expect, it } from 'vitest';
import type { Field, Fields } from '../src/ir/field-kinds.js';
import { scheduleFields, flowFields, stepFieldTable, commonStepFields } from '../src/ir/flow-fields.js';
import { checkFlowFields, flowSchemas } from '../src/ir/schema.js';
import { seededRandom as random } from '../../../test/seeded-random.js';

/** A flow using every step type and most optional fields, the seed the mutations start from. */
const seed = {
  version: 1,
  name: 'everything',
  start: 'menu',
  defaults: { voice: 'alice', language: 'en-US', apology: 'Sorry.' },
  machineDetection: { onHuman: 'menu', onMachine: 'bye', onUnknown: 'menu', waitForBeep: true },
  schedules: {
    office: {
      timezone: 'Europe/Paris',
      weekly: {
        weekdays: ['09:00-12:00', '13:00-17:30'],
        mon: ['08:00-18:00'],
        tue: 'all-day',
        wed: 'closed',
        thu: [],
        fri: ['22:00-02:00'],
        sat: 'closed',
        sun: 'all-day',
        weekend: 'closed',
        daily: ['10:00-11:00'],
      },
      closures: [
        { date: '2026-12-25', name: 'Christmas' },
        { from: '2026-08-01', to: '2026-08-15' },
      ],
      special: [{ date: '2026-12-24', hours: ['09:00-12:00'], name: 'Eve' }],
    },
  },
  nodes: {
    menu: [
      { type: 'say', text: 'Welcome', voice: 'bob', language: 'en', loop: 2, label: 'hello' },
      { type: 'play', url: 'https://example.com/a.mp3', loop: 1, providerOptions: { twilio: { x: 1 }, vonage: { y: 'z' }, telnyx: {} } },
      { type: 'pause', seconds: 1.5 },
      {
        type: 'gather',
        prompt: [
          { type: 'say', text: 'Press 1' },
          { type: 'play', url: 'https://example.com/b.mp3' },
        ],
        input: 'both',
        numDigits: 1,
        maxDigits: 1,
        minDigits: 1,
        finishOnKey: '#',
        timeoutSeconds: 5,
        interDigitTimeoutSeconds: 2,
        speech: { language: 'en-US', hints: ['sales'], endSilenceSeconds: 0.5 },
        routes: { '1': 'sales', sales: 'sales', '2': 'queue' },
        saveAs: 'choice',
        onInvalid: 'menu',
        onNoInput: 'menu',
        invalidPrompt: [{ type: 'say', text: 'Invalid' }],
        noInputPrompt: [{ type: 'pause', seconds: 1 }],
        attempts: 3,
        onExhausted: 'bye',
        noInput: { attempts: 2, then: 'queue' },
        invalid: { attempts: 3, then: 'bye' },
      },
    ],
    sales: [{ type: 'hours', schedule: 'office', open: 'transfer', closed: 'voicemail', holiday: 'bye' }],
    transfer: [
      {
        type: 'transfer',
        to: '+14155550100',
        callerId: '+1415',
        ringSeconds: 30,
        maxSeconds: 600,
        record: true,
        then: 'bye',
        onBusy: 'voicemail',
        onNoAnswer: 'voicemail',
        onFailed: 'bye',
        sendDigits: 'ww12#',
        whisper: [{ type: 'say', text: 'Call from the clinic line.' }],
        screen: { prompt: [{ type: 'say', text: 'Press 1 to accept.' }], acceptKey: '1', timeoutSeconds: 5 },
      },
      { type: 'transfer', to: { sip: 'sip:alice@example.com', username: 'u', password: 'p' } },
    ],
    voicemail: [
      {
        type: 'record',
        maxSeconds: 120,
        silenceSeconds: 5,
        finishOnKey: '',
        beep: true,
        saveAs: 'message',
        notify: 'https://example.com/n',
        then: 'bye',
      },
    ],
    queue: [
      {
        type: 'enqueue',
        queue: 'support',
        holdMusic: 'https://example.com/hold.mp3',
        announcePosition: { everySeconds: 60 },
        maxWaitSeconds: 600,
        onTimeout: 'voicemail',
        escape: { digit: '0', to: 'voicemail' },
        then: 'bye',
      },
      { type: 'enqueue', queue: 'other', announcePosition: true },
      {
        type: 'enqueue',
        queue: 'worded',
        announce: { template: 'You are number {position}; about {waitMinutes} minutes.', everySeconds: 60 },
      },
    ],
    room: [
      {
        type: 'conference',
        room: 'team',
        startOnEnter: true,
        endOnExit: false,
        muted: false,
        beep: true,
        holdMusic: 'https://example.com/h.mp3',
        maxParticipants: 10,
        then: 'bye',
      },
    ],
    loop: [{ type: 'goto', node: 'menu' }],
    bye: [{ type: 'say', text: 'Bye' }, { type: 'hangup' }],
    busy: [{ type: 'reject', reason: 'busy' }],
  },
};

/** Every field name the table knows, at any depth: the mutations add and misspell them. */
function tableFieldNames(): string[] {
  const names = new Set<string>();
  const walk = (fields: Fields) => {
    for (const [name, field] of Object.entries(fields)) {
      names.add(name);
      visit(field);
    }
  };
  const visit = (field: Field) => {
    if (field.kind === 'object') walk(field.fields);
    else if (field.kind === 'list') visit(field.of);
    else if (field.kind === 'record') visit(field.of);
    else if (field.kind === 'union') field.options.forEach(visit);
  };
  for (const fields of Object.values(stepFieldTable)) walk(fields);
  walk(commonStepFields);
  walk(scheduleFields);
  walk(flowFields);
  return [...names];
}

/** The numbers at and just past each bound the table sets, so every range check is probed at its edges. */
function tableBounds(): number[] {
  const out = new Set<number>();
  const walk = (fields: Fields) => Object.values(fields).forEach(visit);
  const visit = (field: Field) => {
    if (field.kind === 'number')
      for (const value of [field.min, field.max, field.min - 0.05, field.max + 1, field.min + 0.5]) out.add(value);
    else if (field.kind === 'object') walk(field.fields);
    else if (field.kind === 'list') visit(field.of);
    else if (field.kind === 'union') field.options.forEach(visit);
  };
  for (const fields of Object.values(stepFieldTable)) walk(fields);
  walk(scheduleFields);
  return [...out];
}

const fieldNames = [...tableFieldNames(), 'twilio', '__proto__', 'constructor', 'toString', 'tpye', ''];
/** Fresh each time, so no mutation reaches a value another run uses. */
const values = (): unknown[] => [
  ...tableBounds(),
  undefined,
  null,
  true,
  false,
  0,
  -1,
  0.05,
  0.1,
  1,
  1.5,
  2,
  3,
  10,
  100,
  101,
  128,
  129,
  250,
  251,
  600,
  601,
  14400,
  14401,
  2 ** 53,
  NaN,
  Infinity,
  -Infinity,
  '',
  ' ',
  'a',
  'x',
  'ab',
  '1',
  '12',
  '#',
  '*',
  '1#',
  'A',
  'menu',
  'bye',
  'nowhere',
  'menu ',
  '_id',
  '9id',
  'a-b',
  'a.b',
  'x'.repeat(65),
  'x'.repeat(3001),
  'https://example.com',
  ' https://example.com',
  'https://exa\tmple.com',
  'example.com',
  'http:example.com',
  'mailto:a@b.c',
  '+14155550100',
  '14155550100',
  '+1',
  'sip:a@b',
  'sips:a@b',
  'sip:a b@c',
  '09:00-17:00',
  '24:00-25:00',
  '00:00-24:00',
  '9:00-17:00',
  '2026-02-30',
  '2026-13-01',
  '2026-01-01',
  'Europe/Paris',
  'Nowhere/Zone',
  'UTC',
  'closed',
  'all-day',
  'open',
  'say',
  'play',
  'pause',
  'gather',
  'transfer',
  'record',
  'enqueue',
  'conference',
  'goto',
  'hangup',
  'reject',
  'hours',
  'dtmf',
  'speech',
  'both',
  'busy',
  'rejected',
  'w',
  '1w#',
  [],
  [1],
  ['a'],
  [{ type: 'say', text: 'x' }],
  [{ type: 'hangup' }],
  {},
  { sip: 'sip:a@b' },
  { everySeconds: 60 },
  { date: '2026-01-01' },
  { twilio: {} },
  { type: 'say', text: 'y' },
  { type: 'gather', prompt: [] },
  () => [],
  new Date(0),
  Object.create(null),
  [undefined],
  new Array(1),
];

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, index) => clone(value[index]));
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clone(item)]));
  }
  return value;
}

/** Every object or array inside `root`, with `root` itself. */
function containers(root: unknown, out: Array<Record<PropertyKey, unknown>> = []): Array<Record<PropertyKey, unknown>> {
  if (typeof root !== 'object' || root === null || out.includes(root as Record<PropertyKey, unknown>)) return out;
  out.push(root as Record<PropertyKey, unknown>);
  for (const key of Reflect.ownKeys(root)) containers((root as Record<PropertyKey, unknown>)[key], out);
  return out;
}

function mutate(flow: unknown, next: () => number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  let root = clone(flow);
  const rounds = 1 + Math.floor(next() * 3);
  for (let round = 0; round < rounds; round++) {
    const all = containers(root);
    const target = pick(all);
    const keys = Reflect.ownKeys(target).filter((key) => key !== 'length');
    const kind = next();
    if (kind < 0.3 && keys.length) target[pick(keys)] = pick(values());
    else if (kind < 0.45 && keys.length) delete target[pick(keys)];
    else if (kind < 0.6) target[pick(fieldNames)] = pick(values());
    else if (kind < 0.65 && keys.length) Object.defineProperty(target, pick(keys), { enumerable: false });
    else if (kind < 0.68) target[Symbol('extra')] = 1;
    else if (kind < 0.72 && !Array.isArray(target))
      Object.defineProperty(target, '__proto__', { value: {}, enumerable: true, configurable: true, writable: true });
    else if (kind < 0.76 && keys.length) {
      const key = pick(keys);
      const inner = target[key];
      if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) target[key] = Object.assign(Object.create(null), inner);
    } else if (kind < 0.8 && keys.length) {
      // Same keys, another order: the parsed output must follow the schema's order either way.
      const entries = keys.map((key) => [key, target[key]] as const).reverse();
      for (const key of keys) delete target[key];
      for (const [key, item] of entries) target[key] = item;
    } else if (kind < 0.85 && Array.isArray(target) && target.length) target.push(clone(pick(target)));
    else if (kind < 0.88 && all.length > 1) root = clone(root);
  }
  return root;
}

/** The value with its keys in order, so two parses compare equal only when they would print the same. */
function describeValue(value: unknown): unknown {
  if (typeof value === 'function') return ['function', value];
  if (typeof value === 'number') return ['number', Object.is(value, -0) ? '-0' : String(value)];
  if (Array.isArray(value)) return ['array', value.length, Object.keys(value), value.map(describeValue)];
  if (typeof value === 'object' && value !== null) {
    return [
      'object',
      Object.getPrototypeOf(value) === Object.prototype,
      Reflect.ownKeys(value).map((key) => [String(key), describeValue((value as Record<PropertyKey, unknown>)[key])]),
    ];
  }
  return value;
}

/** Every object or array reachable from `root`, for the "fresh copy" check. */
function reachable(root: unknown, out = new Set<unknown>()): Set<unknown> {
  if (typeof root !== 'object' || root === null || out.has(root)) return out;
  out.add(root);
  for (const key of Reflect.ownKeys(root)) reachable((root as Record<PropertyKey, unknown>)[key], out);
  return out;
}

/** Provider settings pass through as given (their content is the provider's business), so they may be shared. */
function isProviderSetting(value: unknown, flow: unknown): boolean {
  for (const container of containers(flow)) {
    const options = (container as { providerOptions?: Record<string, unknown> }).providerOptions;
    if (
      typeof options === 'object' &&
      options !== null &&
      Object.values(options).some((settings) => settings !== value && reachable(settings).has(value))
    )
      return true;
  }
  return false;
}

describe('the field-table checker', () => {
  it('covers every field of the table with its seed flow, so the mutations reach each one', () => {
    const seen = new Set<string>();
    for (const container of containers(seed)) for (const key of Object.keys(container)) seen.add(key);
    const missing = tableFieldNames().filter((name) => !seen.has(name));
    expect(missing).toEqual([]);
    for (const type of Object.keys(stepFieldTable)) expect(JSON.stringify(seed)).toContain(`"type":"${type}"`);
  });

  it('accepts the seed flow and returns a fresh copy with the same content', () => {
    const checked = checkFlowFields(seed, false);
    expect('data' in checked && checked.data).toEqual(seed);
    const inputs = reachable(seed);
    for (const value of reachable('data' in checked ? checked.data : undefined)) expect(inputs.has(value)).toBe(false);
  });

  it('gives the same verdict on its fast path and its reporting path, over many mutated flows', () => {
    const next = random(20261201);
    const { flowSchema, dynamicFlowSchema } = flowSchemas();
    let accepted = 0;
    let rejected = 0;
    for (let run = 0; run < 3000; run++) {
      const flow = mutate(seed, next);
      const nodes = typeof flow === 'object' && flow !== null ? (flow as { nodes?: unknown }).nodes : undefined;
      const dynamic = typeof nodes === 'object' && nodes !== null && Object.values(nodes).some((node) => typeof node === 'function');
      const checked = checkFlowFields(flow, dynamic);
      const parsed = (dynamic ? dynamicFlowSchema : flowSchema).safeParse(flow);
      expect(parsed.success).toBe('data' in checked);
      if ('data' in checked) {
        accepted++;
        // Same content, keys in table order (what a zod parse gave before): serialising it is stable.
        expect(describeValue(checked.data)).toEqual(describeValue(parsed.success ? parsed.data : undefined));
        if (accepted % 10 === 1) {
          const inputs = reachable(flow);
          for (const value of reachable(checked.data))
            if (typeof value !== 'function') expect(inputs.has(value) && !isProviderSetting(value, flow)).toBe(false);
        }
        continue;
      }
      rejected++;
      // Every problem names a real place: the parent of its path exists in the input.
      for (const issue of checked.issues) {
        expect(issue.message.length, JSON.stringify(issue)).toBeGreaterThan(0);
        let at: unknown = flow;
        for (const segment of issue.path.slice(0, -1)) at = (at as Record<PropertyKey, unknown>)[segment];
        expect(issue.path.length === 0 || (typeof at === 'object' && at !== null), JSON.stringify(issue)).toBe(true);
      }
      expect(parsed.success ? [] : parsed.error.issues.map((issue) => issue.message)).toEqual(checked.issues.map((issue) => issue.message));
    }
    // Both verdicts must be common, or the test proves little.
    expect(accepted).toBeGreaterThan(300);
    expect(rejected).toBeGreaterThan(300);
  }, 60_000);
});
