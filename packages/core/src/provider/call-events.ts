import type { Logger } from '../engine/adapter.js';
import type { DialStatus } from '../engine/types.js';
import { claimOnce, type Store } from '../store/store.js';

/** Who answered an outbound call placed with machine detection. */
export type AnsweredBy = 'human' | 'machine' | 'unknown';

/** Who ended a call: the person on the other end (the caller of an inbound call, the called party of an outbound one), the flow, or a failure. */
export type EndedBy = 'caller' | 'far-end' | 'flow' | 'error';

/**
 * A call's lifecycle in provider-neutral words, the same on every provider; each is reported once per call (per
 * transfer for `transfer-ended`), however often the provider delivers the webhook behind it.
 */
export type CallEvent = { callId: string; provider: string } & (
  | { type: 'call-started'; direction: 'inbound' | 'outbound'; from?: string; to?: string }
  | {
      type: 'call-answered';
      direction: 'inbound' | 'outbound' /** Set when the call was placed with machine detection. */;
      answeredBy?: AnsweredBy;
    }
  | {
      type: 'call-ended';
      /** `completed` once answered; `busy`, `no-answer`, `failed` or `canceled` for an outbound call that never was. */
      status: DialStatus;
      endedBy: EndedBy;
      durationSeconds?: number;
      /** The provider's own status or hangup cause. */
      cause?: string;
    }
  | { type: 'transfer-ended'; status: DialStatus; durationSeconds?: number; cause?: string }
);

/** The lifecycle hook of a handler: called once per event; a failure is logged, never seen by the caller. */
export type CallEventHook = (event: CallEvent) => void | Promise<void>;

/** What a provider reports about a call's lifecycle; the pipeline completes it (who ended the call, once per call) into a `CallEvent`. */
export type CallEventReport =
  | { type: 'started'; direction: 'inbound' | 'outbound'; from?: string; to?: string }
  | { type: 'ended'; status: DialStatus; durationSeconds?: number; cause?: string; direction?: 'inbound' | 'outbound' };

const dayTtl = { ttlSeconds: 86_400 };
const key = (callId: string, what: string) => `callflow:call-event:${callId}:${what}`;

/** Reports lifecycle events once each, through the store's `claimOnce`, and remembers what `call-ended` needs (direction, a flow hang-up). */
export interface CallEvents {
  /** A provider's lifecycle report for `callId`. */
  report(callId: string, report: CallEventReport): Promise<void>;
  /** The call was answered (an inbound call the flow picked up, or an outbound call once its route is known). */
  answered(callId: string, direction: 'inbound' | 'outbound', answeredBy?: AnsweredBy): Promise<void>;
  /** A transfer leg ended; `position` tells transfers of one call apart. */
  transferEnded(callId: string, position: string, outcome: { status: DialStatus; durationSeconds?: number; raw?: string }): Promise<void>;
  /** The flow ended the call (its last turn hangs up), so the `call-ended` that follows says `flow`. */
  flowEnded(callId: string): Promise<void>;
}

/** The lifecycle reporter of one handler; with no hook it only keeps the few store keys nothing reads. */
export function createCallEvents(options: { provider: string; store: Store; logger: Logger; hook?: CallEventHook }): CallEvents {
  const { provider, store, logger, hook } = options;

  async function emit(callId: string, once: string, event: CallEvent): Promise<void> {
    if (!hook) return;
    if (!(await claimOnce(store, key(callId, once)))) return;
    try {
      await hook(event);
    } catch (error) {
      logger.error(
        `[callflow:${provider}] onCallEvent failed for ${event.type}: ${error instanceof Error ? error.message : String(error)}`,
        { callId },
      );
    }
  }

  async function directionOf(callId: string): Promise<'inbound' | 'outbound' | undefined> {
    const saved = await store.get(key(callId, 'direction'));
    return saved === 'inbound' || saved === 'outbound' ? saved : undefined;
  }

  return {
    async report(callId, report) {
      if (!hook) return;
      if (report.type === 'started') {
        await store.set(key(callId, 'direction'), report.direction, dayTtl);
        const event: CallEvent = { type: 'call-started', callId, provider, direction: report.direction };
        if (report.from !== undefined) event.from = report.from;
        if (report.to !== undefined) event.to = report.to;
        return emit(callId, 'started', event);
      }
      const direction = report.direction ?? (await directionOf(callId)) ?? 'inbound';
      const byFlow = (await store.get(key(callId, 'flow-ended'))) !== undefined;
      const endedBy: EndedBy = report.status === 'failed' ? 'error' : byFlow ? 'flow' : direction === 'outbound' ? 'far-end' : 'caller';
      const event: CallEvent = { type: 'call-ended', callId, provider, status: report.status, endedBy };
      if (report.durationSeconds !== undefined) event.durationSeconds = report.durationSeconds;
      if (report.cause !== undefined) event.cause = report.cause;
      return emit(callId, 'ended', event);
    },
    async answered(callId, direction, answeredBy) {
      const event: CallEvent = { type: 'call-answered', callId, provider, direction };
      if (answeredBy !== undefined) event.answeredBy = answeredBy;
      return emit(callId, 'answered', event);
    },
    transferEnded(callId, position, outcome) {
      const event: CallEvent = { type: 'transfer-ended', callId, provider, status: outcome.status };
      if (outcome.durationSeconds !== undefined) event.durationSeconds = outcome.durationSeconds;
      if (outcome.raw !== undefined) event.cause = outcome.raw;
      return emit(callId, `transfer:${position.slice(-32)}`, event);
    },
    async flowEnded(callId) {
      if (hook) await store.set(key(callId, 'flow-ended'), '1', dayTtl);
    },
  };
}
