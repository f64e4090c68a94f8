import {
  CallFlowError,
  defaultRingbackUrl,
  type ConferenceStep,
  type EnqueueStep,
  type GatherStep,
  type MediaStep,
  type RecordStep,
  type Rendered,
  type TransferStep,
  type TransferTarget,
  type Turn,
} from '@callflow/core';
import {
  mp3Format,
  nccoActions,
  synchronousEventType,
  type Ncco,
  type NccoAction,
  type NccoConnect,
  type NccoInput,
  type NccoNotify,
  type NccoTalk,
} from './ncco-types.js';
import { renderEnqueue } from './render-ncco-queue.js';

/** What the renderer needs beside the turn. */
export interface RenderNccoContext {
  /** Base URL of the handler, e.g. `https://ivr.example.com/vonage`; callbacks go to `/input`, `/connect`, `/record`, `/notify` under it. */
  eventUrl: string;
  /** The caller's place in the queue, when the turn enqueues (the handler computes it from the store). */
  queuePosition?: number;
  /** How long the callers already in that queue have waited on average, in seconds (from the store). */
  queueAverageWaitSeconds?: number;
  /** Prefix of the conversation that emulates a queue; default `callflow-queue-`. */
  queuePrefix?: string;
  /** The waiting step is in a dynamic node, whose step a later webhook cannot re-read: a queue then waits in its conversation. */
  dynamicNode?: boolean;
}

/** The webhook paths the rendered NCCO calls back on, relative to `eventUrl`. */
export const vonageWebhookPaths = {
  answer: 'answer',
  event: 'event',
  input: 'input',
  connect: 'connect',
  record: 'record',
  notify: 'notify',
  callee: 'callee',
  screen: 'screen',
} as const;

/** Default prefix of the conversation that emulates a queue. */
export const defaultQueuePrefix = 'callflow-queue-';

const provider = 'vonage';

/** Vonage's documented limits, checked before an NCCO is sent. */
export const vonageLimits = {
  talkTextChars: 1500,
  maxDigits: 20,
  dtmfTimeoutSeconds: [0, 10],
  speechStartTimeoutSeconds: [1, 60],
  speechEndOnSilenceSeconds: [0.4, 10],
  waitSeconds: [0.1, 7200],
  recordSilenceSeconds: [3, 10],
  recordTimeoutSeconds: [3, 7200],
  connectTimeoutSeconds: [1, 120],
  connectLimitSeconds: [1, 7200],
} as const;

/** The conversation a queued caller waits in: one per caller, so an agent who joins it meets only that caller. */
export function queueConversationName(queue: string, callId: string, prefix = defaultQueuePrefix): string {
  return `${prefix}${queue}.${callId}`;
}

/** The URL of one callback, carrying the continuation token and the caller's leg id (connect events report the callee's uuid). */
export function callbackUrl(base: string, path: string, token: string, callId: string, extra?: Record<string, string>): string {
  // Tokens are base64url (URL-safe as they are); the call id and extras are escaped.
  let url = `${base.endsWith('/') ? base.replace(/\/+$/, '') : base}/${path}?t=${token}&call=${encodeComponent(callId)}`;
  if (extra) for (const key in extra) url += `&${key}=${encodeComponent(extra[key]!)}`;
  return url;
}

