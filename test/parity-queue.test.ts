import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  conference,
  defaultHoldMusicUrl,
  parseFlow,
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
  type Flow,
  type Schedule,
} from '@callflow/core';
import {
  simulateCall,
  simulatedProviders,
  type CallScript,
  type SimulatedCall,
  type SimulatedProvider,
  type TranscriptEntry,
} from '@callflow/testing';

// Issue 15: queues and conferences sound the same on every provider, and a flow that uses every step with every
// option is the same call on Twilio, Vonage and Telnyx. Each case runs on each provider through its emulator (real
// HTTP, real signatures); the transcripts must be equal entry by entry, with two normalisations no caller can hear:
// recording URLs are provider-specific (compared by presence), and a run of spoken texts is compared as one utterance
// (Telnyx's gather_using_speak speaks a re-ask message and the menu as one payload). Where a provider cannot do an
// option (docs/capabilities.md), the flow is refused when its handler is created, naming step, option and provider.
//
// The queue clock is the emulators' shared model: one play of hold music lasts 30 s, a spoken text one second per 2.5
// words; the scripted outcome comes at the first break in the music once `waitSeconds` have passed. On Vonage a queue
// with a repeated announcement or an escape key waits in callflow's hold loop (one play of the music, then an input or
// notify whose webhook answers the next stretch): the break after each play is where Twilio's wait URL runs again.

const hold = 'https://audio.example.com/hold.mp3';
const roomMusic = 'https://audio.example.com/room.mp3';
const chime = 'https://audio.example.com/chime.mp3';

function neutral(entries: readonly TranscriptEntry[]): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  for (const entry of entries) {
    const previous = out.at(-1);
    if (entry.type === 'say' && previous?.type === 'say') out[out.length - 1] = { type: 'say', text: `${previous.text} ${entry.text}` };
    else
      out.push(
        entry.type === 'record'
          ? { type: 'record', durationSeconds: entry.durationSeconds, url: entry.url ? '<recording>' : undefined }
          : entry,
      );
  }
  return out;
}

async function run(provider: SimulatedProvider, flow: Flow, script: CallScript & { at?: string }): Promise<SimulatedCall> {
  return simulateCall({ provider, flow, hooks: { voicemail: () => {} }, ...script });
}

/** Runs the script on the providers and checks the transcripts are one call; returns it. */
async function sameCall(
  flow: Flow,
  script: CallScript & { at?: string },
  providers: readonly SimulatedProvider[] = simulatedProviders,
): Promise<TranscriptEntry[]> {
  const calls = await Promise.all(providers.map((provider) => run(provider, flow, script)));
  for (const [index, call] of calls.entries()) expect(call.errors, providers[index]).toEqual([]);
  const [first, ...rest] = calls.map((call) => neutral(call.entries));
  for (const [index, other] of rest.entries()) expect(other, `${providers[index + 1]} vs ${providers[0]}`).toEqual(first);
  return first!;
}

/** The error a provider's handler throws for the flow. */
async function refusal(provider: SimulatedProvider, flow: Flow): Promise<{ code: string; provider?: string; message: string }> {
  try {
    await run(provider, flow, {});
  } catch (error) {
    if (isCallFlowError(error)) return { code: error.code, provider: error.provider, message: error.message };
    throw error;
  }
  throw new Error(`${provider} accepted the flow`);
}

const said = (entries: readonly TranscriptEntry[]) => entries.flatMap((entry) => (entry.type === 'say' ? [entry.text] : []));
const plays = (entries: readonly TranscriptEntry[], url: string) =>
  entries.filter((entry) => entry.type === 'play' && entry.url === url).length;

