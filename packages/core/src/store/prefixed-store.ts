import type { Store } from './store.js';
import { hasNativeQueues, type QueueOperations } from './store-queue.js';

/**
 * A view of `store` where every key (and queue name) starts with `prefix`, so several applications can share one store.
 * @example
 * const store = withKeyPrefix(createMemoryStore(), 'billing-ivr:');
 */
export function withKeyPrefix(store: Store, prefix: string): Store {
  const prefixed: Store = {
    get: (key) => store.get(prefix + key),
    set: (key, value, options) => store.set(prefix + key, value, options),
    increment: (key, by, options) => store.increment(prefix + key, by, options),
    compareAndSet: (key, expected, value, options) => store.compareAndSet(prefix + key, expected, value, options),
    delete: (key) => store.delete(prefix + key),
  };
  if (store.claim) {
    const claim = store.claim.bind(store);
    prefixed.claim = (request) =>
      claim({
        ...request,
        key: prefix + request.key,
        ...(request.unlessPresent === undefined ? {} : { unlessPresent: prefix + request.unlessPresent }),
        ...(request.read === undefined ? {} : { read: request.read.map((key) => prefix + key) }),
        ...(request.alsoSet === undefined ? {} : { alsoSet: request.alsoSet.map((write) => ({ ...write, key: prefix + write.key })) }),
        ...(request.guard === undefined ? {} : { guard: { ...request.guard, key: prefix + request.guard.key } }),
      });
  }
  if (store.setMany) {
    const setMany = store.setMany.bind(store);
    prefixed.setMany = (writes) => setMany(writes.map((write) => ({ ...write, key: prefix + write.key })));
  }
  if (!hasNativeQueues(store)) return prefixed;
  const queues: QueueOperations = {
    queuePush: (queue, member, options) => store.queuePush(prefix + queue, member, options),
    queuePosition: (queue, member) => store.queuePosition(prefix + queue, member),
    queueShift: (queue) => store.queueShift(prefix + queue),
    queueRemove: (queue, member) => store.queueRemove(prefix + queue, member),
    queueMembers: (queue) => store.queueMembers(prefix + queue),
    queueClaim: (queue, leaseSeconds) => store.queueClaim(prefix + queue, leaseSeconds),
    queueConfirm: (queue, member) => store.queueConfirm(prefix + queue, member),
    queueRelease: (queue, member) => store.queueRelease(prefix + queue, member),
  };
  return { ...prefixed, ...queues };
}
