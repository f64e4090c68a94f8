import {
  CallFlowError,
  type ConferenceStep,
  type EnqueueStep,
  type GatherStep,
  type MediaStep,
  type RecordStep,
  type Rendered,
  type TransferStep,
  type Turn,
} from '@callflow/core';
import { nccoActions, type Ncco, type NccoAction, type NccoInput, type NccoNotify, type NccoTalk } from './ncco-types.js';

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

/** The renderers of waiting steps that sit in chunks of their own (queue, transfer, record, conference), as the handler has loaded them. */
export interface WaitRenderers {
  enqueue?: WaitRenderer<EnqueueStep>;
  transfer?: WaitRenderer<TransferStep>;
  record?: WaitRenderer<RecordStep>;
  conference?: WaitRenderer<ConferenceStep>;
}

/** A waiting step's actions (what follows the turn's media), for a renderer in a chunk of its own. */
export type WaitRenderer<Step> = (step: Step, turn: Turn, context: RenderNccoContext, warnings: string[]) => NccoAction[];

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
      ncco.push(...(waits.record ?? missingChunk('record', node))(step, turn, context, warnings));
      break;
    case 'transfer':
      ncco.push(...(waits.transfer ?? missingChunk('transfer', node))(step, turn, context, warnings));
      break;
    case 'conference':
      ncco.push(...(waits.conference ?? missingChunk('conference', node))(step, turn, context, warnings));
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

/** A media step as its NCCO action (`bargeIn` for a prompt the caller may interrupt). */
export function renderMedia(step: MediaStep, bargeIn: boolean, node: string): NccoAction {
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

/** Refuses a value outside one of Vonage's documented ranges. */
export function checkRange(value: number, range: readonly [number, number], field: string, node: string): void {
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