describe('queue announcements worded by the flow', () => {
  const worded = defineFlow({
    name: 'worded-queue',
    start: 'main',
    nodes: {
      main: [
        say('All our agents are busy.'),
        enqueue('support', {
          holdMusic: hold,
          announce: { template: 'You are caller number {position}. Expected wait: {waitMinutes} min.' },
          then: 'bye',
        }),
      ],
      bye: [say('Thank you for waiting. Goodbye.'), hangup()],
    },
  });

  it('says the template once, on entry, then loops the music until the agent takes the call: the same on all three', async () => {
    const entries = await sameCall(worded, { queues: [{ result: 'bridged', waitSeconds: 80 }] });
    expect(said(entries)).toEqual([
      'All our agents are busy. You are caller number 1. Expected wait: 1 min.',
      'Thank you for waiting. Goodbye.',
    ]);
    expect(plays(entries, hold)).toBe(3);
    expect(entries).toContainEqual({ type: 'enqueue', queue: 'support', result: 'bridged' });
  });

  it('a queue without music plays the same default track everywhere', async () => {
    const plain = defineFlow({
      name: 'plain-queue',
      start: 'main',
      nodes: { main: [enqueue('support', { announce: true, then: 'bye' })], bye: [say('Goodbye.')] },
    });
    const entries = await sameCall(plain, { queues: [{ result: 'bridged', waitSeconds: 20 }] });
    expect(said(entries)).toEqual(['You are number 1 in line.', 'Goodbye.']);
    expect(plays(entries, defaultHoldMusicUrl)).toBe(1);
  });

  it('the place and average wait the provider reports fill the template (Twilio wait URL, Telnyx queue API)', async () => {
    const entries = await sameCall(worded, { queues: [{ result: 'bridged', waitSeconds: 40, position: 4, averageWaitSeconds: 130 }] }, [
      'twilio',
      'telnyx',
    ]);
    expect(said(entries)).toContain('All our agents are busy. You are caller number 4. Expected wait: 3 min.');
  });

  it('is said again at the interval the flow sets, at the next break in the music: the same on all three', async () => {
    const repeating = defineFlow({
      name: 'repeating-queue',
      start: 'main',
      nodes: {
        main: [
          enqueue('support', {
            holdMusic: hold,
            announce: { template: 'You are number {position} in line.', everySeconds: 60 },
            then: 'bye',
          }),
        ],
        bye: [say('Goodbye.')],
      },
    });
    const entries = await sameCall(repeating, { queues: [{ result: 'bridged', waitSeconds: 150 }] });
    // 0 s: said; 62 s and 124 s: the first breaks a minute or more after the last one.
    expect(entries.slice(0, 9)).toEqual([
      { type: 'say', text: 'You are number 1 in line.' },
      { type: 'play', url: hold },
      { type: 'play', url: hold },
      { type: 'say', text: 'You are number 1 in line.' },
      { type: 'play', url: hold },
      { type: 'play', url: hold },
      { type: 'say', text: 'You are number 1 in line.' },
      { type: 'play', url: hold },
      { type: 'enqueue', queue: 'support', result: 'bridged' },
    ]);
    expect(entries.slice(9)).toEqual([
      { type: 'say', text: 'Goodbye.' },
      { type: 'hangup', by: 'flow' },
    ]);
  });

  it('a caller who hangs up during the repeats leaves at the same break on all three', async () => {
    const repeating = defineFlow({
      name: 'repeating-hangup',
      start: 'main',
      nodes: { main: [enqueue('support', { holdMusic: hold, announce: { everySeconds: 60 }, then: 'bye' })], bye: [say('Goodbye.')] },
    });
    const entries = await sameCall(repeating, { queues: [{ result: 'hangup', waitSeconds: 70 }] });
    expect(entries).toEqual([
      { type: 'say', text: 'You are number 1 in line.' },
      { type: 'play', url: hold },
      { type: 'play', url: hold },
      { type: 'say', text: 'You are number 1 in line.' },
      { type: 'play', url: hold },
      { type: 'enqueue', queue: 'support', result: 'hangup' },
      { type: 'hangup', by: 'caller' },
    ]);
  });
});

