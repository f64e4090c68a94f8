import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, defineFlow, hangup, record, say, type Effect } from '@callflow/core';
import { spoken } from '@callflow/testing';
import { continuationStates, planCommands } from '../src/index.js';
import { startRig, type Rig } from './harness.js';

// provider: record_start's own silence stop, timeout_secs, "only starts when the speech is detected" (telnyx SDK
// resources/calls/actions.d.ts ActionStartRecordingParams.timeout_secs), and cannot be combined with a transcription
// (https://developers.telnyx.com/api/errors/90053). callflow times the silence itself: transcription_start says when the
// caller speaks (call.transcription), and a silent gather is the timer, so a silent caller is stopped after the silence as
// on Twilio (<Record timeout>) and Vonage (endOnSilence), not recorded until max_length.
const flow = defineFlow({
  name: 'voicemail-box',
  start: 'box',
  nodes: {
    box: [say('Leave a message.'), record({ maxSeconds: 45, silenceSeconds: 4, notify: 'saved', then: 'bye' })],
    bye: [say('Thank you.'), hangup()],
  },
});

describe('a voicemail on Telnyx: the silence timed by callflow', () => {
  let rig: Rig;
  const saved: Effect[] = [];
  beforeAll(async () => {
    rig = await startRig(flow, { handler: { hooks: { saved: (effect) => void saved.push(effect) } } });
  });
  afterAll(() => rig.close());

  const sent = (action: string) => rig.emulator.requests.filter((request) => request.action === action && !request.duplicate);

  it('plans a transcription, the recording (max_length, trim-silence, no timeout_secs) and a silent 4 s gather as the timer', async () => {
    const engine = createEngine(flow, { secret: 'telnyx-test-secret-0123456789' });
    const turn = await engine.start({ callId: 'v3:plan', provider: 'telnyx' });
    const tokens = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, turn.call)));
    const planned = planCommands(turn, { continuations: tokens, answer: true });
    expect(planned.output.map((command) => command.action)).toEqual(['answer', 'speak', 'transcription_start', 'record_start', 'gather']);
    const recordStart = planned.output.find((command) => command.action === 'record_start')!;
    expect(recordStart.body).toMatchObject({ max_length: 45, trim: 'trim-silence' });
    expect(recordStart.body).not.toHaveProperty('timeout_secs');
    expect(planned.output.at(-1)).toMatchObject({
      body: { initial_timeout_millis: 4000, maximum_digits: 1 },
      resumeOn: 'call.recording.saved',
    });
    expect(planned.output.find((command) => command.action === 'transcription_start')?.body).toMatchObject({
      transcription_tracks: 'inbound',
    });
    expect(planned.warnings).toEqual([
      "record: the 4 s silence stop is timed by callflow (transcription_start and a silent gather), since Telnyx's timeout_secs counts only after speech; the transcription is billed",
    ]);
  });

  it('a caller who speaks: the timer stops while they talk, runs again after, and its timeout stops the recording', async () => {
    saved.length = 0;
    const before = sent('record_stop').length;
    const transcript = await rig.emulator.call({ recordings: [{ durationSeconds: 9 }] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries.find((entry) => entry.type === 'record')).toMatchObject({ durationSeconds: 9 });
    expect(spoken(transcript)).toEqual(['Leave a message.', 'Thank you.']);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.recording).toMatchObject({ durationSeconds: 9 });
    expect(sent('record_stop').length).toBe(before + 1);
  });

  it('a silent caller: stopped after the 4 s of silence, as on Twilio and Vonage, then the flow goes on', async () => {
    saved.length = 0;
    const transcript = await rig.emulator.call({ recordings: [{ durationSeconds: 0 }] });
    expect(transcript.errors).toEqual([]);
    // Trimmed of its silence, as Twilio's <Record trim-silence> default.
    expect(transcript.entries.find((entry) => entry.type === 'record')).toMatchObject({ durationSeconds: 0 });
    expect(spoken(transcript)).toEqual(['Leave a message.', 'Thank you.']);
    expect(saved).toHaveLength(1);
  });

  it('the turn after the recording stops the transcription and the timer it left', async () => {
    await rig.emulator.call({ recordings: [{ durationSeconds: 3 }] });
    const actions = rig.emulator.requests.map((request) => request.action);
    const stop = actions.lastIndexOf('transcription_stop');
    expect(stop).toBeGreaterThan(actions.lastIndexOf('record_stop'));
    expect(actions.slice(stop - 1, stop + 2)).toEqual(['gather_stop', 'transcription_stop', 'speak']);
  });

  it('# ends the recording while the caller talks', async () => {
    const transcript = await rig.emulator.call({ recordings: [{ durationSeconds: 6 }] }, { recordingsEndWithKey: true });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries.find((entry) => entry.type === 'record')).toMatchObject({ durationSeconds: 6 });
    expect(spoken(transcript)).toEqual(['Leave a message.', 'Thank you.']);
  });
});
