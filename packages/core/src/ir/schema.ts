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