describe('a queue in a dynamic node', () => {
  it('on Telnyx loops its music from the start (the breaks need the step, which a dynamic node does not keep), and still reaches the agent', async () => {
    const dynamic = defineFlow({
      name: 'dynamic-queue',
      start: 'main',
      nodes: { main: () => [say('Please hold.'), enqueue('support', { holdMusic: hold, then: 'bye' })], bye: [say('Goodbye.')] },
    });
    const call = await run('telnyx', dynamic, { queues: [{ result: 'bridged', waitSeconds: 60 }] });
    expect(call.errors).toEqual([]);
    expect(neutral(call.entries)).toEqual([
      { type: 'say', text: 'Please hold.' },
      { type: 'play', url: hold },
      { type: 'enqueue', queue: 'support', result: 'bridged' },
      { type: 'say', text: 'Goodbye.' },
      { type: 'hangup', by: 'flow' },
    ]);
  });
});

describe('the queue escape key', () => {
  const escapable = defineFlow({
    name: 'escape-queue',
    start: 'main',
    nodes: {
      main: [
        enqueue('support', {
          holdMusic: hold,
          announce: { template: 'You are number {position}. Press 0 to leave a message.' },
          escape: { digit: '0', to: 'voicemail' },
          then: 'bye',
        }),
      ],
      voicemail: [say('Please leave a message.'), record({ maxSeconds: 30 }), say('Thank you.'), hangup()],
      bye: [say('Goodbye.')],
    },
  });

  it('Twilio hears it through the wait URL <Gather>, Telnyx through call.dtmf.received, Vonage through the hold loop input: the same call', async () => {
    const entries = await sameCall(escapable, {
      queues: [{ result: 'left', digit: '0', waitSeconds: 50 }],
      recordings: [{ durationSeconds: 6 }],
    });
    // After each play the key has a second of silence (Twilio's shortest <Gather timeout>, Vonage's input timeOut, a speak of
    // one SSML break on Telnyx); the key, pressed as the play that ends past the wait finishes, cuts that second short.
    expect(entries).toEqual([
      { type: 'say', text: 'You are number 1. Press 0 to leave a message.' },
      { type: 'play', url: hold },
      { type: 'pause', seconds: 1 },
      { type: 'play', url: hold },
      { type: 'enqueue', queue: 'support', result: 'left' },
      { type: 'say', text: 'Please leave a message.' },
      { type: 'record', durationSeconds: 6, url: '<recording>' },
      { type: 'say', text: 'Thank you.' },
      { type: 'hangup', by: 'flow' },
    ]);
  });

  it('a caller who does not press waits on to the agent', async () => {
    const entries = await sameCall(escapable, { queues: [{ result: 'bridged', waitSeconds: 20 }] });
    // The agent comes at the break, after the second of silence that follows the play.
    expect(entries).toEqual([
      { type: 'say', text: 'You are number 1. Press 0 to leave a message.' },
      { type: 'play', url: hold },
      { type: 'pause', seconds: 1 },
      { type: 'enqueue', queue: 'support', result: 'bridged' },
      { type: 'say', text: 'Goodbye.' },
      { type: 'hangup', by: 'flow' },
    ]);
  });

  it('with repeats and the escape key, the announcement lands after the same second of silence on all three', async () => {
    const repeating = defineFlow({
      name: 'repeating-escape',
      start: 'main',
      nodes: {
        main: [
          enqueue('support', {
            holdMusic: hold,
            announce: { template: 'You are number {position} in line.', everySeconds: 60 },
            escape: { digit: '0', to: 'bye' },
            then: 'bye',
          }),
        ],
        bye: [say('Goodbye.')],
      },
    });
    const entries = await sameCall(repeating, { queues: [{ result: 'left', digit: '0', waitSeconds: 100 }] });
    // 0 s: said (2.4 s); breaks at 33.4 s and 64.4 s, each after its second of silence: the second is a minute on, so
    // the place is said again there; the key is pressed as the play ending at 127.8 s (past the 100 s wait) ends.
    expect(entries).toEqual([
      { type: 'say', text: 'You are number 1 in line.' },
      { type: 'play', url: hold },
      { type: 'pause', seconds: 1 },
      { type: 'play', url: hold },
      { type: 'pause', seconds: 1 },
      { type: 'say', text: 'You are number 1 in line.' },
      { type: 'play', url: hold },
      { type: 'pause', seconds: 1 },
      { type: 'play', url: hold },
      { type: 'enqueue', queue: 'support', result: 'left' },
      { type: 'say', text: 'Goodbye.' },
      { type: 'hangup', by: 'flow' },
    ]);
  });

  it('maxWaitSeconds ends the wait at the same break on Twilio (<Leave/>), Telnyx (max_wait_time_secs) and Vonage (the hold loop)', async () => {
    const timed = defineFlow({
      name: 'timed-queue',
      start: 'main',
      nodes: {
        main: [enqueue('support', { holdMusic: hold, maxWaitSeconds: 45, onTimeout: 'sorry' })],
        sorry: [say('Nobody is free. Goodbye.'), hangup()],
      },
    });
    const entries = await sameCall(timed, { queues: [{ result: 'timeout', waitSeconds: 600 }] });
    expect(entries).toEqual([
      { type: 'play', url: hold },
      { type: 'play', url: hold },
      { type: 'enqueue', queue: 'support', result: 'timeout' },
      { type: 'say', text: 'Nobody is free. Goodbye.' },
      { type: 'hangup', by: 'flow' },
    ]);
  });

  it('with the escape key and maxWaitSeconds, a caller who never presses times out at the same break on all three', async () => {
    const both = defineFlow({
      name: 'escape-timeout',
      start: 'main',
      nodes: {
        main: [enqueue('support', { holdMusic: hold, escape: { digit: '0', to: 'bye' }, maxWaitSeconds: 90, onTimeout: 'sorry' })],
        sorry: [say('Nobody is free. Goodbye.'), hangup()],
        bye: [say('Goodbye.')],
      },
    });
    const entries = await sameCall(both, { queues: [{ result: 'timeout', waitSeconds: 600 }] });
    // Breaks at 31 s, 62 s and 93 s, each after the play's second of silence: the third is past the 90 s.
    expect(entries).toEqual([
      { type: 'play', url: hold },
      { type: 'pause', seconds: 1 },
      { type: 'play', url: hold },
      { type: 'pause', seconds: 1 },
      { type: 'play', url: hold },
      { type: 'pause', seconds: 1 },
      { type: 'enqueue', queue: 'support', result: 'timeout' },
      { type: 'say', text: 'Nobody is free. Goodbye.' },
      { type: 'hangup', by: 'flow' },
    ]);
  });
});

