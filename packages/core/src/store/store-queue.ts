import { lazyDependency } from '../runtime/lazy-dependency.js';
import { linkedChunks } from '../runtime/linked-chunks.js';
import { updateJson, type Store } from './store.js';

/** Options for adding a member to a queue. */
export interface QueuePushOptions {
  /** Put the member at the front instead of the back (e.g. a caller whose agent did not answer). */
  front?: boolean;
  /** Seconds the whole queue lives after this push; default: no expiry. Native queues keep it through shifts; the JSON fallback clears it on the next shift or remove. */
  ttlSeconds?: number;
}

/**
 * Atomic ordered-queue operations a `Store` may provide natively (the Redis store does, with a sorted set).
 * Members are unique strings, usually call ids; positions are 1-based.
 */
export interface QueueOperations {
  /** Adds `member` (no-op if already queued) and returns its 1-based position. */
  queuePush(queue: string, member: string, options?: QueuePushOptions): Promise<number>;
  /** The 1-based position of `member`, or `undefined` when it is not queued. */
  queuePosition(queue: string, member: string): Promise<number | undefined>;
  /** Removes and returns the member at the front, or `undefined` when the queue is empty. */
  queueShift(queue: string): Promise<string | undefined>;
  /** Removes `member`; true when this call removed it (so exactly one of several racing removers wins). */
  queueRemove(queue: string, member: string): Promise<boolean>;
  /** Every member, front first. */
  queueMembers(queue: string): Promise<string[]>;
  /**
   * Takes the front member into a "moving" record held for `leaseSeconds`, after first putting every move whose lease ran out
   * back at the front (oldest first); `undefined` when nobody waits. Finish with `queueConfirm` or `queueRelease`.
   */
  queueClaim(queue: string, leaseSeconds: number): Promise<string | undefined>;
  /** Ends a move that succeeded: the member leaves for good (also from the queue, if an expired lease had put it back). */
  queueConfirm(queue: string, member: string): Promise<void>;
  /** Ends a move that failed: the member goes back to the front; returns its position (1). */
  queueRelease(queue: string, member: string): Promise<number>;
}

/** One named queue on a store, e.g. callers waiting for the support team. */
export interface StoreQueue {
  readonly name: string;
  /** Adds `member` (no-op if already queued, so a redelivered webhook does not queue a caller twice) and returns its 1-based position. */
  push(member: string, options?: QueuePushOptions): Promise<number>;
  /** The 1-based position of `member`, or `undefined` when it is not queued. */
  position(member: string): Promise<number | undefined>;
  /** Removes and returns the member at the front (the next caller for a free agent). */
  shift(): Promise<string | undefined>;
  /** Removes `member` (a caller who hung up, or one an agent picked), waiting or being moved; true when this call removed it. */
  remove(member: string): Promise<boolean>;
  /**
   * Takes the front member for a move that may fail or die halfway (an agent connect): the member is held, not removed, for
   * `leaseSeconds`; `confirm` ends the move, `release` puts the member back at the front, and if neither happens in time
   * (the instance died) the next `claim` on any instance puts the member back at the front first.
   */
  claim(leaseSeconds: number): Promise<string | undefined>;
  /** The move of `member` succeeded: it leaves the queue for good. */
  confirm(member: string): Promise<void>;
  /** The move of `member` failed: back to the front. */
  release(member: string): Promise<number>;
  /** Every member, front first. */
  members(): Promise<string[]>;
  /** How many members are waiting. */
  length(): Promise<number>;
}

/** True when the store implements the queue operations itself (atomically, on its own server). */
export function hasNativeQueues(store: Store): store is Store & QueueOperations {
  const candidate = store as Partial<QueueOperations>;
  return (
    typeof candidate.queuePush === 'function' &&
    typeof candidate.queuePosition === 'function' &&
    typeof candidate.queueShift === 'function' &&
    typeof candidate.queueRemove === 'function' &&
    typeof candidate.queueMembers === 'function' &&
    typeof candidate.queueClaim === 'function' &&
    typeof candidate.queueConfirm === 'function' &&
    typeof candidate.queueRelease === 'function'
  );
}

/**
 * The JSON fallback, in its own chunk (dist/cjs/json-queue.js): loaded at the first queue operation on a store without
 * native queues, so a handler that never queues a caller never loads it.
 */
const jsonQueue = lazyDependency<typeof import('./json-queue-chunk.js')>({
  chunk: 'json-queue',
  linked: () => linkedChunks.jsonQueue,
  load: () => import('./json-queue-chunk.js'),
  preload: 'queueOperationsOf',
});

/** Queue operations for any `Store`: its native ones when it has them, else a JSON list updated with compare-and-set. */
export function queueOperationsOf(store: Store): QueueOperations {
  if (hasNativeQueues(store)) return store;
  let operations: QueueOperations | undefined;
  const ready = async (): Promise<QueueOperations> => (operations ??= (await jsonQueue.load()).jsonQueueOperations(store, updateJson));
  // Each operation goes straight to the fallback once its chunk is loaded.
  return {
    queuePush: async (queue, member, options) => (operations ?? (await ready())).queuePush(queue, member, options),
    queuePosition: async (queue, member) => (operations ?? (await ready())).queuePosition(queue, member),
    queueShift: async (queue) => (operations ?? (await ready())).queueShift(queue),
    queueRemove: async (queue, member) => (operations ?? (await ready())).queueRemove(queue, member),
    queueMembers: async (queue) => (operations ?? (await ready())).queueMembers(queue),
    queueClaim: async (queue, leaseSeconds) => (operations ?? (await ready())).queueClaim(queue, leaseSeconds),
    queueConfirm: async (queue, member) => (operations ?? (await ready())).queueConfirm(queue, member),
    queueRelease: async (queue, member) => (operations ?? (await ready())).queueRelease(queue, member),
  };
}

/**
 * A named FIFO queue on any store; atomic across server instances when the store is shared (Redis).
 * @example
 * const support = storeQueue(store, 'support');
 * const position = await support.push(call.callId); // "you are caller number 3"
 * const next = await support.shift();                // an agent is free
 */
export function storeQueue(store: Store, name: string): StoreQueue {
  const operations = queueOperationsOf(store);
  return {
    name,
    push: (member, options) => operations.queuePush(name, member, options),
    position: (member) => operations.queuePosition(name, member),
    shift: () => operations.queueShift(name),
    remove: (member) => operations.queueRemove(name, member),
    members: () => operations.queueMembers(name),
    claim: (leaseSeconds) => operations.queueClaim(name, leaseSeconds),
    confirm: (member) => operations.queueConfirm(name, member),
    release: (member) => operations.queueRelease(name, member),
    length: async () => (await operations.queueMembers(name)).length,
  };
}
