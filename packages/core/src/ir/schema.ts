import { z } from 'zod';
import type { DynamicNode, Flow, Schedule, StaticFlow, Step } from './types.js';

const nodeRef = z.string().min(1, 'node reference must not be empty');
const seconds = (min: number, max: number) => z.number().min(min).max(max);
const providerOptions = z
  .object({
    twilio: z.record(z.string(), z.unknown()).optional(),
    vonage: z.record(z.string(), z.unknown()).optional(),
    telnyx: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .optional();
const base = { label: z.string().optional(), providerOptions };
const keys = z.string().regex(/^[0-9*#]?$/, 'must be one key: 0-9, * or #, or empty for none');

const say = z
  .object({
    type: z.literal('say'),
    text: z.string().min(1, 'text must not be empty').max(3000, 'text is longer than 3000 characters; split it'),
    voice: z.string().min(1).optional(),
    language: z.string().min(2).optional(),
    loop: z.number().int().min(1).max(100).optional(),
    ...base,
  })
  .strict();
const play = z
  .object({
    type: z.literal('play'),
    url: z.url({ message: 'must be an absolute URL' }),
    loop: z.number().int().min(1).max(100).optional(),
    ...base,
  })
  .strict();
const pause = z.object({ type: z.literal('pause'), seconds: seconds(0.1, 600), ...base }).strict();
const media = z.discriminatedUnion('type', [say, play, pause]);

const gather = z
  .object({
    type: z.literal('gather'),
    prompt: z.array(media),
    input: z.enum(['dtmf', 'speech', 'both']).optional(),
    numDigits: z.number().int().min(1).max(128).optional(),
    minDigits: z.number().int().min(1).max(128).optional(),
    maxDigits: z.number().int().min(1).max(128).optional(),
    finishOnKey: keys.optional(),
    timeoutSeconds: seconds(1, 120).optional(),
    interDigitTimeoutSeconds: seconds(1, 60).optional(),
    speech: z
      .object({
        language: z.string().min(2).optional(),
        hints: z.array(z.string().min(1)).max(500).optional(),
        endSilenceSeconds: seconds(0.1, 10).optional(),
      })
      .strict()
      .optional(),
    routes: z.record(z.string(), nodeRef).optional(),
    saveAs: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier').optional(),
    onInvalid: nodeRef.optional(),
    onNoInput: nodeRef.optional(),
    invalidPrompt: z.array(media).optional(),
    noInputPrompt: z.array(media).optional(),
    attempts: z.number().int().min(1).max(10).optional(),
    onExhausted: nodeRef.optional(),
    ...base,
  })
  .strict();

const transfer = z
  .object({
    type: z.literal('transfer'),
    to: z.union([
      z.string().regex(/^\+?[0-9]{3,15}$/, 'must be a phone number in E.164 form, e.g. +14155550100'),
      z
        .object({
          sip: z.string().regex(/^sips?:[^\s@]+@[^\s]+$/, 'must be a SIP URI, e.g. sip:alice@example.com'),
          username: z.string().optional(),
          password: z.string().optional(),
        })
        .strict(),
    ]),
    callerId: z.string().min(3).optional(),
    ringSeconds: seconds(5, 600).optional(),
    maxSeconds: seconds(1, 14400).optional(),
    record: z.boolean().optional(),
    then: nodeRef.optional(),
    onBusy: nodeRef.optional(),
    onNoAnswer: nodeRef.optional(),
    onFailed: nodeRef.optional(),
    ...base,
  })
  .strict();

const record = z
  .object({
    type: z.literal('record'),
    maxSeconds: seconds(1, 14400).optional(),
    silenceSeconds: seconds(1, 60).optional(),
    finishOnKey: keys.optional(),
    beep: z.boolean().optional(),
    saveAs: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier').optional(),
    notify: z.string().min(1).optional(),
    then: nodeRef.optional(),
    ...base,
  })
  .strict();

const enqueue = z
  .object({
    type: z.literal('enqueue'),
    queue: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -'),
    holdMusic: z.url({ message: 'must be an absolute URL' }).optional(),
    announcePosition: z
      .union([z.boolean(), z.object({ everySeconds: seconds(10, 3600) }).strict()])
      .optional(),
    maxWaitSeconds: seconds(10, 14400).optional(),
    onTimeout: nodeRef.optional(),
    escape: z.object({ digit: z.string().regex(/^[0-9*#]$/, 'must be one key'), to: nodeRef }).strict().optional(),
    then: nodeRef.optional(),
    ...base,
  })
  .strict();

const conference = z
  .object({
    type: z.literal('conference'),
    room: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -'),
    startOnEnter: z.boolean().optional(),
    endOnExit: z.boolean().optional(),
    muted: z.boolean().optional(),
    beep: z.boolean().optional(),
    holdMusic: z.url({ message: 'must be an absolute URL' }).optional(),
    maxParticipants: z.number().int().min(2).max(250).optional(),
    then: nodeRef.optional(),
    ...base,
  })
  .strict();

const goto = z.object({ type: z.literal('goto'), node: nodeRef, ...base }).strict();
const hangup = z.object({ type: z.literal('hangup'), ...base }).strict();
const hours = z
  .object({
    type: z.literal('hours'),
    schedule: z.string().min(1),
    open: nodeRef,
    closed: nodeRef,
    holiday: nodeRef.optional(),
    ...base,
  })
  .strict();

/** Schema of one step. */
export const stepSchema = z.discriminatedUnion('type', [
  say,
  play,
  pause,
  gather,
  transfer,
  record,
  enqueue,
  conference,
  goto,
  hangup,
  hours,
]) satisfies z.ZodType<Step>;

const timeRange = z
  .string()
  .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, 'must be HH:MM-HH:MM, e.g. 09:00-17:30');
const dayHours = z.union([z.literal('closed'), z.literal('all-day'), z.array(timeRange)]);
const isoDate = z.iso.date({ message: 'must be a date YYYY-MM-DD' });

/** Schema of a business-hours schedule. */
export const scheduleSchema = z
  .object({
    timezone: z.string().refine(isKnownZone, 'unknown IANA time zone'),
    weekly: z
      .object({
        mon: dayHours.optional(),
        tue: dayHours.optional(),
        wed: dayHours.optional(),
        thu: dayHours.optional(),
        fri: dayHours.optional(),
        sat: dayHours.optional(),
        sun: dayHours.optional(),
        weekdays: dayHours.optional(),
        weekend: dayHours.optional(),
        daily: dayHours.optional(),
      })
      .strict(),
    closures: z
      .array(
        z.union([
          z.object({ date: isoDate, name: z.string().optional() }).strict(),
          z.object({ from: isoDate, to: isoDate, name: z.string().optional() }).strict(),
        ]),
      )
      .optional(),
    special: z.array(z.object({ date: isoDate, hours: dayHours, name: z.string().optional() }).strict()).optional(),
  })
  .strict() satisfies z.ZodType<Schedule>;

const nodeIdPattern = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** Schema of a static flow (JSON or YAML files). */
export const flowSchema = z
  .object({
    version: z.literal(1, { message: 'version must be 1' }),
    name: z.string().min(1),
    start: nodeRef,
    nodes: z.record(z.string().regex(nodeIdPattern, 'node ids are identifiers: letters, digits, _ and -'), z.array(stepSchema)),
    schedules: z.record(z.string().min(1), scheduleSchema).optional(),
    defaults: z
      .object({ voice: z.string().optional(), language: z.string().optional(), apology: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict() satisfies z.ZodType<StaticFlow>;

/** Schema of a flow whose nodes may be functions (the DSL). */
export const dynamicFlowSchema = flowSchema.extend({
  nodes: z.record(
    z.string().regex(nodeIdPattern, 'node ids are identifiers: letters, digits, _ and -'),
    z.union([z.array(stepSchema), z.custom<DynamicNode>((value) => typeof value === 'function')]),
  ),
}) satisfies z.ZodType<Flow>;

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
