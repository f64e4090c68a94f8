import { CallFlowError, defaultHoldMusicUrl, defaultRingbackUrl, queueAnnouncementOf } from '@callflow/core';
import type {
  CallState,
  FlowDefaults,
  GatherStep,
  MediaStep,
  PauseStep,
  PlayStep,
  RecordStep,
  SayStep,
  TransferStep,
  Turn,
  WaitingStep,
} from '@callflow/core';
import type {
  AnswerCallBody as ActionAnswerParams,
  CreateConferenceBody as ConferenceCreateParams,
  EnqueueCallBody as ActionEnqueueParams,
  GatherBody as ActionGatherParams,
  GatherUsingAudioBody as ActionGatherUsingAudioParams,
  GatherUsingSpeakBody as ActionGatherUsingSpeakParams,
  HangupCallBody as ActionHangupParams,
  RejectCallBody as ActionRejectParams,
  JoinConferenceBody as ActionJoinParams,
  LeaveQueueBody as ActionLeaveQueueParams,
  SpeakTextBody as ActionSpeakParams,
  StartPlaybackBody as ActionStartPlaybackParams,
  StartRecordingBody as ActionStartRecordingParams,
  StartTranscriptionBody as ActionStartTranscriptionParams,
  StopGatherBody as ActionStopGatherParams,
  StopPlaybackBody as ActionStopPlaybackParams,
  StopRecordingBody as ActionStopRecordingParams,
  StopTranscriptionBody as ActionStopTranscriptionParams,
  TransferCallBody as ActionTransferParams,
  BridgeCallBody,
  DialCallBody,
  SendDtmfBody,
} from './call-control-bodies.js';
import { commandIdOf, commandIdStem, encodeClientState } from './client-state.js';
import { loadPlanningChunk, planningChunk, requirePlanningChunk } from './planning-chunk.js';

/** The event that resumes the flow after a command, read from the same leg's `client_state`. */
export type TelnyxResumeEvent =
  | 'call.speak.ended'
  | 'call.playback.ended'
  | 'call.gather.ended'
  | 'call.recording.saved'
  | 'call.hangup'
  | 'call.dequeued'
  | 'conference.participant.left';

/** Create the room when it is new, else join it by the id held in the `Store` under its name. */
export interface TelnyxConferenceBody {
  room: string;
  create: Omit<ConferenceCreateParams, 'call_control_id'>;
  join: Omit<ActionJoinParams, 'call_control_id'>;
}

type Command<Action extends string, Body> = {
  action: Action;
  body: Body /** Present when this command's event resumes the flow. */;
  resumeOn?: TelnyxResumeEvent;
};

/** One Call Control command as pure data: the action (URL segment) and its body, typed from the Telnyx API reference (call-control-bodies.ts). */
export type TelnyxCommand =
  | Command<'answer', ActionAnswerParams>
  | Command<'speak', ActionSpeakParams>
  | Command<'playback_start', ActionStartPlaybackParams>
  | Command<'playback_stop', ActionStopPlaybackParams>
  | Command<'gather_using_speak', ActionGatherUsingSpeakParams>
  | Command<'gather_using_audio', ActionGatherUsingAudioParams>
  | Command<'gather', ActionGatherParams>
  | Command<'gather_stop', ActionStopGatherParams>
  | Command<'transcription_start', ActionStartTranscriptionParams>
  | Command<'transcription_stop', ActionStopTranscriptionParams>
  | Command<'record_start', ActionStartRecordingParams>
  | Command<'record_stop', ActionStopRecordingParams>
  | Command<'transfer', ActionTransferParams>
  | Command<'dial', DialCallBody>
  | Command<'bridge', BridgeCallBody>
  | Command<'send_dtmf', SendDtmfBody>
  | Command<'enqueue', ActionEnqueueParams>
  | Command<'leave_queue', ActionLeaveQueueParams>
  | Command<'conference_join_or_create', TelnyxConferenceBody>
  | Command<'conference_leave_others', { conference_id: string; command_id?: string }>
  | Command<'hangup', ActionHangupParams>
  | Command<'reject', ActionRejectParams>;

