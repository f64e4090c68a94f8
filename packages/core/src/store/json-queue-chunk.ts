import type { Store, updateJson as UpdateJson } from './store.js';
import type { QueueOperations, QueuePushOptions } from './store-queue.js';

// The queue operations of a store without native ones (the memory store, a custom store): a JSON list updated with
// compare-and-set. In a chunk of its own (dist/cjs/json-queue.js): only code that queues callers on such a store loads it.
// It imports no code: the store's `updateJson` comes in as an argument, so a bundler splits out nothing both would share.

const queueKey = (queue: string) => `queue:${queue}`;
// The JSON fallback's moves: an index of members being moved, and one lease key per member whose TTL is the lease.
const movingKey = (queue: string) => `queue-moving:${queue}`;
const leaseKey = (queue: string, member: string) => `queue-lease:${queue}:${member}`;
// Contention retries for the JSON fallback: every racer but one retries each round, so allow many.
const fallbackRetries = 10_000;
const recoveryLeaseSeconds = 5;

/** The queue operations of a store without native ones, as a JSON list per queue updated with compare-and-set (`updateJson`). */
export function jsonQueueOperations(store: Store, updateJson: typeof UpdateJson): QueueOperations {
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
