import { CallFlowError } from '@callflow/core';
import type { CallInfo, DialStatus, Outcome } from '@callflow/core';

/** What a Twilio request answers: the waiting step its token points at, or a status callback. */
export type TwilioWebhookKind = 'gather' | 'record' | 'transfer' | 'enqueue' | 'conference' | 'media' | 'status';

/** The form fields of a Twilio webhook, decoded. */
export type TwilioParams = Record<string, string | undefined>;

const endedStatuses = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

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

/** Maps `DialCallStatus` to the neutral status (`answered` is Twilio's word for a bridged call that ended). */
export function dialStatusOf(value: string | undefined): DialStatus {
  switch (value) {
    case 'completed':
    case 'answered':
      return 'completed';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'canceled':
      return 'canceled';
    case 'failed':
      return 'failed';
    default:
      invalid(`unknown DialCallStatus '${value ?? ''}'`);
  }
}

/** Maps `QueueResult` to the neutral queue result. */
export function queueResultOf(value: string | undefined): Extract<Outcome, { type: 'queue' }>['result'] {
  switch (value) {
    case 'bridged':
    case 'bridging-in-process':
      return 'bridged';
    case 'hangup':
      return 'hangup';
    case 'leave':
    case 'redirected':
      return 'left';
    case 'queue-full':
    case 'system-error':
    case 'error':
      return 'error';
    default:
      invalid(`unknown QueueResult '${value ?? ''}'`);
  }
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
        return confidence === undefined ? { type: 'speech', text: speech } : { type: 'speech', text: speech, confidence: Math.min(1, confidence) };
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
