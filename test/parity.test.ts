import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFlow, type Flow } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import {
  callflowMatchers,
  simulateCall,
  simulatedProviders,
  type CallflowMatchers,
  type CallScript,
  type SimulatedCall,
  type SimulatedProvider,
  type TranscriptEntry,
} from '@callflow/testing';
import { createConferenceLine } from '../examples/telnyx-conference/src/app.js';
import { createInboundFlow } from '../examples/vonage-inbound/src/inbound-flow.js';

// The promise of the project: the same flow and the same caller give the same call on every provider.
// Each case runs on Twilio, Vonage and Telnyx through their emulators (real HTTP, real signatures) and the
// neutral transcripts must be identical entry by entry, with one normalisation, a difference no caller can hear:
// recording URLs are provider-specific, so they are compared by presence only. (A re-ask message and the menu
// prompt share one gather_using_speak payload on Telnyx, as SSML paragraphs: two utterances, as on Twilio and Vonage.)
// Known differences that a caller CAN hear are kept out of these flows and named in docs/capabilities.md:
// queue position announcements (Twilio every hold loop, Vonage once, Telnyx none). Gather retries and speech
// input are covered on every provider in test/parity-gather.test.ts.

const configIvr = parseFlow(readFileSync(new URL('../examples/config-ivr/ivr.yaml', import.meta.url), 'utf8'));
const hotline = parseFlow(readFileSync(new URL('../examples/telnyx-ivr/weather-hotline.json', import.meta.url), 'utf8'));
// Seed 002 asks for a beep, which Vonage refuses when the handler is created (no conversation tone: docs/capabilities.md);
// the same line without it is the same call everywhere. test/parity-queue.test.ts holds the refusal.
const conferenceLine = withoutBeep(createConferenceLine());
const inbound = (agentFree: boolean) =>
  createInboundFlow({ agentNumber: '+447700900123', holdMusicUrl: 'https://audio.example.com/hold.mp3', isAgentFree: () => agentFree });

const weekdayMorning = '2026-11-24T10:00:00Z'; // Tuesday 10:00 in London
const weekdayLunch = '2026-11-24T13:00:00Z';
const sundayEvening = '2026-11-22T19:00:00Z';
const christmas = '2026-12-25T11:00:00Z';

interface ParityCase {
  name: string;
  flow: Flow;
  script: CallScript;
  at?: string;
  /** What the caller must hear, in order, on every provider. */
  heard: string[];
  endedBy?: SimulatedCall['endedBy'];
}

function withoutBeep(flow: Flow): Flow {
  const nodes = Object.fromEntries(
    Object.entries(flow.nodes).map(([id, steps]) => [
      id,
      Array.isArray(steps) ? steps.map((step) => (step.type === 'conference' ? { ...step, beep: false } : step)) : steps,
    ]),
  );
  return { ...flow, nodes } as Flow;
}

function neutral(entries: TranscriptEntry[]): TranscriptEntry[] {
  return entries.map((entry) =>
    entry.type === 'record'
      ? { type: 'record', durationSeconds: entry.durationSeconds, url: entry.url ? '<recording>' : undefined }
      : entry,
  );
}

const menu =
  'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.';
const hello = 'Hello, and welcome to ACME, Inc.';
const salesPrompt =
  'All our sales representatives are busy. Please leave a message after the beep, and press the pound key when you are done.';
const hoursPrompt =
  'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.';
const invalid = 'Sorry, that is not a valid option.';
const goodbye = 'Thank you for calling ACME. Goodbye.';
const ivrMenu =
  'For sales, press 1. For support, press 2. To leave a message, press 3. To hear the menu again, press 4. To end this call, press 0.';
const ivrVoicemail = 'Please leave a message after the tone. Press the hash key when you are done.';
const ivrClosed = 'Our office is closed. We are open weekdays 9 to 12:30 and 1:30 to 5:30, and Saturdays 10 to 2.';
const weather =
  'Thank you for calling the Weather Hotline. For weather in Chicago, Illinois press 1. For weather in Raleigh, North Carolina press 2.';

