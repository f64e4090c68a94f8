import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPhoneTree } from '@callflow/example-flows';
import { spoken, type CallTranscript } from '@callflow/testing';
import type { Effect } from '@callflow/core';
import { startRig, type Rig } from './harness.js';

const menu =
  'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.';
const hours =
  'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.';
const greeting = 'Hello, and welcome to ACME, Inc.';
const goodbye = 'Thank you for calling ACME. Goodbye.';
const invalid = 'Sorry, that is not a valid option.';
const voicemail =
  'All our sales representatives are busy. Please leave a message after the beep, and press the pound key when you are done.';
const phoneTree = createPhoneTree({ holdMusicUrl: 'https://audio.example.com/hold.mp3', receptionNumber: '+15005550006' });

function clean(transcript: CallTranscript): CallTranscript {
  expect(transcript.errors).toEqual([]);
  return transcript;
}

describe('phone tree on Telnyx (emulator + real telnyx SDK over HTTP)', () => {
  let rig: Rig;
  const notified: Effect[] = [];
  beforeAll(async () => {
    rig = await startRig(phoneTree, { handler: { hooks: { voicemail: (effect) => void notified.push(effect) } } });
  });
  afterAll(() => rig.close());
  afterEach(() => {
    rig.emulator.requests.length = 0;
  });

  it('hours twice, back to the menu, then three silences end the call politely', async () => {
    const transcript = clean(await rig.emulator.call({ input: ['3', '1', '5', '9'] }));
    expect(spoken(transcript)).toEqual([greeting, menu, hours, hours, menu, menu, invalid, menu, invalid, menu, goodbye]);
    expect(transcript.endedBy).toBe('flow');
    expect(transcript.entries.at(-1)).toEqual({ type: 'hangup', by: 'flow' });
  });

  it('answers first and sends one command per step, each resumed by its event', async () => {
    clean(await rig.emulator.call({ input: [{ hangup: true }] }));
    expect(rig.emulator.requests.map((request) => request.action)).toEqual(['answer', 'speak', 'gather_using_speak']);
    const gather = rig.emulator.requests[2]!.body;
    // The phone-tree menu detours to 'error' on bad input, so Telnyx must not re-ask natively.
    expect(gather).toMatchObject({
      maximum_tries: 1,
      minimum_digits: 1,
      maximum_digits: 1,
      timeout_millis: 5000,
      terminating_digit: '#',
      voice: 'female',
    });
    expect(gather).not.toHaveProperty('valid_digits');
  });

  it('sales: voicemail recorded, stopped with # through record_stop, hook notified, goodbye', async () => {
    notified.length = 0;
    const transcript = clean(
      await rig.emulator.call({ input: ['1'], recordings: [{ durationSeconds: 12 }] }, { recordingsEndWithKey: true }),
    );
    expect(spoken(transcript)).toEqual([greeting, menu, voicemail, 'Thank you for your message. Goodbye.']);
    const recording = transcript.entries.find((entry) => entry.type === 'record');
    expect(recording).toMatchObject({ type: 'record', durationSeconds: 12 });
    expect(rig.emulator.requests.map((request) => request.action)).toContain('record_stop');
    expect(rig.emulator.requests.find((request) => request.action === 'record_start')?.body).toMatchObject({
      format: 'mp3',
      channels: 'single',
      play_beep: true,
      max_length: 120,
    });
    expect(notified).toHaveLength(1);
    expect(notified[0]!.recording).toEqual({ url: (recording as { url: string }).url, durationSeconds: 12 });
    expect(notified[0]!.vars.voicemail).toBe((recording as { url: string }).url);
  });

  it('support: hold music loops while queued, stops before the goodbye once an agent has taken the call', async () => {
    const transcript = clean(await rig.emulator.call({ input: ['2'], queues: [{ result: 'bridged', waitSeconds: 40 }] }));
    expect(transcript.entries).toContainEqual({ type: 'play', url: 'https://audio.example.com/hold.mp3' });
    expect(transcript.entries).toContainEqual({ type: 'enqueue', queue: 'support', result: 'bridged' });
    // The flow's announcement (announcePosition: the default wording, once) on call.enqueued, then the music a play at a time.
    expect(spoken(transcript)).toEqual([
      greeting,
      menu,
      'Please hold while we connect you with a support agent.',
      'You are number 1 in line.',
      goodbye,
    ]);
    const actions = rig.emulator.requests.map((request) => request.action);
    const queued = actions.slice(actions.indexOf('enqueue'));
    expect(queued.slice(0, 6)).toEqual([
      'enqueue',
      'speak',
      'playback_start',
      'queues.calls.retrieve',
      'queues.retrieve',
      'playback_start',
    ]);
    expect(queued.slice(-3)).toEqual(['playback_stop', 'speak', 'hangup']);
  });

  it('reception: transfer answered, the caller leg is parked after the bridge and hears goodbye', async () => {
    const transcript = clean(await rig.emulator.call({ input: ['0'], transfers: ['completed'] }));
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: '+15005550006', status: 'completed' });
    expect(spoken(transcript)).toEqual([greeting, menu, 'Connecting you to reception.', goodbye]);
    expect(rig.emulator.requests.find((request) => request.action === 'transfer')?.body).toMatchObject({
      to: '+15005550006',
      timeout_secs: 20,
      park_after_unbridge: 'self',
    });
  });

  for (const status of ['busy', 'no-answer', 'failed'] as const) {
    it(`reception ${status}: the caller's leg goes on to the fallback (voicemail)`, async () => {
      const transcript = clean(await rig.emulator.call({ input: ['0'], transfers: [status], recordings: [{ durationSeconds: 4 }] }));
      expect(transcript.entries).toContainEqual({ type: 'transfer', to: '+15005550006', status });
      expect(spoken(transcript)).toEqual([
        greeting,
        menu,
        'Connecting you to reception.',
        'Reception is not available right now.',
        voicemail,
        'Thank you for your message. Goodbye.',
      ]);
    });
  }

  it('a caller who hangs up during the queue ends the call with no command after it', async () => {
    const transcript = clean(await rig.emulator.call({ input: ['2'], queues: [{ result: 'hangup' }] }));
    expect(transcript.endedBy).toBe('caller');
    // After the enqueue only the hold went on (music plays, queue look-ups): no playback_stop, goodbye or hangup for a gone caller.
    const actions = rig.emulator.requests.map((request) => request.action);
    expect(
      actions
        .slice(actions.indexOf('enqueue') + 1)
        .filter((action) => action !== 'playback_start' && action !== 'speak' && !action.startsWith('queues.')),
    ).toEqual([]);
    expect(actions.slice(actions.indexOf('enqueue') + 1)).not.toContain('playback_stop');
  });
});

