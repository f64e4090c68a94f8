import { CallFlowError, type CallInfo, type DialStatus, type Outcome } from '@callflow/core';

const provider = 'vonage';

/** The answer webhook's fields (query string for GET, JSON body for POST). */
export interface VonageAnswerWebhook {
  uuid: string;
  conversation_uuid?: string;
  from?: string;
  from_user?: string;
  to?: string;
  region_url?: string;
  endpoint_type?: string;
  custom_data?: unknown;
}

/** The input action's result. */
export interface VonageInputWebhook {
  uuid?: string;
  conversation_uuid?: string;
  from?: string;
  to?: string;
  timestamp?: string;
  dtmf?: { digits?: string; timed_out?: boolean } | string;
  speech?: {
    results?: Array<{ text: string; confidence?: string | number }>;
    timeout_reason?: 'end_on_silence_timeout' | 'max_duration' | 'start_timeout' | string;
    error?: string;
    recording_url?: string;
  };
}

/** A call-progress event (application event_url, or a connect action's eventUrl). */
export interface VonageCallEvent {
  status?: string;
  detail?: string;
  uuid?: string;
  call_uuid?: string;
  conversation_uuid?: string;
  direction?: 'inbound' | 'outbound';
  from?: string;
  to?: string;
  timestamp?: string;
  duration?: string;
  reason?: string;
}

/** The record action's event. */
export interface VonageRecordEvent {
  recording_url?: string;
  recording_uuid?: string;
  start_time?: string;
  end_time?: string;
  size?: number;
  conversation_uuid?: string;
  uuid?: string;
  timestamp?: string;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CallFlowError('invalid-webhook', `${what} is not a JSON object`, { provider });
  }
  return value as Record<string, unknown>;
}

function optionalString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads the answer webhook (GET query or POST JSON) into the call's identity; `callId` is the leg `uuid`. */
export function parseVonageAnswer(fields: Record<string, unknown>): CallInfo & { conversationId?: string } {
  const uuid = optionalString(fields, 'uuid');
  if (!uuid) throw new CallFlowError('invalid-webhook', 'answer webhook without uuid', { provider });
  return {
    callId: uuid,
    from: optionalString(fields, 'from') ?? optionalString(fields, 'from_user'),
    to: optionalString(fields, 'to'),
    provider,
    conversationId: optionalString(fields, 'conversation_uuid'),
  };
}

/** Reads an input result: digits, speech, or no input (`dtmf.timed_out`, a speech `timeout_reason`, or nothing). */
export function parseVonageInput(body: unknown): Outcome {
  const record = asObject(body, 'input webhook') as VonageInputWebhook;
  // provider: the input webhook's dtmf used to be a plain string and is now { digits, timed_out }.
  const digits = typeof record.dtmf === 'string' ? record.dtmf : record.dtmf?.digits;
  if (typeof digits === 'string' && digits !== '') return { type: 'digits', digits };
  const best = record.speech?.results?.[0];
  if (best && typeof best.text === 'string' && best.text.trim() !== '') {
    const confidence = best.confidence === undefined ? undefined : Number(best.confidence);
    return confidence === undefined || Number.isNaN(confidence)
      ? { type: 'speech', text: best.text }
      : { type: 'speech', text: best.text, confidence };
  }
  return { type: 'no-input' };
}

/**
 * Every documented call event status (provider: https://developer.vonage.com/en/voice/voice-api/webhook-reference,
 * "Event webhook": started, ringing, answered, busy, cancelled, unanswered, disconnected, rejected, failed, human/machine,
 * timeout, completed, record, input, transfer; @vonage/voice enums/CallStatus.d.ts lists the call states among them).
 * On a connect leg the failures are the attempt's outcome; the rest is progress: `disconnected` is a WebSocket the
 * application closed, `transfer` the leg moving between conversations, `record`/`input` belong to other actions.
 */
export const vonageEventStatuses = [
  'started',
  'ringing',
  'answered',
  'busy',
  'cancelled',
  'unanswered',
  'disconnected',
  'rejected',
  'failed',
  'human',
  'machine',
  'timeout',
  'completed',
  'record',
  'input',
  'transfer',
] as const;

const dialStatusOf: Record<string, DialStatus> = {
  busy: 'busy',
  unanswered: 'no-answer',
  timeout: 'no-answer',
  rejected: 'failed',
  failed: 'failed',
  cancelled: 'canceled',
};
const progressStatuses = new Set<string>(vonageEventStatuses.filter((status) => !Object.hasOwn(dialStatusOf, status)));

/** What a connect event means for the flow: progress to ignore, or the failed attempt's outcome. */
export type VonageConnectEvent = { kind: 'progress'; status: string } | { kind: 'outcome'; outcome: Extract<Outcome, { type: 'dial' }> };

/**
 * Reads a synchronous connect event. Failures (busy, unanswered, timeout, rejected, failed, cancelled) are outcomes whose
 * reply NCCO replaces the caller's; `completed` is progress because the notify after the connect reports the answered case.
 */
export function parseVonageConnectEvent(body: unknown): VonageConnectEvent {
  const record = asObject(body, 'connect event') as VonageCallEvent & { type?: unknown };
  // provider: the transfer event carries `type: "transfer"` and no status (Vonage/vonage-php-sdk-core
  // test/Voice/requests/event-post-transfer.txt; the webhook reference's table lists no status field for it), and an
  // error event only `reason` (test/Voice/requests/error-get.txt): both are progress on a connect leg.
  if (record.status === undefined && (record.type === 'transfer' || typeof record.reason === 'string'))
    return { kind: 'progress', status: record.type === 'transfer' ? 'transfer' : 'error' };
  const status = typeof record.status === 'string' ? record.status : '';
  const dial = Object.hasOwn(dialStatusOf, status) ? dialStatusOf[status] : undefined;
  if (dial) return { kind: 'outcome', outcome: { type: 'dial', status: dial, raw: record.detail ? `${status}:${record.detail}` : status } };
  if (progressStatuses.has(status)) return { kind: 'progress', status };
  throw new CallFlowError('invalid-webhook', `connect event with unknown status '${status}'`, { provider });
}

/** Reads a record event into a recording outcome. */
export function parseVonageRecordEvent(body: unknown): Extract<Outcome, { type: 'recording' }> {
  const record = asObject(body, 'record event') as VonageRecordEvent;
  const started = record.start_time ? Date.parse(record.start_time) : NaN;
  const ended = record.end_time ? Date.parse(record.end_time) : NaN;
  const durationSeconds = Number.isNaN(started) || Number.isNaN(ended) ? undefined : Math.max(0, Math.round((ended - started) / 1000));
  return {
    type: 'recording',
    url: optionalString(record as Record<string, unknown>, 'recording_url'),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
  };
}

/** Reads a call-progress event from the application's event_url. */
export function parseVonageEvent(body: unknown): VonageCallEvent & { callId?: string } {
  const record = asObject(body, 'event') as VonageCallEvent;
  return { ...record, callId: record.uuid ?? record.call_uuid };
}