const cases: ParityCase[] = [
  {
    name: 'phone tree: 1 sales → voicemail',
    flow: phoneTree,
    script: { input: ['1'] },
    heard: [hello, menu, salesPrompt, 'Thank you for your message. Goodbye.'],
  },
  {
    name: 'phone tree: caller hangs up while recording',
    flow: phoneTree,
    script: { input: ['1'], recordings: [{ hangup: true }] },
    heard: [hello, menu, salesPrompt],
    endedBy: 'caller',
  },
  {
    name: 'phone tree: 3 hours, 1 repeats, another key back to the menu, 9 repeats, 0 reception answers',
    flow: phoneTree,
    script: { input: ['3', '1', '5', '9', '0'], transfers: ['completed'] },
    heard: [hello, menu, hoursPrompt, hoursPrompt, menu, menu, 'Connecting you to reception.', goodbye],
  },
  ...(['busy', 'no-answer', 'failed'] as const).map((status) => ({
    name: `phone tree: 0 reception ${status} → unavailable → voicemail`,
    flow: phoneTree,
    script: { input: ['0'], transfers: [status] },
    heard: [
      hello,
      menu,
      'Connecting you to reception.',
      'Reception is not available right now.',
      salesPrompt,
      'Thank you for your message. Goodbye.',
    ],
  })),
  {
    name: 'phone tree: invalid → error → menu, three times → goodbye',
    flow: phoneTree,
    script: { input: ['7', '8', '#'] },
    heard: [hello, menu, invalid, menu, invalid, menu, goodbye],
  },
  {
    name: 'phone tree: silence three times → goodbye',
    flow: phoneTree,
    script: {},
    heard: [hello, menu, invalid, menu, invalid, menu, goodbye],
  },
  {
    name: 'phone tree: caller hangs up at the menu',
    flow: phoneTree,
    script: { input: [{ hangup: true }] },
    heard: [hello, menu],
    endedBy: 'caller',
  },

  {
    name: 'config IVR: open, 1 sales answers',
    flow: configIvr,
    at: weekdayMorning,
    script: { input: ['1'], transfers: ['completed'] },
    heard: ['Thank you for calling Example Limited.', ivrMenu, 'Connecting you to our sales team.'],
  },
  {
    name: 'config IVR: open, 1 sales busy → voicemail with SMS hook',
    flow: configIvr,
    at: weekdayMorning,
    script: { input: ['1'], transfers: ['busy'] },
    heard: [
      'Thank you for calling Example Limited.',
      ivrMenu,
      'Connecting you to our sales team.',
      ivrVoicemail,
      'Thank you. We will call you back. Goodbye.',
    ],
  },
  {
    name: 'config IVR: open, 1 sales failed → unavailable → voicemail',
    flow: configIvr,
    at: weekdayMorning,
    script: { input: ['1'], transfers: ['failed'] },
    heard: [
      'Thank you for calling Example Limited.',
      ivrMenu,
      'Connecting you to our sales team.',
      'Sorry, nobody can take your call right now.',
      ivrVoicemail,
      'Thank you. We will call you back. Goodbye.',
    ],
  },
  {
    name: 'config IVR: open, 2 support (SIP) answers',
    flow: configIvr,
    at: weekdayMorning,
    script: { input: ['2'], transfers: ['completed'] },
    heard: ['Thank you for calling Example Limited.', ivrMenu, 'Connecting you to support.'],
  },
  {
    name: 'config IVR: no input, invalid, no input → voicemail (max loops)',
    flow: configIvr,
    at: weekdayMorning,
    script: { input: [{ silence: true }, '9', { silence: true }] },
    heard: [
      'Thank you for calling Example Limited.',
      ivrMenu,
      'Sorry, we did not hear a choice.',
      ivrMenu,
      'That is not one of the options.',
      ivrMenu,
      ivrVoicemail,
      'Thank you. We will call you back. Goodbye.',
    ],
  },
  {
    name: 'config IVR: 4 repeats, 0 hangs up',
    flow: configIvr,
    at: weekdayMorning,
    script: { input: ['4', '0'] },
    heard: ['Thank you for calling Example Limited.', ivrMenu, ivrMenu, 'Thank you for calling. Goodbye.'],
  },
  {
    name: 'config IVR: lunch break is closed → voicemail',
    flow: configIvr,
    at: weekdayLunch,
    script: {},
    heard: [ivrClosed, ivrVoicemail, 'Thank you. We will call you back. Goodbye.'],
  },
  {
    name: 'config IVR: Christmas Day → holiday message',
    flow: configIvr,
    at: christmas,
    script: {},
    heard: ['Our office is closed for the holiday.', ivrVoicemail, 'Thank you. We will call you back. Goodbye.'],
  },

  { name: 'hotline: 1 Chicago answers', flow: hotline, script: { input: ['1'], transfers: ['completed'] }, heard: [weather] },
  {
    name: 'hotline: 2 Raleigh no answer → unavailable → menu → 1',
    flow: hotline,
    script: { input: ['2', '1'], transfers: ['no-answer', 'completed'] },
    heard: [weather, 'That weather line is not answering right now.', weather],
  },
  {
    name: 'hotline: three wrong keys → goodbye',
    flow: hotline,
    script: { input: ['5', '6', '7'] },
    heard: [
      weather,
      'Sorry, that is not one of the options.',
      weather,
      'Sorry, that is not one of the options.',
      weather,
      'Thank you for calling. Goodbye.',
    ],
  },

  {
    name: 'conference line: join, room ends → goodbye',
    flow: conferenceLine,
    script: { conferences: [{ status: 'ended' }] },
    heard: ['Welcome to the conference line. You are joining the room now.', 'The conference has ended. Goodbye.'],
  },
  {
    name: 'conference line: caller leaves',
    flow: conferenceLine,
    script: { conferences: [{ hangup: true }] },
    heard: ['Welcome to the conference line. You are joining the room now.'],
    endedBy: 'caller',
  },

  {
    name: 'seed 004: out of hours',
    flow: inbound(true),
    at: sundayEvening,
    script: {},
    heard: ['Hello, our office hours are Monday to Friday nine until five thirty. Please call back then.'],
  },
  {
    name: 'seed 004: forwarded to the free agent',
    flow: inbound(true),
    at: weekdayMorning,
    script: { transfers: ['completed'] },
    heard: ['Hello, one moment please, your call is being forwarded to our agent.'],
  },
];

