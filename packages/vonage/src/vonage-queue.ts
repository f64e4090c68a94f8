import { storeQueue, type Store, type StoreQueue } from '@callflow/core';
import { vonageKeys } from './vonage-provider.js';

/** One caller waiting in an emulated Vonage queue. */
export interface QueuedCaller {
  callId: string;
  /** The continuation token of the caller's enqueue step. */
  token: string;
  queue: string;
  /** When the caller joined, in ms since the epoch. */
  enqueuedAt: number;
}

// The order lives in a store queue (atomic push/shift/remove; a sorted set on Redis); each caller's data under its own key.
const queueOf = (store: Store, queue: string): StoreQueue => storeQueue(store, `vonage:${queue}`);
const memberKey = vonageKeys.queued;
const memberTtlSeconds = 86_400;

/** A queued caller's data (waiting, or taken for a move not yet confirmed), if the call is in a queue. */
export async function queuedCaller(store: Store, callId: string): Promise<QueuedCaller | undefined> {
  return readCaller(store, callId);
}

async function readCaller(store: Store, callId: string): Promise<QueuedCaller | undefined> {
  const raw = await store.get(memberKey(callId));
  return raw === undefined ? undefined : (JSON.parse(raw) as QueuedCaller);
}

/**
 * Adds a caller at the back (or, when an agent attempt failed, the front) of a queue; returns the caller's 1-based position.
 * A caller already waiting keeps their place, so a redelivered webhook does not queue them twice.
 */
export async function addToQueue(store: Store, caller: QueuedCaller, where: 'back' | 'front' = 'back'): Promise<number> {
  // Data first: whoever takes the caller from the queue finds their token.
  await store.set(memberKey(caller.callId), JSON.stringify(caller), { ttlSeconds: memberTtlSeconds });
  const waiting = queueOf(store, caller.queue);
  // At the front means "their move failed": release also ends a reservation `takeFromQueue` made.
  return where === 'front' ? waiting.release(caller.callId) : waiting.push(caller.callId);
}

/**
 * How long a caller taken for an agent stays reserved before any instance may put them back at the front: the move (one
 * REST transfer, bounded by the client's timeout) plus `confirmTaken` must fit well inside it.
 */
export const moveLeaseSeconds = 30;

/**
 * Takes the caller at the front of a queue for a move; exactly one of several racing takers (on any instance) gets each
 * caller. The caller stays reserved, not removed: finish with `confirmTaken` when the transfer went through, or
 * `addToQueue(…, 'front')` when it failed. If this instance dies first, the reservation lapses after `moveLeaseSeconds` and the
 * next take on any instance puts the caller back at the front.
 */
export async function takeFromQueue(store: Store, queue: string): Promise<QueuedCaller | undefined> {
  const waiting = queueOf(store, queue);
  for (;;) {
    const callId = await waiting.claim(moveLeaseSeconds);
    if (callId === undefined) return undefined;
    const caller = await readCaller(store, callId);
    if (caller) return caller;
    // A member without data expired with its TTL: nobody can resume that call, so try the next one.
    await waiting.confirm(callId);
  }
}

/** The move of a caller taken with `takeFromQueue` is done (or the call no longer exists): they leave the queue for good. */
export async function confirmTaken(store: Store, caller: QueuedCaller): Promise<void> {
  await queueOf(store, caller.queue).confirm(caller.callId);
  await store.delete(memberKey(caller.callId));
}

/** Removes a caller from whatever queue holds them (hang-up); returns the queue name when this call removed them. */
export async function removeFromQueue(store: Store, callId: string): Promise<string | undefined> {
  const caller = await readCaller(store, callId);
  return caller === undefined ? undefined : removeCaller(store, caller);
}

/** `removeFromQueue` for a caller whose record was read already (`vonageKeys.queued`). */
export async function removeCaller(store: Store, caller: QueuedCaller): Promise<string | undefined> {
  if (!(await queueOf(store, caller.queue).remove(caller.callId))) return undefined;
  await store.delete(memberKey(caller.callId));
  return caller.queue;
}

/** The callers waiting in a queue, front first. */
export async function listQueue(store: Store, queue: string): Promise<QueuedCaller[]> {
  const members = await queueOf(store, queue).members();
  const callers = await Promise.all(members.map((callId) => readCaller(store, callId)));
  return callers.filter((caller): caller is QueuedCaller => caller !== undefined);
}

/**
 * A queued caller's 1-based place (undefined when not waiting) and how long the others in the queue have waited on average,
 * in seconds: what Twilio reports as QueuePosition and AvgQueueTime, and Telnyx as queue_position and average_wait_time_secs.
 */
