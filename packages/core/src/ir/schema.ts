import * as z from 'zod/mini';
import type { DynamicNode, Flow, Schedule, StaticFlow, Step } from './types.js';


// zod/mini: tree-shakable, so the bundled package loads in a few milliseconds (cold starts matter on
// serverless). Messages are written here, or derived from issue codes in validate-flow.ts.

/** The zod schemas of the IR, and the field names each step type knows. */
export interface FlowSchemas {
  /** Schema of one step. */
  stepSchema: z.ZodMiniType<Step>;
  /** Schema of a business-hours schedule. */
  scheduleSchema: z.ZodMiniType<Schedule>;
  /** Schema of a static flow (JSON or YAML files). */
  flowSchema: z.ZodMiniType<StaticFlow>;
  /** Schema of a flow whose nodes may be functions (the DSL). */
  dynamicFlowSchema: z.ZodMiniType<Flow>;
  /** Known field names per step type, for "did you mean" hints. */
  stepFields: Record<string, string[]>;
}

let built: FlowSchemas | undefined;

/** The schemas, built on first use: building them is a few ms of work that importing the package should not pay. */
export function flowSchemas(): FlowSchemas {
  built ??= buildSchemas();
  return built;
}

function buildSchemas(): FlowSchemas {
  const nodeRef = z.string().check(z.minLength(1, 'node reference must not be empty'));
  const range = (min: number, max: number) => z.number().check(z.gte(min), z.lte(max));
  const integer = (min: number, max: number) => z.int('must be a whole number').check(z.gte(min), z.lte(max));
  const identifier = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier'));
  const absoluteUrl = z.url('must be an absolute URL');
  const oneKey = z.string().check(z.regex(/^[0-9*#]?$/, 'must be one key: 0-9, * or #, or empty for none'));
  const name = z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -'));
  const providerSettings = z.optional(z.record(z.string(), z.unknown()));
  const providerOptions = z.optional(z.strictObject({ twilio: providerSettings, vonage: providerSettings, telnyx: providerSettings }));
  const base = { label: z.optional(z.string()), providerOptions };

  const say = z.strictObject({
    type: z.literal('say'),
    text: z.string().check(z.minLength(1, 'text must not be empty'), z.maxLength(3000, 'text is longer than 3000 characters; split it')),
    voice: z.optional(z.string().check(z.minLength(1))),
    language: z.optional(z.string().check(z.minLength(2))),
    loop: z.optional(integer(1, 100)),
    ...base,
  });
  const play = z.strictObject({ type: z.literal('play'), url: absoluteUrl, loop: z.optional(integer(1, 100)), ...base });
  const pause = z.strictObject({ type: z.literal('pause'), seconds: range(0.1, 600), ...base });
  const media = z.discriminatedUnion('type', [say, play, pause]);

  const gather = z.strictObject({
    type: z.literal('gather'),
    prompt: z.array(media),
    input: z.optional(z.enum(['dtmf', 'speech', 'both'])),
    numDigits: z.optional(integer(1, 128)),
    minDigits: z.optional(integer(1, 128)),
    maxDigits: z.optional(integer(1, 128)),
    finishOnKey: z.optional(oneKey),
    timeoutSeconds: z.optional(range(1, 120)),
    interDigitTimeoutSeconds: z.optional(range(1, 60)),
    speech: z.optional(
      z.strictObject({
        language: z.optional(z.string().check(z.minLength(2))),
        hints: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(500))),
        endSilenceSeconds: z.optional(range(0.1, 10)),
      }),
    ),
    routes: z.optional(z.record(z.string(), nodeRef)),
    saveAs: z.optional(identifier),
    onInvalid: z.optional(nodeRef),
    onNoInput: z.optional(nodeRef),
    invalidPrompt: z.optional(z.array(media)),
    noInputPrompt: z.optional(z.array(media)),
    attempts: z.optional(integer(1, 10)),
    onExhausted: z.optional(nodeRef),
    ...base,
  });

  const transfer = z.strictObject({
    type: z.literal('transfer'),
    to: z.union([
      z.string().check(z.regex(/^\+?[0-9]{3,15}$/, 'must be a phone number in E.164 form, e.g. +14155550100')),
      z.strictObject({
        sip: z.string().check(z.regex(/^sips?:[^\s@]+@[^\s]+$/, 'must be a SIP URI, e.g. sip:alice@example.com')),
        username: z.optional(z.string()),
        password: z.optional(z.string()),
      }),
    ]),
    callerId: z.optional(z.string().check(z.minLength(3))),
    ringSeconds: z.optional(range(5, 600)),
    maxSeconds: z.optional(range(1, 14400)),
    record: z.optional(z.boolean()),
    then: z.optional(nodeRef),
    onBusy: z.optional(nodeRef),
    onNoAnswer: z.optional(nodeRef),
    onFailed: z.optional(nodeRef),
    ...base,
  });

  const record = z.strictObject({
    type: z.literal('record'),
    maxSeconds: z.optional(range(1, 14400)),
    silenceSeconds: z.optional(range(1, 60)),
    finishOnKey: z.optional(oneKey),
    beep: z.optional(z.boolean()),
    saveAs: z.optional(identifier),
    notify: z.optional(z.string().check(z.minLength(1))),
    then: z.optional(nodeRef),
    ...base,
  });

  const enqueue = z.strictObject({
    type: z.literal('enqueue'),
    queue: name,
    holdMusic: z.optional(absoluteUrl),
    announcePosition: z.optional(z.union([z.boolean(), z.strictObject({ everySeconds: range(10, 3600) })])),
    maxWaitSeconds: z.optional(range(10, 14400)),
    onTimeout: z.optional(nodeRef),
    escape: z.optional(z.strictObject({ digit: z.string().check(z.regex(/^[0-9*#]$/, 'must be one key')), to: nodeRef })),
    then: z.optional(nodeRef),
    ...base,
  });

  const conference = z.strictObject({
    type: z.literal('conference'),
    room: name,
    startOnEnter: z.optional(z.boolean()),
    endOnExit: z.optional(z.boolean()),
    muted: z.optional(z.boolean()),
    beep: z.optional(z.boolean()),
    holdMusic: z.optional(absoluteUrl),
    maxParticipants: z.optional(integer(2, 250)),
    then: z.optional(nodeRef),
    ...base,
  });

  const goto = z.strictObject({ type: z.literal('goto'), node: nodeRef, ...base });
  const hangup = z.strictObject({ type: z.literal('hangup'), ...base });
  const hours = z.strictObject({
    type: z.literal('hours'),
    schedule: z.string().check(z.minLength(1)),
    open: nodeRef,
    closed: nodeRef,
    holiday: z.optional(nodeRef),
    ...base,
  });

  const stepShapes = [say, play, pause, gather, transfer, record, enqueue, conference, goto, hangup, hours] as const;

  const stepFields: Record<string, string[]> = Object.fromEntries(
    stepShapes.map((schema) => [(schema.shape.type as { _zod: { def: { values: string[] } } })._zod.def.values[0]!, Object.keys(schema.shape)]),
  );

  const stepSchema: z.ZodMiniType<Step> = z.discriminatedUnion('type', stepShapes);

  const timeRange = z
    .string()
    .check(z.regex(/^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, 'must be HH:MM-HH:MM, e.g. 09:00-17:30'));
  const dayHours = z.union([z.literal('closed'), z.literal('all-day'), z.array(timeRange)]);
  const isoDate = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD'));

  const scheduleSchema: z.ZodMiniType<Schedule> = z.strictObject({
    timezone: z.string().check(z.refine(isKnownZone, 'unknown IANA time zone')),
    weekly: z.strictObject({
      mon: z.optional(dayHours),
      tue: z.optional(dayHours),
      wed: z.optional(dayHours),
      thu: z.optional(dayHours),
      fri: z.optional(dayHours),
      sat: z.optional(dayHours),
      sun: z.optional(dayHours),
      weekdays: z.optional(dayHours),
      weekend: z.optional(dayHours),
      daily: z.optional(dayHours),
    }),
    closures: z.optional(
      z.array(
        z.union([
          z.strictObject({ date: isoDate, name: z.optional(z.string()) }),
          z.strictObject({ from: isoDate, to: isoDate, name: z.optional(z.string()) }),
        ]),
      ),
    ),
    special: z.optional(z.array(z.strictObject({ date: isoDate, hours: dayHours, name: z.optional(z.string()) }))),
  });

  const nodeId = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'node ids are identifiers: letters, digits, _ and -'));
  const flowShape = {
    version: z.literal(1, 'version must be 1'),
    name: z.string().check(z.minLength(1)),
    start: nodeRef,
    schedules: z.optional(z.record(z.string().check(z.minLength(1)), scheduleSchema)),
    defaults: z.optional(
      z.strictObject({ voice: z.optional(z.string()), language: z.optional(z.string()), apology: z.optional(z.string().check(z.minLength(1))) }),
    ),
  };

  const flowSchema: z.ZodMiniType<StaticFlow> = z.strictObject({ ...flowShape, nodes: z.record(nodeId, z.array(stepSchema)) });

  const dynamicFlowSchema: z.ZodMiniType<Flow> = z.strictObject({
    ...flowShape,
    nodes: z.record(nodeId, z.union([z.array(stepSchema), z.custom<DynamicNode>((value) => typeof value === 'function', 'must be a list of steps or a function')])),
  });

  return { stepSchema, scheduleSchema, flowSchema, dynamicFlowSchema, stepFields };
}

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** What a fast parser returns for a value the zod schemas would reject, or might. */
const rejected: unique symbol = Symbol('rejected');
type FastParser = (value: unknown) => unknown;

let fastFlow: { flow: FastParser; dynamicFlow: FastParser } | undefined;

/**
 * Parses a well-formed flow without zod, returning exactly what `flowSchema` (or `dynamicFlowSchema`) would return,
 * or `undefined` when zod could reject it; only zod reports problems. A first validation then skips building the
 * zod schemas, which costs several ms on a cold start. Each parser mirrors the zod schema of the same name above.
 */
export function parseFlowFast(input: unknown, dynamic: boolean): { data: Flow } | undefined {
  fastFlow ??= buildFastParsers();
  const data = (dynamic ? fastFlow.dynamicFlow : fastFlow.flow)(input);
  return data === rejected ? undefined : { data: data as Flow };
}

function buildFastParsers(): { flow: FastParser; dynamicFlow: FastParser } {
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  const string =
    (test?: (value: string) => boolean): FastParser =>
    (value) =>
      typeof value === 'string' && (test === undefined || test(value)) ? value : rejected;
  const pattern = (regex: RegExp) => string((value) => regex.test(value));
  const minLength = (min: number) => string((value) => value.length >= min);
  const range =
    (min: number, max: number): FastParser =>
    (value) =>
      typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : rejected;
  const integer =
    (min: number, max: number): FastParser =>
    (value) =>
      Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max ? value : rejected;
  const boolean: FastParser = (value) => (typeof value === 'boolean' ? value : rejected);
  const oneOf =
    (...values: unknown[]): FastParser =>
    (value) =>
      values.includes(value) ? value : rejected;
  // zod's url() trims and drops tabs and newlines; a value it would change is left to zod.
  const absoluteUrl = string((value) => value === value.trim() && !/[\t\n\r]/.test(value) && URL.canParse(value));
  const optional = (parser: FastParser): FastParser & { optional: true } => Object.assign((value: unknown) => (value === undefined ? undefined : parser(value)), { optional: true as const });
  const array =
    (element: FastParser, maxItems = Infinity): FastParser =>
    (value) => {
      if (!Array.isArray(value) || value.length > maxItems) return rejected;
      const out = new Array<unknown>(value.length);
      for (let index = 0; index < value.length; index++) {
        const item = element(value[index]);
        if (item === rejected) return rejected;
        out[index] = item;
      }
      return out;
    };
  // As zod's strictObject: output keys in shape order, optional keys copied when present, no unknown keys (for...in).
  const strictObject = (shape: Record<string, FastParser & { optional?: true }>): FastParser => {
    const keys = Object.keys(shape);
    return (value) => {
      if (!isObject(value)) return rejected;
      for (const key in value) if (!Object.hasOwn(shape, key)) return rejected;
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const present = key in value;
        if (!present && shape[key]!.optional) continue;
        const parsed = shape[key]!(value[key]);
        if (parsed === rejected) return rejected;
        if (present) out[key] = parsed;
        else return rejected;
      }
      return out;
    };
  };
  // As zod's record: a plain object, own enumerable keys, __proto__ skipped.
  const record =
    (key: FastParser, element: FastParser): FastParser =>
    (value) => {
      if (!isPlainObject(value)) return rejected;
      const out: Record<string, unknown> = {};
      for (const name of Reflect.ownKeys(value)) {
        if (typeof name !== 'string') return rejected;
        if (name === '__proto__' || !Object.prototype.propertyIsEnumerable.call(value, name)) continue;
        if (key(name) === rejected) return rejected;
        const parsed = element(value[name]);
        if (parsed === rejected) return rejected;
        out[name] = parsed;
      }
      return out;
    };
  const union =
    (...options: FastParser[]): FastParser =>
    (value) => {
      for (const option of options) {
        const parsed = option(value);
        if (parsed !== rejected) return parsed;
      }
      return rejected;
    };
  const byType =
    (options: Record<string, FastParser>): FastParser =>
    (value) =>
      isObject(value) && typeof value.type === 'string' && Object.hasOwn(options, value.type) ? options[value.type]!(value) : rejected;

  const nodeRef = minLength(1);
  const identifier = pattern(/^[A-Za-z_][A-Za-z0-9_]*$/);
  const oneKey = pattern(/^[0-9*#]?$/);
  const name = pattern(/^[A-Za-z0-9_.:-]{1,64}$/);
  const providerSettings = optional(record(string(), (value) => value));
  const providerOptions = optional(strictObject({ twilio: providerSettings, vonage: providerSettings, telnyx: providerSettings }));
  const base = { label: optional(string()), providerOptions };

  const say = strictObject({
    type: oneOf('say'),
    text: string((value) => value.length >= 1 && value.length <= 3000),
    voice: optional(minLength(1)),
    language: optional(minLength(2)),
    loop: optional(integer(1, 100)),
    ...base,
  });
  const play = strictObject({ type: oneOf('play'), url: absoluteUrl, loop: optional(integer(1, 100)), ...base });
  const pause = strictObject({ type: oneOf('pause'), seconds: range(0.1, 600), ...base });
  const media = byType({ say, play, pause });

  const gather = strictObject({
    type: oneOf('gather'),
    prompt: array(media),
    input: optional(oneOf('dtmf', 'speech', 'both')),
    numDigits: optional(integer(1, 128)),
    minDigits: optional(integer(1, 128)),
    maxDigits: optional(integer(1, 128)),
    finishOnKey: optional(oneKey),
    timeoutSeconds: optional(range(1, 120)),
    interDigitTimeoutSeconds: optional(range(1, 60)),
    speech: optional(strictObject({ language: optional(minLength(2)), hints: optional(array(minLength(1), 500)), endSilenceSeconds: optional(range(0.1, 10)) })),
    routes: optional(record(string(), nodeRef)),
    saveAs: optional(identifier),
    onInvalid: optional(nodeRef),
    onNoInput: optional(nodeRef),
    invalidPrompt: optional(array(media)),
    noInputPrompt: optional(array(media)),
    attempts: optional(integer(1, 10)),
    onExhausted: optional(nodeRef),
    ...base,
  });
  const transfer = strictObject({
    type: oneOf('transfer'),
    to: union(pattern(/^\+?[0-9]{3,15}$/), strictObject({ sip: pattern(/^sips?:[^\s@]+@[^\s]+$/), username: optional(string()), password: optional(string()) })),
    callerId: optional(minLength(3)),
    ringSeconds: optional(range(5, 600)),
    maxSeconds: optional(range(1, 14400)),
    record: optional(boolean),
    then: optional(nodeRef),
    onBusy: optional(nodeRef),
    onNoAnswer: optional(nodeRef),
    onFailed: optional(nodeRef),
    ...base,
  });
  const record_ = strictObject({
    type: oneOf('record'),
    maxSeconds: optional(range(1, 14400)),
    silenceSeconds: optional(range(1, 60)),
    finishOnKey: optional(oneKey),
    beep: optional(boolean),
    saveAs: optional(identifier),
    notify: optional(minLength(1)),
    then: optional(nodeRef),
    ...base,
  });
  const enqueue = strictObject({
    type: oneOf('enqueue'),
    queue: name,
    holdMusic: optional(absoluteUrl),
    announcePosition: optional(union(boolean, strictObject({ everySeconds: range(10, 3600) }))),
    maxWaitSeconds: optional(range(10, 14400)),
    onTimeout: optional(nodeRef),
    escape: optional(strictObject({ digit: pattern(/^[0-9*#]$/), to: nodeRef })),
    then: optional(nodeRef),
    ...base,
  });
  const conference = strictObject({
    type: oneOf('conference'),
    room: name,
    startOnEnter: optional(boolean),
    endOnExit: optional(boolean),
    muted: optional(boolean),
    beep: optional(boolean),
    holdMusic: optional(absoluteUrl),
    maxParticipants: optional(integer(2, 250)),
    then: optional(nodeRef),
    ...base,
  });
  const goto = strictObject({ type: oneOf('goto'), node: nodeRef, ...base });
  const hangup = strictObject({ type: oneOf('hangup'), ...base });
  const hours = strictObject({ type: oneOf('hours'), schedule: minLength(1), open: nodeRef, closed: nodeRef, holiday: optional(nodeRef), ...base });
  const step = byType({ say, play, pause, gather, transfer, record: record_, enqueue, conference, goto, hangup, hours });

  const timeRange = pattern(/^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/);
  const dayHours = union(oneOf('closed'), oneOf('all-day'), array(timeRange));
  const isoDate = pattern(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
  const optionalDayHours = optional(dayHours);
  const schedule = strictObject({
    timezone: string(isKnownZone),
    weekly: strictObject({
      mon: optionalDayHours,
      tue: optionalDayHours,
      wed: optionalDayHours,
      thu: optionalDayHours,
      fri: optionalDayHours,
      sat: optionalDayHours,
      sun: optionalDayHours,
      weekdays: optionalDayHours,
      weekend: optionalDayHours,
      daily: optionalDayHours,
    }),
    closures: optional(array(union(strictObject({ date: isoDate, name: optional(string()) }), strictObject({ from: isoDate, to: isoDate, name: optional(string()) })))),
    special: optional(array(strictObject({ date: isoDate, hours: dayHours, name: optional(string()) }))),
  });

  const nodeId = pattern(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/);
  const flowShape = {
    version: oneOf(1),
    name: minLength(1),
    start: nodeRef,
    schedules: optional(record(minLength(1), schedule)),
    defaults: optional(strictObject({ voice: optional(string()), language: optional(string()), apology: optional(minLength(1)) })),
  };
  const steps = array(step);
  return {
    flow: strictObject({ ...flowShape, nodes: record(nodeId, steps) }),
    dynamicFlow: strictObject({ ...flowShape, nodes: record(nodeId, union(steps, (value) => (typeof value === 'function' ? value : rejected))) }),
  };
}

/** zod's test for a record's input: an object whose prototype is Object's, or none. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const ctor = (value as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const prototype: unknown = ctor.prototype;
  if (typeof prototype !== 'object' || prototype === null || Array.isArray(prototype)) return false;
  return Object.prototype.hasOwnProperty.call(prototype, 'isPrototypeOf');
}
