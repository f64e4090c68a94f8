/**
 * The flow IR: plain, serialisable data. Node ids are resume points; `N` is the union of
 * node ids (so a misspelled reference fails to compile in the DSL) and `S` the schedule names.
 */

import type { ProviderName } from '../providers/provider-registry.js';

/** Settings only one provider understands, passed through untouched by the others (one key per provider in the registry). */
export type ProviderOptions = { [Name in ProviderName]?: Record<string, unknown> };

interface StepBase {
  /** Optional label shown in diagrams and logs. */
  label?: string;
  providerOptions?: ProviderOptions;
}

/** Speak text with text-to-speech. */
export interface SayStep extends StepBase {
  type: 'say';
  text: string;
  /** Provider voice id (`Polly.Joanna`, `female`, …); defaults to `flow.defaults.voice`. */
  voice?: string;
  /** BCP-47 language, e.g. `en-US`; defaults to `flow.defaults.language`. */
  language?: string;
  /** Times to play; default 1. */
  loop?: number;
}

/** Play an audio file from a URL. */
export interface PlayStep extends StepBase {
  type: 'play';
  url: string;
  /** Times to play; default 1. */
  loop?: number;
}

/** Silence. */
export interface PauseStep extends StepBase {
  type: 'pause';
  seconds: number;
}

/** The media steps: they play and never wait for the caller. */
export type MediaStep = SayStep | PlayStep | PauseStep;

/** Settings for speech recognition in a gather. */
export interface SpeechOptions {
  /** Recognition language; defaults to the flow language. */
  language?: string;
  /** Words or phrases to favour. */
  hints?: string[];
  /** Silence after speech that ends the utterance; default: provider's automatic detection. */
  endSilenceSeconds?: number;
}

/** Collect digits and/or speech, then route on what was said or pressed, with retries. */
export interface GatherStep<N extends string = string> extends StepBase {
  type: 'gather';
  /** What to play while listening; the caller may barge in. */
  prompt: MediaStep[];
  /** Default `dtmf`. */
  input?: 'dtmf' | 'speech' | 'both';
  /** Exact number of digits to collect; ends input as soon as reached. */
  numDigits?: number;
  /** Fewest digits accepted (shorter input counts as invalid); default 1. */
  minDigits?: number;
  /** Most digits accepted; default `numDigits`, else the longest route key, else 20. */
  maxDigits?: number;
  /** Key that ends digit entry; default `#`. Use `''` for none. */
  finishOnKey?: string;
  /** Seconds to wait for the first input after the prompt; default 5. */
  timeoutSeconds?: number;
  /** Seconds allowed between digits; default `timeoutSeconds`. */
  interDigitTimeoutSeconds?: number;
  speech?: SpeechOptions;
  /** Input → node. Keys are digit strings (`'1'`, `'42'`) or, for speech, lowercase words. */
  routes?: Record<string, N>;
  /** Store the accepted input in the call's variables under this name. */
  saveAs?: string;
  /** Where to go on input that matches no route; default: ask again. */
  onInvalid?: N;
  /** Where to go when the caller says nothing; default: ask again. */
  onNoInput?: N;
  /** Played before asking again after invalid input. */
  invalidPrompt?: MediaStep[];
  /** Played before asking again after no input. */
  noInputPrompt?: MediaStep[];
  /** Total tries (invalid and no-input together) before `onExhausted`; default 3, or no overall limit when `noInput` or `invalid` sets its own. */
  attempts?: number;
  /** Where to go when the tries run out; default: hang up. */
  onExhausted?: N;
  /** Its own limit on silent tries and where the call goes when it is reached (e.g. an operator). */
  noInput?: GatherRetryLimit<N>;
  /** Its own limit on wrong input and where the call goes when it is reached (e.g. goodbye). */
  invalid?: GatherRetryLimit<N>;
}

/** A limit on one kind of failed try in a gather (silence or wrong input), counted apart from the other kind. */
export interface GatherRetryLimit<N extends string = string> {
  /** Tries of this kind before `then`. */
  attempts: number;
  /** Where to go when they run out; default `onExhausted`, else hang up. */
  then?: N;
}

/** A transfer target: a phone number (E.164) or a SIP URI. */
export type TransferTarget = string | { sip: string; username?: string; password?: string };