/** The action names callflow sends. */
export type TelnyxAction = TelnyxCommand['action'];

/** Options for `planCommands`. */
export interface PlanCommandsOptions {
  /** Tokens for `continuationStates(turn)`, in the same order, signed with `engine.sign(state, turn.call)`. */
  continuations: readonly string[];
  /** Put `answer` first (the first turn of an inbound call). */
  answer?: boolean;
  /** Stop any playback first (the turn follows a queue, whose hold music loops until stopped). */
  stopPlayback?: boolean;
  /** Seed of the deterministic `command_id`s: the position the turn was planned from; default `turn.token`. */
  seed?: string;
  /** The call's move number after this turn, carried in every `client_state` beside the token; default 1. */
  sequence?: number;
  /** Stop what the speech gather the turn follows left running: its transcription, and its DTMF gather after speech. */
  stopListening?: { gather: boolean };
  /** Let Telnyx re-ask natively where the menu maps onto it; default true. Off for dynamic nodes, whose step the handler cannot re-read. */
  nativeRetries?: boolean;
  /** The waiting step is in a dynamic node, whose step later events cannot re-read: a queue then loops its music from the start, unannounced. */
  dynamicNode?: boolean;
  /** The Call Control application a dialled transfer's far leg is placed on (`calls.dial` needs it); required for screened transfers. */
  connectionId?: string;
  /** The caller's number, kept from the call's first event: a dialled transfer presents it (events later in a call carry none). */
  callerNumber?: string;
}

const speakLimit = 3000;
const ssmlBreakLimitSeconds = 10;
const pauseVoice = 'AWS.Polly.Joanna';

/** The states whose tokens `planCommands` needs, in order: each media step's `after`, then each gather prompt part played before the gather command. */
export function continuationStates(turn: Turn): CallState[] {
  const states = turn.steps.map((media) => media.after);
  if (turn.wait?.step.type === 'gather') {
    const { leading } = splitGatherPrompt(turn.wait.step.prompt);
    for (let index = 0; index < leading.length; index++) states.push(promptState(turn.wait!.state, index + 1));
  }
  return states;
}

/**
 * Turns a Turn into Call Control commands, pure: media one command per step (each `client_state` the token of
 * the position after it), then the waiting step's command (its `client_state` the turn's token) or `hangup`.
 * A handler sends them in order up to and including the first with `resumeOn`, then waits for that event.
 * @example
 * const turn = await engine.start(call);
 * const tokens = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
 * const { output: commands } = planCommands(turn, { continuations: tokens, answer: true });
 */