describe('conferences', () => {
  const room = (options: Parameters<typeof conference>[1]) =>
    defineFlow({
      name: 'room',
      start: 'main',
      nodes: {
        main: [say('Joining the room.'), conference('standup', { ...options, then: 'bye' })],
        bye: [say('The room has closed.'), hangup()],
      },
    });

  it('startOnEnter, endOnExit, muted, no beep and hold music: the same call on all three', async () => {
    const entries = await sameCall(room({ startOnEnter: false, endOnExit: true, muted: true, beep: false, holdMusic: roomMusic }), {
      conferences: [{ status: 'ended', seconds: 30 }],
    });
    expect(entries).toEqual([
      { type: 'say', text: 'Joining the room.' },
      { type: 'conference', room: 'standup' },
      { type: 'say', text: 'The room has closed.' },
      { type: 'hangup', by: 'flow' },
    ]);
  });

  it('a beep and a size limit run on Twilio and Telnyx; Vonage refuses both when the handler is created, naming each', async () => {
    const beeping = room({ beep: true, maxParticipants: 10 });
    await sameCall(beeping, { conferences: [{ status: 'ended' }] }, ['twilio', 'telnyx']);
    const vonage = await refusal('vonage', beeping);
    expect(vonage).toMatchObject({ code: 'unsupported-step', provider: 'vonage' });
    expect(vonage.message).toContain('nodes.main[1] conference: beep: true is not supported on vonage');
    expect(vonage.message).toContain('nodes.main[1] conference: maxParticipants is not supported on vonage');
  });
});

