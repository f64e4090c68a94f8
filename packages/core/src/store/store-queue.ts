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

const queueKey = (queue: string) => `queue:${queue}`;
// The JSON fallback's moves: an index of members being moved, and one lease key per member whose TTL is the lease.
const movingKey = (queue: string) => `queue-moving:${queue}`;
const leaseKey = (queue: string, member: string) => `queue-lease:${queue}:${member}`;
// Contention retries for the JSON fallback: every racer but one retries each round, so allow many.
const fallbackRetries = 10_000;
const recoveryLeaseSeconds = 5;

/** Queue operations for any `Store`: its native ones when it has them, else a JSON list updated with compare-and-set. */
export function queueOperationsOf(store: Store): QueueOperations {
  if (hasNativeQueues(store)) return store;
  const read = async (queue: string): Promise<string[]> => {
    const raw = await store.get(queueKey(queue));
    // `null` is updateJson's brief tombstone while it deletes an emptied queue.
    return raw === undefined ? [] : ((JSON.parse(raw) as string[] | null) ?? []);
  };
  const readMoving = async (queue: string): Promise<string[]> => {
    const raw = await store.get(movingKey(queue));
    return raw === undefined ? [] : ((JSON.parse(raw) as string[] | null) ?? []);
  };
  const editMoving = (queue: string, edit: (members: string[]) => string[]) =>
    updateJson<string[] | null>(
      store,
      movingKey(queue),
      (stored) => {
        const next = edit(stored ?? []);
        return next.length === 0 ? undefined : next;
      },
      { maxRetries: fallbackRetries },
    );
  const push = async (queue: string, member: string, options: QueuePushOptions = {}) => {
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
  };
  const removeWaiting = async (queue: string, member: string) => {
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
  };
  // Every step below is one atomic store operation, ordered so that a process dying between any two leaves the member
  // waiting, or in the moving index with a lease that will run out (and then be put back), never nowhere.
  const recoverExpired = async (queue: string) => {
    const moving = await readMoving(queue);
    for (const member of [...moving].reverse()) {
      // Taking the lapsed lease over keeps a concurrent claimer (or recoverer) off this member while it is put back.
      if (!(await store.compareAndSet(leaseKey(queue, member), undefined, 'recovering', { ttlSeconds: recoveryLeaseSeconds }))) continue;
      await push(queue, member, { front: true });
      await editMoving(queue, (members) => members.filter((entry) => entry !== member));
      await store.delete(leaseKey(queue, member));
    }
  };
  return {
    queuePush: push,
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
      const waiting = await removeWaiting(queue, member);
      let moving = false;
      await editMoving(queue, (members) => {
        moving = members.includes(member);
        return members.filter((entry) => entry !== member);
      });
      if (moving) await store.delete(leaseKey(queue, member));
      return waiting || moving;
    },
    queueMembers: read,
    async queueClaim(queue, leaseSeconds) {
      await recoverExpired(queue);
      for (let attempt = 0; attempt < fallbackRetries; attempt++) {
        const waiting = await read(queue);
        let member: string | undefined;
        for (const candidate of waiting) {
          // The lease key is the claim: exactly one claimer writes it; others skip a member being taken.
          if (await store.compareAndSet(leaseKey(queue, candidate), undefined, '1', { ttlSeconds: leaseSeconds })) {
            member = candidate;
            break;
          }
        }
        if (member === undefined) return undefined;
        const claimed = member;
        await editMoving(queue, (members) => (members.includes(claimed) ? members : [...members, claimed]));
        if (await removeWaiting(queue, claimed)) return claimed;
        // It left (hung up) between the read and the removal: undo the claim and take the next one.
        await editMoving(queue, (members) => members.filter((entry) => entry !== claimed));
        await store.delete(leaseKey(queue, claimed));
      }
      throw new Error(`[callflow] store contention on queue '${queue}' after ${fallbackRetries} attempts`);
    },
    async queueConfirm(queue, member) {
      // Out of the index first: from then on nothing can put the member back.
      await editMoving(queue, (members) => members.filter((entry) => entry !== member));
      await store.delete(leaseKey(queue, member));
      await removeWaiting(queue, member);
    },
    async queueRelease(queue, member) {
      const position = await push(queue, member, { front: true });
      await editMoving(queue, (members) => members.filter((entry) => entry !== member));
      await store.delete(leaseKey(queue, member));
      return position;
    },
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