export function planCommands(turn: Turn, options: PlanCommandsOptions): { output: TelnyxCommand[]; warnings: string[] } {
  const callControlId = turn.call.callId;
  const sequence = options.sequence ?? 1;
  const seed = `${sequence} ${options.seed ?? turn.token ?? ''}`;
  const warnings: string[] = [];
  const commands: TelnyxCommand[] = [];
  const expected = continuationStates(turn).length;
  if (options.continuations.length !== expected) {
    throw new CallFlowError('flow-failed', `planCommands needs ${expected} continuation tokens, got ${options.continuations.length}`, {
      provider: 'telnyx',
      node: turn.node,
    });
  }
  let nextToken = 0;
  const position = (token: string) => encodeClientState({ kind: 'position', sequence, token });

  if (turn.rejected) {
    // provider: reject instead of answer declines the call unanswered (telnyx SDK resources/calls/actions.d.ts ActionRejectParams.cause).
    const command: TelnyxCommand = { action: 'reject', body: { cause: turn.rejected === 'busy' ? 'USER_BUSY' : 'CALL_REJECTED' } };
    command.body.command_id = commandIdOf(callControlId, seed, 0, command.action);
    return { output: [command], warnings };
  }
  if (options.answer) commands.push({ action: 'answer', body: {} });
  if (options.stopPlayback) commands.push({ action: 'playback_stop', body: { stop: 'all' } });
  if (options.stopListening?.gather) commands.push({ action: 'gather_stop', body: {} });
  if (options.stopListening) commands.push({ action: 'transcription_stop', body: {} });
  for (const media of turn.steps) commands.push(mediaCommand(media.step, position(options.continuations[nextToken++]!), warnings));

  const wait = turn.wait;
  if (wait && turn.token) {
    const state = position(turn.token);
    switch (wait.step.type) {
      case 'gather': {
        const { leading } = splitGatherPrompt(wait.step.prompt);
        for (const part of leading) commands.push(mediaCommand(part, position(options.continuations[nextToken++]!), warnings));
        if ((wait.step.input ?? 'dtmf') !== 'dtmf') commands.push(waitCommands().transcriptionCommand(wait.step, state, warnings));
        commands.push(gatherCommand(wait.step, wait.state, state, warnings, options.nativeRetries ?? true));
        break;
      }
      default:
        commands.push(...waitCommands().commandsOf(turn, wait.step, state, options, warnings, { sequence, token: turn.token }));
    }
  } else if (turn.ended) {
    commands.push({ action: 'hangup', body: {} });
  }

  const stem = commandIdStem(callControlId, seed);
  commands.forEach((command, index) => {
    const options = command.action === 'conference_join_or_create' ? undefined : command.body;
    if (options) options.command_id = `${stem}-${index}-${command.action}`;
    else if (command.action === 'conference_join_or_create') {
      const id = `${stem}-${index}-${command.action}`;
      command.body.create.command_id = `${id}-create`;
      command.body.join.command_id = `${id}-join`;
    }
  });
  return { output: commands, warnings };
}

/** Where the prompt of a gather goes: parts played first as their own commands, then what the gather command itself speaks or plays. */
export function splitGatherPrompt(prompt: readonly MediaStep[]): {
  leading: MediaStep[];
  own: { type: 'speak'; says: SayStep[] } | { type: 'audio'; play: PlayStep } | { type: 'none' };
} {
  const last = prompt.at(-1);
  if (last === undefined) return { leading: [], own: { type: 'none' } };
  if (last.type === 'play' && (last.loop ?? 1) === 1) return { leading: prompt.slice(0, -1), own: { type: 'audio', play: last } };
  if (last.type === 'say' && (last.loop ?? 1) === 1) {
    let start = prompt.length - 1;
    while (start > 0) {
      const before = prompt[start - 1]!;
      if (before.type !== 'say' || (before.loop ?? 1) !== 1 || before.voice !== last.voice || before.language !== last.language) break;
      start--;
    }
    return { leading: prompt.slice(0, start), own: { type: 'speak', says: prompt.slice(start) as SayStep[] } };
  }
  return { leading: [...prompt], own: { type: 'none' } };
}

/** Native retry settings of a gather when the menu maps onto Telnyx's own (`maximum_tries`, `valid_digits`, `invalid_payload`), else `undefined`. */
export interface NativeGatherRetries {
  maximumTries: number;
  validDigits?: string;
  minimumDigits: number;
  maximumDigits: number;
  invalidPrompt?: MediaStep;
}

const noDefaults: FlowDefaults = Object.freeze({});

/**
 * Decides whether a gather's retries can run natively on Telnyx: re-asking in place (no onInvalid/onNoInput detours,
 * no no-input message, no per-kind limits), a prompt the gather command plays whole, an invalid message of the same kind, and valid input
 * that `valid_digits` + min/max express exactly. `defaults` are the flow's, so a raw step and its planned form agree.
 */
export function nativeGatherRetries(
  step: GatherStep,
  state: CallState,
  defaults: FlowDefaults = noDefaults,
): NativeGatherRetries | undefined {
  if (state.reask !== undefined || state.promptOffset !== 0) return undefined;
  const shape = nativeGatherShapeOf(step, defaults);
  if (shape === undefined) return undefined;
  const used = state.tries[`${state.node}:${state.step}`] ?? 0;
  const maximumTries = Math.max(1, (step.attempts ?? 3) - used);
  return { maximumTries, ...shape };
}

