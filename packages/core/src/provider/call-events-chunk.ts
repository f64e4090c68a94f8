import type { Logger } from '../engine/adapter.js';
import type { Store } from '../store/store.js';
import type { CallEvent, CallEventHook, CallEvents, EndedBy } from './call-events.js';

// The call events for a handler with an `onCallEvent` hook, in their own chunk (dist/call-events.js); a handler without
// one never loads it (see `createCallEvents` in call-events.ts).

const dayTtl = { ttlSeconds: 86_400 };
const key = (callId: string, what: string) => `callflow:call-event:${callId}:${what}`;

/** The lifecycle reporter of a handler with an `onCallEvent` hook (see `createCallEvents`). */
export function createHookedCallEvents(options: { provider: string; store: Store; logger: Logger; hook: CallEventHook }): CallEvents {
  const { provider, store, logger, hook } = options;

  async function emit(callId: string, once: string, event: CallEvent): Promise<void> {
    // The store's claimOnce, written out: the chunk imports nothing the up-front code holds.
    if (!(await store.compareAndSet(key(callId, once), undefined, '1', dayTtl))) return;
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
      await store.set(key(callId, 'flow-ended'), '1', dayTtl);
    },
  };
}
