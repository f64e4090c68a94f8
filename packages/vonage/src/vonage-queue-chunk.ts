import {
  formatQueueAnnouncement,
  queueAnnouncementDue,
  queueAnnouncementOf,
  type CallPosition,
  type EnqueueStep,
  type Outcome,
  type PositionAnswer,
  type Turn,
} from '@callflow/core';
import type { Ncco } from './ncco-types.js';
import { stringifyNcco } from './render-ncco.js';
import { renderEnqueue, renderHoldSegment, renderQueueRoom, usesHoldLoop } from './render-ncco-queue.js';
import { vonageKeys } from './vonage-provider.js';
import {
  addToQueue,
  claimQueueExit,
  moveLeaseSeconds,
  queueExitOf,
  queuedCaller,
  queueStanding,
  releaseQueueExit,
  removeCaller,
  removeFromQueue,
  restartWait,
  type QueuedCaller,
} from './vonage-queue.js';
import { createQueueControl, type QueueControlContext } from './vonage-queue-control.js';

// The emulated queue on Vonage, in a chunk of its own: a handler loads it when its flow has an enqueue step (or a dynamic
// node, which may return one) and otherwise at the first use of its queue control, so a flow without a queue never does.

export { renderEnqueue };
export { createQueueControl };
export { addToQueue, listQueue, removeFromQueue, takeFromQueue } from './vonage-queue.js';

/** What a break in the hold loop carries in its callback URL and body. */
export interface HoldBreak {
  callId: string;
  token: string;
  deliveryId: string;
  query: URLSearchParams;
  /** The key pressed at an input break. */
  digits: string | undefined;
}

/** A handler's emulated queue: joining it, its hold loop's breaks, an agent who did not answer, and leaving it. */
export interface VonageQueue {
  /** Puts a turn's caller in its enqueue step's queue; their place and the others' average wait, for the renderer. */
  join(turn: Turn): Promise<{ position: number; averageWaitSeconds: number } | undefined>;
  /** The answer to a break in the hold loop, at the position the pipeline verified. */
  holdBreak(position: CallPosition | undefined, at: HoldBreak): Promise<PositionAnswer<Ncco>>;
  /** A connect to an agent that ended: the flow's outcome, or (from a queue) the caller back at the front and on hold. */
  agentEnded(
    position: CallPosition | undefined,
    callId: string,
    token: string,
    outcome: Extract<Outcome, { type: 'dial' }>,
  ): Promise<PositionAnswer<Ncco>>;
  /** Vonage's transfer event for a leg connectNextCaller marked as moving (`moving`, the mark): that move's caller leaves the queue. */
  transferred(callId: string, moving: string): Promise<void>;
  /** Takes a caller out of the queue their record (`saved`, read from `vonageKeys.queued`) names; its name when this call removed them. */
  leave(saved: string): Promise<string | undefined>;
}