/** What `nativeGatherRetries` reads from the step alone (not from the call's state), worked out once per step and defaults. */
type NativeGatherShape = Omit<NativeGatherRetries, 'maximumTries'>;
const nativeGatherShapes = new WeakMap<GatherStep, { defaults: FlowDefaults; shape: NativeGatherShape | undefined }>();

function nativeGatherShapeOf(step: GatherStep, defaults: FlowDefaults): NativeGatherShape | undefined {
  const cached = nativeGatherShapes.get(step);
  if (cached?.defaults === defaults) return cached.shape;
  const shape = nativeGatherShape(step, defaults);
  nativeGatherShapes.set(step, { defaults, shape });
  return shape;
}

function nativeGatherShape(step: GatherStep, defaults: FlowDefaults): NativeGatherShape | undefined {
  // provider: maximum_tries counts silent and invalid tries together and call.gather.ended reports only the last one's
  // status (https://developers.telnyx.com/api-reference/call-commands/gather-using-speak), so per-kind limits re-ask in the app.
  if (step.noInput !== undefined || step.invalid !== undefined) return undefined;
  if (step.onInvalid !== undefined || step.onNoInput !== undefined || (step.noInputPrompt?.length ?? 0) > 0) return undefined;
  if ((step.input ?? 'dtmf') !== 'dtmf') return undefined;
  const prompt = step.prompt.map((media) => withVoiceDefaults(media, defaults));
  const { leading, own } = splitGatherPrompt(prompt);
  if (leading.length > 0 || own.type === 'none') return undefined;
  const invalid = (step.invalidPrompt ?? []).map((media) => withVoiceDefaults(media, defaults));
  if (invalid.length > 1) return undefined;
  const invalidPrompt = invalid[0];
  if (invalidPrompt) {
    // invalid_payload is spoken in the gather's voice.
    if (own.type === 'speak' && !(invalidPrompt.type === 'say' && (invalidPrompt.loop ?? 1) === 1)) return undefined;
    if (own.type === 'audio' && !(invalidPrompt.type === 'play' && (invalidPrompt.loop ?? 1) === 1)) return undefined;
  }
  const terminating = step.finishOnKey ?? '#';
  const { minimumDigits, maximumDigits } = digitBounds(step);
  let validDigits: string | undefined;
  if (step.routes) {
    const keys = Object.keys(step.routes);
    if (keys.length === 0 || keys.some((key) => !/^[0-9*#]$/.test(key) || key === terminating)) return undefined;
    if (minimumDigits !== 1 || maximumDigits !== 1) return undefined;
    validDigits = keys.sort().join('');
  } else {
    validDigits = '0123456789*#'.replace(terminating, '');
  }
  return { validDigits, minimumDigits, maximumDigits, invalidPrompt };
}

function withVoiceDefaults(media: MediaStep, defaults: FlowDefaults): MediaStep {
  if (media.type !== 'say') return media;
  return { ...media, voice: media.voice ?? defaults.voice, language: media.language ?? defaults.language };
}

function digitBounds(step: GatherStep): { minimumDigits: number; maximumDigits: number } {
  // Word routes (speech) say nothing about how many keys to collect.
  const longestRoute = step.routes
    ? Math.max(
        0,
        ...Object.keys(step.routes)
          .filter((key) => /^[0-9*#]+$/.test(key))
          .map((key) => key.length),
      )
    : 0;
  const maximumDigits = Math.min(128, step.numDigits ?? step.maxDigits ?? (longestRoute > 0 ? longestRoute : 20));
  const minimumDigits = Math.max(1, Math.min(maximumDigits, step.numDigits ?? step.minDigits ?? 1));
  return { minimumDigits, maximumDigits };
}

function promptState(state: CallState, parts: number): CallState {
  return { ...state, promptOffset: state.promptOffset + parts };
}

/** Telnyx voice settings for a callflow voice name: `Polly.X` → `AWS.Polly.X`, `man`/`woman` → basic `male`/`female`. */
export function telnyxVoice(voice: string | undefined): Pick<ActionSpeakParams, 'voice' | 'service_level'> {
  if (voice === undefined || ['woman', 'female', 'alice'].includes(voice)) return { voice: 'female', service_level: 'basic' };
  if (voice === 'man' || voice === 'male') return { voice: 'male', service_level: 'basic' };
  if (voice.startsWith('Polly.')) return { voice: `AWS.${voice}` };
  return { voice };
}

/** The speak voice, service level and language of a say (warnings for what Telnyx cannot speak; with a language, after `loadTelnyxPlanning()` on a Worker). */
export function speakSettings(
  say: Pick<SayStep, 'voice' | 'language'>,
  warnings: string[],
): Pick<ActionSpeakParams, 'voice' | 'service_level' | 'language'> {
  const settings: Pick<ActionSpeakParams, 'voice' | 'service_level' | 'language'> = telnyxVoice(say.voice);
  // A language is only some flows' (its list and warnings are the planning chunk's: see turnNeedsTelnyxPlanning).
  if (say.language !== undefined) waitCommands().speakLanguage(settings, say.language, warnings);
  return settings;
}

/** The text itself when Telnyx can speak it whole, else an `unsupported-step` error naming `what`. */
export function checkText(text: string, what: string): string {
  if (text.length > speakLimit)
    throw new CallFlowError(
      'unsupported-step',
      `${what} is ${text.length} characters; Telnyx speaks at most ${speakLimit}: split it into several say steps`,
      { provider: 'telnyx' },
    );
  return text;
}

/** The step's `providerOptions.telnyx`, or none. */
export function telnyxOptions(step: { providerOptions?: { telnyx?: Record<string, unknown> } }): Record<string, unknown> {
  return step.providerOptions?.telnyx ?? {};
}

/** A command body with the step's `providerOptions.telnyx` over it; the body itself (freshly built by its caller) when there are none. */
export function withTelnyxOptions<Body extends object>(body: Body, step: { providerOptions?: { telnyx?: Record<string, unknown> } }): Body {
  const extra = step.providerOptions?.telnyx;
  return extra === undefined ? body : { ...body, ...extra };
}

function loopOf(loop: number | undefined): ActionSpeakParams['loop'] | undefined {
  if (loop === undefined || loop === 1) return undefined;
  return loop === 0 ? 'infinity' : Math.min(100, loop);
}

/** The command that plays one media step, its `client_state` the position after it. */
export function mediaCommand(step: MediaStep, clientState: string, warnings: string[]): TelnyxCommand {
  switch (step.type) {
    case 'say': {
      const body: ActionSpeakParams = {
        payload: checkText(step.text, 'say text'),
        ...speakSettings(step, warnings),
        client_state: clientState,
      };
      const loop = loopOf(step.loop);
      if (loop !== undefined) body.loop = loop;
      return { action: 'speak', body: withTelnyxOptions(body, step), resumeOn: 'call.speak.ended' };
    }
    case 'play': {
      const body: ActionStartPlaybackParams = { audio_url: step.url, client_state: clientState };
      const loop = loopOf(step.loop);
      if (loop !== undefined) body.loop = loop;
      return { action: 'playback_start', body: withTelnyxOptions(body, step), resumeOn: 'call.playback.ended' };
    }
    case 'pause':
      warnings.push(`pause of ${step.seconds} s is emulated with SSML breaks in a speak (Telnyx has no pause)`);
      return pauseCommand(step, clientState);
  }
}

// provider: Telnyx has no pause command; emulated with SSML breaks in a speak (https://developers.telnyx.com/api-reference/call-commands/speak-text).
/** A pause as a speak of SSML breaks (Telnyx has no pause command). */
export function pauseCommand(step: PauseStep, clientState: string): TelnyxCommand {
  let remaining = Math.max(0, step.seconds);
  let breaks = '';
  while (remaining > 0) {
    const seconds = Math.min(ssmlBreakLimitSeconds, remaining);
    breaks += `<break time="${Math.round(seconds * 1000)}ms"/>`;
    remaining -= seconds;
  }
  return {
    action: 'speak',
    body: {
      payload: `<speak>${breaks}</speak>`,
      payload_type: 'ssml',
      voice: pauseVoice,
      client_state: clientState,
      ...telnyxOptions(step),
    },
    resumeOn: 'call.speak.ended',
  };
}

// provider: gather_using_speak takes one payload, text or SSML (https://developers.telnyx.com/api-reference/call-commands/gather-using-speak);
// several says become SSML paragraphs, each spoken as its own utterance with a pause after it, as consecutive <Say>s and talks are
// (<p>: https://docs.aws.amazon.com/polly/latest/dg/supportedtags.html), so the caller can still barge in over all of them.
/** The `payload` of a gather that speaks `says`: one text, or SSML paragraphs for several. */
export function gatherPayload(says: readonly SayStep[]): Pick<ActionGatherUsingSpeakParams, 'payload' | 'payload_type'> {
  if (says.length === 1) return { payload: checkText(says[0]!.text, 'gather prompt') };
  return {
    payload: checkText(`<speak>${says.map((say) => `<p>${escapeXml(say.text)}</p>`).join('')}</speak>`, 'gather prompt'),
    payload_type: 'ssml',
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function gatherCommand(step: GatherStep, state: CallState, clientState: string, warnings: string[], allowNative: boolean): TelnyxCommand {
  const native = allowNative ? nativeGatherRetries(step, state) : undefined;
  // A speech-only gather takes no keys: one key ends its DTMF gather at once and the handler starts the no-input timer again
  // (see keyIgnored in telnyx-speech.ts), so a key does not hold the caller for an inter-digit timeout either.
  const { minimumDigits, maximumDigits } = step.input === 'speech' ? { minimumDigits: 1, maximumDigits: 1 } : digitBounds(step);
  const timeoutMillis = Math.round((step.timeoutSeconds ?? 5) * 1000);
  const common = {
    minimum_digits: minimumDigits,
    maximum_digits: maximumDigits,
    timeout_millis: timeoutMillis,
    inter_digit_timeout_millis: Math.round((step.interDigitTimeoutSeconds ?? step.timeoutSeconds ?? 5) * 1000),
    terminating_digit: step.finishOnKey ?? '#',
    ...(native?.validDigits !== undefined ? { valid_digits: native.validDigits } : {}),
    client_state: clientState,
  };
  const { own } = splitGatherPrompt(step.prompt);
  if (own.type === 'speak') {
    const first = own.says[0]!;
    const body: ActionGatherUsingSpeakParams = {
      ...gatherPayload(own.says),
      ...speakSettings(first, warnings),
      ...common,
      maximum_tries: native?.maximumTries ?? 1,
    };
    if (native?.invalidPrompt?.type === 'say') {
      // invalid_payload is read as the payload is, text or SSML.
      const text = native.invalidPrompt.text;
      body.invalid_payload = checkText(body.payload_type === 'ssml' ? `<speak><p>${escapeXml(text)}</p></speak>` : text, 'invalid prompt');
    }
    return { action: 'gather_using_speak', body: withTelnyxOptions(body, step), resumeOn: 'call.gather.ended' };
  }
  if (own.type === 'audio') {
    const body: ActionGatherUsingAudioParams = { audio_url: own.play.url, ...common, maximum_tries: native?.maximumTries ?? 1 };
    if (native?.invalidPrompt?.type === 'play') body.invalid_audio_url = native.invalidPrompt.url;
    return { action: 'gather_using_audio', body: withTelnyxOptions(body, step), resumeOn: 'call.gather.ended' };
  }
  const body: ActionGatherParams = { ...common, initial_timeout_millis: timeoutMillis };
  delete (body as { timeout_millis?: number }).timeout_millis;
  return { action: 'gather', body: withTelnyxOptions(body, step), resumeOn: 'call.gather.ended' };
}

/** The silence (seconds) that ends a recording, when it can end one before `maxSeconds`; callflow times it on Telnyx. */
export function recordSilenceSeconds(step: RecordStep): number | undefined {
  const silenceSeconds = step.silenceSeconds ?? 5;
  return silenceSeconds > 0 && silenceSeconds < (step.maxSeconds ?? 120) ? silenceSeconds : undefined;
}

/** The silent `gather` callflow times a recording's silence with: no prompt, one key at most, `initial_timeout_millis` the silence. */
export function silenceTimerBody(silenceSeconds: number, clientState: string): ActionGatherParams {
  return { initial_timeout_millis: Math.round(silenceSeconds * 1000), maximum_digits: 1, client_state: clientState };
}

/**
 * Whether a transfer is dialled and bridged by callflow instead of Telnyx's `transfer`: a screen, or a whisper other
 * than one play (transfer's `audio_url` is one file played once; it bridges as soon as the far leg answers).
 */
export function dialsFarLeg(step: TransferStep): boolean {
  const whisper = step.whisper ?? [];
  if (step.screen !== undefined || whisper.length > 1) return true;
  return whisper.length === 1 && (whisper[0]!.type !== 'play' || (whisper[0]!.loop ?? 1) !== 1);
}

/** Where a dialled transfer stands: the caller's leg, its move and token (the far leg's `client_state` carries them). */
export interface FarLegPosition {
  /** The caller's leg. */
  callerId: string;
  sequence: number;
  token: string;
}

/** What the waiting steps' chunk (telnyx-wait-commands.ts) uses from here and from core. */
export type WaitCommandsKit = typeof waitCommandsKit;

const waitCommandsKit = {
  CallFlowError,
  encodeClientState,
  withTelnyxOptions,
  telnyxOptions,
  recordSilenceSeconds,
  silenceTimerBody,
  dialsFarLeg,
  defaultRingbackUrl,
  defaultHoldMusicUrl,
  queueAnnouncementOf,
};

type WaitCommands = ReturnType<typeof import('./telnyx-wait-commands.js')['createWaitCommands']>;
let waitCommandsMade: WaitCommands | undefined;

/**
 * Loads the commands of the waiting steps only some flows have (record, transfer, enqueue, conference, a speech gather),
 * and the reading of their events, a chunk of their own; once. A handler loads it itself; call it before `planCommands`
 * or `parseTelnyxEvent` on a runtime without Node's `require` (a Worker, a browser) when the call may use those steps.
 */
export function loadTelnyxPlanning(): Promise<void> {
  return loadPlanningChunk().then(() => undefined);
}

/** Whether the chunk `loadTelnyxPlanning` loads is loaded (or linked). */
export function telnyxPlanningLoaded(): boolean {
  return planningChunk() !== undefined;
}

/** Whether a waiting step's commands are in the chunk `loadTelnyxPlanning` loads. */
export function needsTelnyxPlanning(step: WaitingStep): boolean {
  return step.type !== 'gather' || (step.input ?? 'dtmf') !== 'dtmf';
}

const speaksLanguage = (media: MediaStep) => media.type === 'say' && media.language !== undefined;

/** Whether planning a turn needs the chunk `loadTelnyxPlanning` loads: for its waiting step, or a say in a language. */
export function turnNeedsTelnyxPlanning(turn: Turn): boolean {
  const step = turn.wait?.step;
  if (step && needsTelnyxPlanning(step)) return true;
  return turn.steps.some((media) => speaksLanguage(media.step)) || (step?.type === 'gather' && step.prompt.some(speaksLanguage));
}

/** The waiting steps' commands: loaded, or linked where callflow runs from source or as the CommonJS build (Node). */
function waitCommands(): WaitCommands {
  waitCommandsMade ??= requirePlanningChunk(
    'the commands of a record, transfer, enqueue, conference or speech gather step',
    'planCommands',
  ).createWaitCommands(waitCommandsKit);
  return waitCommandsMade;
}
