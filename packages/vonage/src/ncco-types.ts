// provider: the NCCO reference, https://developer.vonage.com/en/voice/voice-api/ncco-reference. The action names are
// plain strings, as on the wire; these types need no @vonage/voice (an optional peer), and
// packages/vonage/test/ncco.test-d.ts checks each against the SDK's action type with its enums read as their strings.

/** What a recording is saved as. provider: https://developer.vonage.com/en/voice/voice-api/ncco-reference#record */
export type NccoRecordingFormat = 'mp3' | 'wav' | 'ogg';

/** How a connect action reports a failed attempt. provider: https://developer.vonage.com/en/voice/voice-api/ncco-reference#connect */
export type NccoConnectEventType = 'synchronous';

/** Plays text-to-speech: https://developer.vonage.com/en/voice/voice-api/ncco-reference#talk */
export type NccoTalk = {
  action: 'talk';
  text: string;
  bargeIn?: boolean;
  loop?: number;
  language?: string;
  style?: string;
  premium?: boolean;
};

/** Plays an audio file: https://developer.vonage.com/en/voice/voice-api/ncco-reference#stream */
export type NccoStream = {
  action: 'stream';
  streamUrl: string[];
  bargeIn?: boolean;
  loop?: number;
  level?: number;
};

/** Silence for a number of seconds (0.1–7200). */
export type NccoWait = {
  action: 'wait';
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
  action: 'input';
  type: Array<'dtmf' | 'speech'>;
  dtmf?: NccoDtmfSettings;
  speech?: NccoSpeechSettings;
  eventUrl: string[];
  eventMethod?: 'POST' | 'GET';
};

/** Records the caller; with a stop condition it blocks until it stops. */
export type NccoRecord = {
  action: 'record';
  format?: NccoRecordingFormat;
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
  /** An NCCO the called party runs before it is joined (whisper, screening). */
  onAnswer?: { url: string; ringbackTone?: string };
};

/** A SIP endpoint of a connect action. */
export type NccoSipEndpoint = {
  type: 'sip';
  uri: string;
  headers?: Record<string, string>;
};

/** Connects the call to one endpoint; with `eventType: synchronous` a failed attempt asks `eventUrl` for a replacement NCCO. */
export type NccoConnect = {
  action: 'connect';
  endpoint: Array<NccoPhoneEndpoint | NccoSipEndpoint>;
  from?: string;
  randomFromNumber?: boolean;
  eventType?: NccoConnectEventType;
  timeout?: number;
  limit?: number;
  eventUrl?: string[];
  eventMethod?: 'POST' | 'GET';
};

/** Joins a named conversation (conference room, or a waiting room with `startOnEnter: false`). */
export type NccoConversation = {
  action: 'conversation';
  name: string;
  musicOnHoldUrl?: string[];
  startOnEnter?: boolean;
  endOnExit?: boolean;
  record?: boolean;
  mute?: boolean;
};

/** Posts `payload` to `eventUrl`; an NCCO in the reply replaces the rest of the current one. */
export type NccoNotify = {
  action: 'notify';
  payload: Record<string, string>;
  eventUrl: string[];
  eventMethod?: 'POST' | 'GET';
};

/** Any NCCO action callflow renders. */
export type NccoAction = NccoTalk | NccoStream | NccoWait | NccoInput | NccoRecord | NccoConnect | NccoConversation | NccoNotify;

/** A whole NCCO: the JSON array Vonage runs in order; the call ends when it runs out. */
export type Ncco = NccoAction[];

/** The action names, for building actions. */
export const nccoActions = {
  talk: 'talk',
  stream: 'stream',
  wait: 'wait',
  input: 'input',
  record: 'record',
  connect: 'connect',
  conversation: 'conversation',
  notify: 'notify',
} as const;

/** The synchronous connect event type. */
export const synchronousEventType = 'synchronous' satisfies NccoConnectEventType;

/** The mp3 recording format. */
export const mp3Format = 'mp3' satisfies NccoRecordingFormat;
