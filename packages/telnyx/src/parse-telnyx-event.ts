import { CallFlowError } from '@callflow/core';
import type { DialStatus, Outcome } from '@callflow/core';
import { decodeClientState, type ClientState } from './client-state.js';
import { requirePlanningChunk } from './planning-chunk.js';

/** A Telnyx webhook event, normalised: the envelope fields callflow reads, and the raw payload. */
export interface TelnyxEvent {
  /** `data.id`: the same for every delivery of one event, the key for de-duplication. */
  id: string;
  /** `data.event_type`, e.g. `call.gather.ended`. */
  type: string;
  occurredAt?: string;
  callControlId?: string;
  callLegId?: string;
  callSessionId?: string;
  /** `incoming` or `outgoing`, on call.initiated. */
  direction?: string;
  from?: string;
  to?: string;
  /** The decoded `client_state`, when callflow wrote it. */
  clientState?: ClientState;
  /** The raw payload, for logs and provider-specific logic. */
  payload: Record<string, unknown>;
}

/** An event and, when it answers a waiting step, the neutral outcome. */
export interface ParsedTelnyxEvent {
  event: TelnyxEvent;
  outcome?: Outcome;
}

/**
 * A far leg's `hangup_cause` as a transfer status, for every documented cause
 * (provider: telnyx SDK resources/webhooks.d.ts `CallHangup.Payload.hangup_cause`); an undocumented cause is a failure.
 */
const dialStatusByCause: Record<string, DialStatus> = {
  normal_clearing: 'completed',
  time_limit: 'completed',
  user_busy: 'busy',
  timeout: 'no-answer',
  no_answer: 'no-answer',
  originator_cancel: 'canceled',
  call_rejected: 'failed',
  not_found: 'failed',
  unspecified: 'failed',
};

/** Maps a far leg's `hangup_cause` to a transfer status. */
export function dialStatusOf(cause: string | undefined): DialStatus {
  return (cause !== undefined && Object.hasOwn(dialStatusByCause, cause) ? dialStatusByCause[cause] : undefined) ?? 'failed';
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Parses a Telnyx webhook body (text or parsed JSON) into an event and its outcome; throws
 * `CallFlowError('invalid-webhook')` when it is not a Telnyx event envelope.
 */
export function parseTelnyxEvent(body: unknown): ParsedTelnyxEvent {
  let envelope = body;
  if (typeof body === 'string') {
    try {
      envelope = JSON.parse(body);
    } catch {
      throw new CallFlowError('invalid-webhook', 'body is not JSON', { provider: 'telnyx' });
    }
  }
  const data = typeof envelope === 'object' && envelope !== null ? (envelope as { data?: unknown }).data : undefined;
  if (typeof data !== 'object' || data === null)
    throw new CallFlowError('invalid-webhook', 'no data object in the event', { provider: 'telnyx' });
  const record = data as Record<string, unknown>;
  const id = text(record.id);
  const type = text(record.event_type);
  if (!id || !type) throw new CallFlowError('invalid-webhook', 'event without data.id or data.event_type', { provider: 'telnyx' });
  const payload = typeof record.payload === 'object' && record.payload !== null ? (record.payload as Record<string, unknown>) : {};
  const clientState = decodeClientState(payload.client_state);
  const event: TelnyxEvent = {
    id,
    type,
    occurredAt: text(record.occurred_at) ?? text(payload.occurred_at),
    callControlId: text(payload.call_control_id) ?? callControlIdOf(clientState),
    callLegId: text(payload.call_leg_id),
    callSessionId: text(payload.call_session_id),
    direction: text(payload.direction),
    from: text(payload.from),
    to: text(payload.to),
    clientState,
    payload,
  };
  return { event, outcome: outcomeOf(event) };
}

/** True for an interim `call.transcription` with words in it: the caller has started speaking (provider: telnyx SDK resources/webhooks.d.ts Transcription). */
export function isInterimTranscription(event: TelnyxEvent): boolean {
  if (event.type !== 'call.transcription') return false;
  const data = event.payload.transcription_data;
  if (typeof data !== 'object' || data === null) return false;
  const { is_final: isFinal, transcript } = data as Record<string, unknown>;
  return isFinal === false && typeof transcript === 'string' && transcript.trim() !== '';
}

/** The caller's leg a `client_state` names, for events documented without `call_control_id` (call.recording.saved). */
function callControlIdOf(state: ClientState | undefined): string | undefined {
  return state?.kind === 'position' ? state.callControlId : undefined;
}

function outcomeOf(event: TelnyxEvent): Outcome | undefined {
  const { payload } = event;
  const status = text(payload.status);
  switch (event.type) {
    case 'call.speak.ended':
    case 'call.playback.ended':
      if (status === 'call_hangup') return { type: 'hangup' };
      // A missing or broken file is skipped, as the other providers do; cancelled means callflow stopped it.
      if (status === 'cancelled' || status === 'cancelled_amd') return undefined;
      return { type: 'media-done' };
    case 'call.gather.ended': {
      const digits = text(payload.digits) ?? '';
      if (status === 'valid' || status === 'invalid') return { type: 'digits', digits };
      if (status === 'timeout') return digits === '' ? { type: 'no-input' } : { type: 'digits', digits };
      if (status === 'call_hangup') return { type: 'hangup' };
      return undefined;
    }
    case 'call.transcription':
    case 'call.recording.saved':
    case 'call.recording.error':
    case 'call.dequeued':
    case 'conference.participant.left':
      // The events only a speech gather, a recording, a queue or a conference brings: read by the planning chunk
      // (telnyx-wait-commands.ts), which planned the commands they answer.
      return requirePlanningChunk('the events of a record, enqueue, conference or speech gather step', 'parseTelnyxEvent').waitingOutcome(
        event,
      );
    case 'call.hangup': {
      const cause = text(payload.hangup_cause);
      if (event.clientState?.kind === 'peer') return { type: 'dial', status: dialStatusOf(cause), ...(cause ? { raw: cause } : {}) };
      return cause ? { type: 'hangup', cause } : { type: 'hangup' };
    }
    default:
      return undefined;
  }
}
