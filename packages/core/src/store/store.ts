/** Options for writes. */
export interface StoreWriteOptions {
  /** Seconds until the key disappears; default: never. */
  ttlSeconds?: number;
}

/**
 * Shared state for what one call cannot carry in its token: queues, conference rooms, webhook de-duplication.
 * Every operation is atomic on its key.
 */
export interface Store {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: StoreWriteOptions): Promise<void>;
  /** Adds `by` (default 1) to an integer value (missing counts as 0) and returns the result. */
  increment(key: string, by?: number, options?: StoreWriteOptions): Promise<number>;
  /** Writes `value` only if the current value is `expected` (`undefined`: only if absent). True when written. */
  compareAndSet(key: string, expected: string | undefined, value: string, options?: StoreWriteOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Optional: `claimKey` in one step (one round trip); without it `claimKey` runs it through the operations above. */
  claim?(request: StoreClaim): Promise<StoreClaimResult>;
  /** Optional: `setMany` in one step (one round trip); without it `setMany` writes one key after the other. */
  setMany?(writes: readonly StoreWrite[]): Promise<void>;
}

/** A claim of one key, with what a webhook reads beside it (see `claimKey`). */
export interface StoreClaim {
  /** The key to write. */
  key: string;
  /** The value written when the claim succeeds. */
  value: string;
  /** The values of `key` the claim may replace (`undefined`: absent); default `[undefined]`, an absent key only. */
  replaces?: ReadonlyArray<string | undefined>;
  /** Seconds until `key` disappears once claimed; default: never. */
  ttlSeconds?: number;
  /** A key whose presence refuses the claim (e.g. the answer already stored for this delivery); its value comes back as `blocker`. */
  unlessPresent?: string;
  /** Other keys read after the claim; their values come back in `values`, in order. */
  read?: readonly string[];
  /** Other keys written in the same step, whether or not the claim succeeds (not when blocked), e.g. a delivery's done marker. */
  alsoSet?: readonly StoreWrite[];
  /**
   * A replay record checked before anything else (e.g. a JWT's jti with the request it came with): written when absent, kept
   * when it holds `guard.value`; when it holds another value nothing is written or read and that value comes back as `guarded`.
   */
  guard?: StoreWrite;
}

/** What `claimKey` found and did. */
export interface StoreClaimResult {
  /** True when `value` was written. */
  claimed: boolean;
  /** The value of `key` the claim saw (replaced when claimed, kept when refused); `undefined` when absent or blocked. */
  previous: string | undefined;
  /** The value of `unlessPresent` when present: then nothing was written, and `key` and `read` were not read. */
  blocker: string | undefined;
  /** The values of `read`, in order (empty when blocked). */
  values: Array<string | undefined>;
  /** Present only when `guard.key` held another value than `guard.value`: that value; then nothing was written or read. */
  guarded?: string;
}

/** One write of `setMany`. */
export interface StoreWrite {
  key: string;
  value: string;
  /** Seconds until the key disappears; default: never. */
  ttlSeconds?: number;
}

const absentOnly: ReadonlyArray<string | undefined> = [undefined];

/**
 * Writes `request.value` at `request.key` when `request.guard` allows it, the key's value is one the claim `replaces` and `unlessPresent` is absent, then
 * writes `request.alsoSet` and reads `request.read`: one atomic step (one round trip) on a store with a native `claim` (the Redis store), else get +
 * compare-and-set, each atomic on its key, retried while another writer changes the key to a value the claim replaces.
 * @example
 * const { claimed, values: [callRecord] } = await claimKey(store, { key: `event:${id}`, value: 'handling', read: [`call:${callId}`] });
 */
export function claimKey(store: Store, request: StoreClaim): Promise<StoreClaimResult> {
  return store.claim ? store.claim(request) : claimStepByStep(store, request);
}

/** `claimKey` through a store's single-key operations; what a store without a native `claim` (or a multi-slot claim) runs. */
export async function claimStepByStep(store: Store, request: StoreClaim): Promise<StoreClaimResult> {
  const { key, value, unlessPresent, read = [], alsoSet = [], replaces = absentOnly, guard } = request;
  if (guard) {
    const guarded = await claimGuard(store, guard);
    if (guarded !== undefined) return { claimed: false, previous: undefined, blocker: undefined, values: [], guarded };
  }
  const blocker = unlessPresent === undefined ? undefined : await store.get(unlessPresent);
  let claimed = false;
  let previous: string | undefined;
  if (blocker !== undefined) return { claimed, previous, blocker, values: [] };
  for (let attempt = 0; attempt < 50 && !claimed; attempt++) {
    // With one value to replace (an absent key, most often) the first attempt writes without reading.
    previous = attempt === 0 && replaces.length === 1 ? replaces[0] : await store.get(key);
    if (!replaces.includes(previous)) break;
    claimed = await store.compareAndSet(key, previous, value, request);
  }
  await setMany(store, alsoSet);
  return { claimed, previous, blocker, values: await Promise.all(read.map((readKey) => store.get(readKey))) };
}

/** Writes `guard` when absent; the value it holds when that is another value (a refusal), else undefined. */
async function claimGuard(store: Store, guard: StoreWrite): Promise<string | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await store.compareAndSet(guard.key, undefined, guard.value, guard)) return undefined;
    const held = await store.get(guard.key);
    // Gone again (its TTL ran out between the two steps): try to write it once more.
    if (held !== undefined) return held === guard.value ? undefined : held;
  }
  throw new Error(`[callflow] store contention on '${guard.key}' after 50 attempts`);
}

/**
 * Writes several keys: one step (one round trip, all or nothing) on a store with a native `setMany` (the Redis store), else one
 * `set` after the other, in order.
 */
export async function setMany(store: Store, writes: readonly StoreWrite[]): Promise<void> {
  if (store.setMany) return store.setMany(writes);
  for (const write of writes) await store.set(write.key, write.value, write);
}

/** Records `key` the first time it is seen; false on every later call within the TTL (webhook de-duplication). */
export function claimOnce(store: Store, key: string, ttlSeconds = 86_400): Promise<boolean> {
  return store.compareAndSet(key, undefined, '1', { ttlSeconds });
}

/**
 * Read-modify-write of a JSON value with compare-and-set, retried on contention.
 * `update` returns the new value, or `undefined` to delete the key.
 */
export async function updateJson<T>(
  store: Store,
  key: string,
  update: (current: T | undefined) => T | undefined,
  options: StoreWriteOptions & { maxRetries?: number } = {},
): Promise<T | undefined> {
  const maxRetries = options.maxRetries ?? 50;
  for (let attempt = 0; attempt < maxRetries; attempt++) {
    const raw = await store.get(key);
    const current = raw === undefined ? undefined : (JSON.parse(raw) as T);
    const next = update(current);
    if (next === undefined) {
      if (raw === undefined) return undefined;
      // Delete only if unchanged: swap to a tombstone first.
      if (await store.compareAndSet(key, raw, 'null', { ttlSeconds: 1 })) {
        await store.delete(key);
        return undefined;
      }
      continue;
    }
    const serialised = JSON.stringify(next);
    if (await store.compareAndSet(key, raw, serialised, options)) return next;
  }
  throw new Error(`[callflow] store contention on '${key}' after ${maxRetries} attempts`);
}
