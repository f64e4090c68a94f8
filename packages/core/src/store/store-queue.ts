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
  /** Removes `member` (a caller who hung up, or one an agent picked); true when this call removed it. */
  remove(member: string): Promise<boolean>;
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
    typeof candidate.queueMembers === 'function'
  );
}

const queueKey = (queue: string) => `queue:${queue}`;
// Contention retries for the JSON fallback: every racer but one retries each round, so allow many.
const fallbackRetries = 10_000;

/** Queue operations for any `Store`: its native ones when it has them, else a JSON list updated with compare-and-set. */
export function queueOperationsOf(store: Store): QueueOperations {
  if (hasNativeQueues(store)) return store;
  const read = async (queue: string): Promise<string[]> => {
    const raw = await store.get(queueKey(queue));
    // `null` is updateJson's brief tombstone while it deletes an emptied queue.
    return raw === undefined ? [] : ((JSON.parse(raw) as string[] | null) ?? []);
  };
  return {
    async queuePush(queue, member, options = {}) {
      let position = 0;
      await updateJson<string[] | null>(
        store,
        queueKey(queue),
        (stored) => {
          const current = stored ?? [];
          const index = current.indexOf(member);
          if (index >= 0) {
            position = index + 1;
            return current;
          }
          const next = options.front ? [member, ...current] : [...current, member];
          position = options.front ? 1 : next.length;
          return next;
        },
        { ttlSeconds: options.ttlSeconds, maxRetries: fallbackRetries },
      );
      return position;
    },
    async queuePosition(queue, member) {
      const index = (await read(queue)).indexOf(member);
      return index < 0 ? undefined : index + 1;
    },
    async queueShift(queue) {
      let taken: string | undefined;
      await updateJson<string[] | null>(
        store,
        queueKey(queue),
        (stored) => {
          const current = stored ?? [];
          taken = current[0];
          return current.length <= 1 ? undefined : current.slice(1);
        },
        { maxRetries: fallbackRetries },
      );
      return taken;
    },
    async queueRemove(queue, member) {
      let removed = false;
      await updateJson<string[] | null>(
        store,
        queueKey(queue),
        (stored) => {
          const current = stored ?? [];
          removed = current.includes(member);
          const next = current.filter((entry) => entry !== member);
          return next.length === 0 ? undefined : next;
        },
        { maxRetries: fallbackRetries },
      );
      return removed;
    },
    queueMembers: read,
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
    length: async () => (await operations.queueMembers(name)).length,
  };
}
