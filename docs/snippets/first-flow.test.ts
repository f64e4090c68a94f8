import { describe, expect, it } from 'vitest';
import { simulateCall, simulatedProviders } from '@callflow/testing';
import { flow } from './first-flow.js';

const mondayMorning = '2026-11-23T15:00:00Z'; // 10:00 in New York

describe('my first flow', () => {
  it.each(simulatedProviders)('connects the caller who presses 1 (%s)', async (provider) => {
    const call = await simulateCall({ provider, flow, at: mondayMorning, input: ['1'], transfers: ['completed'] });
    expect(call.heard).toEqual(['Thanks for calling Example Co.', 'Press 1 to talk to us, or 2 to leave a message.', 'Connecting you now.']);
    expect(call.transfers).toEqual([{ to: '+14155550100', status: 'completed' }]);
  });

  it('takes a message when the line is busy, and runs the hook', async () => {
    const voicemails: string[] = [];
    const call = await simulateCall({
      provider: 'twilio',
      flow,
      at: mondayMorning,
      input: ['1'],
      transfers: ['busy'],
      hooks: { 'new-voicemail': (effect) => void voicemails.push(effect.recording?.url ?? '') },
    });
    expect(call.heard.at(-1)).toBe('Thank you. Goodbye.');
    expect(voicemails).toHaveLength(1);
  });

  it('goes straight to voicemail out of hours', async () => {
    const call = await simulateCall({ provider: 'vonage', flow, at: '2026-11-22T15:00:00Z' });
    expect(call.heard).toEqual(['Thanks for calling Example Co.', 'Please leave a message after the beep.', 'Thank you. Goodbye.']);
  });
});