/** Connect the caller to another number or SIP address, with fallbacks when nobody answers. */
export interface TransferStep<N extends string = string> extends StepBase {
  type: 'transfer';
  to: TransferTarget;
  /** Caller id shown to the callee; default: the caller's number. */
  callerId?: string;
  /** Seconds to ring before giving up; default 30. */
  ringSeconds?: number;
  /** Hard limit on the bridged call; default none. */
  maxSeconds?: number;
  /** Record the bridged call. */
  record?: boolean;
  /** After the bridged call ends normally; default: hang up. */
  then?: N;
  onBusy?: N;
  onNoAnswer?: N;
  /** On failure, or on busy/no-answer without their own target; default: the next step. */
  onFailed?: N;
  /** DTMF sent to the called party once it answers (an extension): 0-9, `*`, `#`, and `w` for a half-second pause. */
  sendDigits?: string;
  /** Played to the called party only, once it answers and before the caller is connected ("Call from the clinic line"). */
  whisper?: MediaStep[];
  /** Ask the called party to accept with one key; declining, silence or a voicemail pick-up count as no answer. */
  screen?: TransferScreen;
}

/** Call screening on a transfer: the called party hears `prompt` and accepts with `acceptKey`. */
export interface TransferScreen {
  /** Played to the called party after the whisper, e.g. "Press 1 to accept this call." */
  prompt: MediaStep[];
  /** The key that accepts; default `1`. Any other key declines. */
  acceptKey?: string;
  /** Seconds to wait for the key after the prompt; default 5. */
  timeoutSeconds?: number;
}

/** Record the caller (voicemail). */
export interface RecordStep<N extends string = string> extends StepBase {
  type: 'record';
  /** Longest recording; default 120. */
  maxSeconds?: number;
  /** Silence that ends the recording; default 5. */
  silenceSeconds?: number;
  /** Key that ends the recording; default `#`. Use `''` for none. */
  finishOnKey?: string;
  /** Beep before recording; default true. */
  beep?: boolean;
  /** Store the recording URL in the call's variables under this name. */
  saveAs?: string;
  /** Name of an application hook to run with the recording (e.g. an SMS alert). */
  notify?: string;
  /** Where to go once recorded; default: the next step. */
  then?: N;
}

/** How a queued caller is told their place: the words, and how often. */
export interface QueueAnnouncement {
  /** The words, with `{position}` (1 = next) and `{waitMinutes}` (the provider's average wait, whole minutes, at least 1); default `You are number {position} in line.` */
  template?: string;
  /** Repeat it after this many seconds of waiting, at the next break in the hold music; default: once, on entry. */
  everySeconds?: number;
}

/** Put the caller in a named queue with hold music until an agent takes the call. */
export interface EnqueueStep<N extends string = string> extends StepBase {
  type: 'enqueue';
  queue: string;
  /** Audio URL looped while waiting. */
  holdMusic?: string;
  /** Announce the caller's place while they wait, worded by the flow; `true` is the default wording, once on entry. */
  announce?: boolean | QueueAnnouncement;
  /** Older spelling of `announce` (default wording); `announce` wins when both are given. */
  announcePosition?: boolean | { everySeconds: number };
  /** Longest wait before `onTimeout`. */
  maxWaitSeconds?: number;
  onTimeout?: N;
  /** A key the caller may press to leave the queue, and where it goes. */
  escape?: { digit: string; to: N };
  /** After the call with the agent ends; default: hang up. */
  then?: N;
}

/** Join a named conference room. */
export interface ConferenceStep<N extends string = string> extends StepBase {
  type: 'conference';
  room: string;
  /** The conference starts when this caller enters; default true. */
  startOnEnter?: boolean;
  /** The conference ends when this caller leaves; default false. */
  endOnExit?: boolean;
  /** Join muted; default false. */
  muted?: boolean;
  /** Beep to the room when someone enters or leaves; default false. */
  beep?: boolean;
  /** Audio URL played while the caller waits alone. */
  holdMusic?: string;
  /** Largest room size. */
  maxParticipants?: number;
  /** After the caller leaves the conference; default: hang up. */
  then?: N;
}

/** Jump to another node. */
export interface GotoStep<N extends string = string> extends StepBase {
  type: 'goto';
  node: N;
}

/** End the call. */
export interface HangupStep extends StepBase {
  type: 'hangup';
}

/** Decline an inbound call without answering it; only as the first thing the call does. */
export interface RejectStep extends StepBase {
  type: 'reject';
  /** What the caller's network hears: a busy signal or a rejection; default `rejected`. */
  reason?: 'busy' | 'rejected';
}