describe('one flow with every step and every option', () => {
  const office: Schedule = {
    timezone: 'Europe/London',
    weekly: { weekdays: ['09:00-17:00'] },
    closures: [{ date: '2026-12-25', name: 'Christmas Day' }],
  };
  const everything = (extra: { roomOptions: boolean }) =>
    defineFlow({
      name: 'everything',
      start: 'start',
      defaults: { voice: 'female', language: 'en-US', apology: 'Sorry, something went wrong.' },
      schedules: { office },
      nodes: {
        start: [hours('office', { open: 'welcome', closed: 'closed', holiday: 'holiday' })],
        welcome: [
          say('Welcome to the clinic.', { voice: 'female', language: 'en-US', loop: 1 }),
          play(chime, { loop: 2 }),
          pause(1),
          goto('menu'),
        ],
        menu: [
          gather({
            prompt: [say('Press 1 for the front desk, or enter your four digit patient number.'), pause(1)],
            input: 'dtmf',
            minDigits: 1,
            maxDigits: 4,
            finishOnKey: '#',
            timeoutSeconds: 5,
            interDigitTimeoutSeconds: 5,
            routes: { '1': 'desk', '1234': 'patient' },
            saveAs: 'choice',
            invalidPrompt: [say('That is not an option.')],
            noInputPrompt: [say('We did not hear anything.')],
            attempts: 3,
            onExhausted: 'goodbye',
          }),
        ],
        desk: [
          say('Connecting you to the front desk.'),
          transfer(
            { sip: 'sip:desk@clinic.example.com' },
            {
              callerId: '+15005550006',
              ringSeconds: 20,
              maxSeconds: 600,
              record: true,
              then: 'goodbye',
              onBusy: 'voicemail',
              onNoAnswer: 'queue',
              onFailed: 'voicemail',
            },
          ),
        ],
        patient: [say('Thank you. Connecting you to your care team.'), transfer('+15005550007', { onFailed: 'queue', then: 'goodbye' })],
        voicemail: [
          say('Please leave a message after the beep.'),
          record({
            maxSeconds: 60,
            silenceSeconds: 5,
            finishOnKey: '#',
            beep: true,
            saveAs: 'message',
            notify: 'voicemail',
            then: 'queue',
          }),
        ],
        queue: [
          say('Please hold for the next nurse.'),
          enqueue('nurses', {
            holdMusic: hold,
            announce: { template: 'You are number {position}. About {waitMinutes} min.', everySeconds: 60 },
            maxWaitSeconds: 600,
            onTimeout: 'voicemail',
            escape: { digit: '0', to: 'goodbye' },
            then: 'huddle',
          }),
        ],
        huddle: [
          say('Joining the nurses huddle.'),
          conference('huddle', {
            startOnEnter: true,
            endOnExit: false,
            muted: false,
            beep: extra.roomOptions,
            holdMusic: roomMusic,
            ...(extra.roomOptions ? { maxParticipants: 20 } : {}),
            then: 'goodbye',
          }),
        ],
        closed: [say('The clinic is closed.'), goto('voicemail')],
        holiday: [say('The clinic is closed for the holiday.'), hangup()],
        goodbye: [say('Goodbye.'), hangup()],
      },
    });
  // Every option of every step; the conference's beep and room size (which the Vonage conversation action lacks) only in `full`.
  const portable = everything({ roomOptions: false });
  const full = everything({ roomOptions: true });
  const tuesday = '2026-11-24T10:00:00Z';

  it('desk busy → voicemail → queue → huddle: every step kind on one call, the same on all three', async () => {
    const entries = await sameCall(portable, {
      at: tuesday,
      input: ['1'],
      transfers: ['busy'],
      recordings: [{ durationSeconds: 9 }],
      queues: [{ result: 'bridged', waitSeconds: 40 }],
      conferences: [{ status: 'ended' }],
    });
    expect(entries.map((entry) => entry.type)).toEqual([
      'say',
      'play',
      'play',
      'pause',
      'say',
      'pause',
      'input',
      'say',
      'transfer',
      'say',
      'record',
      'say',
      'play',
      'pause',
      'play',
      'pause',
      'enqueue',
      'say',
      'conference',
      'say',
      'hangup',
    ]);
    expect(said(entries).at(-1)).toBe('Goodbye.');
  });

  it.each([
    ['silence, a wrong number, silence → goodbye', { at: tuesday, input: [{ silence: true }, '99', { silence: true }] }],
    [
      'a patient number, the care team fails → queue → the wait times out → voicemail',
      {
        at: tuesday,
        input: ['1234'],
        transfers: ['failed'],
        queues: [{ result: 'timeout', waitSeconds: 900 }],
        recordings: [{ hangup: true, durationSeconds: 4 }],
      },
    ],
    [
      'desk no answer → queue → the caller hangs up while waiting',
      { at: tuesday, input: ['1'], transfers: ['no-answer'], queues: [{ result: 'hangup', waitSeconds: 20 }] },
    ],
    ['closed on Sunday → voicemail', { at: '2026-11-22T19:00:00Z', recordings: [{ hangup: true }] }],
    [
      'closed on Sunday → a caller who says nothing at the beep is let go after the silence, then waits in the queue',
      { at: '2026-11-22T19:00:00Z', recordings: [{ durationSeconds: 0 }], queues: [{ result: 'hangup', waitSeconds: 20 }] },
    ],
    ['Christmas Day → holiday', { at: '2026-12-25T11:00:00Z' }],
  ] as const)('%s: the same on all three', async (_, script) => {
    const entries = await sameCall(portable, script as CallScript & { at: string });
    expect(entries.length).toBeGreaterThan(1);
  });

  it('the queue with repeats and the escape key: the caller leaves with the key, the same on all three', async () => {
    const entries = await sameCall(portable, {
      at: tuesday,
      input: ['1'],
      transfers: ['no-answer'],
      queues: [{ result: 'left', digit: '0', waitSeconds: 70 }],
    });
    expect(said(entries)).toContain('Please hold for the next nurse. You are number 1. About 1 min.');
    expect(said(entries).filter((text) => text.includes('You are number 1.'))).toHaveLength(2);
    expect(entries).toContainEqual({ type: 'enqueue', queue: 'nurses', result: 'left' });
    expect(said(entries).at(-1)).toBe('Goodbye.');
  });

  it('the queue with repeats: said on entry and at the breaks a minute apart until the agent, the same on all three', async () => {
    const huddle = await sameCall(portable, {
      at: tuesday,
      input: ['1'],
      transfers: ['no-answer'],
      queues: [{ result: 'bridged', waitSeconds: 130 }],
      conferences: [{ status: 'ended' }],
    });
    // Said on entry, then at the first breaks a minute or more apart (62 s, 124 s) before the agent takes the call.
    expect(said(huddle).filter((text) => text.includes('You are number 1.'))).toHaveLength(3);
    expect(huddle).toContainEqual({ type: 'conference', room: 'huddle' });
  });

  it('with a conference beep and room size too: the same call on Twilio and Telnyx, refused on Vonage naming each', async () => {
    const script = {
      at: tuesday,
      input: ['1'],
      transfers: ['no-answer'] as const,
      queues: [{ result: 'bridged' as const, waitSeconds: 40 }],
    };
    await sameCall(full, { ...script, transfers: [...script.transfers] }, ['twilio', 'telnyx']);
    const vonage = await refusal('vonage', full);
    expect(vonage.code).toBe('unsupported-step');
    for (const option of ['conference: beep: true', 'conference: maxParticipants']) expect(vonage.message).toContain(option);
    expect(vonage.message).not.toContain('enqueue');
  });

  it('Twilio refuses a pause it would round', async () => {
    const fractional = defineFlow({ name: 'fractional', start: 'main', nodes: { main: [say('One moment.'), pause(1.5), hangup()] } });
    const twilio = await refusal('twilio', fractional);
    expect(twilio).toMatchObject({ code: 'unsupported-step', provider: 'twilio' });
    expect(twilio.message).toContain('nodes.main[1] pause: seconds (not a whole number) is not supported on twilio');
    await sameCall(fractional, {}, ['vonage', 'telnyx']);
  });
});

