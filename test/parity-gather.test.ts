import { describe, expect, it } from 'vitest';
import { defineFlow, gather, goto, hangup, parseFlow, say, type Flow } from '@callflow/core';
import {
  simulateCall,
  simulatedProviders,
  type CallScript,
  type SimulatedCall,
  type SimulatedProvider,
  type TranscriptEntry,
} from '@callflow/testing';

// Gathers on every provider, through the emulators (real HTTP, real signatures): retry limits per kind, speech and
// both, re-ask messages before a prompt of several parts. The transcripts must be identical entry by entry; the
// only normalisation is the recording URL, which is provider-specific and compared by presence.

const menuPrompt = 'Press 1 for appointments, or 2 for prescriptions.';
const notHeard = 'Sorry, we did not hear a choice.';
const wrongKey = 'That is not one of the options.';

// "No input twice → operator, three wrong keys → goodbye": one gather.
const clinic = defineFlow({
  name: 'clinic-menu',
  start: 'welcome',
  nodes: {
    welcome: [say('Welcome to the clinic.'), goto('menu')],
    menu: [
      gather({
        prompt: menuPrompt,
        numDigits: 1,
        routes: { '1': 'appointments', '2': 'prescriptions' },
        noInputPrompt: notHeard,
        invalidPrompt: wrongKey,
        noInput: { attempts: 2, then: 'operator' },
        invalid: { attempts: 3, then: 'goodbye' },
      }),
    ],
    appointments: [say('Appointments.'), hangup()],
    prescriptions: [say('Prescriptions.'), hangup()],
    operator: [say('Connecting you to the operator.'), hangup()],
    goodbye: [say('Sorry we could not help. Goodbye.'), hangup()],
  },
});

// Seed 003's menu as a file: the no-input loop has its own max-loops action (voicemail); wrong keys stop at 3.
const seed003 = parseFlow(`
version: 1
name: seed-003-menu
start: menu
defaults: { voice: Polly.Amy, language: en-GB }
nodes:
  menu:
    - type: gather
      prompt:
        - { type: say, text: "For sales, press 1. To hear the menu again, press 4." }
      numDigits: 1
      routes: { "1": sales, "4": menu }
      noInputPrompt: [{ type: say, text: "Sorry, we did not hear a choice." }]
      invalidPrompt: [{ type: say, text: "That is not one of the options." }]
      noInput: { attempts: 3, then: voicemail }
      invalid: { attempts: 3, then: goodbye }
  sales:
    - { type: say, text: Sales. }
    - { type: hangup }
  voicemail:
    - { type: say, text: "Please leave a message after the tone." }
    - { type: record, maxSeconds: 60 }
    - { type: say, text: "Thank you. Goodbye." }
  goodbye:
    - { type: say, text: "Thank you for calling. Goodbye." }
    - { type: hangup }
`);

// The old overall count (no per-kind limits): on Telnyx it runs natively (maximum_tries), elsewhere in the app.
const overall = defineFlow({
  name: 'overall-attempts',
  start: 'menu',
  nodes: {
    menu: [
      gather({
        prompt: menuPrompt,
        numDigits: 1,
        routes: { '1': 'done', '2': 'done' },
        invalidPrompt: wrongKey,
        attempts: 3,
        onExhausted: 'goodbye',
      }),
    ],
    done: [say('Done.'), hangup()],
    goodbye: [say('Goodbye.'), hangup()],
  },
});

const speechMenu = (input: 'speech' | 'both') =>
  defineFlow({
    name: `speech-${input}`,
    start: 'menu',
    nodes: {
      menu: [
        gather({
          prompt: [say('Welcome to the clinic.'), say('Say appointments, or tech support.')],
          input,
          speech: { language: 'en-US', hints: ['appointments', 'tech support'] },
          routes: {
            appointments: 'appointments',
            'tech support': 'support',
            ...(input === 'both' ? { '1': 'appointments', '2': 'support' } : {}),
          },
          saveAs: 'choice',
          noInputPrompt: notHeard,
          invalidPrompt: 'Sorry, I did not understand.',
          noInput: { attempts: 2, then: 'operator' },
          invalid: { attempts: 2, then: 'operator' },
        }),
      ],
      appointments: [say('Appointments: you said {{choice}}.'), hangup()],
      support: [say('Support: you said {{choice}}.'), hangup()],
      operator: [say('Connecting you to the operator.'), hangup()],
    },
  });

