import type { Logger } from '../engine/adapter.js';
import type { DialStatus } from '../engine/types.js';
import { lazyDependency } from '../runtime/lazy-dependency.js';
import { linkedChunks } from '../runtime/linked-chunks.js';
import type { Store } from '../store/store.js';

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

/**
 * What reports the events to a hook, in its own chunk (dist/call-events.js): a handler without `onCallEvent` never loads
 * it (with no hook there is nothing to report or remember). A handler with one starts loading it when it is created.
 */
const hooked = lazyDependency<typeof import('./call-events-chunk.js')>({
  chunk: 'call-events',
  linked: () => linkedChunks.callEvents,
  load: () => import('./call-events-chunk.js'),
  preload: 'createCallEvents',
});

const nothingToReport = async (): Promise<void> => {};
const silent: CallEvents = {
  report: nothingToReport,
  answered: nothingToReport,
  transferEnded: nothingToReport,
  flowEnded: nothingToReport,
};

/** The lifecycle reporter of one handler: each event once, to `hook`; with no hook it does nothing (and stores nothing). */
export function createCallEvents(options: { provider: string; store: Store; logger: Logger; hook?: CallEventHook }): CallEvents {
  const { hook } = options;
  if (!hook) return silent;
  let events: CallEvents | undefined;
  const loading = hooked.load();
  // A failed load is tried again, and reported, by the first event that needs it.
  loading.catch(() => {});
  const ready = async (): Promise<CallEvents> => (events ??= (await hooked.load()).createHookedCallEvents({ ...options, hook }));
  return {
    report: async (callId, report) => (await ready()).report(callId, report),
    answered: async (callId, direction, answeredBy) => (await ready()).answered(callId, direction, answeredBy),
    transferEnded: async (callId, position, outcome) => (await ready()).transferEnded(callId, position, outcome),
    flowEnded: async (callId) => (await ready()).flowEnded(callId),
  };
}
