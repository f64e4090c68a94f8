import { readFileSync } from 'node:fs';
import {
  conference,
  createEngine,
  parseFlow,
  defineFlow,
  enqueue,
  gather,
  hangup,
  pause,
  play,
  record,
  say,
  transfer,
  type Flow,
  type Outcome,
  type Turn,
} from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';

/** A fixed clock and call, so tokens (and golden files) are deterministic. */
export const fixedNow = () => Date.UTC(2026, 0, 14, 10, 0, 0);
export const call = { callId: 'CA0123456789abcdef0123456789abcdef', from: '+15551230000', to: '+15559870000', provider: 'twilio' };
export const secret = 'golden-secret-0123456789abcdef';
export const actionUrl = 'https://ivr.example.com/voice';

/** Every step kind with awkward values: escaping, SIP, speech, conference, a timed queue. */
export const kitchenSink = defineFlow({
  name: 'kitchen-sink',
  start: 'start',
  defaults: { voice: 'Polly.Joanna', language: 'en-US' },
  nodes: {
    start: [
      say('Hello <b>"Ann" & Bob\'s</b> shop', { loop: 2 }),
      play('https://cdn.example.com/a.mp3?x=1&y=2', { loop: 3 }),
      pause(2),
      say('Custom voice', { voice: 'man', providerOptions: { twilio: { language: 'en-GB' } } }),
      gather({
        prompt: [say('Say sales or support, or press a key.'), play('https://cdn.example.com/beep.wav')],
        input: 'both',
        timeoutSeconds: 7,
        finishOnKey: '',
        speech: { hints: ['sales', 'support'], endSilenceSeconds: 2, language: 'en-GB' },
        routes: { sales: 'sip', support: 'room', '1': 'queue' },
      }),
    ],
    sip: [
      transfer(
        { sip: 'sip:agent@pbx.example.com;transport=tls', username: 'u&1', password: 'p"w' },
        { callerId: '+15550001111', ringSeconds: 15, maxSeconds: 600, record: true, onFailed: 'queue' },
      ),
    ],
    room: [
      conference('team-and-friends', {
        startOnEnter: false,
        endOnExit: true,
        muted: true,
        beep: false,
        holdMusic: 'https://cdn.example.com/wait.mp3',
        maxParticipants: 10,
        then: 'queue',
      }),
    ],
    queue: [
      enqueue('vip', {
        holdMusic: 'https://cdn.example.com/hold.mp3',
        announcePosition: true,
        maxWaitSeconds: 300,
        onTimeout: 'voicemail',
      }),
    ],
    voicemail: [record({ maxSeconds: 60, silenceSeconds: 3, finishOnKey: '*', beep: false }), hangup()],
  },
});

/** A named turn of a flow: how to reach it from the start. */
export interface TurnCase {
  flow: string;
  name: string;
  turn: () => Promise<Turn>;
}

function walk(flow: Flow, outcomes: Outcome[], now = fixedNow): () => Promise<Turn> {
  return async () => {
    const engine = createEngine(flow, { secret, now });
    let turn = await engine.start(call);
    for (const outcome of outcomes) turn = await engine.resume(turn.token!, outcome, call);
    return turn;
  };
}

const digits = (value: string): Outcome => ({ type: 'digits', digits: value });

/** The config IVR's YAML flow (seed 003). */
export const configIvr = parseFlow(readFileSync(new URL('../../../examples/config-ivr/ivr.yaml', import.meta.url), 'utf8'));
const saturdayMorning = () => Date.UTC(2026, 0, 17, 10, 30);
const mondayLunch = () => Date.UTC(2026, 0, 12, 12, 45);
const christmas = () => Date.UTC(2026, 11, 25, 10, 0);
const recorded: Outcome = { type: 'recording', url: 'https://api.twilio.com/rec/RE2', durationSeconds: 21 };