/** Exactly the characters `encodeURIComponent` leaves as they are. */
const uriComponentSafe = /^[\w\-.!~*'()]*$/;

/** `encodeURIComponent`, without its copy for the common case (a Vonage uuid) that needs no escaping. */
function encodeComponent(text: string): string {
  return uriComponentSafe.test(text) ? text : encodeURIComponent(text);
}

/**
 * Translates a turn into an NCCO: media as talk/stream/wait, then the waiting step as input, record + notify,
 * connect + notify, conversation + notify, or (a queue with timed breaks) one stretch of the hold loop. Pure; emulated behaviour is reported in `warnings`.
 * @example const { output } = renderNcco(turn, { eventUrl: 'https://ivr.example.com/vonage' });
 */
export function renderNcco(turn: Turn, context: RenderNccoContext): Rendered<Ncco> {
  return renderNccoWith(turn, context, { enqueue: renderEnqueue });
}

/** The renderers of waiting steps that sit in chunks of their own (the queue's), as the handler has loaded them. */
export interface WaitRenderers {
  enqueue?: (step: EnqueueStep, turn: Turn, context: RenderNccoContext, warnings: string[]) => NccoAction[];
}

/** `renderNcco` with the chunked waiting steps' renderers given: what the handler renders with, once `prepare` loaded them. */
export function renderNccoWith(turn: Turn, context: RenderNccoContext, waits: WaitRenderers): Rendered<Ncco> {
  const warnings: string[] = [];
  const ncco: Ncco = [];
  if (turn.rejected) {
    // provider: Vonage answers an inbound call before it fetches the NCCO (https://api.support.vonage.com/hc/en-us/articles/115000664408); no NCCO action declines it.
    throw new CallFlowError(
      'unsupported-step',
      `${turn.node}: step 'reject' is not supported on Vonage (an inbound call is answered before the NCCO runs); use hangup, or a message and hangup`,
      { provider, node: turn.node },
    );
  }
  for (const planned of turn.steps) ncco.push(renderMedia(planned.step, false, turn.node));
  const wait = turn.wait;
  if (!wait || turn.token === undefined) return { output: ncco, warnings };
  const token = turn.token;
  const callId = turn.call.callId;
  const node = turn.node;
  const step = wait.step;
  switch (step.type) {
    case 'gather':
      renderGather(ncco, step, node, warnings);
      ncco.push(renderInput(step, node, warnings, callbackUrl(context.eventUrl, vonageWebhookPaths.input, token, callId)));
      break;
    case 'record':
      ncco.push(
        renderRecord(step, node, callbackUrl(context.eventUrl, vonageWebhookPaths.record, token, callId)),
        notifyAction('record', context.eventUrl, token, callId),
      );
      break;
    case 'transfer':
      if (step.record)
        ncco.push({
          action: nccoActions.record,
          format: mp3Format,
          eventUrl: [callbackUrl(context.eventUrl, vonageWebhookPaths.record, token, callId, { async: '1' })],
          eventMethod: 'POST',
        });
      ncco.push(
        renderConnect(
          step,
          turn,
          callbackUrl(context.eventUrl, vonageWebhookPaths.connect, token, callId),
          node,
          warnings,
          callbackUrl(context.eventUrl, vonageWebhookPaths.callee, token, callId),
        ),
        notifyAction('transfer', context.eventUrl, token, callId),
      );
      break;
    case 'conference':
      ncco.push(renderConversation(step, node), notifyAction('conference', context.eventUrl, token, callId));
      break;
    case 'enqueue':
      ncco.push(...(waits.enqueue ?? missingChunk('queue', node))(step, turn, context, warnings));
      break;
  }
  return { output: ncco, warnings };
}

/** A notify action that reports `after` to the handler's `/notify`. */
export function notifyAction(after: string, base: string, token: string, callId: string): NccoNotify {
  return {
    action: nccoActions.notify,
    payload: { after },
    eventUrl: [callbackUrl(base, vonageWebhookPaths.notify, token, callId)],
    eventMethod: 'POST',
  };
}

function renderMedia(step: MediaStep, bargeIn: boolean, node: string): NccoAction {
  switch (step.type) {
    case 'say': {
      checkTalkText(step.text, node);
      const talk: NccoTalk = { action: nccoActions.talk, text: step.text };
      if (bargeIn) talk.bargeIn = true;
      if (step.loop !== undefined && step.loop !== 1) talk.loop = step.loop;
      if (step.language) talk.language = step.language;
      if (step.voice?.startsWith('style:')) Object.assign(talk, vonageStyle(step.voice));
      return talk;
    }
    case 'play':
      return {
        action: nccoActions.stream,
        streamUrl: [step.url],
        ...(bargeIn ? { bargeIn: true } : {}),
        ...(step.loop !== undefined && step.loop !== 1 ? { loop: step.loop } : {}),
      };
    case 'pause':
      if (bargeIn) {
        // provider: a barge-in prompt must run straight into input, so a pause inside it is an SSML break, not a wait action.
        return { action: nccoActions.talk, text: `<speak><break time="${Math.round(step.seconds * 1000)}ms"/></speak>`, bargeIn: true };
      }
      checkRange(step.seconds, vonageLimits.waitSeconds, 'pause.seconds', node);
      return { action: nccoActions.wait, timeout: step.seconds };
  }
}

/** Vonage voices are chosen by `language` + numeric `style`; a voice of the form `style:N` picks the style. */
function vonageStyle(voice: string | undefined): { style?: string } {
  const match = voice === undefined ? null : /^style:(\d+)$/.exec(voice);
  return match ? { style: match[1]! } : {};
}

function renderGather(out: NccoAction[], step: GatherStep, node: string, warnings: string[]): void {
  let warned = false;
  for (const media of step.prompt) {
    if (media.type === 'pause' && !warned) {
      warned = true;
      warnings.push(`${node}: a pause inside a gather prompt is rendered as an SSML <break> so the caller can still barge in`);
    }
    out.push(renderMedia(media, true, node));
  }
}

function renderInput(step: GatherStep, node: string, warnings: string[], eventUrl: string): NccoInput {
  const input = step.input ?? 'dtmf';
  const type: Array<'dtmf' | 'speech'> = input === 'both' ? ['dtmf', 'speech'] : [input];
  // Built in the order the NCCO reference lists the fields; eventUrl is set last.
  const out = { action: nccoActions.input, type } as NccoInput;
  if (input !== 'speech') {
    const maxDigits = step.numDigits ?? step.maxDigits ?? longestRouteKey(step) ?? vonageLimits.maxDigits;
    if (!Number.isInteger(maxDigits) || maxDigits < 1 || maxDigits > vonageLimits.maxDigits) {
      throw new CallFlowError(
        'unsupported-step',
        `${node}: gather collects up to ${maxDigits} digits; Vonage input takes 1 to ${vonageLimits.maxDigits}`,
        { provider, node },
      );
    }
    // provider: Vonage's dtmf.timeOut is the silence after the last key (0–10 s); it also bounds the wait for the first key.
    const timeOut = step.interDigitTimeoutSeconds ?? step.timeoutSeconds ?? 5;
    checkRange(timeOut, vonageLimits.dtmfTimeoutSeconds, 'gather.timeoutSeconds', node);
    const finishOnKey = step.finishOnKey ?? '#';
    // provider: only '#' can end entry early (dtmf.submitOnHash); another finishOnKey is refused when the handler is created.
    if (finishOnKey !== '#' && finishOnKey !== '')
      throw new CallFlowError(
        'unsupported-step',
        `${node}: gather.finishOnKey '${finishOnKey}': Vonage ends digit entry early only on '#'`,
        {
          provider,
          node,
        },
      );
    out.dtmf = { maxDigits, timeOut, submitOnHash: finishOnKey === '#' };
    if ((step.minDigits ?? 1) > 1)
      warnings.push(`${node}: Vonage has no minimum digit count; shorter input is judged invalid by the engine`);
  }
  if (input !== 'speech' && input !== 'dtmf') warnings.push(`${node}: speech and DTMF share one input action; the first to finish wins`);
  if (input !== 'dtmf') {
    const speech: NonNullable<typeof out.speech> = {};
    if (step.speech?.language) speech.language = step.speech.language;
    if (step.speech?.hints?.length) speech.context = [...step.speech.hints];
    if (step.speech?.endSilenceSeconds !== undefined) {
      checkRange(step.speech.endSilenceSeconds, vonageLimits.speechEndOnSilenceSeconds, 'gather.speech.endSilenceSeconds', node);
      speech.endOnSilence = step.speech.endSilenceSeconds;
    }
    const startTimeout = step.timeoutSeconds ?? 5;
    checkRange(startTimeout, vonageLimits.speechStartTimeoutSeconds, 'gather.timeoutSeconds', node);
    speech.startTimeout = startTimeout;
    out.speech = speech;
  }
  out.eventUrl = [eventUrl];
  out.eventMethod = 'POST';
  return out;
}

function longestRouteKey(step: GatherStep): number | undefined {
  let longest: number | undefined;
  for (const key in step.routes) if ((longest === undefined || key.length > longest) && isKeypadString(key)) longest = key.length;
  return longest;
}

function isKeypadString(text: string): boolean {
  if (text === '') return false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (!((code >= 48 && code <= 57) || code === 35 || code === 42)) return false;
  }
  return true;
}

