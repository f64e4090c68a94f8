import { updateJson, type Store } from '@callflow/core';

/** One caller waiting in an emulated Vonage queue. */
export interface QueuedCaller {
  callId: string;
  /** The continuation token of the caller's enqueue step. */
  token: string;
  queue: string;
  /** When the caller joined, in ms since the epoch. */
  enqueuedAt: number;
}

const queueKey = (queue: string) => `vonage:queue:${queue}`;
const memberKey = (callId: string) => `vonage:queued:${callId}`;

/** Adds a caller at the back (or, when an agent attempt failed, the front) of a queue; returns the caller's 1-based position. */
export async function addToQueue(store: Store, caller: QueuedCaller, where: 'back' | 'front' = 'back'): Promise<number> {
  let position = 0;
  await updateJson<QueuedCaller[]>(store, queueKey(caller.queue), (current = []) => {
    const others = current.filter((entry) => entry.callId !== caller.callId);
    const next = where === 'front' ? [caller, ...others] : [...others, caller];
    position = next.findIndex((entry) => entry.callId === caller.callId) + 1;
    return next;
  });
  await store.set(memberKey(caller.callId), caller.queue, { ttlSeconds: 86_400 });
  return position;
}

/** Takes the caller at the front of a queue, if any. */
export async function takeFromQueue(store: Store, queue: string): Promise<QueuedCaller | undefined> {
  let taken: QueuedCaller | undefined;
  await updateJson<QueuedCaller[]>(store, queueKey(queue), (current = []) => {
    taken = current[0];
    return current.length > 1 ? current.slice(1) : undefined;
  });
  if (taken) await store.delete(memberKey(taken.callId));
  return taken;
}

/** Removes a caller from whatever queue holds them (hang-up); returns the queue name. */
export async function removeFromQueue(store: Store, callId: string): Promise<string | undefined> {
  const queue = await store.get(memberKey(callId));
  if (queue === undefined) return undefined;
  await updateJson<QueuedCaller[]>(store, queueKey(queue), (current = []) => {
    const next = current.filter((entry) => entry.callId !== callId);
    return next.length ? next : undefined;
  });
  await store.delete(memberKey(callId));
  return queue;
}

/** The callers waiting in a queue, front first. */
export async function listQueue(store: Store, queue: string): Promise<QueuedCaller[]> {
  const raw = await store.get(queueKey(queue));
  return raw === undefined || raw === 'null' ? [] : (JSON.parse(raw) as QueuedCaller[]);
}
