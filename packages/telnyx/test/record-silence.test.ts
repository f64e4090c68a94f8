import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, defineFlow, hangup, record, say, type Effect } from '@callflow/core';
import { spoken } from '@callflow/testing';
import { continuationStates, planCommands } from '../src/index.js';
import { startRig, type Rig } from './harness.js';

// provider: record_start timeout_secs "only starts when the speech is detected" and bills call transcription
// (telnyx SDK resources/calls/actions.d.ts ActionStartRecordingParams.timeout_secs); max_length bounds the rest.
const flow = defineFlow({
  name: 'voicemail-box',
  start: 'box',
  nodes: {
    box: [say('Leave a message.'), record({ maxSeconds: 45, silenceSeconds: 4, notify: 'saved', then: 'bye' })],
    bye: [say('Thank you.'), hangup()],
  },
});

describe('a voicemail on Telnyx, per the documented silence rule', () => {
  let rig: Rig;
  const saved: Effect[] = [];
  beforeAll(async () => {
    rig = await startRig(flow, { handler: { hooks: { saved: (effect) => void saved.push(effect) } } });
  });
  afterAll(() => rig.close());

  it('plans timeout_secs and max_length, and warns that a silent caller is recorded for maxSeconds', async () => {
    const engine = createEngine(flow, { secret: 'telnyx-test-secret-0123456789' });
    const turn = await engine.start({ callId: 'v3:plan', provider: 'telnyx' });
    const tokens = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, turn.call)));
    const planned = planCommands(turn, { continuations: tokens, answer: true });
    expect(planned.output.find((command) => command.action === 'record_start')?.body).toMatchObject({ max_length: 45, timeout_secs: 4 });
    expect(planned.warnings).toContain(
      'record: Telnyx stops on 4 s of silence only after the caller has spoken (and bills transcription for it); a silent caller is recorded for maxSeconds (45 s)',
    );
  });

  it('a caller who speaks: the recording ends on the silence after it, resumes the flow, and runs the hook', async () => {
    saved.length = 0;
    const transcript = await rig.emulator.call({ recordings: [{ durationSeconds: 9 }] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries.find((entry) => entry.type === 'record')).toMatchObject({ durationSeconds: 9 });
    expect(spoken(transcript)).toEqual(['Leave a message.', 'Thank you.']);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.recording).toMatchObject({ durationSeconds: 9 });
  });

  it('a silent caller: recorded until max_length, as Telnyx documents, then the flow goes on', async () => {
    saved.length = 0;
    const transcript = await rig.emulator.call({ recordings: [{ durationSeconds: 0 }] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries.find((entry) => entry.type === 'record')).toMatchObject({ durationSeconds: 45 });
    expect(spoken(transcript)).toEqual(['Leave a message.', 'Thank you.']);
    expect(saved[0]!.recording).toMatchObject({ durationSeconds: 45 });
  });
});