const sayAnything = defineFlow({
  name: 'free-speech',
  start: 'ask',
  nodes: {
    ask: [
      gather({ prompt: 'After the tone, tell us your name.', input: 'speech', saveAs: 'name', attempts: 2, onExhausted: 'bye' }),
      say('Thank you, {{name}}.'),
      hangup(),
    ],
    bye: [say('Goodbye.'), hangup()],
  },
});

interface GatherCase {
  name: string;
  flow: Flow;
  script: CallScript;
  /** What the caller must hear, in order, on every provider. */
  heard: string[];
  /** What the caller pressed or said, in order. */
  pressed?: string[];
}

const clinicTries = (...retries: string[]) => [
  'Welcome to the clinic.',
  menuPrompt,
  ...retries.flatMap((message) => [message, menuPrompt]),
];

const cases: GatherCase[] = [
  {
    name: 'per kind: silence, wrong, wrong, silence → operator (second silence)',
    flow: clinic,
    script: { input: [{ silence: true }, '7', '8', { silence: true }] },
    heard: [...clinicTries(notHeard, wrongKey, wrongKey), 'Connecting you to the operator.'],
  },
  {
    name: 'per kind: wrong, silence, wrong, wrong → goodbye (third wrong key)',
    flow: clinic,
    script: { input: ['7', { silence: true }, '8', '9'] },
    heard: [...clinicTries(wrongKey, notHeard, wrongKey), 'Sorry we could not help. Goodbye.'],
  },
  {
    name: 'per kind: two silences → operator at once',
    flow: clinic,
    script: {},
    heard: [...clinicTries(notHeard), 'Connecting you to the operator.'],
  },
  {
    name: 'per kind: silence, wrong, then a valid key resets nothing audible',
    flow: clinic,
    script: { input: [{ silence: true }, '5', '2'] },
    heard: [...clinicTries(notHeard, wrongKey), 'Prescriptions.'],
  },
  {
    name: 'seed 003: silence, wrong, silence, wrong, silence → voicemail (no-input max loops)',
    flow: seed003,
    script: { input: [{ silence: true }, '9', { silence: true }, '8', { silence: true }] },
    heard: [
      'For sales, press 1. To hear the menu again, press 4.',
      ...[
        'Sorry, we did not hear a choice.',
        'That is not one of the options.',
        'Sorry, we did not hear a choice.',
        'That is not one of the options.',
      ].flatMap((message) => [message, 'For sales, press 1. To hear the menu again, press 4.']),
      'Please leave a message after the tone.',
      'Thank you. Goodbye.',
    ],
  },
  {
    name: 'seed 003: 4 repeats the menu (a route, not a try), then three wrong keys → goodbye',
    flow: seed003,
    script: { input: ['4', '7', '8', '9'] },
    heard: [
      'For sales, press 1. To hear the menu again, press 4.',
      'For sales, press 1. To hear the menu again, press 4.',
      ...['That is not one of the options.', 'That is not one of the options.'].flatMap((message) => [
        message,
        'For sales, press 1. To hear the menu again, press 4.',
      ]),
      'Thank you for calling. Goodbye.',
    ],
  },
  {
    name: 'overall attempts: silence, wrong, silence → exhausted after exactly 3 tries',
    flow: overall,
    script: { input: [{ silence: true }, '7', { silence: true }] },
    heard: [menuPrompt, menuPrompt, wrongKey, menuPrompt, 'Goodbye.'],
  },
  {
    name: 'overall attempts: wrong, silence, valid',
    flow: overall,
    script: { input: ['7', { silence: true }, '1'] },
    heard: [menuPrompt, wrongKey, menuPrompt, menuPrompt, 'Done.'],
  },

  {
    name: 'speech: a phrase routes on its words',
    flow: speechMenu('speech'),
    script: { input: [{ speech: 'I need tech support please' }] },
    heard: ['Welcome to the clinic.', 'Say appointments, or tech support.', 'Support: you said I need tech support please.'],
  },
  {
    name: 'speech: one word routes',
    flow: speechMenu('speech'),
    script: { input: [{ speech: 'appointments' }] },
    heard: ['Welcome to the clinic.', 'Say appointments, or tech support.', 'Appointments: you said appointments.'],
  },
  {
    name: 'speech: not understood, silence → operator is not reached before its own limit, then understood',
    flow: speechMenu('speech'),
    script: { input: [{ speech: 'the weather today' }, { silence: true }, { speech: 'appointments' }] },
    heard: [
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      'Sorry, I did not understand.',
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      notHeard,
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      'Appointments: you said appointments.',
    ],
  },
  {
    name: 'speech: two utterances that match nothing → operator (invalid limit)',
    flow: speechMenu('speech'),
    script: { input: [{ speech: 'the weather today' }, { speech: 'what time is it' }] },
    heard: [
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      'Sorry, I did not understand.',
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      'Connecting you to the operator.',
    ],
  },
  {
    // A speech-only gather takes no keys: a key is no answer, the caller gets the same wait and re-ask as a silence.
    name: 'speech: a key is not an answer (no input), then speech',
    flow: speechMenu('speech'),
    script: { input: ['1', { speech: 'appointments' }] },
    heard: [
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      notHeard,
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      'Appointments: you said appointments.',
    ],
  },
  {
    name: 'speech: keys twice → operator (no-input limit)',
    flow: speechMenu('speech'),
    script: { input: ['2', '19'] },
    heard: [
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      notHeard,
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      'Connecting you to the operator.',
    ],
  },
  {
    name: 'both: a key',
    flow: speechMenu('both'),
    script: { input: ['2'] },
    heard: ['Welcome to the clinic.', 'Say appointments, or tech support.', 'Support: you said 2.'],
  },
  {
    name: 'both: speech',
    flow: speechMenu('both'),
    script: { input: [{ speech: 'appointments' }] },
    heard: ['Welcome to the clinic.', 'Say appointments, or tech support.', 'Appointments: you said appointments.'],
  },
  {
    name: 'both: a wrong key, then speech',
    flow: speechMenu('both'),
    script: { input: ['9', { speech: 'tech support' }] },
    heard: [
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      'Sorry, I did not understand.',
      'Welcome to the clinic.',
      'Say appointments, or tech support.',
      'Support: you said tech support.',
    ],
  },
  {
    name: 'speech without routes: the utterance is saved',
    flow: sayAnything,
    script: { input: [{ speech: 'Ada Lovelace' }] },
    heard: ['After the tone, tell us your name.', 'Thank you, Ada Lovelace.'],
  },
  {
    name: 'speech without routes: a key is not saved, then the utterance is',
    flow: sayAnything,
    script: { input: ['42', { speech: 'Ada Lovelace' }] },
    heard: ['After the tone, tell us your name.', 'After the tone, tell us your name.', 'Thank you, Ada Lovelace.'],
  },
  {
    name: 'speech without routes: silence twice → exhausted',
    flow: sayAnything,
    script: {},
    heard: ['After the tone, tell us your name.', 'After the tone, tell us your name.', 'Goodbye.'],
  },
];

