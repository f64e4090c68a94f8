import { describe, expect, it } from 'vitest';
import {
  CallFlowError,
  conference,
  createEngine,
  defineFlow,
  enqueue,
  gather,
  goto,
  hangup,
  hours,
  isCallFlowError,
  pause,
  play,
  record,
  say,
  transfer,
  type Outcome,
  type Turn,
} from '../src/index.js';

const secret = 'test-secret-0123456789abcdef';
const call = { callId: 'CA-test-1', from: '+15550001111', to: '+15550002222' };
const monday10am = Date.parse('2026-11-23T15:00:00Z'); // 10:00 in New York
const sunday = Date.parse('2026-11-22T15:00:00Z');
const christmas = Date.parse('2026-12-25T15:00:00Z');

const texts = (turn: Turn) => turn.steps.map((planned) => (planned.step.type === 'say' ? planned.step.text : planned.step.type));

const flow = defineFlow({
  name: 'engine-test',
  start: 'greeting',
  defaults: { voice: 'alice', language: 'en-GB' },
  schedules: {
    office: {
      timezone: 'America/New_York',
      weekly: { weekdays: ['09:00-17:00'] },
      closures: [{ date: '2026-12-25', name: 'Christmas' }],
    },
  },
  nodes: {
    greeting: [
      say('Welcome, {{name}}.'),
      play('https://audio.example.com/chime.mp3'),
      pause(1),
      hours('office', { open: 'menu', closed: 'closed', holiday: 'holiday' }),
    ],
    closed: [say('We are closed.'), hangup()],
    holiday: [say('Happy holidays.'), hangup()],
    menu: [
      gather({
        prompt: [say('Press 1 for sales, 2 for support.')],
        numDigits: 1,
        routes: { '1': 'sales', '2': 'support', '3': 'conf', '4': 'account' },
        invalidPrompt: [say('That is not an option.')],
        noInputPrompt: [say('I did not hear anything.')],
        attempts: 3,
        onExhausted: 'goodbye',
      }),
    ],
    sales: [
      say('Connecting.'),
      transfer('+15550003333', { ringSeconds: 15, then: 'goodbye', onBusy: 'busy', onNoAnswer: 'voicemail' }),
      say('Transfer failed.'),
      hangup(),
    ],
    busy: [say('The line is busy.'), goto('voicemail')],
    voicemail: [say('Leave a message.'), record({ maxSeconds: 60, notify: 'sms', saveAs: 'message' }), say('Thanks.')],
    support: [
      enqueue('support', {
        holdMusic: 'https://audio.example.com/hold.mp3',
        maxWaitSeconds: 600,
        onTimeout: 'voicemail',
        escape: { digit: '0', to: 'voicemail' },
        then: 'goodbye',
      }),
    ],
    conf: [conference('room-1', { startOnEnter: true, beep: false }), say('The conference has ended.')],
    account: [
      gather({ prompt: 'Enter your account number, then press pound.', minDigits: 4, maxDigits: 8, saveAs: 'account' }),
      say('You entered {{account}}.'),
      hangup(),
    ],
    goodbye: [say('Goodbye.'), hangup()],
  },
});

const engineAt = (at: number) => createEngine(flow, { secret, now: () => at });

async function walk(at: number, outcomes: Outcome[]): Promise<Turn[]> {
  const engine = engineAt(at);
  const turns = [await engine.start(call)];
  for (const outcome of outcomes) {
    const last = turns.at(-1)!;
    if (!last.token) throw new Error('call already ended');
    turns.push(await engine.resume(last.token, outcome, call));
  }
  return turns;
}

