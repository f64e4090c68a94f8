import { describe, expect, it } from 'vitest';
import { CallFlowError, conference, createMemoryStore, defineFlow, hangup, say, type Store } from '@callflow/core';
import { spoken } from '@callflow/testing';
import { startRig } from './harness.js';

const flow = defineFlow({
  name: 'room',
  start: 'welcome',
  nodes: {
    welcome: [say('Joining the room.'), conference('team', { then: 'bye' })],
    bye: [say('The room has ended. Goodbye.'), hangup()],
  },
});

/** A memory store that fails like an unreachable Redis: for some keys a number of times, or entirely for a while. */
function flakyStore() {
  const inner = createMemoryStore();
  const state = {
    down: false,
    failures: new Map<string, number>(),
    downAfterWriteContaining: undefined as string | undefined,
    /** Asked at each operation refused while down: true brings the store back after refusing that one. */
    upAgainAfterRefusing: undefined as (() => boolean) | undefined,
    refusedWhileDown: 0,
  };
  const unavailable = () => new CallFlowError('store-unavailable', 'redis unreachable (test)', { provider: 'redis' });
  const guard = async <T>(key: string, operation: () => Promise<T>, written?: string): Promise<T> => {
    if (state.down) {
      state.refusedWhileDown++;
      if (state.upAgainAfterRefusing?.()) {
        state.upAgainAfterRefusing = undefined;
        state.down = false;
      }
      throw unavailable();
    }
    for (const [prefix, left] of state.failures) {
      if (key.startsWith(prefix) && left > 0) {
        state.failures.set(prefix, left - 1);
        throw unavailable();
      }
    }
    const result = await operation();
    if (state.downAfterWriteContaining !== undefined && written?.includes(state.downAfterWriteContaining)) {
      state.downAfterWriteContaining = undefined;
      state.down = true;
    }
    return result;
  };
  const store: Store = {
    get: (key) => guard(key, () => inner.get(key)),
    set: (key, value, options) => guard(key, () => inner.set(key, value, options), value),
    increment: (key, by, options) => guard(key, () => inner.increment(key, by, options)),
    compareAndSet: (key, expected, value, options) => guard(key, () => inner.compareAndSet(key, expected, value, options), value),
    delete: (key) => guard(key, () => inner.delete(key)),
  };
  return { store, state };
}

describe('Telnyx handler when the store fails inside the command work', () => {
  it('a conference-map failure answers 503 and frees the event; the redelivery sends the rest with the same command ids', async () => {
    const { store, state } = flakyStore();
    state.failures.set('telnyx:room:', 1);
    const rig = await startRig(flow, { store });
    try {
      const transcript = await rig.emulator.call({ conferences: [{ status: 'ended' }] });
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual(['Joining the room.', 'The room has ended. Goodbye.']);
      expect(transcript.entries).toContainEqual({ type: 'conference', room: 'team' });
      // The first delivery failed on the store and was not hung up; Telnyx's redelivery was handled, not ignored.
      expect(
        rig.logger.lines.some((line) => line.level === 'error' && /handling the event failed: .*redis unreachable/.test(line.message)),
      ).toBe(true);
      expect(rig.logger.lines.some((line) => line.message.includes('finishing a turn another delivery left half-sent'))).toBe(true);
      expect(
        rig.emulator.requests.some((request) => request.action === 'hangup' && String(request.body.command_id).startsWith('cf-abort')),
      ).toBe(false);
      expect(rig.emulator.deliveryStats.retries).toBe(1);
      // The redelivery sent the stored conference command; nothing was sent twice.
      const accepted = rig.emulator.requests.filter((request) => !request.duplicate && request.status === 200);
      expect(accepted.map((request) => request.action)).toEqual(['answer', 'speak', 'conferences.create', 'speak', 'hangup']);
      expect(rig.emulator.requests.filter((request) => request.duplicate)).toEqual([]);
      expect(rig.emulator.conferences()).toHaveLength(1);
    } finally {
      await rig.close();
    }
  });

  it('a store lost right after the position moved: the claim runs out and the redelivery finishes the turn', async () => {
    const { store, state } = flakyStore();
    const rig = await startRig(flow, { store, handler: { eventLeaseSeconds: 1 } });
    try {
      // The first turn's position record (with its pending commands) is written, then the store goes away. It comes back
      // on an event, not after a fixed time: once it has refused an operation of Telnyx's first redelivery (the emulator
      // counts a retry before sending it, and only after the first delivery was answered). So the first delivery fails
      // after the position moved and cannot release its claim of the event, and the first redelivery is refused too.
      state.downAfterWriteContaining = '\n';
      state.upAgainAfterRefusing = () => rig.emulator.deliveryStats.retries >= 1;
      const transcript = await rig.emulator.call({ conferences: [{ status: 'ended' }] });
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual(['Joining the room.', 'The room has ended. Goodbye.']);
      expect(rig.logger.lines.some((line) => line.message.includes('finishing a turn another delivery left half-sent'))).toBe(true);
      // Redeliveries while the event was still claimed were asked to come back (503), none was dropped.
      expect(rig.emulator.deliveryStats.retries).toBeGreaterThanOrEqual(2);
      expect(rig.emulator.deliveryStats.failed).toBe(0);
      expect(state.down, 'the outage ended').toBe(false);
      expect(state.refusedWhileDown, 'the first delivery and the first redelivery were refused').toBeGreaterThanOrEqual(2);
      expect(rig.emulator.conferences()).toHaveLength(1);
      // No command applied twice: the turn was sent once, and what the redelivery sent again carried the same command ids.
      const accepted = rig.emulator.requests.filter((request) => !request.duplicate && request.status === 200);
      expect(accepted.map((request) => request.action)).toEqual(['answer', 'speak', 'conferences.create', 'speak', 'hangup']);
      const acceptedIds = new Set(accepted.map((request) => String(request.body.command_id)));
      for (const request of rig.emulator.requests.filter((candidate) => candidate.duplicate))
        expect(acceptedIds.has(String(request.body.command_id)), `${request.action} re-sent under its first command id`).toBe(true);
    } finally {
      await rig.close();
    }
  });
});
