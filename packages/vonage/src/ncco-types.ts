import type { ConnectEventType, NCCOActions, RecordingFormat } from '@vonage/voice';

// provider: @vonage/voice types `action` as a string enum, which a plain 'talk' literal cannot satisfy;
// these types reuse the enum member types (type-only import, nothing loaded at run time) so an NCCO
// built here is assignable to the SDK's `Action[]` while the JSON on the wire is the same plain strings.

/** Plays text-to-speech: https://developer.vonage.com/en/voice/voice-api/ncco-reference#talk */
export type NccoTalk = {
  action: NCCOActions.TALK;
  text: string;
  bargeIn?: boolean;
  loop?: number;
  language?: string;
  style?: string;
  premium?: boolean;
};

/** Plays an audio file: https://developer.vonage.com/en/voice/voice-api/ncco-reference#stream */
export type NccoStream = {
  action: NCCOActions.STREAM;
  streamUrl: string[];
  bargeIn?: boolean;
  loop?: number;
  level?: number;
};

/** Silence for a number of seconds (0.1–7200). */
export type NccoWait = {
  action: NCCOActions.WAIT;
  timeout: number;
};

/** DTMF settings of an input action. */
export type NccoDtmfSettings = {
  timeOut?: number;
  maxDigits?: number;
  submitOnHash?: boolean;
};

/** Speech settings of an input action (the SDK types `endOnSilence` as boolean; the docs and the API take seconds). */
export type NccoSpeechSettings = {
  language?: string;
  context?: string[];
  endOnSilence?: number;
  startTimeout?: number;
  maxDuration?: number;
};

/** Collects DTMF and/or speech, then posts the result to `eventUrl`. */
export type NccoInput = {
  action: NCCOActions.INPUT;
  type: Array<'dtmf' | 'speech'>;
  dtmf?: NccoDtmfSettings;
  speech?: NccoSpeechSettings;
  eventUrl: string[];
  eventMethod?: 'POST' | 'GET';
};

/** Records the caller; with a stop condition it blocks until it stops. */
export type NccoRecord = {
  action: NCCOActions.RECORD;
  format?: RecordingFormat;
  endOnSilence?: number;
  endOnKey?: string;
  timeOut?: number;
  beepStart?: boolean;
  eventUrl?: string[];
  eventMethod?: 'POST' | 'GET';
};

/** A phone endpoint of a connect action (E.164 digits, no `+`). */
export type NccoPhoneEndpoint = {
  type: 'phone';
  number: string;
  dtmfAnswer?: string;
};

/** A SIP endpoint of a connect action. */
export type NccoSipEndpoint = {
  type: 'sip';
  uri: string;
  headers?: Record<string, string>;
};

/** Connects the call to one endpoint; with `eventType: synchronous` a failed attempt asks `eventUrl` for a replacement NCCO. */
export type NccoConnect = {
  action: NCCOActions.CONNECT;
  endpoint: Array<NccoPhoneEndpoint | NccoSipEndpoint>;
  from?: string;
  randomFromNumber?: boolean;
  eventType?: ConnectEventType;
  timeout?: number;
  limit?: number;
  eventUrl?: string[];
  eventMethod?: 'POST' | 'GET';
};

/** Joins a named conversation (conference room, or a waiting room with `startOnEnter: false`). */
export type NccoConversation = {
  action: NCCOActions.CONVERSATION;
  name: string;
  musicOnHoldUrl?: string[];
  startOnEnter?: boolean;
  endOnExit?: boolean;
  record?: boolean;
  mute?: boolean;
};

/** Posts `payload` to `eventUrl`; an NCCO in the reply replaces the rest of the current one. */
export type NccoNotify = {
  action: NCCOActions.NOTIFY;
  payload: Record<string, string>;
  eventUrl: string[];
  eventMethod?: 'POST' | 'GET';
};

/** Any NCCO action callflow renders. */
export type NccoAction = NccoTalk | NccoStream | NccoWait | NccoInput | NccoRecord | NccoConnect | NccoConversation | NccoNotify;

/** A whole NCCO: the JSON array Vonage runs in order; the call ends when it runs out. */
export type Ncco = NccoAction[];

/** The action names as their enum member types, for building actions without loading the SDK. */
export const nccoActions = {
  talk: 'talk' as NCCOActions.TALK,
  stream: 'stream' as NCCOActions.STREAM,
  wait: 'wait' as NCCOActions.WAIT,
  input: 'input' as NCCOActions.INPUT,
  record: 'record' as NCCOActions.RECORD,
  connect: 'connect' as NCCOActions.CONNECT,
  conversation: 'conversation' as NCCOActions.CONVERSATION,
  notify: 'notify' as NCCOActions.NOTIFY,
};

/** The synchronous connect event type, as the SDK's enum member type. */
export const synchronousEventType = 'synchronous' as ConnectEventType.SYNCHRONOUS;

/** The mp3 recording format, as the SDK's enum member type. */
export const mp3Format = 'mp3' as RecordingFormat.MP3;