/** Branch on a business-hours schedule; decided by the engine with the injected clock. */
export interface HoursStep<N extends string = string, S extends string = string> extends StepBase {
  type: 'hours';
  schedule: S;
  open: N;
  closed: N;
  /** Where to go on a dated closure; default `closed`. */
  holiday?: N;
}

/** A step that makes the provider report back before the flow goes on. */
export type WaitingStep<N extends string = string> = GatherStep<N> | TransferStep<N> | RecordStep<N> | EnqueueStep<N> | ConferenceStep<N>;

/** Any step of a flow. */
export type Step<N extends string = string, S extends string = string> =
  | MediaStep
  | WaitingStep<N>
  | GotoStep<N>
  | HangupStep
  | RejectStep
  | HoursStep<N, S>;

/** The kinds of step. */
export type StepType = Step['type'];

/** Every step kind, in documentation order. */
export const stepTypes = [
  'say',
  'play',
  'pause',
  'gather',
  'record',
  'transfer',
  'enqueue',
  'conference',
  'goto',
  'hangup',
  'reject',
  'hours',
] as const satisfies readonly StepType[];

/** What a dynamic node sees. */
export interface CallContext {
  callId: string;
  from?: string;
  to?: string;
  provider?: string;
  /** Values saved so far with `saveAs`. */
  vars: Readonly<Record<string, string>>;
  /** The injected clock's current time. */
  now: Date;
}

/** A node computed per call (TypeScript flows only). Re-evaluated on resume: keep it a function of the call. */
export type DynamicNode<N extends string = string, S extends string = string> = (call: CallContext) => Step<N, S>[] | Promise<Step<N, S>[]>;

/** Opening hours of one day: closed, all day, or `HH:MM-HH:MM` ranges (`22:00-02:00` runs past midnight). */
export type DayHours = 'closed' | 'all-day' | string[];

/** Days of the week, as schedule keys. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Business hours in an IANA time zone, with holidays and special days. */
export interface Schedule {
  /** IANA zone, e.g. `Europe/London`. */
  timezone: string;
  /** Hours per weekday; a missing day is closed. `weekdays` (mon–fri) and `daily` fill days not given. */
  weekly: Partial<Record<Weekday | 'weekdays' | 'weekend' | 'daily', DayHours>>;
  /** Dated closures: a day (`2026-12-25`) or an inclusive range of days. */
  closures?: Array<{ date: string; name?: string } | { from: string; to: string; name?: string }>;
  /** Dated hours that replace the weekly hours (and any closure) on that day. */
  special?: Array<{ date: string; hours: DayHours; name?: string }>;
}

/** Flow-wide defaults. */
export interface FlowDefaults {
  voice?: string;
  language?: string;
  /** Spoken when something fails inside the flow, before hanging up. */
  apology?: string;
}

/**
 * Where an outbound call placed with machine detection goes once the provider says who answered: the human route
 * defaults to the node the call was started at, the unknown route to the human one.
 */
export interface MachineDetection<N extends string = string> {
  /** Answered by a person; default: the node `startCall` named (else `start`). */
  onHuman?: N;
  /** Answered by a voicemail or answering machine; runs after its greeting ends (the beep) unless `waitForBeep` is false. */
  onMachine: N;
  /** The provider could not tell; default `onHuman`. */
  onUnknown?: N;
  /** Start the machine route only once the greeting has ended (to leave a message after the beep); default true. */
  waitForBeep?: boolean;
}

/** A call flow: named nodes, each a list of steps (or a function of the call). */
export interface Flow<N extends string = string, S extends string = string> {
  version: 1;
  name: string;
  start: N;
  nodes: Record<N, Step<N, S>[] | DynamicNode<N, S>>;
  schedules?: Record<S, Schedule>;
  defaults?: FlowDefaults;
  /** Routes for outbound calls placed with answering machine detection. */
  machineDetection?: MachineDetection<N>;
}

/** A flow with only static nodes, as JSON/YAML files hold. */
export interface StaticFlow<N extends string = string, S extends string = string> extends Flow<N, S> {
  nodes: Record<N, Step<N, S>[]>;
}

/** True for steps that make the provider report back. */
export function isWaitingStep(step: Step): step is WaitingStep {
  return (
    step.type === 'gather' || step.type === 'transfer' || step.type === 'record' || step.type === 'enqueue' || step.type === 'conference'
  );
}

/** True for say, play and pause. */
export function isMediaStep(step: Step): step is MediaStep {
  return step.type === 'say' || step.type === 'play' || step.type === 'pause';
}