function renderRecord(step: RecordStep, node: string, eventUrl: string): NccoAction {
  const timeOut = step.maxSeconds ?? 120;
  const endOnSilence = step.silenceSeconds ?? 5;
  checkRange(timeOut, vonageLimits.recordTimeoutSeconds, 'record.maxSeconds', node);
  checkRange(endOnSilence, vonageLimits.recordSilenceSeconds, 'record.silenceSeconds', node);
  const finishOnKey = step.finishOnKey ?? '#';
  if (finishOnKey !== '' && !/^[0-9*#]$/.test(finishOnKey)) {
    throw new CallFlowError('unsupported-step', `${node}: record.finishOnKey '${finishOnKey}' must be one key of 0-9, * or # on Vonage`, {
      provider,
      node,
    });
  }
  return {
    action: nccoActions.record,
    format: mp3Format,
    endOnSilence,
    ...(finishOnKey !== '' ? { endOnKey: finishOnKey } : {}),
    timeOut,
    beepStart: step.beep ?? true,
    eventUrl: [eventUrl],
    eventMethod: 'POST',
  };
}

function renderConnect(step: TransferStep, turn: Turn, eventUrl: string, node: string, warnings: string[], calleeUrl: string): NccoConnect {
  const timeout = step.ringSeconds ?? 30;
  checkRange(timeout, vonageLimits.connectTimeoutSeconds, 'transfer.ringSeconds', node);
  if (step.maxSeconds !== undefined) checkRange(step.maxSeconds, vonageLimits.connectLimitSeconds, 'transfer.maxSeconds', node);
  // provider: `from` must be a Vonage number, so the default caller id is the number that was called, not the caller's.
  const from = step.callerId ?? turn.call.to;
  return {
    action: nccoActions.connect,
    endpoint: [withCallee(withDigits(toEndpoint(step.to, node, warnings), step, node), step, node, calleeUrl)],
    ...(from ? { from: phoneDigits(from) } : { randomFromNumber: true }),
    eventType: synchronousEventType,
    timeout,
    ...(step.maxSeconds !== undefined ? { limit: step.maxSeconds } : {}),
    eventUrl: [eventUrl],
    eventMethod: 'POST',
  };
}

/** A transfer target as a Vonage connect endpoint. */
export function toEndpoint(target: TransferTarget, node: string, warnings: string[]): NccoConnect['endpoint'][number] {
  if (typeof target === 'string') {
    if (target.startsWith('sip:') || target.startsWith('sips:')) return { type: 'sip', uri: target };
    const number = phoneDigits(target);
    if (!/^[0-9]{6,15}$/.test(number))
      throw new CallFlowError('unsupported-step', `${node}: '${target}' is not an E.164 number Vonage can connect to`, { provider, node });
    return { type: 'phone', number };
  }
  if (target.username !== undefined || target.password !== undefined)
    warnings.push(
      `${node}: Vonage SIP endpoints take no digest credentials; username/password are not sent (authenticate the trunk by IP or headers)`,
    );
  return { type: 'sip', uri: target.sip };
}

/** The endpoint with the transfer's DTMF: Vonage's `dtmfAnswer` is sent as the call is answered, `p` a 500 ms pause. */
function withDigits(endpoint: NccoConnect['endpoint'][number], step: TransferStep, node: string): NccoConnect['endpoint'][number] {
  if (step.sendDigits === undefined) return endpoint;
  if (endpoint.type !== 'phone') {
    // provider: only the phone endpoint documents dtmfAnswer (@vonage/voice types/Endpoint/PhoneEndpoint.d.ts; SIPEndpoint.d.ts has none).
    throw new CallFlowError(
      'unsupported-step',
      `${node}: transfer.sendDigits to a SIP address is not available on Vonage (only phone endpoints take dtmfAnswer)`,
      { provider, node },
    );
  }
  // provider: dtmfAnswer digits, 'p' = 500 ms pause (https://developer.vonage.com/en/voice/voice-api/ncco-reference#phone-endpoint).
  return { ...endpoint, dtmfAnswer: step.sendDigits.replace(/w/g, 'p') };
}

/** The endpoint with the NCCO the called party runs before it joins (whisper, screening), when the transfer has one. */
function withCallee(
  endpoint: NccoConnect['endpoint'][number],
  step: TransferStep,
  node: string,
  calleeUrl: string,
): NccoConnect['endpoint'][number] {
  if (!step.whisper?.length && !step.screen) return endpoint;
  if (endpoint.type !== 'phone') {
    // provider: onAnswer is documented for the phone endpoint only (https://developer.vonage.com/en/voice/voice-api/ncco-reference#phone-endpoint).
    throw new CallFlowError(
      'unsupported-step',
      `${node}: transfer whisper/screen to a SIP address is not available on Vonage (only phone endpoints take onAnswer)`,
      { provider, node },
    );
  }
  // provider: onAnswer.url serves an NCCO run on the called party before it is joined to the conversation; its ringbackTone
  // is "played back on repeat to the caller, so they do not hear just silence" until the call is fully connected
  // (https://developer.vonage.com/en/voice/voice-api/ncco-reference#phone-endpoint): callflow's ringback, as on Twilio.
  return { ...endpoint, onAnswer: { url: calleeUrl, ringbackTone: defaultRingbackUrl } };
}

/**
 * The NCCO the called party runs before it joins the caller: the whisper as talk/stream, then the screening prompt
 * with a one-key input whose eventUrl is `screenUrl`. Nothing plays to the caller.
 */
export function renderCalleeNcco(step: TransferStep, node: string, screenUrl: string): Ncco {
  const ncco: Ncco = (step.whisper ?? []).map((media) => renderMedia(media, false, node));
  if (step.screen) {
    for (const media of step.screen.prompt) ncco.push(renderMedia(media, true, node));
    const timeOut = step.screen.timeoutSeconds ?? 5;
    checkRange(timeOut, vonageLimits.dtmfTimeoutSeconds, 'transfer.screen.timeoutSeconds', node);
    ncco.push({
      action: nccoActions.input,
      type: ['dtmf'],
      dtmf: { maxDigits: 1, timeOut, submitOnHash: false },
      eventUrl: [screenUrl],
      eventMethod: 'POST',
    });
  }
  return ncco;
}

function phoneDigits(number: string): string {
  return number.replace(/^\+/, '').replace(/[\s()-]/g, '');
}

function renderConversation(step: ConferenceStep, node: string): NccoAction {
  // provider: the conversation action has no beep and no size option (https://developer.vonage.com/en/voice/voice-api/ncco-reference#conversation);
  // both are refused when the handler is created (vonageCapabilities), and here for dynamic nodes.
  if (step.beep === true)
    throw new CallFlowError(
      'unsupported-step',
      `${node} conference: beep: true is not supported on vonage: ${vonageConversationLimits.beep}`,
      { provider, node },
    );
  if (step.maxParticipants !== undefined)
    throw new CallFlowError(
      'unsupported-step',
      `${node} conference: maxParticipants is not supported on vonage: ${vonageConversationLimits.maxParticipants}`,
      { provider, node },
    );
  return {
    action: nccoActions.conversation,
    name: step.room,
    ...(step.holdMusic ? { musicOnHoldUrl: [step.holdMusic] } : {}),
    startOnEnter: step.startOnEnter ?? true,
    endOnExit: step.endOnExit ?? false,
    ...(step.muted ? { mute: true } : {}),
  };
}

/** Why Vonage refuses some conference options (the capability matrix and the errors quote these). */
export const vonageConversationLimits = {
  beep: 'the NCCO conversation action has no entry/exit tone, and a tone streamed to the joining caller alone would not reach the others in the room',
  maxParticipants:
    'the NCCO conversation action has no size setting (the platform caps rooms itself), so a full room would not turn the caller away',
} as const;

/** A waiting step whose chunk the handler has not loaded (it loads it in `prepare`, before rendering): a bug, said plainly. */
function missingChunk(feature: string, node: string): never {
  throw new CallFlowError('unsupported-step', `${node}: the ${feature} chunk is not loaded; load it before rendering this step`, {
    provider,
    node,
  });
}

/** Refuses a talk text over Vonage's limit (markup not counted). */
export function checkTalkText(text: string, node: string): void {
  if (text.length <= vonageLimits.talkTextChars) return;
  const spoken = text.replace(/<[^>]*>/g, '');
  if (spoken.length > vonageLimits.talkTextChars) {
    throw new CallFlowError(
      'unsupported-step',
      `${node}: say text is ${spoken.length} characters; Vonage talk takes at most ${vonageLimits.talkTextChars} (split it into several say steps)`,
      { provider, node },
    );
  }
}

function checkRange(value: number, range: readonly [number, number], field: string, node: string): void {
  const min = range[0];
  const max = range[1];
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new CallFlowError('unsupported-step', `${node}: ${field} is ${value}; Vonage accepts ${min} to ${max}`, { provider, node });
  }
}

