import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineFlow, gather, hangup, play, say } from '@callflow/core';
import { spoken } from '@callflow/testing';
import { createCallControlClient, parseTelnyxEvent } from '../src/index.js';
import { isInterimTranscription } from '../src/parse-telnyx-event.js';
import { sdkClient, startRig, type ClientFactory, type Rig } from './harness.js';

// provider: Call Control has no plain speech gather; callflow runs transcription_start beside the DTMF gather
// (https://developers.telnyx.com/api-reference/call-commands/transcription-start) and reads call.transcription
// (https://developers.telnyx.com/api-reference/callbacks/transcription).
const flow = defineFlow({
  name: 'speech-menu',
  start: 'menu',
  nodes: {
    menu: [
      gather({
        prompt: 'Say sales or tech support.',
        input: 'both',
        speech: { language: 'en-GB' },
        routes: { sales: 'sales', 'tech support': 'support', '1': 'sales' },
        attempts: 2,
        onExhausted: 'bye',
      }),
    ],
    sales: [say('Sales.'), hangup()],
    support: [say('Support.'), hangup()],
    bye: [say('Goodbye.'), hangup()],
  },
});

const builtIn: ClientFactory = (apiBaseUrl) => createCallControlClient({ apiKey: 'test-key', baseUrl: apiBaseUrl });