/** Builds a handler's queue over its store, engine and reply tracking. */
export function createVonageQueue(context: QueueControlContext): VonageQueue {
  const { store, logger, now, base, queuePrefix, positions } = context;

  /** Back on hold after an agent attempt failed: the loop from its first break, or the caller's waiting room. */
  function backOnHold(caller: QueuedCaller, step: EnqueueStep): Ncco {
    return usesHoldLoop(step)
      ? renderHoldSegment(step, { segment: 1 }, base, caller.token, caller.callId)
      : renderQueueRoom(caller.queue, step.holdMusic, base, caller.token, caller.callId, queuePrefix);
  }

  /**
   * A break in the hold loop's music (its input or notify webhook): the escape route for the escape key, the timeout route
   * once `maxWaitSeconds` have passed, else the next stretch, with the flow's announcement when it is due. A repeated
   * delivery gets the same answer; a break of a caller no longer waiting (moved by REST, or the call moved on) gets nothing.
   */
  async function holdBreak(position: CallPosition | undefined, at: HoldBreak): Promise<PositionAnswer<Ncco>> {
    const { callId, token, deliveryId, query, digits } = at;
    const segment = Number(query.get('n') ?? '1');
    const announced = query.get('a');
    const lastAnnouncedSeconds = announced === null || !/^[0-9]+$/.test(announced) ? undefined : Number(announced);
    const step = position?.step;
    // An orphaned position (a redeployed flow): resuming gives the caller the apology rather than silence.
    if (!position) return { type: 'queue', result: 'left' };
    if (step?.type !== 'enqueue') return { done: 'hold break of a call not in a queue' };
    const cached = await positions.cached(callId, deliveryId);
    if (cached !== undefined) return { answer: JSON.parse(cached) as Ncco };
    // Unknown (a delivery of this break is being handled) is not stale: only a position the call has left is.
    const current = await positions.current(callId);
    if (current !== undefined && current !== token) return { done: 'stale hold break: the call has moved on' };
    let caller = await queuedCaller(store, callId);
    if (!caller && current === undefined && (await queueExitOf(store, callId, token)) === undefined) {
      // The store lost the queue and the call's position (a Redis restart without persistence): nothing moved this
      // caller on (no claim on the wait), and the token says they wait here, so they join the queue again, at the
      // back, their wait counted from now, instead of the NCCO running out at this break and the call ending.
      caller = { callId, token, queue: step.queue, enqueuedAt: now() };
      await addToQueue(store, caller);
      logger.warn(
        `[callflow:vonage] no queue record for a caller on hold in '${step.queue}' (the store lost it); queued again at the back`,
        {
          callId,
        },
      );
    }
    if (!caller || caller.token !== token) return { done: 'hold break of a caller no longer waiting' };
    if (segment === 0) caller = await restartWait(store, caller, now());
    // An agent move of this caller (connectNextCaller): while it is in flight the caller holds on and neither the
    // escape key nor the longest wait moves them (one way out per wait); one that failed without Vonage's answer, or
    // outlived its lease, never happened, since the caller is still on hold here: back at the front of the queue.
    const claim = await queueExitOf(store, callId, token);
    const moving = claim?.by === 'move' && !claim.unknown && now() - claim.atMs < moveLeaseSeconds * 1000;
    if (claim?.by === 'move' && !moving) {
      await releaseQueueExit(store, callId, token);
      await addToQueue(store, caller, 'front');
      logger.info?.(`[callflow:vonage] an unconfirmed agent move of this caller did not happen; back at the front of '${step.queue}'`, {
        callId,
      });
    }
    const leaves = async (by: 'escape' | 'timeout') => !moving && (await claimQueueExit(store, callId, token, by, now())) === undefined;
    if (digits !== undefined && step.escape && digits === step.escape.digit && (await leaves('escape'))) {
      await removeFromQueue(store, callId);
      return { type: 'queue', result: 'left', digit: digits };
    }
    const waitedSeconds = Math.max(0, now() - caller.enqueuedAt) / 1000;
    if (step.maxWaitSeconds !== undefined && waitedSeconds >= step.maxWaitSeconds && (await leaves('timeout'))) {
      await removeFromQueue(store, callId);
      return { type: 'queue', result: 'timeout', waitSeconds: Math.floor(waitedSeconds) };
    }
    const announcement = queueAnnouncementOf(step);
    let words: string | undefined;
    let announcedAt = lastAnnouncedSeconds;
    if (announcement && queueAnnouncementDue(waitedSeconds, lastAnnouncedSeconds, announcement.everySeconds)) {
      const standing = await queueStanding(store, step.queue, callId, now());
      if (standing.position !== undefined) {
        words = formatQueueAnnouncement(announcement.template, standing as { position: number; averageWaitSeconds: number });
        announcedAt = waitedSeconds;
      }
    }
    const answer = renderHoldSegment(
      step,
      {
        segment: Number.isInteger(segment) && segment >= 0 ? segment + 1 : 2,
        ...(words !== undefined ? { announcement: words } : {}),
        ...(announcedAt !== undefined ? { lastAnnouncedSeconds: announcedAt } : {}),
      },
      base,
      token,
      callId,
    );
    await positions.remember(callId, deliveryId, stringifyNcco(answer));
    return { answer };
  }

  return {
    async join(turn) {
      if (turn.wait?.step.type !== 'enqueue' || !turn.token) return undefined;
      const queue = turn.wait.step.queue;
      const position = await addToQueue(store, { callId: turn.call.callId, token: turn.token, queue, enqueuedAt: now() });
      // Twilio's AvgQueueTime and Telnyx's queue_avg_wait_time_secs: how long the others in the queue have waited, on average.
      const { averageWaitSeconds } = await queueStanding(store, queue, turn.call.callId, now());
      return { position, averageWaitSeconds };
    },
    holdBreak,
    async agentEnded(position, callId, token, outcome) {
      if (position?.state.kind !== 'enqueue') return outcome;
      // The agent did not take the call: back to the front of the queue, back on hold.
      const step = position.step?.type === 'enqueue' ? position.step : ({ type: 'enqueue', queue: '' } as EnqueueStep);
      const caller: QueuedCaller = { callId, token, queue: step.queue, enqueuedAt: now() };
      // That move is over: its claim on the wait goes, so the next agent (or the escape key) can move them at once.
      await releaseQueueExit(store, callId, token);
      await addToQueue(store, caller, 'front');
      logger.warn(`[callflow:vonage] agent attempt ended '${outcome.raw}'; caller back at the front of '${caller.queue}'`, { callId });
      return { answer: backOnHold(caller, step) };
    },
    async transferred(callId, moving) {
      const moved = JSON.parse(moving) as Pick<QueuedCaller, 'token' | 'enqueuedAt'>;
      const queued = await queuedCaller(store, callId);
      // Queued again since (back at the front after an unanswered agent, or enqueued by the node it moved to): not this move.
      if (queued && queued.token === moved.token && queued.enqueuedAt === moved.enqueuedAt) {
        const queue = await removeFromQueue(store, callId);
        if (queue) logger.info?.(`[callflow:vonage] caller transferred out of queue '${queue}' (transfer event)`, { callId });
      }
      await store.delete(vonageKeys.moving(callId));
    },
    leave: (saved) => removeCaller(store, JSON.parse(saved) as QueuedCaller),
  };
}
