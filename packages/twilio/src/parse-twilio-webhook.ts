import { CallFlowError } from '@callflow/core';
import type { CallInfo, DialStatus, Outcome } from '@callflow/core';

/** What a Twilio request answers: the waiting step its token points at, or a status callback. */
export type TwilioWebhookKind = 'gather' | 'record' | 'transfer' | 'enqueue' | 'conference' | 'media' | 'status';

/** The form fields of a Twilio webhook, decoded. */
export type TwilioParams = Record<string, string | undefined>;

/**
 * Every documented `CallStatus` (provider: https://www.twilio.com/docs/voice/twiml, "CallStatus values" and the twilio SDK's
 * lib/rest/api/v2010/account/call.d.ts `CallStatus`: queued, ringing, in-progress, completed, busy, failed, no-answer, canceled),
 * and those that mean the call is over.
 */
export const twilioCallStatuses = ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'] as const;
const endedStatuses = new Set<string>(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

function invalid(message: string): never {
  throw new CallFlowError('invalid-webhook', message, { provider: 'twilio' });
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

/** The call a webhook is about; throws `invalid-webhook` without a `CallSid`. */
export function twilioCallInfo(params: TwilioParams): CallInfo {
  const callId = params.CallSid;
  if (!callId) invalid('webhook has no CallSid');
  return { callId, from: params.From, to: params.To, provider: 'twilio' };
}

/** True when a request reports that the call is over (a status callback, or an action after the caller hung up). */
export function isTwilioCallEnded(params: TwilioParams): boolean {
  return endedStatuses.has(params.CallStatus ?? '');
}

/**
 * Every documented `DialCallStatus` (provider: https://www.twilio.com/docs/voice/twiml/dial, "DialCallStatus values":
 * completed, answered, busy, no-answer, failed, canceled); `answered` is Twilio's word for a bridged call that ended.
 */
const dialStatuses: Record<string, DialStatus> = {
  completed: 'completed',
  answered: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  failed: 'failed',
  canceled: 'canceled',
};

/** Maps `DialCallStatus` to the neutral status; throws `invalid-webhook` for an undocumented value. */
export function dialStatusOf(value: string | undefined): DialStatus {
  const status = value !== undefined && Object.hasOwn(dialStatuses, value) ? dialStatuses[value] : undefined;
  return status ?? invalid(`unknown DialCallStatus '${value ?? ''}'`);
}

/**
 * Every documented `QueueResult` (provider: https://www.twilio.com/docs/voice/twiml/enqueue, "QueueResult values":
 * bridged, bridging-in-process, error, hangup, leave, redirected, redirected-from-bridged, queue-full, system-error).
 * `redirected-from-bridged` is a caller who was bridged to an agent and then transferred out.
 */
const queueResults: Record<string, Extract<Outcome, { type: 'queue' }>['result']> = {
  bridged: 'bridged',
  'bridging-in-process': 'bridged',
  'redirected-from-bridged': 'bridged',
  hangup: 'hangup',
  leave: 'left',
  redirected: 'left',
  'queue-full': 'error',
  'system-error': 'error',
  error: 'error',
};

/** Maps `QueueResult` to the neutral queue result; throws `invalid-webhook` for an undocumented value. */
export function queueResultOf(value: string | undefined): Extract<Outcome, { type: 'queue' }>['result'] {
  const result = value !== undefined && Object.hasOwn(queueResults, value) ? queueResults[value] : undefined;
  return result ?? invalid(`unknown QueueResult '${value ?? ''}'`);
}

/**
 * Translates a Twilio webhook's fields into a neutral outcome, given what the call was waiting for.
 * @example parseTwilioWebhook({ CallSid: 'CA1', Digits: '1' }, 'gather') // { type: 'digits', digits: '1' }
 */
export function parseTwilioWebhook(params: TwilioParams, kind: TwilioWebhookKind): Outcome {
  switch (kind) {
    case 'status':
      if (isTwilioCallEnded(params)) return { type: 'hangup', cause: params.CallStatus };
      return invalid(`status callback with CallStatus '${params.CallStatus ?? ''}' does not end the call`);
    case 'media':
      return { type: 'media-done' };
    case 'gather': {
      const speech = params.SpeechResult;
      if (speech !== undefined && speech.trim() !== '') {
        const confidence = seconds(params.Confidence);
        return confidence === undefined
          ? { type: 'speech', text: speech }
          : { type: 'speech', text: speech, confidence: Math.min(1, confidence) };
      }
      const digits = params.Digits;
      if (digits !== undefined && digits !== '' && digits !== 'hangup') return { type: 'digits', digits };
      // Silence, or the caller hung up during the gather.
      return isTwilioCallEnded(params) ? { type: 'hangup', cause: params.CallStatus } : { type: 'no-input' };
    }
    case 'record': {
      const url = params.RecordingUrl || undefined;
      const durationSeconds = seconds(params.RecordingDuration);
      const outcome: Outcome = { type: 'recording' };
      if (url !== undefined) outcome.url = url;
      if (durationSeconds !== undefined) outcome.durationSeconds = durationSeconds;
      return outcome;
    }
    case 'transfer': {
      if (params.DialCallStatus === undefined) {
        if (isTwilioCallEnded(params)) return { type: 'hangup', cause: params.CallStatus };
        invalid('dial action without DialCallStatus');
      }
      const outcome: Outcome = { type: 'dial', status: dialStatusOf(params.DialCallStatus), raw: params.DialCallStatus };
      const durationSeconds = seconds(params.DialCallDuration);
      if (durationSeconds !== undefined) outcome.durationSeconds = durationSeconds;
      return outcome;
    }
    case 'enqueue': {
      if (params.QueueResult === undefined) {
        if (isTwilioCallEnded(params)) return { type: 'queue', result: 'hangup' };
        invalid('enqueue action without QueueResult');
      }
      const outcome: Outcome = { type: 'queue', result: queueResultOf(params.QueueResult) };
      const waitSeconds = seconds(params.QueueTime);
      if (waitSeconds !== undefined) outcome.waitSeconds = waitSeconds;
      return outcome;
    }
    case 'conference':
      return { type: 'conference', status: 'ended' };
  }
}