describe('digit entry timers and the key that ends it', () => {
  const pin = (options: { interDigitTimeoutSeconds?: number; finishOnKey?: string }) =>
    defineFlow({
      name: 'pin',
      start: 'main',
      nodes: {
        main: [
          gather({
            prompt: [say('Enter your PIN.')],
            maxDigits: 6,
            timeoutSeconds: 5,
            ...options,
            routes: { '1234': 'ok' },
            invalid: { attempts: 1, then: 'bye' },
            noInput: { attempts: 1, then: 'bye' },
          }),
        ],
        ok: [say('Thank you.'), hangup()],
        bye: [say('Goodbye.'), hangup()],
      },
    });

  it('a pause between digits other than the first wait runs on Telnyx; Twilio and Vonage, with one timer for both, refuse it by name', async () => {
    const flow = pin({ interDigitTimeoutSeconds: 3 });
    const telnyx = await run('telnyx', flow, { input: ['1234'] });
    expect(telnyx.errors).toEqual([]);
    expect(said(telnyx.entries)).toEqual(['Enter your PIN.', 'Thank you.']);
    for (const provider of ['twilio', 'vonage'] as const) {
      const refused = await refusal(provider, flow);
      expect(refused).toMatchObject({ code: 'unsupported-step', provider });
      expect(refused.message).toContain(
        `nodes.main[0] gather: interDigitTimeoutSeconds (other than timeoutSeconds) is not supported on ${provider}`,
      );
    }
  });

  it('the same pause between digits as the first wait is the same call on all three', async () => {
    const entries = await sameCall(pin({ interDigitTimeoutSeconds: 5 }), { input: ['1234'] });
    expect(said(entries)).toEqual(['Enter your PIN.', 'Thank you.']);
  });

  it("finishOnKey '*' ends entry on Twilio and Telnyx alike (the key is not collected); Vonage, which ends early only on '#', refuses it by name", async () => {
    const flow = pin({ finishOnKey: '*' });
    const entries = await sameCall(flow, { input: ['1234*'] }, ['twilio', 'telnyx']);
    expect(said(entries)).toEqual(['Enter your PIN.', 'Thank you.']);
    const vonage = await refusal('vonage', flow);
    expect(vonage).toMatchObject({ code: 'unsupported-step', provider: 'vonage' });
    expect(vonage.message).toContain("nodes.main[0] gather: finishOnKey (other than '#') is not supported on vonage");
  });

  it('values outside what Vonage takes are refused when its handler is created, each named; Twilio and Telnyx run the call', async () => {
    const wide = defineFlow({
      name: 'wide',
      start: 'main',
      nodes: {
        main: [
          gather({ prompt: [say('Enter your PIN.')], maxDigits: 24, timeoutSeconds: 15, routes: { '1234': 'message' } }),
          goto('message'),
        ],
        message: [say('Leave a message.'), record({ silenceSeconds: 2, maxSeconds: 30 }), transfer('+15005550006', { ringSeconds: 200 })],
      },
    });
    const vonage = await refusal('vonage', wide);
    expect(vonage).toMatchObject({ code: 'unsupported-step', provider: 'vonage' });
    for (const option of [
      'nodes.main[0] gather: numDigits / maxDigits (over 20)',
      'nodes.main[0] gather: timeoutSeconds (over 10 for digits)',
      'nodes.message[1] record: silenceSeconds (outside 3–10)',
      'nodes.message[2] transfer: ringSeconds (over 120)',
    ])
      expect(vonage.message).toContain(`${option} is not supported on vonage`);
    const entries = await sameCall(wide, { input: ['1234'], recordings: [{ durationSeconds: 4 }], transfers: ['completed'] }, [
      'twilio',
      'telnyx',
    ]);
    expect(said(entries)).toEqual(['Enter your PIN.', 'Leave a message.']);
  });

  it('seconds Twilio would round (its timers take whole seconds) are refused when its handler is created, each named; Vonage and Telnyx run the call', async () => {
    const fractional = (withTransfer: boolean) =>
      defineFlow({
        name: 'fractional-timers',
        start: 'main',
        nodes: {
          main: [
            gather({ prompt: [say('Enter your PIN.')], maxDigits: 4, timeoutSeconds: 4.5, routes: { '1234': 'message' } }),
            goto('message'),
          ],
          message: [
            say('Leave a message.'),
            record({ silenceSeconds: 3.5, maxSeconds: 30.5 }),
            ...(withTransfer ? [transfer('+15005550006', { ringSeconds: 20.5, maxSeconds: 60.5 })] : []),
          ],
        },
      });
    const twilio = await refusal('twilio', fractional(true));
    expect(twilio).toMatchObject({ code: 'unsupported-step', provider: 'twilio' });
    for (const option of [
      'nodes.main[0] gather: timeoutSeconds (not a whole number)',
      'nodes.message[1] record: silenceSeconds (not a whole number)',
      'nodes.message[1] record: maxSeconds (not a whole number)',
      'nodes.message[2] transfer: ringSeconds (not a whole number)',
      'nodes.message[2] transfer: maxSeconds (not a whole number)',
    ])
      expect(twilio.message).toContain(`${option} is not supported on twilio`);
    // Vonage's connect takes whole seconds too; its gather and record run the call as Telnyx does.
    const vonage = await refusal('vonage', fractional(true));
    expect(vonage.message).toContain('nodes.message[2] transfer: ringSeconds / maxSeconds (not a whole number) is not supported on vonage');
    expect(vonage.message).not.toContain(' gather: ');
    expect(vonage.message).not.toContain(' record: ');
    const entries = await sameCall(fractional(false), { input: ['1234'], recordings: [{ durationSeconds: 4 }] }, ['vonage', 'telnyx']);
    expect(said(entries)).toEqual(['Enter your PIN.', 'Leave a message.']);
    await sameCall(fractional(true), { input: ['1234'], recordings: [{ durationSeconds: 4 }], transfers: ['completed'] }, ['telnyx']);
  });

  it("finishOnKey '#' and '' (none) are the same call on all three", async () => {
    expect(said(await sameCall(pin({ finishOnKey: '#' }), { input: ['1234#'] }))).toEqual(['Enter your PIN.', 'Thank you.']);
    expect(said(await sameCall(pin({ finishOnKey: '' }), { input: ['1234'] }))).toEqual(['Enter your PIN.', 'Thank you.']);
  });
});