export async function queueStanding(
  store: Store,
  queue: string,
  callId: string,
  nowMs: number,
): Promise<{ position: number | undefined; averageWaitSeconds: number }> {
  const position = await queueOf(store, queue).position(callId);
  const others = (await listQueue(store, queue)).filter((caller) => caller.callId !== callId);
  const averageWaitSeconds =
    others.length === 0 ? 0 : others.reduce((total, caller) => total + Math.max(0, nowMs - caller.enqueuedAt), 0) / others.length / 1000;
  return { position, averageWaitSeconds };
}

/** Restarts a waiting caller's wait clock (the media before the queue have played): their place in the queue is kept. */
export async function restartWait(store: Store, caller: QueuedCaller, nowMs: number): Promise<QueuedCaller> {
  const restarted = { ...caller, enqueuedAt: nowMs };
  await store.set(memberKey(caller.callId), JSON.stringify(restarted), { ttlSeconds: memberTtlSeconds });
  return restarted;
}

/** What took a waiting caller out of the queue: an agent move (REST transfer), the escape key, or the longest wait. */
export type QueueExit = 'move' | 'escape' | 'timeout';

/** The claim on a waiting caller's way out: one per wait (the enqueue step's `token`), whoever made it first. */
export interface QueueExitClaim {
  token: string;
  by: QueueExit;
  /** When it was claimed, in ms since the epoch. */
  atMs: number;
  /** A move whose REST transfer failed without an answer from Vonage (a timeout): it may have been applied. */
  unknown?: boolean;
  /**
   * For a caller in a queue's conversation (no hold loop): the conversation their leg was in just before the move's
   * transfer was sent (`GET /v1/calls/{uuid}`), written before it is sent. A transfer moves the leg into a new
   * conversation, so the same conversation later says the transfer was never applied.
   */
  conversation?: string;
}

const exitKey = (callId: string) => `vonage:exit:${callId}`;

function parseExit(raw: string | undefined): QueueExitClaim | undefined {
  return raw === undefined || raw === '' ? undefined : (JSON.parse(raw) as QueueExitClaim);
}

/** The claim on this wait's way out, if one was made. */
export async function queueExitOf(store: Store, callId: string, token: string): Promise<QueueExitClaim | undefined> {
  const claim = parseExit(await store.get(exitKey(callId)));
  return claim?.token === token ? claim : undefined;
}

/**
 * Claims a waiting caller's way out of the queue, so an agent move and the escape key (or the longest wait) never both
 * move the caller: exactly one claim per wait wins, on any instance. Returns undefined when this one won, else the claim
 * that holds it (`takeOver` may let a claim held by a move that never happened be replaced).
 */
export async function claimQueueExit(
  store: Store,
  callId: string,
  token: string,
  by: QueueExit,
  nowMs: number,
  takeOver?: (held: QueueExitClaim) => boolean | Promise<boolean>,
): Promise<QueueExitClaim | undefined> {
  for (;;) {
    const raw = await store.get(exitKey(callId));
    const held = parseExit(raw);
    if (held?.token === token && !(takeOver && (await takeOver(held)))) return held;
    const claim: QueueExitClaim = { token, by, atMs: nowMs };
    if (await store.compareAndSet(exitKey(callId), raw, JSON.stringify(claim), { ttlSeconds: memberTtlSeconds })) return undefined;
  }
}

/** Marks a move's claim as of unknown outcome (its transfer failed without Vonage's answer), keeping it claimed. */
export async function markQueueExitUnknown(store: Store, callId: string, token: string): Promise<void> {
  const raw = await store.get(exitKey(callId));
  const held = parseExit(raw);
  if (held?.token !== token || held.by !== 'move') return;
  await store.compareAndSet(exitKey(callId), raw, JSON.stringify({ ...held, unknown: true }), { ttlSeconds: memberTtlSeconds });
}

/** Records, on a move's claim, the conversation the caller's leg is in before its transfer is sent; false when the claim is no longer this move's. */
export async function noteQueueExitConversation(store: Store, callId: string, token: string, conversation: string): Promise<boolean> {
  const raw = await store.get(exitKey(callId));
  const held = parseExit(raw);
  if (held?.token !== token || held.by !== 'move') return false;
  return store.compareAndSet(exitKey(callId), raw, JSON.stringify({ ...held, conversation }), { ttlSeconds: memberTtlSeconds });
}

/** Gives up a claim (a move Vonage refused, or one that never happened): the caller may leave the queue any way again. */
export async function releaseQueueExit(store: Store, callId: string, token: string): Promise<void> {
  const raw = await store.get(exitKey(callId));
  if (parseExit(raw)?.token === token) await store.compareAndSet(exitKey(callId), raw, '', { ttlSeconds: 1 });
}