function neutral(entries: TranscriptEntry[]): TranscriptEntry[] {
  return entries.map((entry) =>
    entry.type === 'record'
      ? { type: 'record', durationSeconds: entry.durationSeconds, url: entry.url ? '<recording>' : undefined }
      : entry,
  );
}

const calls = new Map<string, Map<SimulatedProvider, SimulatedCall>>();

describe.each(cases)('parity of gathers: $name', (testCase) => {
  it.each(simulatedProviders)('%s', async (provider) => {
    const call = await simulateCall({ provider, flow: testCase.flow, hooks: {}, ...testCase.script });
    let byProvider = calls.get(testCase.name);
    if (!byProvider) calls.set(testCase.name, (byProvider = new Map()));
    byProvider.set(provider, call);
    expect(call.errors).toEqual([]);
    expect(call.heard).toEqual(testCase.heard);
    expect(call.endedBy).toBe('flow');
  });

  it('is the same call, entry by entry, on all three providers', () => {
    const byProvider = calls.get(testCase.name)!;
    expect([...byProvider.keys()].sort()).toEqual([...simulatedProviders].sort());
    const [first, ...rest] = simulatedProviders.map((provider) => neutral(byProvider.get(provider)!.entries));
    for (const other of rest) expect(other).toEqual(first);
  });
});

describe('the voicemail after the no-input loop', () => {
  it.each(simulatedProviders)('records on %s', async (provider) => {
    const call = await simulateCall({
      provider,
      flow: seed003,
      input: [{ silence: true }, { silence: true }, { silence: true }],
      recordings: [{ durationSeconds: 9 }],
    });
    expect(call.recordings).toEqual([{ durationSeconds: 9, url: expect.any(String) }]);
    expect(call.heard.at(-1)).toBe('Thank you. Goodbye.');
  });
});