const transcripts = new Map<string, Map<SimulatedProvider, SimulatedCall>>();

async function run(testCase: ParityCase, provider: SimulatedProvider): Promise<SimulatedCall> {
  let byProvider = transcripts.get(testCase.name);
  if (!byProvider) transcripts.set(testCase.name, (byProvider = new Map()));
  const call = await simulateCall({
    provider,
    flow: testCase.flow,
    at: testCase.at,
    hooks: { voicemail: () => {}, voicemail_sms: () => {} },
    ...testCase.script,
  });
  byProvider.set(provider, call);
  return call;
}

describe.each(cases)('parity: $name', (testCase) => {
  it.each(simulatedProviders)('%s', async (provider) => {
    const call = await run(testCase, provider);
    expect(call.errors).toEqual([]);
    expect(call.heard).toEqual(testCase.heard);
    expect(call.endedBy).toBe(testCase.endedBy ?? 'flow');
  });

  it('is the same call on all three providers', () => {
    const byProvider = transcripts.get(testCase.name)!;
    expect([...byProvider.keys()].sort()).toEqual([...simulatedProviders].sort());
    const [first, ...rest] = simulatedProviders.map((provider) => neutral(byProvider.get(provider)!.entries));
    for (const other of rest) expect(other).toEqual(first);
  });
});