/**
 * The JSON text of an NCCO: the same bytes as `JSON.stringify(ncco)`, faster on plain data, because V8's serializer
 * escapes every string a character at a time while this checks each string with one regex and copies it when clean.
 * Anything that is not plain data (class instances, `toJSON`, cycles, bigint) is handed to `JSON.stringify` whole.
 * @example const body = stringifyNcco(renderNcco(turn, { eventUrl }).output);
 */
export function stringifyNcco(ncco: Ncco): string {
  if (!plainPrototypes()) return JSON.stringify(ncco);
  try {
    return writeJson(ncco, 0)!;
  } catch (error) {
    if (error === notPlainData) return JSON.stringify(ncco);
    throw error;
  }
}

const notPlainData = Symbol('not plain data');

/** Deeper than any NCCO; past it the value may be cyclic, so `JSON.stringify` decides (and names the cycle). */
const plainDepthLimit = 32;

/** Strings `JSON.stringify` copies unchanged: no quote, backslash, control character or surrogate (a lone one is escaped). */
const jsonSafeString = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

// The NCCO reference's field names, pre-quoted; any other key is quoted on the fly.
const nccoFieldNames = [
  'action',
  'text',
  'bargeIn',
  'loop',
  'language',
  'style',
  'premium',
  'streamUrl',
  'level',
  'timeout',
  'type',
  'dtmf',
  'speech',
  'timeOut',
  'maxDigits',
  'submitOnHash',
  'context',
  'endOnSilence',
  'startTimeout',
  'maxDuration',
  'eventUrl',
  'eventMethod',
  'format',
  'endOnKey',
  'beepStart',
  'endpoint',
  'number',
  'dtmfAnswer',
  'onAnswer',
  'url',
  'uri',
  'headers',
  'from',
  'randomFromNumber',
  'eventType',
  'limit',
  'name',
  'musicOnHoldUrl',
  'startOnEnter',
  'endOnExit',
  'record',
  'mute',
  'payload',
  'after',
  'segment',
];
const firstFieldPrefix = new Map(nccoFieldNames.map((name) => [name, `{"${name}":`]));
const nextFieldPrefix = new Map(nccoFieldNames.map((name) => [name, `,"${name}":`]));

