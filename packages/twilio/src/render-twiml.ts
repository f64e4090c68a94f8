import { CallFlowError, defaultHoldMusicUrl, formatQueueAnnouncement, queueAnnouncementDue, queueAnnouncementOf } from '@callflow/core';
import type { ConferenceStep, EnqueueStep, GatherStep, MediaStep, ProviderAdapter, RecordStep, TransferStep, Turn } from '@callflow/core';
import { twilioCapabilities } from './twilio-capabilities.js';
import { element, textElement, type AttributeValue } from './xml.js';

/** Where the rendered TwiML sends Twilio back. */
export interface TwimlContext {
  /** Absolute public URL of the handler (the number's voice URL); callbacks add `t=<token>` to its query. */
  actionUrl: string;
}

/** Which callback a URL is for, carried in the `e` query parameter (absent for action callbacks); `callee` and `screen` are the called party's leg of a transfer. */
export type TwilioCallbackEvent = 'wait' | 'status' | 'callee' | 'screen';

const declaration = '<?xml version="1.0" encoding="UTF-8"?>';

/** Twilio's own default hold music, used when an emulated wait loop has none of its own (callflow's default on every provider). */
export const twilioDefaultHoldMusic = defaultHoldMusicUrl;

/**
 * Adds the continuation token (and optionally the callback event) to the handler URL.
 * @example callbackUrl('https://ivr.example.com/voice', token) // https://ivr.example.com/voice?t=…
 */