describe('delivery faults', () => {
  it('every event delivered twice (same id): the call is played exactly once', async () => {
    const rig = await startRig(phoneTree, { emulator: { deliveries: { duplicate: true } } });
    try {
      const transcript = clean(
        await rig.emulator.call({ input: ['3', '5', '0'], transfers: ['no-answer'], recordings: [{ durationSeconds: 3 }] }),
      );
      expect(spoken(transcript)).toEqual([
        greeting,
        menu,
        hours,
        menu,
        'Connecting you to reception.',
        'Reception is not available right now.',
        voicemail,
        'Thank you for your message. Goodbye.',
      ]);
      expect(rig.emulator.requests.filter((request) => request.duplicate)).toEqual([]);
      expect(rig.emulator.requests.filter((request) => request.action === 'speak')).toHaveLength(5);
    } finally {
      await rig.close();
    }
  });

  it('late copies of earlier events (new ids, stale state) never move the call back', async () => {
    const rig = await startRig(phoneTree, { emulator: { deliveries: { replayStale: true } } });
    try {
      const transcript = clean(await rig.emulator.call({ input: ['3', '1', '5', '2'], queues: [{ result: 'timeout' }] }));
      expect(spoken(transcript)).toEqual([
        greeting,
        menu,
        hours,
        hours,
        menu,
        'Please hold while we connect you with a support agent.',
        'You are number 1 in line.',
      ]);
      expect(rig.logger.lines.filter((line) => line.message.includes('stale')).length).toBeGreaterThanOrEqual(4);
    } finally {
      await rig.close();
    }
  });

  it('a command that fails with 500 is retried with the same command_id and applied once', async () => {
    const rig = await startRig(phoneTree);
    try {
      rig.emulator.failNext('gather_using_speak', { status: 503, times: 2 });
      const transcript = clean(await rig.emulator.call({ input: [{ hangup: true }] }));
      expect(spoken(transcript)).toEqual([greeting, menu]);
      const gathers = rig.emulator.requests.filter((request) => request.action === 'gather_using_speak');
      expect(gathers.map((request) => request.status)).toEqual([503, 503, 200]);
      expect(new Set(gathers.map((request) => request.body.command_id)).size).toBe(1);
    } finally {
      await rig.close();
    }
  });

  it('with waitUntil the webhook is answered before the commands go out, and the call still plays', async () => {
    const pending: Promise<unknown>[] = [];
    // With waitUntil each turn's commands reach the emulator after the webhook's 200, inside its idle wait: that wait is
    // one SDK request's latency, which took up to ~0.6 s for a few round trips on the loaded two-core machine, so 1 s was
    // too close. It ends as soon as the command arrives, so 10 s costs a passing run nothing.
    const rig = await startRig(phoneTree, { handler: { waitUntil: (work) => void pending.push(work) }, emulator: { idleMs: 10_000 } });
    try {
      const transcript = clean(await rig.emulator.call({ input: ['3', '5', { hangup: true }] }));
      expect(spoken(transcript)).toEqual([greeting, menu, hours, menu]);
      expect(pending.length).toBeGreaterThanOrEqual(4);
      await Promise.all(pending);
    } finally {
      await rig.close();
    }
  });

  it('a command refused for good gets the caller the apology, then the call ends, and logs why', async () => {
    const rig = await startRig(phoneTree);
    try {
      rig.emulator.failNext('speak', { status: 400, times: 1 });
      const transcript = await rig.emulator.call({});
      expect(transcript.entries).toEqual([
        { type: 'say', text: expect.stringMatching(/sorry/i) },
        { type: 'hangup', by: 'flow' },
      ]);
      expect(rig.emulator.requests.map((request) => [request.action, request.status])).toEqual([
        ['answer', 200],
        ['speak', 400],
        ['speak', 200],
        ['hangup', 200],
      ]);
      expect(rig.logger.lines.some((line) => line.level === 'error' && line.message.includes('speak refused'))).toBe(true);
    } finally {
      await rig.close();
    }
  });
});