/** Every turn of the examples plus the kitchen sink. */
export const turnCases: TurnCase[] = [
  { flow: 'phone-tree', name: 'start', turn: walk(phoneTree, []) },
  { flow: 'phone-tree', name: 'sales', turn: walk(phoneTree, [digits('1')]) },
  {
    flow: 'phone-tree',
    name: 'sales-recorded',
    turn: walk(phoneTree, [digits('1'), { type: 'recording', url: 'https://api.twilio.com/rec/RE1', durationSeconds: 9 }]),
  },
  { flow: 'phone-tree', name: 'support', turn: walk(phoneTree, [digits('2')]) },
  { flow: 'phone-tree', name: 'support-bridged', turn: walk(phoneTree, [digits('2'), { type: 'queue', result: 'bridged' }]) },
  { flow: 'phone-tree', name: 'hours', turn: walk(phoneTree, [digits('3')]) },
  { flow: 'phone-tree', name: 'hours-again', turn: walk(phoneTree, [digits('3'), digits('1')]) },
  { flow: 'phone-tree', name: 'hours-back-to-menu', turn: walk(phoneTree, [digits('3'), digits('4')]) },
  { flow: 'phone-tree', name: 'reception', turn: walk(phoneTree, [digits('0')]) },
  { flow: 'phone-tree', name: 'reception-completed', turn: walk(phoneTree, [digits('0'), { type: 'dial', status: 'completed' }]) },
  { flow: 'phone-tree', name: 'reception-busy', turn: walk(phoneTree, [digits('0'), { type: 'dial', status: 'busy' }]) },
  { flow: 'phone-tree', name: 'menu-again', turn: walk(phoneTree, [digits('9')]) },
  { flow: 'phone-tree', name: 'invalid', turn: walk(phoneTree, [digits('7')]) },
  { flow: 'phone-tree', name: 'no-input', turn: walk(phoneTree, [{ type: 'no-input' }]) },
  { flow: 'phone-tree', name: 'exhausted', turn: walk(phoneTree, [{ type: 'no-input' }, { type: 'no-input' }, { type: 'no-input' }]) },
  { flow: 'config-ivr', name: 'start-open', turn: walk(configIvr, []) },
  { flow: 'config-ivr', name: 'start-closed', turn: walk(configIvr, [], mondayLunch) },
  { flow: 'config-ivr', name: 'start-holiday', turn: walk(configIvr, [], christmas) },
  { flow: 'config-ivr', name: 'sales', turn: walk(configIvr, [digits('1')]) },
  { flow: 'config-ivr', name: 'sales-busy', turn: walk(configIvr, [digits('1'), { type: 'dial', status: 'busy' }]) },
  { flow: 'config-ivr', name: 'sales-no-answer', turn: walk(configIvr, [digits('1'), { type: 'dial', status: 'no-answer' }]) },
  { flow: 'config-ivr', name: 'sales-failed', turn: walk(configIvr, [digits('1'), { type: 'dial', status: 'failed' }]) },
  { flow: 'config-ivr', name: 'sales-canceled', turn: walk(configIvr, [digits('1'), { type: 'dial', status: 'canceled' }]) },
  { flow: 'config-ivr', name: 'sales-completed', turn: walk(configIvr, [digits('1'), { type: 'dial', status: 'completed' }]) },
  { flow: 'config-ivr', name: 'support', turn: walk(configIvr, [digits('2')]) },
  { flow: 'config-ivr', name: 'support-closed', turn: walk(configIvr, [digits('2')], saturdayMorning) },
  { flow: 'config-ivr', name: 'voicemail', turn: walk(configIvr, [digits('3')]) },
  { flow: 'config-ivr', name: 'voicemail-recorded', turn: walk(configIvr, [digits('3'), recorded]) },
  { flow: 'config-ivr', name: 'repeat', turn: walk(configIvr, [digits('4')]) },
  { flow: 'config-ivr', name: 'goodbye', turn: walk(configIvr, [digits('0')]) },
  { flow: 'config-ivr', name: 'invalid', turn: walk(configIvr, [digits('7')]) },
  { flow: 'config-ivr', name: 'no-input', turn: walk(configIvr, [{ type: 'no-input' }]) },
  { flow: 'config-ivr', name: 'max-loops', turn: walk(configIvr, [{ type: 'no-input' }, { type: 'no-input' }, { type: 'no-input' }]) },
  { flow: 'kitchen-sink', name: 'start', turn: walk(kitchenSink, []) },
  { flow: 'kitchen-sink', name: 'sip', turn: walk(kitchenSink, [{ type: 'speech', text: 'Sales, please.', confidence: 0.9 }]) },
  { flow: 'kitchen-sink', name: 'conference', turn: walk(kitchenSink, [{ type: 'speech', text: 'support' }]) },
  { flow: 'kitchen-sink', name: 'queue', turn: walk(kitchenSink, [digits('1')]) },
  { flow: 'kitchen-sink', name: 'voicemail', turn: walk(kitchenSink, [digits('1'), { type: 'queue', result: 'timeout' }]) },
];