describe('simulateCall', () => {
  it.each(simulatedProviders)('runs the voicemail hook with the recording on %s', async (provider) => {
    const alerts: Array<{ hook: string; node: string; seconds?: number; hasUrl: boolean }> = [];
    const call = await simulateCall({
      provider,
      flow: phoneTree,
      input: ['1'],
      recordings: [{ durationSeconds: 12 }],
      hooks: {
        voicemail: (effect) =>
          void alerts.push({
            hook: effect.hook,
            node: effect.node,
            seconds: effect.recording?.durationSeconds,
            hasUrl: Boolean(effect.recording?.url),
          }),
      },
    });
    expect(call.recordings).toEqual([{ durationSeconds: 12, url: expect.any(String) }]);
    expect(alerts).toEqual([{ hook: 'voicemail', node: 'sales', seconds: 12, hasUrl: true }]);
  });

  it('refuses a clock that is not a time', async () => {
    await expect(simulateCall({ provider: 'twilio', flow: phoneTree, at: 'next tuesday' })).rejects.toThrow(/'at' is not a valid time/);
  });

  it('asks the answer callback once the scripted input is used up', async () => {
    const asked: number[] = [];
    const call = await simulateCall({
      provider: 'telnyx',
      flow: phoneTree,
      input: ['3'],
      answer: (heard) => {
        asked.push(heard.length);
        return asked.length === 1 ? '5' : { hangup: true };
      },
    });
    expect(call.pressed).toEqual(['3', '5']);
    expect(call.endedBy).toBe('caller');
    expect(asked).toHaveLength(2);
  });
});

describe('simulateCall against a running server, and the matchers', () => {
  it('calls a Twilio and a Vonage server by URL, and refuses Telnyx with the reason', async () => {
    const { createServer } = await import('node:http');
    const { toNodeListener } = await import('@callflow/core');
    const { createTwilioHandler } = await import('@callflow/twilio');
    const { createVonageHandler } = await import('@callflow/vonage');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const twilio = toNodeListener(
      createTwilioHandler({
        flow: phoneTree,
        secret: 'url-variant-secret-0123456789',
        authToken: 'url-token',
        publicBaseUrl: `${base}/voice`,
      }),
    );
    const vonage = toNodeListener(
      createVonageHandler({
        flow: phoneTree,
        secret: 'url-variant-secret-0123456789',
        signatureSecret: 'url-signature-secret',
        publicBaseUrl: `${base}/vonage`,
      }),
    );
    server.on('request', (request, response) =>
      (request.url ?? '').startsWith('/vonage') ? vonage(request, response) : twilio(request, response),
    );
    try {
      expect.extend(callflowMatchers);
      const overTwilio = await simulateCall({
        provider: 'twilio',
        url: `${base}/voice`,
        authToken: 'url-token',
        input: ['0'],
        transfers: ['completed'],
      });
      const overVonage = await simulateCall({
        provider: 'vonage',
        url: `${base}/vonage`,
        signatureSecret: 'url-signature-secret',
        input: ['0'],
        transfers: ['completed'],
      });
      for (const call of [overTwilio, overVonage]) {
        (expect(call) as unknown as CallflowMatchers).toHaveHeard('Connecting you to reception.');
        (expect(call) as unknown as CallflowMatchers).toHaveHeard(/^Thank you for calling ACME/);
        (expect(call) as unknown as CallflowMatchers).toHaveTransferredTo('+15005550006', 'completed');
        (expect(call) as unknown as CallflowMatchers).toHaveEndedBy('flow');
        (expect(call).not as unknown as CallflowMatchers).toHaveHeard('Reception is not available right now.');
      }
      // A wrong credential is refused by the server: the emulator reports it and the call ends in error.
      const forged = await simulateCall({ provider: 'twilio', url: `${base}/voice`, authToken: 'not-the-token' });
      expect(forged.endedBy).toBe('error');
      expect(forged.errors.join(' ')).toMatch(/403/);
      await expect(simulateCall({ provider: 'telnyx', url: `${base}/telnyx` })).rejects.toThrow(/baseURL: emulator\.apiBaseUrl/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('matchers explain a failure', () => {
    const call = { provider: 'twilio', entries: [{ type: 'say', text: 'Hello.' }], endedBy: 'caller', webhooks: 1, errors: [] } as const;
    const heard = callflowMatchers.toHaveHeard(call as never, 'Goodbye.');
    expect(heard.pass).toBe(false);
    expect(heard.message()).toBe('expected the caller to hear Goodbye.; they heard:\n  - Hello.');
    expect(callflowMatchers.toHaveEndedBy(call as never, 'flow').message()).toBe(
      'expected the call to be ended by flow, it was ended by caller',
    );
    expect(callflowMatchers.toHaveTransferredTo(call as never, '+1555').pass).toBe(false);
  });
});
