import type { Store, StoreWriteOptions } from './store.js';

/** Options for the in-memory store. */
export interface MemoryStoreOptions {
  /** The clock in ms, for TTLs; default `Date.now`. */
  now?: () => number;
}

/** A `Store` in this process's memory: right for one instance and for tests. */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store & { size(): number } {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const read = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry?.value;
  };
  const write = (key: string, value: string, write: StoreWriteOptions = {}) => {
    entries.set(key, { value, expiresAt: write.ttlSeconds === undefined ? Infinity : now() + write.ttlSeconds * 1000 });
  };
  return {
    /** `claimKey` in one synchronous step: nothing else runs in between, so it is atomic as the contract asks. */
    async claim({ key, value, replaces = [undefined], unlessPresent, read: keys = [], alsoSet = [], guard, ttlSeconds }) {
      const held = guard && read(guard.key);
      if (held !== undefined && held !== guard!.value)
        return { claimed: false, previous: undefined, blocker: undefined, values: [], guarded: held };
      if (guard && held === undefined) write(guard.key, guard.value, guard);
      const blocker = unlessPresent === undefined ? undefined : read(unlessPresent);
      if (blocker !== undefined) return { claimed: false, previous: undefined, blocker, values: [] };
      const previous = read(key);
      const claimed = replaces.includes(previous);
      if (claimed) write(key, value, { ttlSeconds });
      for (const each of alsoSet) write(each.key, each.value, each);
      return { claimed, previous, blocker, values: keys.map((other) => read(other)) };
    },
    async setMany(writes) {
      for (const each of writes) write(each.key, each.value, each);
    },
    async get(key) {
      return read(key);
    },
    async set(key, value, writeOptions) {
      write(key, value, writeOptions);
    },
    async increment(key, by = 1, writeOptions) {
      const current = read(key);
      const number = current === undefined ? 0 : Number(current);
      if (!Number.isInteger(number)) throw new Error(`[callflow] cannot increment non-integer value at '${key}'`);
      const next = number + by;
      const existing = entries.get(key);
      write(
        key,
        String(next),
        writeOptions ?? (existing && existing.expiresAt !== Infinity ? { ttlSeconds: (existing.expiresAt - now()) / 1000 } : {}),
      );
      return next;
    },
    async compareAndSet(key, expected, value, writeOptions) {
      if (read(key) !== expected) return false;
      write(key, value, writeOptions);
      return true;
    },
    async delete(key) {
      entries.delete(key);
    },
    size() {
      for (const key of [...entries.keys()]) read(key);
      return entries.size;
    },
  };
}
