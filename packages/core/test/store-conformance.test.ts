import { describe, expect, it } from 'vitest';
// Imported by path, not through @callflow/testing's index, so core's tests do not depend on the emulators compiling.
import { storeConformanceCases, type StoreConformanceClock } from '../../testing/src/store-conformance.js';
import { createMemoryStore, hasNativeQueues, storeQueue, withKeyPrefix } from '../src/index.js';

const fakeClock = () => {
  let nowMs = 1_700_000_000_000;
  const clock: StoreConformanceClock = {
    async advanceSeconds(seconds) {
      nowMs += seconds * 1000;
    },
  };
  return { now: () => nowMs, clock };
};

describe('memory store conformance', () => {
  it('has cases to run', () => {
    expect(storeConformanceCases.length).toBeGreaterThanOrEqual(13);
  });

  for (const conformanceCase of storeConformanceCases) {
    it(conformanceCase.name, async () => {
      const { now, clock } = fakeClock();
      await conformanceCase.run(createMemoryStore({ now }), clock);
    });
  }

  it('the memory store has no native queues, so queues use the compare-and-set JSON fallback', async () => {
    const store = createMemoryStore();
    expect(hasNativeQueues(store)).toBe(false);
    await storeQueue(store, 'support').push('CA1');
    expect(await store.get('queue:support')).toBe('["CA1"]');
    expect(await storeQueue(withKeyPrefix(store, 'app:'), 'support').push('CA2')).toBe(1);
    expect(await store.get('app:queue:support')).toBe('["CA2"]');
  });

  it('a case fails on a store that breaks the contract', async () => {
    const store = createMemoryStore();
    const broken = { ...store, compareAndSet: async () => true };
    const race = storeConformanceCases.find((entry) => entry.name.includes('concurrent compare-and-sets'))!;
    await expect(race.run(broken)).rejects.toThrow();
  });
});
