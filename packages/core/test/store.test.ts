import { describe, expect, it } from 'vitest';
import { claimOnce, createMemoryStore, updateJson } from '../src/index.js';

describe('memory store', () => {
  it('gets, sets, deletes', async () => {
    const store = createMemoryStore();
    expect(await store.get('a')).toBeUndefined();
    await store.set('a', 'one');
    expect(await store.get('a')).toBe('one');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
  });

  it('expires keys by TTL on the injected clock', async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    await store.set('a', 'one', { ttlSeconds: 10 });
    now = 9_999;
    expect(await store.get('a')).toBe('one');
    now = 10_000;
    expect(await store.get('a')).toBeUndefined();
    expect(store.size()).toBe(0);
  });

  it('drops expired entries that are never read again, as it writes others', async () => {
    // A delivery's document or a JWT's jti is written once and read only if the delivery comes again: expiry on read
    // alone kept every one of them for the life of the process.
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    for (let index = 0; index < 10_000; index++) await store.set(`once:${index}`, 'document', { ttlSeconds: 60 });
    await store.set('kept', 'forever');
    expect(store.held()).toBe(10_001);
    now = 61_000;
    for (let index = 0; index < 20_000; index++) await store.set(`later:${index}`, 'document', { ttlSeconds: 3_600 });
    // Two entries looked at per write: 40,000 steps cover the 30,001 held at least once, so none of the expired is left.
    expect(store.held()).toBe(20_001);
    expect(await store.get('kept')).toBe('forever');
    expect(await store.get('later:0')).toBe('document');
    expect(await store.get('once:0')).toBeUndefined();
  });

  it('keeps an entry whose TTL was renewed, while sweeping around it', async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    await store.set('position', 'menu', { ttlSeconds: 10 });
    for (let index = 0; index < 100; index++) await store.set(`other:${index}`, 'x', { ttlSeconds: 10 });
    now = 9_000;
    await store.set('position', 'hours', { ttlSeconds: 10 });
    now = 12_000;
    for (let index = 0; index < 500; index++) await store.set(`next:${index}`, 'x', { ttlSeconds: 10 });
    expect(store.held()).toBe(501);
    expect(await store.get('position')).toBe('hours');
    now = 19_000;
    expect(await store.get('position')).toBeUndefined();
  });

  it('increments atomically and keeps an existing TTL', async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    expect(await store.increment('n')).toBe(1);
    expect(await store.increment('n', 5)).toBe(6);
    await store.set('t', '1', { ttlSeconds: 5 });
    expect(await store.increment('t')).toBe(2);
    now = 5_000;
    expect(await store.get('t')).toBeUndefined();
    await store.set('text', 'x');
    await expect(store.increment('text')).rejects.toThrow(/non-integer/);
  });

  it('compare-and-set writes only on a match, including "absent"', async () => {
    const store = createMemoryStore();
    expect(await store.compareAndSet('k', undefined, 'a')).toBe(true);
    expect(await store.compareAndSet('k', undefined, 'b')).toBe(false);
    expect(await store.compareAndSet('k', 'x', 'b')).toBe(false);
    expect(await store.compareAndSet('k', 'a', 'b')).toBe(true);
    expect(await store.get('k')).toBe('b');
  });

  it('claimOnce de-duplicates deliveries', async () => {
    const store = createMemoryStore();
    expect(await claimOnce(store, 'event:1')).toBe(true);
    expect(await claimOnce(store, 'event:1')).toBe(false);
    expect(await claimOnce(store, 'event:2')).toBe(true);
  });

  it('updateJson applies concurrent updates without losing any', async () => {
    const store = createMemoryStore();
    await Promise.all(Array.from({ length: 50 }, (_, index) => updateJson<number[]>(store, 'queue', (list) => [...(list ?? []), index])));
    const list = JSON.parse((await store.get('queue'))!) as number[];
    expect(list).toHaveLength(50);
    expect(new Set(list).size).toBe(50);
    await updateJson<number[]>(store, 'queue', () => undefined);
    expect(await store.get('queue')).toBeUndefined();
  });
});
