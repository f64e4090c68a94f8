import { CallFlowError, type DialStatus, type Outcome } from '@callflow/core';
import { asObject, type VonageCallEvent } from './parse-vonage-webhook.js';

// A connect action's events, read by the transfer chunk (vonage-transfer-chunk.ts) at a transfer's or a queued caller's
// agent's connect webhook; a flow that connects nobody never loads it. The index exports it through
// vonage-chunked-exports.ts.

const provider = 'vonage';

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
