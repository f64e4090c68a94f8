import { CallFlowError, type CallInfo, type Outcome } from '@callflow/core';

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

/** A webhook body as an object, or an `invalid-webhook` error naming what it should have been. */
export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CallFlowError('invalid-webhook', `${what} is not a JSON object`, { provider });
  }
  return value as Record<string, unknown>;
}

/** A field that is a non-empty string, else undefined. */
export function optionalString(record: Record<string, unknown>, key: string): string | undefined {
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

/** Reads a call-progress event from the application's event_url. */
export function parseVonageEvent(body: unknown): VonageCallEvent & { callId?: string } {
  const record = asObject(body, 'event') as VonageCallEvent;
  return { ...record, callId: record.uuid ?? record.call_uuid };
}
