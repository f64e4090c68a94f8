import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createEngine,
  defineFlow,
  gather,
  goto,
  hangup,
  parseFlow,
  pause,
  play,
  say,
  transfer,
  type CallInfo,
  type Engine,
  type Flow,
  type Outcome,
  type Turn,
} from '@callflow/core';
import { createPhoneTree } from '@callflow/example-flows';
import { createConferenceLine } from '../../../examples/telnyx-conference/src/app.js';
import { continuationStates, decodeClientState, planCommands, type TelnyxCommand } from '../src/index.js';

const goldenDirectory = fileURLToPath(new URL('./golden', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const call: CallInfo = { callId: 'v3:golden-call-0001', from: '+15551230000', to: '+15559870000', provider: 'telnyx' };

/** Compares a plan with its golden file; writes the file when missing or when UPDATE_GOLDEN=1. */
function expectGolden(flowName: string, turnName: string, commands: TelnyxCommand[]) {
  const path = join(goldenDirectory, flowName, `${turnName}.json`);
  const text = `${JSON.stringify(commands, null, 2)}\n`;
  if (update || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  expect(text).toBe(readFileSync(path, 'utf8'));
}

function walker(flow: Flow) {
  const engine: Engine = createEngine(flow, { secret: 'golden-secret-0123456789abcdef', now: () => Date.UTC(2026, 0, 5, 15, 0, 0) });
  let sequence = 0;
  return {
    engine,
    async plan(turn: Turn, options: { answer?: boolean; stopPlayback?: boolean; stopListening?: { gather: boolean } } = {}) {
      const tokens = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
      const { output } = planCommands(turn, { continuations: tokens, sequence: ++sequence, seed: `golden-${sequence}`, ...options });
      // Every command's client_state is one line of base64 carrying the call's move number and a token for this call.
      for (const command of output) {
        const state =
          command.action === 'conference_join_or_create'
            ? command.body.create.client_state
            : 'client_state' in command.body
              ? command.body.client_state
              : undefined;
        if (state !== undefined) {
          expect(state).toMatch(/^[A-Za-z0-9+/]+=*$/);
          expect(decodeClientState(state)?.sequence).toBe(sequence);
        }
      }
      return output;
    },
    afterMedia(turn: Turn, index = 0) {
      return engine.sign(turn.steps[index]!.after, call);
    },
    resume(token: string, outcome: Outcome) {
      return engine.resume(token, outcome, call);
    },
  };
}

describe('golden command lists: phone tree', () => {
  it('every turn', async () => {
    const walk = walker(createPhoneTree({ holdMusicUrl: 'https://audio.example.com/hold.mp3' }));
    const start = await walk.engine.start(call);
    expectGolden('phone-tree', 'start', await walk.plan(start, { answer: true }));
    const menu = await walk.resume(await walk.afterMedia(start), { type: 'media-done' });
    expectGolden('phone-tree', 'menu', await walk.plan(menu));
    const menuToken = menu.token!;

    const sales = await walk.resume(menuToken, { type: 'digits', digits: '1' });
    expectGolden('phone-tree', 'menu-1-sales', await walk.plan(sales));
    const recordToken = (await walk.resume(await walk.afterMedia(sales), { type: 'media-done' })).token!;
    const recorded = await walk.resume(recordToken, {
      type: 'recording',
      url: 'https://api.telnyx.com/v2/recordings/r1.mp3',
      durationSeconds: 12,
    });
    expect(recorded.effects).toHaveLength(1);
    expectGolden('phone-tree', 'sales-recorded', await walk.plan(recorded));

    const support = await walk.resume(menuToken, { type: 'digits', digits: '2' });
    expectGolden('phone-tree', 'menu-2-support', await walk.plan(support));
    const queueToken = (await walk.resume(await walk.afterMedia(support), { type: 'media-done' })).token!;
    expectGolden(
      'phone-tree',
      'support-bridged',
      await walk.plan(await walk.resume(queueToken, { type: 'queue', result: 'bridged' }), { stopPlayback: true }),
    );

    expectGolden('phone-tree', 'menu-3-hours', await walk.plan(await walk.resume(menuToken, { type: 'digits', digits: '3' })));
    const reception = await walk.resume(menuToken, { type: 'digits', digits: '0' });
    expectGolden('phone-tree', 'menu-0-reception', await walk.plan(reception));
    const transferToken = (await walk.resume(await walk.afterMedia(reception), { type: 'media-done' })).token!;
    expectGolden(
      'phone-tree',
      'reception-no-answer',
      await walk.plan(await walk.resume(transferToken, { type: 'dial', status: 'no-answer', raw: 'timeout' })),
    );
    expectGolden(
      'phone-tree',
      'reception-completed',
      await walk.plan(await walk.resume(transferToken, { type: 'dial', status: 'completed', raw: 'normal_clearing' })),
    );
    expectGolden('phone-tree', 'menu-7-invalid', await walk.plan(await walk.resume(menuToken, { type: 'digits', digits: '7' })));
  });
});

describe('golden command lists: weather hotline (seed 000)', () => {
  it('every turn', async () => {
    const source = readFileSync(fileURLToPath(new URL('../../../examples/telnyx-ivr/weather-hotline.json', import.meta.url)), 'utf8');
    const walk = walker(parseFlow(source));
    const start = await walk.engine.start(call);
    const startPlan = await walk.plan(start, { answer: true });
    expect(startPlan.map((command) => command.action)).toEqual(['answer', 'gather_using_speak']);
    expectGolden('weather-hotline', 'start', startPlan);
    const chicago = await walk.resume(start.token!, { type: 'digits', digits: '1' });
    expectGolden('weather-hotline', 'menu-1-chicago', await walk.plan(chicago));
    expectGolden(
      'weather-hotline',
      'chicago-busy',
      await walk.plan(await walk.resume(chicago.token!, { type: 'dial', status: 'busy', raw: 'user_busy' })),
    );
    expectGolden(
      'weather-hotline',
      'menu-exhausted',
      await walk.plan(await walk.resume(start.token!, { type: 'no-input', attemptsUsed: 3 })),
    );
  });
});

describe('golden command lists: conference line (seed 002)', () => {
  it('every turn', async () => {
    const walk = walker(createConferenceLine());
    const start = await walk.engine.start(call);
    expectGolden('conference-line', 'start', await walk.plan(start, { answer: true }));
    const roomToken = (await walk.resume(await walk.afterMedia(start), { type: 'media-done' })).token!;
    expectGolden(
      'conference-line',
      'conference-ended',
      await walk.plan(await walk.resume(roomToken, { type: 'conference', status: 'ended' })),
    );
  });
});

describe('golden command lists: the steps the examples do not use', () => {
  it('pause, audio prompts, split prompts, SIP transfer with recording', async () => {
    const flow = defineFlow({
      name: 'kitchen-sink',
      start: 'start',
      nodes: {
        start: [
          pause(12),
          gather({
            prompt: [play('https://audio.example.com/intro.mp3'), say('Enter your PIN, then press hash.', { voice: 'Polly.Joanna' })],
            minDigits: 4,
            maxDigits: 6,
            saveAs: 'pin',
          }),
          goto('audio'),
        ],
        audio: [
          gather({
            prompt: [play('https://audio.example.com/menu.mp3')],
            routes: { '1': 'sip', '2': 'silent' },
            invalidPrompt: [play('https://audio.example.com/invalid.mp3')],
            timeoutSeconds: 7,
          }),
        ],
        silent: [gather({ prompt: [pause(1)], numDigits: 3, finishOnKey: '' }), hangup()],
        sip: [
          transfer(
            { sip: 'sip:agent@example.com', username: 'alice', password: 's3cret' },
            { callerId: '+15550001111', record: true, maxSeconds: 600, then: 'done' },
          ),
        ],
        done: [say('Thanks, {{pin}} is noted.', { loop: 2 }), hangup()],
      },
    });
    const walk = walker(flow);
    const start = await walk.engine.start(call);
    expectGolden('kitchen-sink', 'start', await walk.plan(start, { answer: true }));
    const gatherPin = await walk.resume(await walk.afterMedia(start), { type: 'media-done' });
    expectGolden('kitchen-sink', 'pin-prompt', await walk.plan(gatherPin));
    const audio = await walk.resume(gatherPin.token!, { type: 'digits', digits: '1234' });
    expectGolden('kitchen-sink', 'audio-menu', await walk.plan(audio));
    expectGolden('kitchen-sink', 'silent-gather', await walk.plan(await walk.resume(audio.token!, { type: 'digits', digits: '2' })));
    const sip = await walk.resume(audio.token!, { type: 'digits', digits: '1' });
    expectGolden('kitchen-sink', 'sip-transfer', await walk.plan(sip));
    expectGolden('kitchen-sink', 'done', await walk.plan(await walk.resume(sip.token!, { type: 'dial', status: 'completed' })));
  });

  it('speech: transcription beside the gather, stopped after the utterance; several says as SSML paragraphs', async () => {
    const flow = defineFlow({
      name: 'speech',
      start: 'ask',
      nodes: {
        ask: [
          gather({
            prompt: [say('Welcome & hello.'), say('Say sales or support.')],
            input: 'both',
            speech: { language: 'en-GB', hints: ['sales', 'support'] },
            routes: { sales: 'done', '1': 'done' },
          }),
        ],
        done: [say('Thanks.'), hangup()],
      },
    });
    const walk = walker(flow);
    const ask = await walk.engine.start(call);
    expectGolden('speech', 'ask', await walk.plan(ask, { answer: true }));
    const done = await walk.resume(ask.token!, { type: 'speech', text: 'sales please', confidence: 0.9 });
    expectGolden('speech', 'after-speech', await walk.plan(done, { stopListening: { gather: true } }));
  });
});
