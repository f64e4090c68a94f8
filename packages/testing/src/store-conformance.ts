import assert from 'node:assert/strict';
import { claimKey, claimOnce, setMany, storeQueue, updateJson, withKeyPrefix, type Store } from '@callflow/core';

/** How a conformance case lets time pass: a fake clock for the memory store, real sleeping for a server. */
export interface StoreConformanceClock {
  advanceSeconds(seconds: number): Promise<void>;
}

/** One behaviour every `Store` must have; `run` throws (node:assert) when the store does not. */
export interface StoreConformanceCase {
  name: string;
  run(store: Store, clock?: StoreConformanceClock): Promise<void>;
}

const realClock: StoreConformanceClock = {
  advanceSeconds: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
};

// Each run works under its own random key space, so cases can share one store (and one Redis database).
const keySpace = (name: string) => `conformance:${name}:${Math.random().toString(36).slice(2, 10)}:`;

const killedMarker = new Error('[conformance] this instance was killed here');

/** A view of `store` that dies (every call throws) from its `step`-th operation on, like a process killed there. */
function killableStore(store: Store) {
  return {
    killed: killedMarker,
    killAt(step: number) {
      let count = 0;
      const operation = () => {
        if (count++ >= step) throw killedMarker;
      };
      const view: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(store as unknown as Record<string, unknown>)) {
        view[name] =
          typeof value === 'function'
            ? async (...args: unknown[]) => {
                operation();
                return (value as (...callArgs: unknown[]) => unknown).apply(store, args);
              }
            : value;
      }
      return { store: view as unknown as Store, operation };
    },
  };
}

const times = <T>(count: number, make: (index: number) => T): T[] => Array.from({ length: count }, (_, index) => make(index));

/**
 * The shared store contract, framework-agnostic: run every case against each store implementation.
 * @example
 * for (const { name, run } of storeConformanceCases) it(name, () => run(createMemoryStore()));
 */