/** False when something was added to the shared prototypes that `for...in` would see (an enumerable property) or `JSON.stringify` would call (`toJSON`). */
function plainPrototypes(): boolean {
  for (const _inherited in {}) return false;
  return !('toJSON' in Object.prototype) && !('toJSON' in Array.prototype);
}

function quoteJson(text: string): string {
  return jsonSafeString.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** One value as JSON text, or undefined where `JSON.stringify` leaves the value out (undefined, functions, symbols). */
function writeJson(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return quoteJson(value);
    case 'number':
      return Number.isFinite(value) ? `${value}` : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth > plainDepthLimit) throw notPlainData;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype || Object.hasOwn(value, 'toJSON')) throw notPlainData;
        if (value.length === 1) return `[${writeJson(value[0], depth + 1) ?? 'null'}]`;
        let json = '[';
        for (let index = 0; index < value.length; index++)
          json += (index === 0 ? '' : ',') + (writeJson(value[index], depth + 1) ?? 'null');
        return `${json}]`;
      }
      // Boxed primitives, dates and class instances are not plain; a plain object's own `toJSON` method shows up as a key.
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) throw notPlainData;
      const object = value as Record<string, unknown>;
      let json = '';
      for (const key in object) {
        const field = writeJson(object[key], depth + 1);
        if (field === undefined) {
          if (key === 'toJSON') throw notPlainData;
          continue;
        }
        json +=
          ((json === '' ? firstFieldPrefix : nextFieldPrefix).get(key) ?? `${json === '' ? '{' : ','}${JSON.stringify(key)}:`) + field;
      }
      return json === '' ? '{}' : `${json}}`;
    }
    case 'bigint':
      throw notPlainData;
    default:
      return undefined;
  }
}