describe.each([
  ['the telnyx SDK', sdkClient],
  ['the built-in client', builtIn],
] as const)('speech input on Telnyx through %s', (_name, client) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(flow, { client });
  });
  afterAll(() => rig.close());

  it('transcribes beside the gather, stops the gather when the caller starts talking, routes the final result, then stops listening', async () => {
    const before = rig.emulator.requests.length;
    const transcript = await rig.emulator.call({ input: [{ speech: 'I need tech support' }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Say sales or tech support.', 'Support.']);
    const actions = rig.emulator.requests
      .slice(before)
      .filter((request) => !request.duplicate)
      .map((request) => request.action);
    // The interim result stops the gather and starts the silent watchdog gather; the final result's turn stops both listeners.
    expect(actions).toEqual([
      'answer',
      'transcription_start',
      'gather_using_speak',
      'gather_stop',
      'gather',
      'gather_stop',
      'transcription_stop',
      'speak',
      'hangup',
    ]);
    const watchdog = rig.emulator.requests.slice(before).find((request) => request.action === 'gather')!;
    expect(watchdog.body).toMatchObject({ initial_timeout_millis: 60_000 });
    const start = rig.emulator.requests.slice(before).find((request) => request.action === 'transcription_start')!;
    expect(start.body).toMatchObject({
      transcription_tracks: 'inbound',
      transcription_engine_config: { language: 'en', interim_results: true },
    });
  });

  it('a key press still works, and the transcription is stopped after it', async () => {
    const before = rig.emulator.requests.length;
    const transcript = await rig.emulator.call({ input: ['1'] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Say sales or tech support.', 'Sales.']);
    const actions = rig.emulator.requests.slice(before).map((request) => request.action);
    expect(actions).toContain('transcription_stop');
    expect(actions).not.toContain('gather_stop');
  });

  it('a refused stop (the gather had already ended) is skipped, not a reason to hang up', async () => {
    rig.emulator.failNext('gather_stop', { status: 422 });
    const transcript = await rig.emulator.call({ input: [{ speech: 'sales' }] });
    expect(spoken(transcript)).toEqual(['Say sales or tech support.', 'Sales.']);
    expect(transcript.endedBy).toBe('flow');
  });
});

describe('a speech gather whose prompt starts with a play', () => {
  const intro = defineFlow({
    name: 'speech-intro',
    start: 'menu',
    nodes: {
      menu: [
        gather({ prompt: [play('https://audio.example.com/chime.mp3'), say('Say sales.')], input: 'speech', routes: { sales: 'sales' } }),
      ],
      sales: [say('Sales.'), hangup()],
    },
  });
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(intro);
  });
  afterAll(() => rig.close());

  it('starts the transcription with the gather command, after the leading play, and stops it once', async () => {
    const transcript = await rig.emulator.call({ input: [{ speech: 'sales' }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Say sales.', 'Sales.']);
    expect(rig.emulator.requests.map((request) => request.action)).toEqual([
      'answer',
      'playback_start',
      'transcription_start',
      'gather_using_speak',
      'gather_stop',
      'transcription_stop',
      'speak',
      'hangup',
    ]);
  });
});

describe('a key during a speech-only gather', () => {
  // provider: "Speech will be interrupted when a DTMF signal is received" (https://developers.telnyx.com/api-reference/call-commands/gather-using-speak):
  // the key ends the DTMF gather; a speech-only gather takes no keys on Twilio (<Gather input="speech">) and Vonage
  // (input type ["speech"], "ASR only"), so the key must not route the call.
  const speechOnly = defineFlow({
    name: 'speech-only',
    start: 'menu',
    nodes: {
      menu: [
        gather({
          prompt: 'Say sales.',
          input: 'speech',
          timeoutSeconds: 4,
          routes: { sales: 'sales' },
          attempts: 2,
          onExhausted: 'bye',
        }),
      ],
      sales: [say('Sales.'), hangup()],
      bye: [say('Goodbye.'), hangup()],
    },
  });
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(speechOnly);
  });
  afterAll(() => rig.close());

  it('is not an answer: the no-input timer starts again beside the running transcription, then the flow re-asks', async () => {
    const before = rig.emulator.requests.length;
    const transcript = await rig.emulator.call({ input: ['7', { speech: 'sales' }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Say sales.', 'Say sales.', 'Sales.']);
    expect(transcript.entries.filter((entry) => entry.type === 'input')).toEqual([
      { type: 'input', timeout: true },
      { type: 'input', speech: 'sales' },
    ]);
    const requests = rig.emulator.requests.slice(before).filter((request) => !request.duplicate);
    const actions = requests.map((request) => request.action);
    // The key's gather.ended restarts the timer; its timeout is no input, whose re-ask stops the transcription and starts it again.
    expect(actions.slice(0, 6)).toEqual([
      'answer',
      'transcription_start',
      'gather_using_speak',
      'gather',
      'transcription_stop',
      'transcription_start',
    ]);
    const [prompt, timer] = [requests[2]!, requests[3]!];
    // One key ends the DTMF gather at once, so the caller is not held for an inter-digit timeout either.
    expect(prompt.body).toMatchObject({ maximum_digits: 1, minimum_digits: 1, timeout_millis: 4000 });
    expect(timer.body).toMatchObject({ initial_timeout_millis: 4000, maximum_digits: 1, client_state: prompt.body.client_state });
    expect(timer.body.command_id).not.toBe(prompt.body.command_id);
  });

  it.each([
    ['every event delivered twice (same id)', { duplicate: true }],
    ['late copies of earlier events (new ids)', { replayStale: true }],
  ] as const)('%s: one timer per key, and the call goes the same', async (_name, deliveries) => {
    const redelivering = await startRig(speechOnly, { emulator: { deliveries } });
    try {
      const transcript = await redelivering.emulator.call({ input: ['7', { speech: 'sales' }] });
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual(['Say sales.', 'Say sales.', 'Sales.']);
      const timers = redelivering.emulator.requests.filter(
        (request) => request.action === 'gather' && !request.duplicate && request.body.initial_timeout_millis === 4000,
      );
      expect(timers).toHaveLength(1);
    } finally {
      await redelivering.close();
    }
  });

  it('twice is no input twice: the flow gives up as after two silences', async () => {
    const transcript = await rig.emulator.call({ input: ['1', '2'] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Say sales.', 'Say sales.', 'Goodbye.']);
  });
});

describe('call.transcription events', () => {
  const event = (data: Record<string, unknown>) => ({
    data: {
      record_type: 'event',
      event_type: 'call.transcription',
      id: 'e1',
      occurred_at: '2026-01-01T00:00:00Z',
      payload: { call_control_id: 'v3:x', transcription_data: data },
    },
  });

  it('a final result is the utterance, with its confidence', () => {
    expect(parseTelnyxEvent(event({ is_final: true, transcript: ' tech support ', confidence: 0.97 })).outcome).toEqual({
      type: 'speech',
      text: 'tech support',
      confidence: 0.97,
    });
    expect(parseTelnyxEvent(event({ is_final: true, transcript: 'sales', confidence: null })).outcome).toEqual({
      type: 'speech',
      text: 'sales',
    });
  });

  it('an interim or empty result moves nothing; only an interim one with words means the caller is speaking', () => {
    expect(parseTelnyxEvent(event({ is_final: false, transcript: 'tech' })).outcome).toBeUndefined();
    expect(isInterimTranscription(parseTelnyxEvent(event({ is_final: false, transcript: 'tech' })).event)).toBe(true);
    expect(isInterimTranscription(parseTelnyxEvent(event({ is_final: false, transcript: ' ' })).event)).toBe(false);
    expect(isInterimTranscription(parseTelnyxEvent(event({ is_final: true, transcript: '' })).event)).toBe(false);
    expect(parseTelnyxEvent(event({ is_final: true, transcript: '   ' })).outcome).toBeUndefined();
    expect(parseTelnyxEvent(event({})).outcome).toBeUndefined();
  });
});
