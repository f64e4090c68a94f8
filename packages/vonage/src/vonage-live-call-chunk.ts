import type { Store, WebhookEvent } from '@callflow/core';
import type { Ncco } from './ncco-types.js';
import { vonageCallInfo } from './vonage-provider.js';

// Outbound calls and moving live calls: an outbound call's first event, machine detection's result (which moves the call
// when its route differs) and the REST transfers that move a call to a new NCCO, in a chunk of their own. A handler
// loads it at an outbound call's first event (its `started`, ahead of the detection result), at a machine-detection
// move, or when the app transfers a call; the queue chunk uses the transfers too. A flow of inbound calls that moves
// none never loads it.

export { transferCallToNcco, transferCallToUrl } from './vonage-live-call.js';

/** The signed start an outbound call's callback URLs carry (`s` and `o`). */
export interface OutboundMarks {
  token: string;
  nonce: string;
}

/** A Vonage number (E.164 without +) as callflow writes numbers elsewhere. */
function plus(number: string | undefined): string | undefined {
  return number !== undefined && /^[0-9]+$/.test(number) ? `+${number}` : number;
}

/**
 * An outbound call's first event (`started`, reported to an onCallEvent hook) or machine detection's result (see
 * `detectionEvent`); undefined for any other event.
 */
export async function outboundEvent(
  store: Store,
  event: { callId: string; from?: string; to?: string; status?: string; sub_state?: string },
  outbound: OutboundMarks,
  detection: string | null,
): Promise<WebhookEvent<Ncco> | undefined> {
  if (event.status !== 'started') return detectionEvent(store, event, outbound, detection);
  return {
    type: 'status',
    callId: event.callId,
    callEvent: { type: 'started', direction: 'outbound', from: plus(event.from), to: plus(event.to) },
  };
}

/**
 * An outbound call's event with machine detection's result: the route for who answered (the call already runs the human
 * route, so the pipeline moves it when the result routes elsewhere); undefined for any other event.
 */
export async function detectionEvent(
  store: Store,
  event: { callId: string; from?: string; to?: string; status?: string; sub_state?: string },
  outbound: OutboundMarks,
  detection: string | null,
): Promise<WebhookEvent<Ncco> | undefined> {
  if (event.status !== 'human' && event.status !== 'machine') return undefined;
  const call = await vonageCallInfo(store, event.callId, { from: event.from, to: event.to });
  if (event.status === 'human') return { type: 'start', call, outbound: { ...outbound, answeredBy: 'human', liveCall: true } };
  // provider: with detect_beep a first `machine` event, then one with sub_state beep_start (or beep_timeout).
  if (detection === 'beep' && event.sub_state !== 'beep_start' && event.sub_state !== 'beep_timeout')
    return { type: 'ignore', reason: 'machine; waiting for the beep' };
  return { type: 'start', call, outbound: { ...outbound, answeredBy: 'machine', liveCall: true } };
}