describe('the queue example of docs/flow-format.md', () => {
  const page = readFileSync(new URL('../docs/flow-format.md', import.meta.url), 'utf8');
  const section = page.slice(page.indexOf('#### Telling a queued caller their place'));
  const block = (language: string) => new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section)![1]!;

  it('is one flow in its JSON and YAML forms, and it runs as written: the same call on all three', async () => {
    const fromJson = parseFlow(block('json'), { format: 'json' });
    const fromYaml = parseFlow(block('yaml'));
    expect(fromYaml).toEqual(fromJson);
    const hold = fromJson.nodes.hold as Flow['nodes'][string];
    expect(Array.isArray(hold) && hold[1]).toMatchObject({
      type: 'enqueue',
      announce: { template: 'You are number {position} in line. Expected wait: {waitMinutes} min.', everySeconds: 60 },
      escape: { digit: '0', to: 'voicemail' },
    });
    const entries = await sameCall(
      fromYaml,
      {
        queues: [{ result: 'left', digit: '0', waitSeconds: 70, position: 2, averageWaitSeconds: 240 }],
        recordings: [{ durationSeconds: 3 }],
      },
      ['twilio', 'telnyx'],
    );
    expect(said(entries)).toEqual([
      'All our nurses are busy. You are number 2 in line. Expected wait: 4 min.',
      'You are number 2 in line. Expected wait: 4 min.',
      'Please leave a message.',
    ]);
    // Vonage keeps the place and the average wait in the Store, not in a queue the provider reports on: a caller alone in
    // the queue is number 1 there, so the call on all three is compared with the place the emulators report by default.
    const alone = await sameCall(fromJson, {
      queues: [{ result: 'left', digit: '0', waitSeconds: 70 }],
      recordings: [{ durationSeconds: 3 }],
    });
    expect(said(alone)).toEqual([
      'All our nurses are busy. You are number 1 in line. Expected wait: 1 min.',
      'You are number 1 in line. Expected wait: 1 min.',
      'Please leave a message.',
    ]);
  });
});