export function callbackUrl(actionUrl: string, token: string, event?: TwilioCallbackEvent): string {
  const hash = actionUrl.indexOf('#');
  // provider: Twilio connection overrides ride in the fragment (#rc=2); keep them after the query.
  const base = hash === -1 ? actionUrl : actionUrl.slice(0, hash);
  const fragment = hash === -1 ? '' : actionUrl.slice(hash);
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${separator}t=${encodeURIComponent(token)}${event ? `&e=${event}` : ''}${fragment}`;
}

/**
 * Translates a turn into a TwiML document: the media, then the waiting verb pointing back at the handler, or `<Hangup/>`.
 * Pure and deterministic; text and attributes are escaped.
 * @example renderTwiml(turn, { actionUrl: 'https://ivr.example.com/voice' })
 */
export function renderTwiml(turn: Turn, context: TwimlContext): string {
  // provider: <Reject> as the first verb declines the call unanswered, reason rejected|busy (https://www.twilio.com/docs/voice/twiml/reject; twilio SDK VoiceResponse.RejectReason).
  if (turn.rejected) return `${declaration}${element('Response', {}, element('Reject', { reason: turn.rejected }))}`;
  let body = '';
  for (const planned of turn.steps) body += renderMedia(planned.step);
  if (turn.wait && turn.token !== undefined) {
    const url = callbackUrl(context.actionUrl, turn.token);
    const step = turn.wait.step;
    switch (step.type) {
      case 'gather':
        body += renderGather(step, url);
        break;
      case 'record':
        body += renderRecord(step, url);
        break;
      case 'transfer':
        body += renderTransfer(step, url, turn.node, callbackUrl(context.actionUrl, turn.token, 'callee'));
        break;
      case 'enqueue':
        body += renderEnqueue(step, url, callbackUrl(context.actionUrl, turn.token, 'wait'));
        break;
      case 'conference':
        body += renderConference(step, url);
        break;
      default:
        throw new CallFlowError('unsupported-step', `cannot render step '${(step as { type: string }).type}'`, {
          provider: 'twilio',
          node: turn.node,
        });
    }
  } else if (turn.ended) {
    body += '<Hangup/>';
  }
  return `${declaration}${element('Response', {}, body)}`;
}

/** Warnings for steps in the turn that Twilio only approximates. */
export function twimlWarnings(turn: Turn): string[] {
  const warnings: string[] = [];
  for (const planned of turn.steps) {
    if (planned.step.type === 'pause' && !Number.isInteger(planned.step.seconds))
      warnings.push(`pause of ${planned.step.seconds} s rounded to whole seconds`);
  }
  return warnings;
}

/** The Twilio adapter as the shared contract: render plus capabilities. */
export const twilioAdapter: ProviderAdapter<string, TwimlContext> = {
  provider: 'twilio',
  capabilities: twilioCapabilities,
  render(turn, context) {
    return { output: renderTwiml(turn, context), warnings: twimlWarnings(turn) };
  },
};

/** What Twilio reports to a wait URL (provider: https://www.twilio.com/docs/voice/twiml/enqueue, "waitUrl" request parameters), and what callflow carried. */
export interface EnqueueWaitRequest {
  /** `QueuePosition`: 1 is next. */
  position?: number;
  /** `QueueTime`: seconds this caller has waited. */
  queueTimeSeconds?: number;
  /** `AvgQueueTime`: seconds callers in this queue wait on average. */
  averageWaitSeconds?: number;
  /** The `QueueTime` of the last announcement (the `a` query parameter callflow's own `<Redirect>` carries). */
  lastAnnouncedSeconds?: number;
  /** `Digits`, when the wait document's `<Gather>` heard a key. */
  digits?: string;
}

/** Adds `name=value` to a URL's query, before any fragment. */
function withQuery(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  return `${base}${base.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}${hash === -1 ? '' : url.slice(hash)}`;
}

/**
 * The hold document served at an `<Enqueue waitUrl>`, which Twilio runs again each time it ends: `<Leave/>` once the
 * wait is over or the escape key was pressed, else the flow's announcement when due, then one play of the hold music
 * inside a `<Gather>` for the escape key (a wait URL may hold Say, Play, Pause, Hangup, Redirect, Leave and Gather:
 * provider: https://www.twilio.com/docs/voice/twiml/enqueue#attributes-waiturl), then a `<Redirect>` back to itself
 * that carries when the caller last heard their place.
 */
export function renderEnqueueWait(step: EnqueueStep, wait: EnqueueWaitRequest, waitUrl: string): string {
  const waited = wait.queueTimeSeconds ?? 0;
  if (wait.digits !== undefined) {
    // A key other than the escape key: back to waiting, with the same announcement rhythm.
    if (step.escape && wait.digits === step.escape.digit) return `${declaration}<Response><Leave/></Response>`;
    return `${declaration}${element('Response', {}, textElement('Redirect', { method: 'POST' }, wait.lastAnnouncedSeconds === undefined ? waitUrl : withQuery(waitUrl, 'a', String(wait.lastAnnouncedSeconds))))}`;
  }
  if (step.maxWaitSeconds !== undefined && waited >= step.maxWaitSeconds) return `${declaration}<Response><Leave/></Response>`;
  const announcement = queueAnnouncementOf(step);
  let lastAnnounced = wait.lastAnnouncedSeconds;
  let body = '';
  if (
    announcement &&
    wait.position !== undefined &&
    wait.position > 0 &&
    queueAnnouncementDue(waited, lastAnnounced, announcement.everySeconds)
  ) {
    body += textElement(
      'Say',
      {},
      formatQueueAnnouncement(announcement.template, { position: wait.position, averageWaitSeconds: wait.averageWaitSeconds }),
    );
    lastAnnounced = waited;
  }
  const music = textElement('Play', {}, step.holdMusic ?? twilioDefaultHoldMusic);
  const again = lastAnnounced === undefined ? waitUrl : withQuery(waitUrl, 'a', String(lastAnnounced));
  if (step.escape) {
    // provider: the nested Play keeps playing while Gather listens; on a key Twilio requests the action with Digits (twilio.com/docs/voice/twiml/gather).
    // provider: timeout must be a positive integer (https://www.twilio.com/docs/api/errors/13313): 1 s is the shortest silence
    // after the music (https://www.twilio.com/docs/voice/twiml/gather#timeout); Telnyx and Vonage add the same second.
    body += element('Gather', { input: 'dtmf', numDigits: 1, timeout: 1, action: again, method: 'POST' }, music);
  } else body += music;
  if (announcement || step.escape) body += textElement('Redirect', { method: 'POST' }, again);
  return `${declaration}${element('Response', {}, body)}`;
}

/**
 * The document run on the called party's leg of a transfer before it is connected: the whisper, then the screening
 * prompt in a one-key `<Gather>` whose action is `screenUrl`; `<Hangup/>` after it declines when no key comes.
 * With neither, an empty document: the called party is connected at once.
 */
export function renderCalleeTwiml(step: TransferStep, screenUrl: string): string {
  let body = '';
  for (const media of step.whisper ?? []) body += renderMedia(media);
  if (step.screen) {
    let prompt = '';
    for (const media of step.screen.prompt) prompt += renderMedia(media);
    const attributes = {
      input: 'dtmf',
      numDigits: 1,
      timeout: step.screen.timeoutSeconds ?? 5,
      action: screenUrl,
      method: 'POST',
      actionOnEmptyResult: true,
    };
    // provider: a <Hangup/> in the called party's document ends its leg unconnected (https://www.twilio.com/docs/voice/twiml/number#url: "decline the phone call using <Gather> and <Hangup>").
    body += element('Gather', attributes, prompt) + '<Hangup/>';
  }
  return `${declaration}${element('Response', {}, body)}`;
}

/** The answer to the called party's screening key: an empty document connects it; any other key, or none, hangs its leg up. */
export function renderScreenAnswerTwiml(step: TransferStep, digits: string | undefined): string {
  const accepted = step.screen !== undefined && digits === (step.screen.acceptKey ?? '1');
  return accepted ? emptyTwiml() : `${declaration}<Response><Hangup/></Response>`;
}

/** An empty document: Twilio hangs up (for actions) or ignores it (for status callbacks). */
export function emptyTwiml(): string {
  return `${declaration}<Response/>`;
}

const noExtras: Record<string, AttributeValue> = Object.freeze({}) as Record<string, AttributeValue>;

function extra(step: { providerOptions?: { twilio?: Record<string, unknown> } }): Record<string, AttributeValue> {
  const options = step.providerOptions?.twilio;
  // Most steps have none: one shared empty object, which a spread copies nothing from.
  if (!options) return noExtras;
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(options)) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.join(' ');
  }
  return out;
}

function loopOf(loop: number | undefined): number | undefined {
  return loop === undefined || loop === 1 ? undefined : loop;
}

function renderMedia(step: MediaStep): string {
  switch (step.type) {
    case 'say':
      return textElement('Say', { voice: step.voice, language: step.language, loop: loopOf(step.loop), ...extra(step) }, step.text);
    case 'play':
      return textElement('Play', { loop: loopOf(step.loop), ...extra(step) }, step.url);
    case 'pause':
      return element('Pause', { length: Math.max(1, Math.round(step.seconds)), ...extra(step) });
  }
}

const routeKey = /^[0-9*]+$/;

function gatherDigits(step: GatherStep): number | undefined {
  if (step.numDigits !== undefined) return step.numDigits;
  if (step.maxDigits !== undefined) return step.maxDigits;
  // provider: Twilio waits for finishOnKey or the timeout unless numDigits is set; end input at the longest route key,
  // when every route is a key sequence.
  let longest: number | undefined;
  for (const key of Object.keys(step.routes ?? {})) {
    if (!routeKey.test(key)) return undefined;
    longest = Math.max(longest ?? 0, key.length);
  }
  return longest;
}

function renderGather(step: GatherStep, url: string): string {
  const input = step.input ?? 'dtmf';
  const speech = input !== 'dtmf';
  let prompt = '';
  for (const media of step.prompt) prompt += renderMedia(media);
  const attributes: Record<string, AttributeValue> = {
    input: input === 'both' ? 'dtmf speech' : input,
    action: url,
    method: 'POST',
    // provider: without actionOnEmptyResult Twilio falls through on silence (twilio.com/docs/voice/twiml/gather#actiononemptyresult).
    actionOnEmptyResult: true,
    timeout: step.timeoutSeconds,
    numDigits: input === 'speech' ? undefined : gatherDigits(step),
    finishOnKey: step.finishOnKey,
    language: speech ? step.speech?.language : undefined,
    hints: speech && step.speech?.hints?.length ? step.speech.hints.join(', ') : undefined,
    speechTimeout: speech ? (step.speech?.endSilenceSeconds ?? 'auto') : undefined,
    ...extra(step),
  };
  // The Redirect is only reached if Twilio skipped the action anyway; it reports no input the same way.
  return element('Gather', attributes, prompt) + textElement('Redirect', { method: 'POST' }, url);
}

function renderRecord(step: RecordStep, url: string): string {
  const attributes: Record<string, AttributeValue> = {
    action: url,
    method: 'POST',
    maxLength: step.maxSeconds ?? 120,
    timeout: step.silenceSeconds ?? 5,
    finishOnKey: step.finishOnKey ?? '#',
    playBeep: step.beep ?? true,
    ...extra(step),
  };
  // provider: Twilio skips the action when nothing audible was recorded; the Redirect reports an empty recording.
  return element('Record', attributes) + textElement('Redirect', { method: 'POST' }, url);
}

function renderTransfer(step: TransferStep, url: string, node: string, calleeUrl: string): string {
  const attributes: Record<string, AttributeValue> = {
    action: url,
    method: 'POST',
    timeout: step.ringSeconds ?? 30,
    callerId: step.callerId,
    timeLimit: step.maxSeconds,
    record: step.record ? 'record-from-answer' : undefined,
    ...extra(step),
  };
  const target = step.to;
  if (step.sendDigits !== undefined && typeof target !== 'string') {
    // provider: <Sip> has no sendDigits attribute (twilio SDK VoiceResponse.SipAttributes); only <Number> does.
    throw new CallFlowError(
      'unsupported-step',
      `${node}: transfer.sendDigits to a SIP address is not available on Twilio (<Sip> has no sendDigits)`,
      { provider: 'twilio', node },
    );
  }
  // provider: the noun's url is TwiML run on the called party's end after it answers, before the parties are connected
  // (https://www.twilio.com/docs/voice/twiml/number#url; <Sip url method> in twilio SDK VoiceResponse.SipAttributes).
  const callee = step.whisper?.length || step.screen ? { url: calleeUrl, method: 'POST' } : {};
  const noun =
    typeof target === 'string'
      ? // provider: <Number sendDigits> plays the DTMF once the called party answers; 'w' is a half-second pause (https://www.twilio.com/docs/voice/twiml/number#senddigits).
        textElement('Number', { sendDigits: step.sendDigits, ...callee }, target)
      : textElement(
          'Sip',
          { username: target.username, password: target.password, ...callee },
          target.sip.startsWith('sip:') || target.sip.startsWith('sips:') ? target.sip : `sip:${target.sip}`,
        );
  // provider: Twilio plays the ringback tone to the caller "while executing the Dial", whisper and screen included (twilio SDK
  // lib/twiml/VoiceResponse.d.ts DialAttributes.ringTone): the ringing callflow gives the caller on Vonage and Telnyx too.
  return element('Dial', attributes, noun);
}

function renderEnqueue(step: EnqueueStep, url: string, waitUrl: string): string {
  // Always our own wait URL: the same hold music as the other providers, the flow's announcements, the escape key, the time limit.
  const attributes: Record<string, AttributeValue> = {
    action: url,
    method: 'POST',
    waitUrl,
    waitUrlMethod: 'POST',
    ...extra(step),
  };
  return textElement('Enqueue', attributes, step.queue);
}

function renderConference(step: ConferenceStep, url: string): string {
  const attributes: Record<string, AttributeValue> = {
    startConferenceOnEnter: step.startOnEnter ?? true,
    endConferenceOnExit: step.endOnExit ?? false,
    muted: step.muted ?? false,
    beep: step.beep ?? false,
    waitUrl: step.holdMusic,
    // provider: Twilio POSTs to a Conference waitUrl by default; a static MP3/WAV needs GET (https://www.twilio.com/docs/api/errors/13234).
    waitMethod: step.holdMusic === undefined ? undefined : 'GET',
    maxParticipants: step.maxParticipants,
    ...extra(step),
  };
  return element('Dial', { action: url, method: 'POST' }, textElement('Conference', attributes, step.room));
}
