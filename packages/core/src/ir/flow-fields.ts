import {
  boolean,
  func,
  integer,
  list,
  nodeRef,
  number,
  object,
  oneOf,
  optional,
  record,
  step,
  text,
  union,
  unknown,
  type Fields,
  type InferFields,
  type Same,
} from './field-kinds.js';
import type { Flow, FlowDefaults, MachineDetection, ProviderOptions, Schedule, StaticFlow, Step, StepType } from './types.js';

// The flow format, each field once. The validator, the problem reporter, the "did you mean" hints, the node
// references and the docs check are derived from these tables; the IR types in types.ts are held to them below. What a
// field's problems say is its `words` entry in flow-field-words.ts (read only by the diagnostics chunk).
// To add a field: one line here, its documented line in types.ts (the compiler insists), and its row in
// docs/flow-format.md (the docs test insists).

const absoluteUrl = text({ test: isAbsoluteUrl, words: 'absoluteUrl' });
const oneKey = text({ pattern: /^[0-9*#]?$/, words: 'oneKeyOrNone' });
const identifier = text({ pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, words: 'identifier' });
const name = text({ pattern: /^[A-Za-z0-9_.:-]{1,64}$/, words: 'name' });
const announcementTemplate = text({
  test: (value) =>
    value.trim() !== '' &&
    value.length <= 500 &&
    [...value.matchAll(/\{([^}]*)\}/g)].every((match) => match[1] === 'position' || match[1] === 'waitMinutes'),
  words: 'announcementTemplate',
});
const providerSettings = optional(record(text(), unknown()));
const media = step(['say', 'play', 'pause']);

/** Fields every step accepts. */
export const commonStepFields = {
  label: optional(text()),
  providerOptions: optional(object({ twilio: providerSettings, vonage: providerSettings, telnyx: providerSettings })),
} satisfies Fields;

/** The fields of each step kind, `type` aside, in output order. */
export const stepFieldTable = {
  say: {
    text: text({
      minLength: 1,
      maxLength: 3000,
      words: 'sayText',
    }),
    voice: optional(text({ minLength: 1 })),
    language: optional(text({ minLength: 2 })),
    loop: optional(integer(1, 100)),
  },
  play: {
    url: absoluteUrl,
    loop: optional(integer(1, 100)),
  },
  pause: {
    seconds: number(0.1, 600),
  },
  gather: {
    prompt: list(media),
    input: optional(oneOf(['dtmf', 'speech', 'both'])),
    numDigits: optional(integer(1, 128)),
    minDigits: optional(integer(1, 128)),
    maxDigits: optional(integer(1, 128)),
    finishOnKey: optional(oneKey),
    timeoutSeconds: optional(number(1, 120)),
    interDigitTimeoutSeconds: optional(number(1, 60)),
    speech: optional(
      object({
        language: optional(text({ minLength: 2 })),
        hints: optional(list(text({ minLength: 1 }), 500)),
        endSilenceSeconds: optional(number(0.1, 10)),
      }),
    ),
    routes: optional(record(text(), nodeRef())),
    saveAs: optional(identifier),
    onInvalid: optional(nodeRef()),
    onNoInput: optional(nodeRef()),
    invalidPrompt: optional(list(media)),
    noInputPrompt: optional(list(media)),
    attempts: optional(integer(1, 10)),
    onExhausted: optional(nodeRef()),
    noInput: optional(object({ attempts: integer(1, 10), then: optional(nodeRef()) })),
    invalid: optional(object({ attempts: integer(1, 10), then: optional(nodeRef()) })),
  },
  transfer: {
    to: union([
      text({ pattern: /^\+?[0-9]{3,15}$/, words: 'phoneNumber' }),
      object({
        sip: text({ pattern: /^sips?:[^\s@]+@[^\s]+$/, words: 'sipUri' }),
        username: optional(text()),
        password: optional(text()),
      }),
    ]),
    callerId: optional(text({ minLength: 3 })),
    ringSeconds: optional(number(5, 600)),
    maxSeconds: optional(number(1, 14400)),
    record: optional(boolean()),
    then: optional(nodeRef()),
    onBusy: optional(nodeRef()),
    onNoAnswer: optional(nodeRef()),
    onFailed: optional(nodeRef()),
    sendDigits: optional(text({ pattern: /^[0-9*#w]{1,64}$/, words: 'dtmfDigits' })),
    whisper: optional(list(media)),
    screen: optional(
      object({
        prompt: list(media),
        acceptKey: optional(text({ pattern: /^[0-9*#]$/, words: 'acceptKey' })),
        timeoutSeconds: optional(number(1, 60)),
      }),
    ),
  },
  record: {
    maxSeconds: optional(number(1, 14400)),
    silenceSeconds: optional(number(1, 60)),
    finishOnKey: optional(oneKey),
    beep: optional(boolean()),
    saveAs: optional(identifier),
    notify: optional(text({ minLength: 1 })),
    then: optional(nodeRef()),
  },
  enqueue: {
    queue: name,
    holdMusic: optional(absoluteUrl),
    announce: optional(union([boolean(), object({ template: optional(announcementTemplate), everySeconds: optional(number(10, 3600)) })])),
    announcePosition: optional(union([boolean(), object({ everySeconds: number(10, 3600) })])),
    maxWaitSeconds: optional(number(10, 14400)),
    onTimeout: optional(nodeRef()),
    escape: optional(object({ digit: text({ pattern: /^[0-9*#]$/, words: 'escapeKey' }), to: nodeRef() })),
    then: optional(nodeRef()),
  },
  conference: {
    room: name,
    startOnEnter: optional(boolean()),
    endOnExit: optional(boolean()),
    muted: optional(boolean()),
    beep: optional(boolean()),
    holdMusic: optional(absoluteUrl),
    maxParticipants: optional(integer(2, 250)),
    then: optional(nodeRef()),
  },
  goto: {
    node: nodeRef(),
  },
  hangup: {},
  reject: {
    reason: optional(oneOf(['busy', 'rejected'])),
  },
  hours: {
    schedule: text({ minLength: 1, ref: 'schedule', words: 'scheduleName' }),
    open: nodeRef(),
    closed: nodeRef(),
    holiday: optional(nodeRef()),
  },
} satisfies Record<StepType, Fields>;

const timeRange = text({
  pattern: /^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/,
  words: 'timeRange',
});
const dayHours = union([oneOf(['closed', 'all-day']), list(timeRange)], 'dayHours');
const isoDate = text({ pattern: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, words: 'isoDate' });

/** The fields of a business-hours schedule. */
export const scheduleFields = {
  timezone: text({ test: isKnownZone, words: 'timezone' }),
  weekly: object({
    mon: optional(dayHours),
    tue: optional(dayHours),
    wed: optional(dayHours),
    thu: optional(dayHours),
    fri: optional(dayHours),
    sat: optional(dayHours),
    sun: optional(dayHours),
    weekdays: optional(dayHours),
    weekend: optional(dayHours),
    daily: optional(dayHours),
  }),
  closures: optional(
    list(union([object({ date: isoDate, name: optional(text()) }), object({ from: isoDate, to: isoDate, name: optional(text()) })])),
  ),
  special: optional(list(object({ date: isoDate, hours: dayHours, name: optional(text()) }))),
} satisfies Fields;

const defaultsFields = {
  voice: optional(text()),
  language: optional(text()),
  apology: optional(text({ minLength: 1 })),
} satisfies Fields;

/** The routes of an outbound call placed with answering machine detection. */
export const machineDetectionFields = {
  onHuman: optional(nodeRef()),
  onMachine: nodeRef(),
  onUnknown: optional(nodeRef()),
  waitForBeep: optional(boolean()),
} satisfies Fields;

const nodeId = text({ pattern: /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, words: 'nodeId' });
const steps = list(
  step(['say', 'play', 'pause', 'gather', 'transfer', 'record', 'enqueue', 'conference', 'goto', 'hangup', 'reject', 'hours']),
);
const flowHead = {
  version: oneOf([1], 'version'),
  name: text({ minLength: 1 }),
  start: nodeRef(),
  schedules: optional(record(text({ minLength: 1 }), object(scheduleFields))),
  defaults: optional(object(defaultsFields)),
  machineDetection: optional(object(machineDetectionFields)),
} satisfies Fields;

/** The top-level fields of a static flow (JSON or YAML files). */
export const flowFields = { ...flowHead, nodes: record(nodeId, steps) } satisfies Fields;

/** The top-level fields of a flow whose nodes may be functions (the DSL). */
export const dynamicFlowFields = {
  ...flowHead,
  nodes: record(nodeId, union([steps, func('dynamicNode')])),
} satisfies Fields;

/** The step of a kind as the table describes it. */
type TableStep<K extends StepType> = InferFields<
  { type: { kind: 'literal'; values: readonly K[] } } & (typeof stepFieldTable)[K] & typeof commonStepFields
>;

/** Each kind's hand-written type equals the table's; a field added to one and not the other fails the type check here. */
type Check<T extends readonly true[]> = T;
/** @internal The IR types agree with the field table (compile-time only). */
export type FieldTableMatchesTypes = Check<
  [
    Same<{ [K in StepType]: TableStep<K> }, { [K in StepType]: Extract<Step, { type: K }> }>,
    Same<InferFields<typeof scheduleFields>, Schedule>,
    Same<InferFields<typeof defaultsFields>, FlowDefaults>,
    Same<InferFields<typeof machineDetectionFields>, MachineDetection>,
    Same<InferFields<typeof commonStepFields>['providerOptions'], ProviderOptions | undefined>,
    Same<InferFields<typeof flowFields>, StaticFlow>,
    Same<InferFields<typeof dynamicFlowFields>, Flow>,
  ]
>;

function isAbsoluteUrl(value: string): boolean {
  // Surrounding blanks, tabs and newlines are refused rather than trimmed: a URL is used exactly as written.
  return value === value.trim() && !/[\t\n\r]/.test(value) && URL.canParse(value);
}

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
