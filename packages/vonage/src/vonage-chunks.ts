import { loadOnce } from '@callflow/core';

/**
 * The emulated queue (joining, the hold loop, its control), in a chunk of its own that a handler loads when its flow
 * has an enqueue step or a dynamic node, and otherwise at the first use of its queue control.
 */
export const loadQueueChunk = loadOnce(() => import('./vonage-queue-chunk.js'));

/** Moving live calls (machine detection's result, REST transfers), in a chunk of its own: loaded by the first that needs it. */
export const loadLiveCallChunk = loadOnce(() => import('./vonage-live-call-chunk.js'));
