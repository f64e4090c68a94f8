import { loadOnce } from '@callflow/core';
import type { Store } from '@callflow/core';
import { loadQueueChunk } from './vonage-chunks.js';
import type { QueueControlContext, VonageQueueControl } from './vonage-queue-control.js';
import type { QueuedCaller } from './vonage-queue.js';

// The emulated queue's public functions. Their code is in the queue chunk (vonage-queue-chunk.ts), which only a flow
// with an enqueue step (or an app that moves queued callers) loads; each of these loads it at its first call.

/** Builds the queue control over a handler's store and engine (the handler carries one): REST transfers move queued callers on. */
export function createQueueControl(context: QueueControlContext): VonageQueueControl {
  const ready = loadOnce(() => loadQueueChunk().then((chunk) => chunk.createQueueControl(context)));
  return {
    store: context.store,
    connectNextCaller: async (queue, target, client) => (await ready()).connectNextCaller(queue, target, client),
    queuedCallers: async (queue) => (await ready()).queuedCallers(queue),
    sweepQueue: async (queue, client) => (await ready()).sweepQueue(queue, client),
    transferToNode: async (callId, node, client) => (await ready()).transferToNode(callId, node, client),
  };
}

/**
 * Adds a caller at the back (or, when an agent attempt failed, the front) of a queue; returns the caller's 1-based position.
 * A caller already waiting keeps their place, so a redelivered webhook does not queue them twice.
 */
export async function addToQueue(store: Store, caller: QueuedCaller, where: 'back' | 'front' = 'back'): Promise<number> {
  return (await loadQueueChunk()).addToQueue(store, caller, where);
}

/**
 * Takes the caller at the front of a queue for a move; exactly one of several racing takers (on any instance) gets each
 * caller, reserved until `confirmTaken` or `addToQueue(…, 'front')` (see vonage-queue.ts).
 */
export async function takeFromQueue(store: Store, queue: string): Promise<QueuedCaller | undefined> {
  return (await loadQueueChunk()).takeFromQueue(store, queue);
}

/** Removes a caller from whatever queue holds them (hang-up); returns the queue name when this call removed them. */
export async function removeFromQueue(store: Store, callId: string): Promise<string | undefined> {
  return (await loadQueueChunk()).removeFromQueue(store, callId);
}

/** The callers waiting in a queue, front first. */
export async function listQueue(store: Store, queue: string): Promise<QueuedCaller[]> {
  return (await loadQueueChunk()).listQueue(store, queue);
}