describe('engine: media, hours, defaults', () => {
  it('plays media, applies defaults and interpolates, then branches on open hours into the menu gather', async () => {
    const [turn] = await walk(monday10am, []);
    expect(turn!.steps.map((planned) => planned.step)).toEqual([
      { type: 'say', text: 'Welcome, .', voice: 'alice', language: 'en-GB' },
      { type: 'play', url: 'https://audio.example.com/chime.mp3' },
      { type: 'pause', seconds: 1 },
    ]);
    expect(turn!.wait?.step.type).toBe('gather');
    expect(turn!.wait?.state).toMatchObject({ node: 'menu', step: 0, kind: 'gather' });
    expect(turn!.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(turn!.ended).toBe(false);
  });

  it('routes to closed out of hours and to the holiday node on a dated closure', async () => {
    const [closed] = await walk(sunday, []);
    expect(texts(closed!).at(-1)).toBe('We are closed.');
    expect(closed!.ended).toBe(true);
    const [holiday] = await walk(christmas, []);
    expect(texts(holiday!).at(-1)).toBe('Happy holidays.');
  });

  it('gives every media step the state to resume from after it', async () => {
    const engine = engineAt(monday10am);
    const turn = await engine.start(call);
    expect(turn.steps.map((planned) => [planned.after.node, planned.after.step])).toEqual([
      ['greeting', 1],
      ['greeting', 2],
      ['greeting', 3],
    ]);
    // Resuming "media done" after the chime plays the rest of the turn.
    const token = await engine.sign(turn.steps[1]!.after, call);
    const rest = await engine.resume(token, { type: 'media-done' }, call);
    expect(rest.steps.map((planned) => planned.step.type)).toEqual(['pause']);
    expect(rest.wait?.step.type).toBe('gather');
  });
});

describe('engine: gather with retries', () => {
  it('routes a valid digit', async () => {
    const turns = await walk(monday10am, [{ type: 'digits', digits: '1' }]);
    expect(texts(turns[1]!)).toEqual(['Connecting.']);
    expect(turns[1]!.wait?.step).toMatchObject({ type: 'transfer', to: '+15550003333', ringSeconds: 15 });
  });

  it('re-asks with the invalid prompt, then the no-input prompt, then gives up after three tries', async () => {
    const turns = await walk(monday10am, [{ type: 'digits', digits: '7' }, { type: 'no-input' }, { type: 'digits', digits: '8' }]);
    const reask = turns[1]!.wait!.step;
    expect(reask.type === 'gather' && reask.prompt.map((step) => step.type === 'say' && step.text)).toEqual([
      'That is not an option.',
      'Press 1 for sales, 2 for support.',
    ]);
    expect(turns[1]!.wait!.state.tries).toEqual({ 'menu:0': 1 });
    const second = turns[2]!.wait!.step;
    expect(second.type === 'gather' && second.prompt[0]).toMatchObject({ text: 'I did not hear anything.' });
    expect(texts(turns[3]!)).toEqual(['Goodbye.']);
    expect(turns[3]!.ended).toBe(true);
  });

  it('counts tries the provider used natively', async () => {
    const turns = await walk(monday10am, [{ type: 'digits', digits: '9', attemptsUsed: 3 }]);
    expect(texts(turns[1]!)).toEqual(['Goodbye.']);
  });

  it('strips the finish key and saves variables for later prompts', async () => {
    const turns = await walk(monday10am, [
      { type: 'digits', digits: '4' },
      { type: 'digits', digits: '123456#' },
    ]);
    expect(texts(turns[2]!)).toEqual(['You entered 123456.']);
    expect(turns[2]!.ended).toBe(true);
  });

  it('treats too-short input as invalid for a saveAs gather', async () => {
    const turns = await walk(monday10am, [
      { type: 'digits', digits: '4' },
      { type: 'digits', digits: '12' },
    ]);
    expect(turns[2]!.wait?.state).toMatchObject({ node: 'account', reask: 'invalid', tries: { 'account:0': 1 } });
  });

  it('keeps the try count across a detour node and resets it after valid input', async () => {
    const detour = defineFlow({
      name: 'detour',
      start: 'menu',
      nodes: {
        menu: [
          gather({ prompt: 'Choose.', routes: { '1': 'one' }, onInvalid: 'error', onNoInput: 'error', attempts: 2, onExhausted: 'bye' }),
        ],
        error: [say('Invalid.'), goto('menu')],
        one: [say('One.'), goto('menu')],
        bye: [say('Bye.'), hangup()],
      },
    });
    const engine = createEngine(detour, { secret });
    const first = await engine.start(call);
    const afterInvalid = await engine.resume(first.token!, { type: 'digits', digits: '5' }, call);
    expect(texts(afterInvalid)).toEqual(['Invalid.']);
    expect(afterInvalid.wait?.state.tries).toEqual({ 'menu:0': 1 });
    const afterValid = await engine.resume(afterInvalid.token!, { type: 'digits', digits: '1' }, call);
    expect(texts(afterValid)).toEqual(['One.']);
    expect(afterValid.wait?.state.tries).toEqual({});
    const again = await engine.resume(afterValid.token!, { type: 'no-input' }, call);
    const exhausted = await engine.resume(again.token!, { type: 'no-input' }, call);
    expect(texts(exhausted)).toEqual(['Bye.']);
  });

  it('routes speech on words and spoken digits', async () => {
    const speechFlow = defineFlow({
      name: 'speech',
      start: 'menu',
      nodes: {
        menu: [
          gather({ prompt: 'Say sales or support.', input: 'both', routes: { '1': 'sales', sales: 'sales', 'tech support': 'support' } }),
        ],
        sales: [say('Sales.')],
        support: [say('Support.')],
      },
    });
    const engine = createEngine(speechFlow, { secret });
    const start = await engine.start(call);
    expect(
      texts(await engine.resume(start.token!, { type: 'speech', text: 'I need Tech Support, please.', confidence: 0.9 }, call)),
    ).toEqual(['Support.']);
    expect(texts(await engine.resume(start.token!, { type: 'speech', text: 'one' }, call))).toEqual(['Sales.']);
    const miss = await engine.resume(start.token!, { type: 'speech', text: 'billing' }, call);
    expect(miss.wait?.state.reask).toBe('invalid');
  });
});

describe('engine: transfer, record, queue, conference', () => {
  it('routes each dial status to its fallback', async () => {
    const outcome = async (status: 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled') =>
      (
        await walk(monday10am, [
          { type: 'digits', digits: '1' },
          { type: 'dial', status },
        ])
      )[2]!;
    expect(texts(await outcome('completed'))).toEqual(['Goodbye.']);
    expect(texts(await outcome('busy'))).toEqual(['The line is busy.', 'Leave a message.']);
    expect(texts(await outcome('no-answer'))).toEqual(['Leave a message.']);
    // No onFailed: the call goes on with the step after the transfer.
    expect(texts(await outcome('failed'))).toEqual(['Transfer failed.']);
    expect(texts(await outcome('canceled'))).toEqual(['Transfer failed.']);
  });

  it('records, saves the URL and emits the notify effect', async () => {
    const turns = await walk(monday10am, [
      { type: 'digits', digits: '1' },
      { type: 'dial', status: 'no-answer' },
      { type: 'recording', url: 'https://recordings.example.com/RE1', durationSeconds: 12 },
    ]);
    const last = turns[3]!;
    expect(texts(last)).toEqual(['Thanks.']);
    expect(last.ended).toBe(true);
    expect(last.effects).toEqual([
      {
        type: 'notify',
        hook: 'sms',
        call,
        node: 'voicemail',
        recording: { url: 'https://recordings.example.com/RE1', durationSeconds: 12 },
        vars: { message: 'https://recordings.example.com/RE1' },
      },
    ]);
  });

  it('handles every queue result', async () => {
    const result = async (outcome: Outcome) => (await walk(monday10am, [{ type: 'digits', digits: '2' }, outcome]))[2]!;
    expect(texts(await result({ type: 'queue', result: 'bridged' }))).toEqual(['Goodbye.']);
    expect(texts(await result({ type: 'queue', result: 'timeout' }))).toEqual(['Leave a message.']);
    expect(texts(await result({ type: 'queue', result: 'left', digit: '0' }))).toEqual(['Leave a message.']);
    const hung = await result({ type: 'queue', result: 'hangup' });
    expect(hung.ended).toBe(true);
    expect(hung.steps).toEqual([]);
  });

  it('continues after a conference ends', async () => {
    const turns = await walk(monday10am, [
      { type: 'digits', digits: '3' },
      { type: 'conference', status: 'ended' },
    ]);
    expect(turns[1]!.wait?.step).toMatchObject({ type: 'conference', room: 'room-1', startOnEnter: true, beep: false });
    expect(texts(turns[2]!)).toEqual(['The conference has ended.']);
  });

  it('ends on hangup from any waiting position', async () => {
    const turns = await walk(monday10am, [{ type: 'hangup', cause: 'normal_clearing' }]);
    expect(turns[1]).toMatchObject({ ended: true, steps: [] });
  });

  it('refuses an outcome that does not answer the waiting step', async () => {
    const engine = engineAt(monday10am);
    const start = await engine.start(call);
    await expect(engine.resume(start.token!, { type: 'dial', status: 'busy' }, call)).rejects.toMatchObject({ code: 'unexpected-outcome' });
    await expect(engine.resume(start.token!, { type: 'media-done' }, call)).rejects.toMatchObject({ code: 'unexpected-outcome' });
  });
});

describe('engine: failures', () => {
  it('turns an exception in a dynamic node into an apology and a hangup', async () => {
    const errors: string[] = [];
    const broken = defineFlow({
      name: 'broken',
      start: 'lookup',
      defaults: { apology: 'Sorry, our system is down.' },
      nodes: {
        lookup: () => {
          throw new Error('database unreachable');
        },
      },
    });
    const engine = createEngine(broken, { secret, onError: (error) => errors.push(error.message) });
    const turn = await engine.start(call);
    expect(texts(turn)).toEqual(['Sorry, our system is down.']);
    expect(turn.ended).toBe(true);
    expect(turn.error?.code).toBe('flow-failed');
    expect(errors[0]).toContain('database unreachable');
  });

  it('evaluates async dynamic nodes with the call and its variables', async () => {
    const dynamic = defineFlow({
      name: 'dynamic',
      start: 'ask',
      nodes: {
        ask: [gather({ prompt: 'Account?', saveAs: 'account', numDigits: 3 }), goto('greet')],
        greet: async (context) => [say(`Account ${context.vars.account} from ${context.from}.`), hangup()],
      },
    });
    const engine = createEngine(dynamic, { secret });
    const start = await engine.start(call);
    const turn = await engine.resume(start.token!, { type: 'digits', digits: '123' }, call);
    expect(texts(turn)).toEqual(['Account 123 from +15550001111.']);
  });

  it('apologises when a dynamic node returns steps that reference unknown nodes', async () => {
    const dynamic = defineFlow({ name: 'bad-dynamic', start: 'a', nodes: { a: () => [goto('nowhere' as 'a')] } });
    const turn = await createEngine(dynamic, { secret }).start(call);
    expect(turn.error?.message).toContain("unknown node 'nowhere'");
    expect(turn.ended).toBe(true);
  });

  it('stops a dynamic loop that never waits', async () => {
    const looping = defineFlow({ name: 'loop', start: 'a', nodes: { a: () => [goto('b')], b: [goto('a')] } });
    const turn = await createEngine(looping, { secret, maxHops: 10 }).start(call);
    expect(turn.error?.message).toMatch(/more than 10 goto\/hours hops/);
  });

  it('rejects a secret that is too short at construction', () => {
    expect(() => createEngine(flow, { secret: 'short' })).toThrow(CallFlowError);
  });

  it('refuses a token when the flow changed under it', async () => {
    const engine = engineAt(monday10am);
    const start = await engine.start(call);
    const changed = defineFlow({ name: 'engine-test', start: 'menu', nodes: { menu: [say('No gather here.')] } });
    const other = createEngine(changed, { secret, now: () => monday10am });
    // The token is authentic, so the caller hears the apology instead of a refusal.
    const turn = await other.resume(start.token!, { type: 'digits', digits: '1' }, call);
    expect(turn.ended).toBe(true);
    expect(isCallFlowError(turn.error, 'invalid-token')).toBe(true);
    expect(turn.error?.reason).toBe('unknown-position');
    expect(texts(turn)).toEqual(['We are sorry, something went wrong. Goodbye.']);
    // inspect() still reports it as an error; refusedTurn() gives what resume() gave.
    const refusal = await other.inspect(start.token!, call).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'invalid-token', reason: 'unknown-position' });
    expect(texts(await other.refusedTurn(refusal, call))).toEqual(['We are sorry, something went wrong. Goodbye.']);
    expect(await other.refusedTurn(refusal, call, { hungUp: true })).toMatchObject({ steps: [], ended: true });
    // Once the apology has played (a command provider resumes after it), the call ends: never the removed node again.
    const afterApology = await other.sign(turn.steps[0]!.after, call);
    expect(await other.resume(afterApology, { type: 'media-done' }, call)).toMatchObject({ steps: [], ended: true });
  });

  it('refusedTurn throws any refusal other than a removed position again', async () => {
    const engine = engineAt(monday10am);
    const start = await engine.start(call);
    const forged = start.token!.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    const refusal = await engine.inspect(forged, call).catch((error: unknown) => error);
    await expect(engine.refusedTurn(refusal, call)).rejects.toMatchObject({ code: 'invalid-token', reason: 'bad-signature' });
  });

  it('resumeAt continues from an inspected position exactly as resume does from the token', async () => {
    const engine = engineAt(monday10am);
    const start = await engine.start(call);
    const position = await engine.inspect(start.token!, call);
    for (const outcome of [{ type: 'digits', digits: '1' }, { type: 'digits', digits: '7' }, { type: 'no-input' }] as const) {
      const viaToken = await engine.resume(start.token!, outcome, call);
      const viaPosition = await engine.resumeAt(position, outcome, call);
      expect({ ...viaPosition, token: undefined }).toEqual({ ...viaToken, token: undefined });
    }
  });
});
