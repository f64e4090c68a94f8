import { CallFlowError, loadOnce, retryLaterReason } from '@callflow/core';

/**
 * A loader of one of the adapter's chunks (`loadOnce`: loaded once, a failed load tried again by the next caller). A load
 * that fails is a `retry-later` error, so the webhook that needed the chunk is answered 503 and Vonage retries it.
 */
function chunkLoader<T>(feature: string, load: () => Promise<T>): () => Promise<T> {
  return loadOnce(() =>
    load().catch((error: unknown) => {
      throw new CallFlowError(
        'missing-package',
        `the Vonage ${feature} chunk could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
        { provider: 'vonage', reason: retryLaterReason, cause: error },
      );
    }),
  );
}

/**
 * The emulated queue (joining, the hold loop, its control), in a chunk of its own that a handler loads when its flow
 * has an enqueue step or a dynamic node, and otherwise at the first use of its queue control.
 */
export const loadQueueChunk = chunkLoader('queue', () => import('./vonage-queue-chunk.js'));

/** Moving live calls (machine detection's result, REST transfers), in a chunk of its own: loaded by the first that needs it. */
export const loadLiveCallChunk = chunkLoader('live-call', () => import('./vonage-live-call-chunk.js'));

/** A transfer's NCCO and the called party's webhooks, in a chunk of their own: loaded by a handler whose flow transfers. */
export const loadTransferChunk = chunkLoader('transfer', () => import('./vonage-transfer-chunk.js'));

/**
 * The record and conference steps' NCCOs and the wait for a recording, in a chunk of their own: loaded by a handler whose
 * flow records or has a conference.
 */
export const loadRecordConferenceChunk = chunkLoader('record and conference', () => import('./vonage-record-conference-chunk.js'));
