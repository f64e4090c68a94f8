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
