import type { Logger } from '../engine/adapter.js';
import { claimKey, setMany, type Store, type StoreClaimResult, type StoreWrite } from '../store/store.js';

const ttlSeconds = 86_400;
/** The position of a call that has ended. */
export const endedPosition = 'ended';
// How long a delivery being processed holds the call's position before a retry of the same webhook may take over.
const busyLeaseMs = 4_000;
const busyMarker = (position: string, untilMs: number) => `busy:${untilMs}:${position}`;

function parseBusy(value = ''): { position: string; until: number } | undefined {
  const match = /^busy:(\d+):(.*)$/s.exec(value);
  return match ? { until: Number(match[1]), position: match[2]! } : undefined;
}

/** What a delivery's work produced: the document to send, and the position the call moves to with it. */
export interface ReplyWork {
  document: string;
  /** A token, or `endedPosition`. */
  moveTo: string;
}

/** A position claimed ahead of `run`, e.g. in the store step of the signature's replay check (see `ReplyOnce.claim`). */
export interface PositionClaim {
  readonly callId: string;
  readonly position: string;
  readonly deliveryId: string;
  /** The busy marker written when claimed. */
  readonly marker: string;
  readonly result: StoreClaimResult;
}

/** Each call's position and the documents already sent, for a provider whose turns are documents in the reply. */
export interface ReplyOnce {
  /** The document already sent for this delivery, if any. */
  cached(callId: string, deliveryId: string): Promise<string | undefined>;
  /** Remembers the document sent for a delivery and, with `moveTo`, the call's new position in the same store step. */
  remember(callId: string, deliveryId: string, document: string, moveTo?: string): Promise<void>;
  /**
   * Runs `work` once for a position, then records its document and the call's new position in one store step: a repeated
   * delivery gets the same document back, one for a position the call has left is `stale`, one racing a delivery in
   * progress waits for its document.
   */
  run(
    callId: string,
    position: string,
    deliveryId: string,
    work: () => Promise<ReplyWork>,
    claimed?: PositionClaim,
  ): Promise<string | 'stale'>;
  /**
   * `run`'s claim taken ahead, with a replay record (`guard`) and other keys to read in the same store step; only a call
   * recorded at `position` is claimed (not one the store has no record of), so a token not yet verified writes nothing.
   * Hand the result to `run`.
   */
  claim(
    callId: string,
    position: string,
    deliveryId: string,
    also: { guard?: StoreWrite; read?: readonly string[] },
  ): Promise<PositionClaim>;
  /** Records the call's position (a token, or `endedPosition`). */
  moveTo(callId: string, position: string): Promise<void>;
  /** The call's recorded position, unless a delivery holds it. */
  current(callId: string): Promise<string | undefined>;
}

/**
 * The position guard for document providers; keys are `<provider>:current:<callId>` and `<provider>:response:<callId>:<deliveryId>`.
 * A first delivery costs two store steps: the claim (the cached document, the position and the busy lease, `claimKey`) and the
 * commit (the document and the new position, `setMany`).
 */
export function createReplyOnce(store: Store, provider: string, logger: Logger): ReplyOnce {
  const currentKey = (callId: string) => `${provider}:current:${callId}`;
  const responseKey = (callId: string, deliveryId: string) => `${provider}:response:${callId}:${deliveryId}`;
  // The call's new position, then the document sent for the delivery: one store step where the store can.
  const commit = (callId: string, deliveryId: string, document: string, moveTo?: string) =>
    setMany(store, [
      ...(moveTo === undefined ? [] : [{ key: currentKey(callId), value: moveTo, ttlSeconds }]),
      { key: responseKey(callId, deliveryId), value: document, ttlSeconds },
    ]);
  return {
    cached: (callId, deliveryId) => store.get(responseKey(callId, deliveryId)),
    remember: commit,
    moveTo: (callId, position) => store.set(currentKey(callId), position, { ttlSeconds }),
    async current(callId) {
      const value = await store.get(currentKey(callId));
      return value === undefined || parseBusy(value) ? undefined : value;
    },
    async claim(callId, position, deliveryId, also) {
      const marker = busyMarker(position, Date.now() + busyLeaseMs);
      const result = await claimKey(store, {
        key: currentKey(callId),
        value: marker,
        replaces: [position],
        ttlSeconds,
        unlessPresent: responseKey(callId, deliveryId),
        ...also,
      });
      return { callId, position, deliveryId, marker, result };
    },
    async run(callId, position, deliveryId, work, claimed) {
      const cacheKey = responseKey(callId, deliveryId);
      const key = currentKey(callId);
      const ahead =
        claimed?.callId === callId &&
        claimed.position === position &&
        claimed.deliveryId === deliveryId &&
        claimed.result.guarded === undefined &&
        // A call the store has no record of was not claimed ahead: the claim below may take it.
        (claimed.result.blocker !== undefined || claimed.result.previous !== undefined)
          ? claimed
          : undefined;
      let claim = ahead?.marker ?? busyMarker(position, Date.now() + busyLeaseMs);
      // The call at this position (or new to the store) and no document for this delivery yet: held by this delivery.
      const first =
        ahead?.result ??
        (await claimKey(store, { key, value: claim, replaces: [undefined, position], ttlSeconds, unlessPresent: cacheKey }));
      if (first.blocker !== undefined) return first.blocker;
      if (!first.claimed) {
        let current = first.previous;
        let busy = parseBusy(current);
        if (busy?.position === position) {
          // Another delivery of this webhook is being processed: answer with its document once it is ready, or take
          // over when its lease ran out (the instance processing it died, or lost its store mid-way).
          for (let waited = 0; waited < 5000 && busy?.position === position && busy.until > Date.now(); waited += 25) {
            await new Promise((resolve) => setTimeout(resolve, 25));
            const ready = await store.get(cacheKey);
            if (ready !== undefined) return ready;
            current = await store.get(key);
            busy = parseBusy(current);
          }
          const ready = await store.get(cacheKey);
          if (ready !== undefined) return ready;
        }
        if (busy?.position !== position || busy.until > Date.now()) {
          logger.info?.(`[callflow:${provider}] stale webhook ignored: the call has moved on`, { callId });
          return 'stale';
        }
        claim = busyMarker(position, Date.now() + busyLeaseMs);
        if (!(await store.compareAndSet(key, current, claim, { ttlSeconds }))) return 'stale';
      }
      try {
        const { document, moveTo } = await work();
        await commit(callId, deliveryId, document, moveTo);
        return document;
      } catch (error) {
        // Put the position back so the provider's retry resumes it; if the store is down, the lease runs out instead.
        await store.compareAndSet(key, claim, position, { ttlSeconds }).catch(() => undefined);
        throw error;
      }
    },
  };
}
