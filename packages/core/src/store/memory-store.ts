import type { Store, StoreWriteOptions } from './store.js';

/** Options for the in-memory store. */
export interface MemoryStoreOptions {
  /** The clock in ms, for TTLs; default `Date.now`. */
  now?: () => number;
}

/** The in-memory store: a `Store`, and what it holds. */
export interface MemoryStore extends Store {
  /** The entries that have not expired (expired ones are dropped on the way). */
  size(): number;
  /** The entries held in memory now, expired ones not yet swept included (for tests and diagnostics). */
  held(): number;
}

type Entry = { value: string; expiresAt: number };

// Entries looked at for expiry per write. Most keys are written once and never read again (a delivery's document, a JWT's
// jti), so expiry on read alone would keep them for the life of the process. Two per write visit every entry within about
// as many writes as the store holds: what it holds stays within about twice what was written in one TTL.
const sweptPerWrite = 2;

/** A `Store` in this process's memory: right for one instance and for tests. */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  // Where the sweep has got to: a live iterator over `entries` (V8's Map iterators see deletions and later insertions).
  let sweep: MapIterator<[string, Entry]> | undefined;
  const sweepFrom = (at: number) => {
    for (let step = 0; step < sweptPerWrite; step++) {
      sweep ??= entries.entries();
      const next = sweep.next();
      if (next.done) {
        sweep = undefined;
        return;
      }
      if (next.value[1].expiresAt <= at) entries.delete(next.value[0]);
    }
  };
  /** The entry at `key` unless it has expired (then it is dropped). */
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const read = (key: string) => live(key)?.value;
  /** Writes `key`; `entry` is the live entry already found at it, if any (updated in place: one lookup fewer). */
  const write = (key: string, value: string, write: StoreWriteOptions = {}, entry?: Entry) => {
    const at = now();
    const expiresAt = write.ttlSeconds === undefined ? Infinity : at + write.ttlSeconds * 1000;
    if (entry) {
      entry.value = value;
      entry.expiresAt = expiresAt;
    } else entries.set(key, { value, expiresAt });
    sweepFrom(at);
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
      const entry = live(key);
      const previous = entry?.value;
      const claimed = replaces.includes(previous);
      if (claimed) write(key, value, { ttlSeconds }, entry);
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
      const existing = live(key);
      const number = existing === undefined ? 0 : Number(existing.value);
      if (!Number.isInteger(number)) throw new Error(`[callflow] cannot increment non-integer value at '${key}'`);
      const next = number + by;
      write(
        key,
        String(next),
        writeOptions ?? (existing && existing.expiresAt !== Infinity ? { ttlSeconds: (existing.expiresAt - now()) / 1000 } : {}),
        existing,
      );
      return next;
    },
    async compareAndSet(key, expected, value, writeOptions) {
      const entry = live(key);
      if (entry?.value !== expected) return false;
      write(key, value, writeOptions, entry);
      return true;
    },
    async delete(key) {
      entries.delete(key);
    },
    size() {
      for (const key of [...entries.keys()]) read(key);
      return entries.size;
    },
    held() {
      return entries.size;
    },
  };
}