export const storeConformanceCases: StoreConformanceCase[] = [
  {
    name: 'get, set, overwrite and delete round-trip any string',
    async run(store) {
      const key = keySpace('round-trip');
      assert.equal(await store.get(`${key}missing`), undefined);
      for (const value of ['one', '', 'ünïcødé ☎', JSON.stringify({ queue: ['CA1', 'CA2'], nested: { n: 1 } }), 'x'.repeat(10_000)]) {
        await store.set(`${key}a`, value);
        assert.equal(await store.get(`${key}a`), value);
      }
      await store.set(`${key}a`, 'last');
      assert.equal(await store.get(`${key}a`), 'last');
      await store.delete(`${key}a`);
      assert.equal(await store.get(`${key}a`), undefined);
      await store.delete(`${key}never-written`);
      assert.equal(await store.compareAndSet(`${key}a`, undefined, 'again'), true, 'a deleted key counts as absent');
    },
  },
  {
    name: 'keys expire after their TTL; a write without TTL clears it',
    async run(store, clock = realClock) {
      const key = keySpace('ttl');
      await store.set(`${key}short`, 'one', { ttlSeconds: 1 });
      await store.set(`${key}cleared`, 'one', { ttlSeconds: 1 });
      await store.set(`${key}cleared`, 'two');
      assert.equal(await store.compareAndSet(`${key}cas`, undefined, 'one', { ttlSeconds: 1 }), true);
      await store.set(`${key}long`, 'one', { ttlSeconds: 60 });
      await clock.advanceSeconds(0.2);
      assert.equal(await store.get(`${key}short`), 'one', 'still there before the TTL');
      await clock.advanceSeconds(1);
      assert.equal(await store.get(`${key}short`), undefined, 'gone after the TTL');
      assert.equal(await store.get(`${key}cas`), undefined, 'compare-and-set honours ttlSeconds');
      assert.equal(await store.get(`${key}cleared`), 'two', 'a later write without TTL keeps the key');
      assert.equal(await store.get(`${key}long`), 'one');
      assert.equal(await store.compareAndSet(`${key}short`, undefined, 'fresh'), true, 'an expired key counts as absent');
    },
  },
  {
    name: 'increment counts from 0, adds any integer, keeps an existing TTL, and refuses text',
    async run(store, clock = realClock) {
      const key = keySpace('increment');
      assert.equal(await store.increment(`${key}n`), 1);
      assert.equal(await store.increment(`${key}n`, 5), 6);
      assert.equal(await store.increment(`${key}n`, -10), -4);
      assert.equal(await store.get(`${key}n`), '-4');
      await store.set(`${key}kept`, '7', { ttlSeconds: 0.5 });
      assert.equal(await store.increment(`${key}kept`), 8);
      assert.equal(await store.increment(`${key}fresh`, 1, { ttlSeconds: 0.5 }), 1);
      await clock.advanceSeconds(0.7);
      assert.equal(await store.get(`${key}kept`), undefined, 'increment keeps the TTL the key had');
      assert.equal(await store.get(`${key}fresh`), undefined, 'increment applies ttlSeconds');
      assert.equal(await store.get(`${key}n`), '-4');
      await store.set(`${key}text`, 'hello');
      await assert.rejects(store.increment(`${key}text`));
      assert.equal(await store.get(`${key}text`), 'hello', 'a refused increment writes nothing');
    },
  },
  {
    name: '200 parallel increments each get a distinct value and none is lost',
    async run(store) {
      const key = `${keySpace('increment-race')}n`;
      const results = await Promise.all(times(200, () => store.increment(key)));
      assert.deepEqual(
        [...results].sort((a, b) => a - b),
        times(200, (index) => index + 1),
      );
      assert.equal(await store.get(key), '200');
    },
  },
  {
    name: 'compare-and-set writes only when the current value matches (undefined: only if absent)',
    async run(store) {
      const key = `${keySpace('cas')}k`;
      assert.equal(await store.compareAndSet(key, undefined, 'a'), true);
      assert.equal(await store.compareAndSet(key, undefined, 'b'), false);
      assert.equal(await store.compareAndSet(key, 'x', 'b'), false);
      assert.equal(await store.compareAndSet(key, '', 'b'), false, 'the empty string is not absence');
      assert.equal(await store.get(key), 'a');
      assert.equal(await store.compareAndSet(key, 'a', 'b'), true);
      assert.equal(await store.get(key), 'b');
      await store.set(key, '');
      assert.equal(await store.compareAndSet(key, undefined, 'c'), false, 'an empty value is present');
      assert.equal(await store.compareAndSet(key, '', 'c'), true);
    },
  },
  {
    name: 'exactly one of 50 concurrent compare-and-sets from the same expected value wins',
    async run(store) {
      const key = keySpace('cas-race');
      await store.set(`${key}present`, 'v0');
      const fromValue = await Promise.all(times(50, (index) => store.compareAndSet(`${key}present`, 'v0', `winner-${index}`)));
      assert.equal(fromValue.filter(Boolean).length, 1);
      assert.equal(await store.get(`${key}present`), `winner-${fromValue.indexOf(true)}`);
      const fromAbsent = await Promise.all(times(50, (index) => store.compareAndSet(`${key}absent`, undefined, `winner-${index}`)));
      assert.equal(fromAbsent.filter(Boolean).length, 1);
      assert.equal(await store.get(`${key}absent`), `winner-${fromAbsent.indexOf(true)}`);
    },
  },
  {
    name: 'claimOnce lets exactly one of 100 duplicate deliveries through, per key, until the TTL',
    async run(store, clock = realClock) {
      const key = keySpace('claim');
      // The burst's claims live 60 s: on a loaded machine the burst itself may take longer than a short TTL, and a claim
      // that ran out mid-burst would let a second delivery through for the machine's speed. The TTL runs out on its own key.
      const claims = await Promise.all(times(100, () => claimOnce(store, `${key}event-1`, 60)));
      assert.equal(claims.filter(Boolean).length, 1);
      assert.equal(await claimOnce(store, `${key}event-2`, 60), true, 'another event id is independent');
      assert.equal(await claimOnce(store, `${key}event-1`, 60), false);
      assert.equal(await claimOnce(store, `${key}event-3`, 0.5), true);
      await clock.advanceSeconds(0.7);
      assert.equal(await claimOnce(store, `${key}event-3`), true, 'claimable again after the TTL');
    },
  },
  {
    name: 'updateJson under contention applies 50 concurrent updates without losing one',
    async run(store) {
      const key = `${keySpace('update-json')}list`;
      await Promise.all(times(50, (index) => updateJson<number[]>(store, key, (list = []) => [...list, index], { maxRetries: 200 })));
      const list = JSON.parse((await store.get(key)) ?? '[]') as number[];
      assert.equal(list.length, 50);
      assert.deepEqual(
        [...list].sort((a, b) => a - b),
        times(50, (index) => index),
      );
      assert.equal(await updateJson<number[]>(store, key, () => undefined), undefined);
      assert.equal(await store.get(key), undefined, 'returning undefined deletes the key');
    },
  },
  {
    name: 'delete removes a value and its TTL; deleting twice is harmless',
    async run(store, clock = realClock) {
      const key = keySpace('delete');
      await store.set(`${key}a`, 'one', { ttlSeconds: 0.5 });
      await store.delete(`${key}a`);
      await store.delete(`${key}a`);
      assert.equal(await store.get(`${key}a`), undefined);
      await store.set(`${key}a`, 'two');
      await clock.advanceSeconds(0.7);
      assert.equal(await store.get(`${key}a`), 'two', 'the old TTL did not survive the delete');
      await store.increment(`${key}n`, 3);
      await store.delete(`${key}n`);
      assert.equal(await store.increment(`${key}n`), 1, 'a deleted counter restarts at 0');
    },
  },
  {
    name: 'claimKey writes only over a value it replaces, refuses when its blocker is present, and reads its other keys',
    async run(store, clock = realClock) {
      const key = keySpace('claim');
      await store.set(`${key}call`, 'numbers');
      const first = await claimKey(store, { key: `${key}event`, value: 'handling', ttlSeconds: 1, read: [`${key}call`, `${key}none`] });
      assert.deepEqual(first, { claimed: true, previous: undefined, blocker: undefined, values: ['numbers', undefined] });
      const again = await claimKey(store, { key: `${key}event`, value: 'handling', read: [`${key}none`, `${key}call`] });
      assert.deepEqual(
        again,
        { claimed: false, previous: 'handling', blocker: undefined, values: [undefined, 'numbers'] },
        'a claimed key is refused',
      );
      assert.equal(await store.get(`${key}event`), 'handling');
      await store.set(`${key}position`, 'menu');
      const moved = await claimKey(store, { key: `${key}position`, value: 'busy', replaces: [undefined, 'menu'] });
      assert.deepEqual(moved, { claimed: true, previous: 'menu', blocker: undefined, values: [] }, 'a listed value is replaced');
      const other = await claimKey(store, { key: `${key}position`, value: 'busy-2', replaces: [undefined, 'menu'] });
      assert.deepEqual(other, { claimed: false, previous: 'busy', blocker: undefined, values: [] }, 'a value not listed is kept');
      assert.equal(
        (await claimKey(store, { key: `${key}position`, value: 'x', replaces: [''] })).claimed,
        false,
        'the empty string is not absence',
      );
      const fresh = await claimKey(store, { key: `${key}new`, value: 'busy', replaces: [undefined, 'menu'] });
      assert.equal(fresh.claimed, true, 'an absent key is replaced when undefined is listed');
      await store.set(`${key}answer`, '{"ncco":[]}');
      const blocked = await claimKey(store, { key: `${key}blocked`, value: 'busy', unlessPresent: `${key}answer`, read: [`${key}call`] });
      assert.deepEqual(blocked, { claimed: false, previous: undefined, blocker: '{"ncco":[]}', values: [] });
      assert.equal(await store.get(`${key}blocked`), undefined, 'a blocked claim writes nothing');
      const unblocked = await claimKey(store, {
        key: `${key}blocked`,
        value: 'busy',
        unlessPresent: `${key}no-answer`,
        read: [`${key}call`],
      });
      assert.deepEqual(unblocked, { claimed: true, previous: undefined, blocker: undefined, values: ['numbers'] });
      const done = await claimKey(store, {
        key: `${key}position`,
        value: 'next',
        replaces: ['busy'],
        alsoSet: [{ key: `${key}done`, value: 'done', ttlSeconds: 1 }],
        read: [`${key}call`],
      });
      assert.deepEqual(done, { claimed: true, previous: 'busy', blocker: undefined, values: ['numbers'] });
      assert.equal(await store.get(`${key}done`), 'done', 'alsoSet writes with the claim');
      const refused = await claimKey(store, {
        key: `${key}position`,
        value: 'x',
        replaces: ['busy'],
        alsoSet: [{ key: `${key}kept`, value: 'written' }],
      });
      assert.equal(refused.claimed, false);
      assert.equal(await store.get(`${key}position`), 'next');
      assert.equal(await store.get(`${key}kept`), 'written', 'alsoSet writes when the claim is refused too');
      const stopped = await claimKey(store, {
        key: `${key}other`,
        value: 'x',
        unlessPresent: `${key}answer`,
        alsoSet: [{ key: `${key}never`, value: 'x' }],
      });
      assert.equal(stopped.blocker, '{"ncco":[]}');
      assert.equal(await store.get(`${key}never`), undefined, 'a blocked claim writes no alsoSet either');
      await clock.advanceSeconds(1.5);
      assert.equal(await store.get(`${key}event`), undefined, 'the claim honours ttlSeconds');
      assert.equal(await store.get(`${key}done`), undefined, "alsoSet honours each write's ttlSeconds");
      assert.equal((await claimKey(store, { key: `${key}event`, value: 'again' })).claimed, true, 'an expired claim can be claimed again');
    },
  },
  {
    name: 'claimKey with a guard: written when absent, passed when it holds the same value, refusing everything when another',
    async run(store, clock = realClock) {
      const key = keySpace('claim-guard');
      await store.set(`${key}position`, 'menu');
      await store.set(`${key}call`, 'numbers');
      const guard = { key: `${key}jti`, value: 'request-1', ttlSeconds: 1 };
      const first = await claimKey(store, {
        key: `${key}position`,
        value: 'busy',
        replaces: ['menu'],
        unlessPresent: `${key}answer`,
        read: [`${key}call`],
        guard,
      });
      assert.deepEqual(first, { claimed: true, previous: 'menu', blocker: undefined, values: ['numbers'] });
      assert.equal(await store.get(guard.key), 'request-1', 'the guard is written with the claim');
      const replay = await claimKey(store, {
        key: `${key}position`,
        value: 'busy-2',
        replaces: ['busy'],
        read: [`${key}call`],
        alsoSet: [{ key: `${key}never`, value: 'x' }],
        guard: { ...guard, value: 'request-2' },
      });
      assert.deepEqual(replay, { claimed: false, previous: undefined, blocker: undefined, values: [], guarded: 'request-1' });
      assert.equal(await store.get(`${key}position`), 'busy', 'a guarded claim writes nothing');
      assert.equal(await store.get(`${key}never`), undefined, 'nor its alsoSet');
      assert.equal(await store.get(guard.key), 'request-1', 'and keeps the guard');
      await store.set(`${key}answer`, 'document');
      const retry = await claimKey(store, { key: `${key}position`, value: 'x', replaces: ['menu'], unlessPresent: `${key}answer`, guard });
      assert.deepEqual(
        retry,
        { claimed: false, previous: undefined, blocker: 'document', values: [] },
        'the same request passes the guard',
      );
      const racing = await Promise.all(
        times(20, (index) =>
          claimKey(store, { key: `${key}race-${index}`, value: 'x', guard: { key: `${key}race-jti`, value: `request-${index}` } }),
        ),
      );
      assert.equal(racing.filter((result) => result.guarded === undefined).length, 1, 'one of 20 racing guards wins');
      await clock.advanceSeconds(1.5);
      assert.equal(await store.get(guard.key), undefined, 'the guard honours its ttlSeconds');
    },
  },
  {
    name: 'claimKey lets exactly one of 100 racing claimers through, from absent and from a replaced value',
    async run(store) {
      const key = keySpace('claim-race');
      const fromAbsent = await Promise.all(times(100, (index) => claimKey(store, { key: `${key}a`, value: `winner-${index}` })));
      assert.equal(fromAbsent.filter((result) => result.claimed).length, 1);
      const winner = fromAbsent.findIndex((result) => result.claimed);
      assert.equal(await store.get(`${key}a`), `winner-${winner}`);
      for (const result of fromAbsent.filter((entry) => !entry.claimed)) assert.equal(result.previous, `winner-${winner}`);
      await store.set(`${key}b`, 'menu');
      const fromValue = await Promise.all(
        times(100, (index) => claimKey(store, { key: `${key}b`, value: `busy-${index}`, replaces: [undefined, 'menu'] })),
      );
      assert.equal(fromValue.filter((result) => result.claimed).length, 1, 'one delivery holds the position');
    },
  },
  {
    name: 'setMany writes every key with its own TTL',
    async run(store, clock = realClock) {
      const key = keySpace('set-many');
      await store.set(`${key}kept`, 'old', { ttlSeconds: 60 });
      await setMany(store, [
        { key: `${key}short`, value: 'one', ttlSeconds: 1 },
        { key: `${key}kept`, value: 'new' },
        { key: `${key}long`, value: 'three', ttlSeconds: 60 },
      ]);
      await setMany(store, []);
      assert.equal(await store.get(`${key}short`), 'one');
      assert.equal(await store.get(`${key}kept`), 'new');
      assert.equal(await store.get(`${key}long`), 'three');
      await clock.advanceSeconds(1.5);
      assert.equal(await store.get(`${key}short`), undefined, 'gone after its TTL');
      assert.equal(await store.get(`${key}kept`), 'new', 'a write without TTL keeps the key');
      assert.equal(await store.get(`${key}long`), 'three');
    },
  },
  {
    name: 'key prefixes isolate applications that share one store, queues included',
    async run(store) {
      const key = keySpace('prefix');
      const billing = withKeyPrefix(store, `${key}billing:`);
      const support = withKeyPrefix(store, `${key}support:`);
      await billing.set('greeting', 'billing');
      await support.set('greeting', 'support');
      assert.equal(await billing.get('greeting'), 'billing');
      assert.equal(await support.get('greeting'), 'support');
      assert.equal(await store.get(`${key}billing:greeting`), 'billing', 'the prefix is part of the real key');
      assert.equal(await billing.increment('calls'), 1);
      assert.equal(await support.increment('calls'), 1);
      assert.equal(await claimOnce(billing, 'event-1'), true);
      assert.equal(await claimOnce(support, 'event-1'), true);
      const claim = await claimKey(billing, { key: 'position', value: 'busy', unlessPresent: 'answer', read: ['greeting'] });
      assert.deepEqual(
        claim,
        { claimed: true, previous: undefined, blocker: undefined, values: ['billing'] },
        'claimKey reads under the prefix',
      );
      await setMany(support, [{ key: 'answer', value: 'support answer' }]);
      assert.equal(await store.get(`${key}support:answer`), 'support answer', 'setMany writes under the prefix');
      assert.equal((await claimKey(support, { key: 'position', value: 'busy', unlessPresent: 'answer' })).blocker, 'support answer');
      await billing.delete('greeting');
      assert.equal(await support.get('greeting'), 'support');
      await storeQueue(billing, 'waiting').push('CA-billing');
      await storeQueue(support, 'waiting').push('CA-support');
      assert.deepEqual(await storeQueue(billing, 'waiting').members(), ['CA-billing']);
      assert.deepEqual(await storeQueue(support, 'waiting').members(), ['CA-support']);
    },
  },
  {
    name: 'a queue is FIFO; push is idempotent; front, position, remove and shift behave',
    async run(store) {
      const queue = storeQueue(store, `${keySpace('queue')}support`);
      assert.equal(await queue.shift(), undefined, 'an empty queue shifts nothing');
      assert.equal(await queue.length(), 0);
      assert.equal(await queue.push('CA1'), 1);
      assert.equal(await queue.push('CA2'), 2);
      assert.equal(await queue.push('CA3'), 3);
      assert.equal(await queue.push('CA2'), 2, 'a redelivered enqueue keeps the caller where they were');
      assert.equal(await queue.length(), 3);
      assert.equal(await queue.position('CA3'), 3);
      assert.equal(await queue.position('CA9'), undefined);
      assert.equal(await queue.remove('CA2'), true, 'a caller who hung up leaves');
      assert.equal(await queue.remove('CA2'), false);
      assert.equal(await queue.position('CA3'), 2, 'positions move up when someone leaves');
      assert.equal(await queue.push('CA0', { front: true }), 1);
      assert.deepEqual(await queue.members(), ['CA0', 'CA1', 'CA3']);
      assert.equal(await queue.shift(), 'CA0');
      assert.equal(await queue.shift(), 'CA1');
      assert.equal(await queue.push('CA4'), 2);
      assert.equal(await queue.shift(), 'CA3');
      assert.equal(await queue.shift(), 'CA4');
      assert.equal(await queue.shift(), undefined);
      assert.deepEqual(await queue.members(), []);
    },
  },
  {
    name: '100 concurrent pushes each get a distinct position that matches the final order',
    async run(store) {
      const queue = storeQueue(store, `${keySpace('queue-push-race')}support`);
      const members = times(100, (index) => `CA${index}`);
      const positions = await Promise.all(members.map((member) => queue.push(member)));
      assert.deepEqual(
        [...positions].sort((a, b) => a - b),
        times(100, (index) => index + 1),
      );
      const order = await queue.members();
      assert.equal(order.length, 100);
      for (const [index, member] of members.entries()) assert.equal(order[positions[index]! - 1], member, `${member} sits where push said`);
      const again = await Promise.all(members.map((member) => queue.push(member)));
      assert.deepEqual(again, positions, 'duplicate pushes change nothing');
      assert.equal(await queue.length(), 100);
    },
  },
  {
    name: 'concurrent shifts hand each member to exactly one taker, in FIFO order per taker',
    async run(store) {
      const queue = storeQueue(store, `${keySpace('queue-shift-race')}support`);
      const taken: string[][] = times(5, () => []);
      let pushed = 0;
      const producer = (async () => {
        for (; pushed < 100; pushed++) await queue.push(`CA${String(pushed).padStart(3, '0')}`);
      })();
      const takers = taken.map(async (mine) => {
        while (pushed < 100 || (await queue.length()) > 0) {
          const member = await queue.shift();
          if (member !== undefined) mine.push(member);
          else await new Promise((resolve) => setTimeout(resolve, 1));
        }
      });
      await Promise.all([producer, ...takers]);
      const all = taken.flat();
      assert.equal(all.length, 100, 'every member taken once');
      assert.equal(new Set(all).size, 100, 'no member taken twice');
      for (const mine of taken) assert.deepEqual(mine, [...mine].sort(), 'each taker sees members in queue order');
      const removers = await Promise.all(times(3, () => queue.push('CA-last')));
      assert.deepEqual(removers, [1, 1, 1]);
      const removals = await Promise.all(times(20, () => queue.remove('CA-last')));
      assert.equal(removals.filter(Boolean).length, 1, 'exactly one of racing removers wins');
    },
  },
  {
    name: 'claim reserves the front member; confirm, release and remove end the move; a lapsed lease goes back to the front',
    async run(store, clock = realClock) {
      const queue = storeQueue(store, `${keySpace('queue-claim')}support`);
      assert.equal(await queue.claim(1), undefined, 'an empty queue has nobody to claim');
      for (const member of ['CA1', 'CA2', 'CA3', 'CA4']) await queue.push(member);
      assert.equal(await queue.claim(1), 'CA1');
      assert.deepEqual(await queue.members(), ['CA2', 'CA3', 'CA4'], 'a member being moved no longer waits');
      await queue.confirm('CA1');
      assert.equal(await queue.claim(1), 'CA2');
      assert.equal(await queue.release('CA2'), 1, 'a failed move puts the member back at the front');
      assert.deepEqual(await queue.members(), ['CA2', 'CA3', 'CA4']);
      assert.equal(await queue.claim(1), 'CA2');
      assert.equal(await queue.remove('CA2'), true, 'a caller who hangs up while being moved leaves');
      assert.equal(await queue.remove('CA2'), false);
      assert.equal(await queue.claim(1), 'CA3', 'the mover of CA3 dies here');
      assert.equal(await queue.claim(1), 'CA4', 'the mover of CA4 dies here too');
      await queue.push('CA5');
      await clock.advanceSeconds(1.5);
      assert.equal(await queue.claim(1), 'CA3', 'the next claim first puts lapsed moves back at the front, oldest first');
      assert.deepEqual(await queue.members(), ['CA4', 'CA5']);
      await queue.confirm('CA3');
      await clock.advanceSeconds(1.5);
      assert.deepEqual(await queue.members(), ['CA4', 'CA5'], 'a confirmed move never comes back');
      assert.equal(await queue.claim(30), 'CA4');
      await queue.confirm('CA4');
      assert.equal(await queue.claim(30), 'CA5');
      await queue.confirm('CA5');
      assert.equal(await queue.claim(30), undefined);
      assert.deepEqual(await queue.members(), []);
    },
  },
  {
    name: 'concurrent claims hand each member to exactly one claimer',
    async run(store) {
      const queue = storeQueue(store, `${keySpace('queue-claim-race')}support`);
      for (let index = 0; index < 40; index++) await queue.push(`CA${String(index).padStart(2, '0')}`);
      const claims = await Promise.all(times(60, () => queue.claim(30)));
      const claimed = claims.filter((member): member is string => member !== undefined);
      assert.equal(claimed.length, 40, 'every member claimed');
      assert.equal(new Set(claimed).size, 40, 'no member claimed twice');
      assert.deepEqual(await queue.members(), []);
      await Promise.all(claimed.map((member) => queue.confirm(member)));
    },
  },
  {
    name: 'a mover killed at any step of claim → transfer → confirm leaves each member waiting or moved, never lost',
    async run(store, clock = realClock) {
      const { killAt, killed } = killableStore(store);
      let doubleMoves = 0;
      for (let step = 0; ; step++) {
        const name = `${keySpace('queue-kill')}support`;
        await storeQueue(store, name).push('CA1');
        await storeQueue(store, name).push('CA2');
        const moved: string[] = [];
        // The first instance dies at its `step`-th operation; the transfer (the provider's side effect) counts as one.
        const dying = killAt(step);
        let transferred = false;
        let finished = false;
        try {
          const queue = storeQueue(dying.store, name);
          const member = await queue.claim(1);
          assert.equal(member, 'CA1');
          dying.operation();
          moved.push(member);
          transferred = true;
          await queue.confirm(member);
          finished = true;
        } catch (error) {
          if (error !== killed) throw error;
        }
        // Another instance takes over once the lease has lapsed and moves everyone still waiting.
        await clock.advanceSeconds(1.5);
        const survivor = storeQueue(store, name);
        for (let member = await survivor.claim(30); member !== undefined; member = await survivor.claim(30)) {
          moved.push(member);
          await survivor.confirm(member);
        }
        assert.equal(moved.filter((member) => member === 'CA2').length, 1, `step ${step}: CA2 moved exactly once`);
        const ca1 = moved.filter((member) => member === 'CA1').length;
        assert.ok(ca1 >= 1, `step ${step}: CA1 was lost`);
        // The one window no store can close: the provider applied the transfer, and the mover died before its confirm landed.
        if (ca1 === 2) {
          assert.ok(transferred && !finished, `step ${step}: CA1 moved twice although the kill was not between transfer and confirm`);
          doubleMoves++;
        }
        assert.ok(ca1 <= 2);
        assert.deepEqual(await survivor.members(), []);
        if (finished) break;
      }
      // Measured: 1 of 3 kill points on Redis (one script per step), 2 of 14 on the JSON fallback (its confirm takes several writes).
      assert.ok(doubleMoves <= 2, `only a kill between the transfer and the confirm's first write repeats the move (got ${doubleMoves})`);
    },
  },
];
