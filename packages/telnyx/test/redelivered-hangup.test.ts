import { describe, expect, it } from 'vitest';
import { defineFlow, hangup, say } from '@callflow/core';
import { spoken } from '@callflow/testing';
import { startRig } from './harness.js';

const flow = defineFlow({ name: 'bye', start: 'welcome', nodes: { welcome: [say('Goodbye.'), hangup()] } });

describe('Telnyx: a turn that ends the call, its command still failing', () => {
  it('the hangup still failing after the retry budget answers 503, and the redelivery sends it (same command_id)', async () => {
    // Two retries in 10 ms, then the event is answered 503; the hangup fails three times, so the first delivery gives up.
    const rig = await startRig(flow, { handler: { commandRetries: 2, retryDelayMs: 5, commandRetryBudgetMs: 50 } });
    try {
      rig.emulator.failNext('hangup', { status: 503, times: 3 });
      const transcript = await rig.emulator.call({});
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual(['Goodbye.']);
      expect(transcript.endedBy).toBe('flow');
      expect(rig.logger.lines.some((line) => line.level === 'error' && /hangup still failing .*answering 503/.test(line.message))).toBe(
        true,
      );
      expect(rig.emulator.deliveryStats.retries).toBeGreaterThanOrEqual(1);
      const hangups = rig.emulator.requests.filter((request) => request.action === 'hangup');
      expect(hangups.filter((request) => request.status === 200 && !request.duplicate)).toHaveLength(1);
      // Every attempt, the redelivery's included, carried the turn's command_id.
      expect(new Set(hangups.map((request) => request.body.command_id)).size).toBe(1);
    } finally {
      await rig.close();
    }
  });
});
