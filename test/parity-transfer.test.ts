import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createEngine,
  defaultApology,
  defineFlow,
  gather,
  hangup,
  hours,
  isCallFlowError,
  parseFlow,
  play,
  record,
  reject,
  say,
  transfer,
  type Flow,
  type TransferStep,
} from '@callflow/core';
import {
  simulateCall,
  simulatedProviders,
  type CallScript,
  type SimulatedCall,
  type SimulatedProvider,
  type TranscriptEntry,
} from '@callflow/testing';
import { renderNcco } from '@callflow/vonage';

// Transfers beyond a plain forward, and declining a call, on all three providers through their emulators:
// the same flow and the same scripted caller and callee give the same transcript and the same outcome.

const extension = defineFlow({
  name: 'extension',
  start: 'main',
  nodes: {
    main: [say('Connecting you to extension 204.'), transfer('+14155550100', { sendDigits: 'ww204#', onNoAnswer: 'missed' })],
    missed: [say('Nobody answered.'), hangup()],
  },
});

const chime = 'https://audio.example.com/clinic-line.mp3';
const whispered = defineFlow({
  name: 'whispered',
  start: 'main',
  nodes: {
    main: [say('Connecting you to the nurse.'), transfer('+14155550100', { whisper: [play(chime)], onNoAnswer: 'missed' })],
    missed: [say('The nurse is not available.'), hangup()],
  },
});

const screened = defineFlow({
  name: 'screened',
  start: 'main',
  nodes: {
    main: [
      say('Connecting you to the nurse.'),
      transfer('+14155550100', {
        whisper: [say('Call from the clinic line.')],
        screen: { prompt: [say('Press 1 to accept.')], timeoutSeconds: 5 },
        onNoAnswer: 'missed',
      }),
    ],
    missed: [say('The nurse is not available.'), hangup()],
  },
});

const announced = defineFlow({
  name: 'announced',
  start: 'main',
  nodes: {
    main: [
      say('Connecting you to the ward.'),
      transfer('+14155550100', {
        whisper: [say('Call from the clinic line.'), play(chime)],
        sendDigits: 'ww204#',
        onNoAnswer: 'missed',
      }),
    ],
    missed: [say('The ward is not answering.'), hangup()],
  },
});

const busyLine = defineFlow({ name: 'busy-line', start: 'incoming', nodes: { incoming: [reject({ reason: 'busy' })] } });
const declined = defineFlow({ name: 'declined', start: 'incoming', nodes: { incoming: [reject()] } });

interface TransferCase {
  name: string;
  flow: Flow;
  script: CallScript;
  /** The whole neutral transcript, identical on every provider it runs on. */
  entries: TranscriptEntry[];
  /** Providers that cannot run the flow, with the error the caller's call ends in. */
  unsupported?: Partial<Record<SimulatedProvider, RegExp>>;
  /** A provider whose call differs by a documented feature the others lack, with its own transcript. */
  entriesOn?: Partial<Record<SimulatedProvider, TranscriptEntry[]>>;
}

/** The transcript a provider gives: the case's, or the provider's own where it differs by a documented feature. */
function expectedOn(testCase: TransferCase, provider: SimulatedProvider): TranscriptEntry[] {
  return testCase.entriesOn?.[provider] ?? testCase.entries;
}

const cases: TransferCase[] = [
  {
    name: 'sendDigits: the extension is dialled once the callee answers',
    flow: extension,
    script: { transfers: ['completed'] },
    entries: [
      { type: 'say', text: 'Connecting you to extension 204.' },
      { type: 'transfer', to: '+14155550100', status: 'completed', sentDigits: 'ww204#' },
      { type: 'hangup', by: 'flow' },
    ],
  },
  {
    name: 'sendDigits: nothing is sent when nobody answers',
    flow: extension,
    script: { transfers: ['no-answer'] },
    entries: [
      { type: 'say', text: 'Connecting you to extension 204.' },
      { type: 'transfer', to: '+14155550100', status: 'no-answer' },
      { type: 'say', text: 'Nobody answered.' },
      { type: 'hangup', by: 'flow' },
    ],
  },
  {
    name: 'whisper: the called party hears it, the caller does not',
    flow: whispered,
    script: { transfers: ['completed'] },
    entries: [
      { type: 'say', text: 'Connecting you to the nurse.' },
      { type: 'transfer', to: '+14155550100', status: 'completed', calleeHeard: [chime] },
      { type: 'hangup', by: 'flow' },
    ],
  },
  {
    name: 'whisper: no answer plays nothing and goes to the fallback',
    flow: whispered,
    script: { transfers: ['no-answer'] },
    entries: [
      { type: 'say', text: 'Connecting you to the nurse.' },
      { type: 'transfer', to: '+14155550100', status: 'no-answer' },
      { type: 'say', text: 'The nurse is not available.' },
      { type: 'hangup', by: 'flow' },
    ],
  },
  {
    name: 'spoken whisper: the called party hears every part, then the extension is dialled',
    flow: announced,
    script: { transfers: ['completed'] },
    entries: [
      { type: 'say', text: 'Connecting you to the ward.' },
      {
        type: 'transfer',
        to: '+14155550100',
        status: 'completed',
        calleeHeard: ['Call from the clinic line.', chime],
        sentDigits: 'ww204#',
      },
      { type: 'hangup', by: 'flow' },
    ],
  },
  {
    name: 'spoken whisper: no answer goes to the fallback unheard',
    flow: announced,
    script: { transfers: ['no-answer'] },
    entries: [
      { type: 'say', text: 'Connecting you to the ward.' },
      { type: 'transfer', to: '+14155550100', status: 'no-answer' },
      { type: 'say', text: 'The ward is not answering.' },
      { type: 'hangup', by: 'flow' },
    ],
  },
  ...(
    [
      ['accepts', '1', 'completed'],
      ['declines', '2', 'no-answer'],
      ['times-out', '', 'no-answer'],
      ['voicemail', '', 'no-answer'],
    ] as const
  ).map(
    ([callee, pressed, status]): TransferCase => ({
      name: `screening: the called party ${callee}`,
      flow: screened,
      script: { transfers: [{ status: 'completed', callee }] },
      entries: [
        { type: 'say', text: 'Connecting you to the nurse.' },
        {
          type: 'transfer',
          to: '+14155550100',
          status,
          calleeHeard: ['Call from the clinic line.', 'Press 1 to accept.'],
          calleePressed: pressed,
        },
        ...(status === 'completed' ? [] : [{ type: 'say' as const, text: 'The nurse is not available.' }]),
        { type: 'hangup', by: 'flow' },
      ],
      // Telnyx dials a screened far leg with answering machine detection and hangs a machine up before the whisper
      // (Twilio reports <Number machineDetection> only to an amdStatusCallback, and Vonage documents no result event
      // for a connect endpoint's machineDetection: there a voicemail hears the prompt and times out).
      ...(callee === 'voicemail'
        ? {
            entriesOn: {
              telnyx: [
                { type: 'say' as const, text: 'Connecting you to the nurse.' },
                { type: 'transfer' as const, to: '+14155550100', status: 'no-answer' as const, calleeHeard: [] },
                { type: 'say' as const, text: 'The nurse is not available.' },
                { type: 'hangup' as const, by: 'flow' as const },
              ],
            },
          }
        : {}),
    }),
  ),
  // Telnyx refuses the number itself (its API answers 422, 10016: no +E.164); Twilio's and Vonage's emulators are
  // scripted to fail the dial (a <Dial> DialCallStatus failed, a connect leg failed): the same onFailed route.
  ...(
    [
      ['a plain transfer', {}],
      ['a screened transfer', { whisper: [say('Call from the clinic line.')], screen: { prompt: [say('Press 1 to accept.')] } }],
    ] satisfies Array<[string, Partial<Pick<TransferStep, 'whisper' | 'screen'>>]>
  ).map(
    ([kind, options]): TransferCase => ({
      name: `${kind} to a number that cannot be called takes onFailed`,
      flow: defineFlow({
        name: 'bad-number',
        start: 'main',
        nodes: {
          main: [say('Connecting you to the nurse.'), transfer('14155550100', { ...options, onFailed: 'failed' })],
          failed: [say('We could not connect you.'), hangup()],
        },
      }),
      script: { transfers: ['failed'] },
      entries: [
        { type: 'say', text: 'Connecting you to the nurse.' },
        { type: 'transfer', to: '14155550100', status: 'failed' },
        { type: 'say', text: 'We could not connect you.' },
        { type: 'hangup', by: 'flow' },
      ],
      // The Vonage emulator names a connect endpoint's number with its +, as it names every number.
      entriesOn: {
        vonage: [
          { type: 'say', text: 'Connecting you to the nurse.' },
          { type: 'transfer', to: '+14155550100', status: 'failed' },
          { type: 'say', text: 'We could not connect you.' },
          { type: 'hangup', by: 'flow' },
        ],
      },
    }),
  ),
  {
    name: 'reject as busy',
    flow: busyLine,
    script: {},
    entries: [{ type: 'reject', reason: 'busy' }],
    unsupported: { vonage: /step 'reject' is not supported on Vonage/ },
  },
  {
    name: 'reject as rejected',
    flow: declined,
    script: {},
    entries: [{ type: 'reject', reason: 'rejected' }],
    unsupported: { vonage: /step 'reject' is not supported on Vonage/ },
  },
];

const calls = new Map<string, Map<SimulatedProvider, SimulatedCall>>();

describe.each(cases)('transfer parity: $name', (testCase) => {
  it.each(simulatedProviders)('%s', async (provider) => {
    const logged: string[] = [];
    const logger = { warn: (message: string) => void logged.push(message), error: (message: string) => void logged.push(message) };
    const call = await simulateCall({ provider, flow: testCase.flow, logger, ...testCase.script });
    if (!calls.has(testCase.name)) calls.set(testCase.name, new Map());
    calls.get(testCase.name)!.set(provider, call);
    const unsupported = testCase.unsupported?.[provider];
    if (unsupported) {
      // The provider cannot: the render fails with unsupported-step (logged by name), and the caller hears the apology
      // on every provider (Telnyx's command delivery speaks it before hanging up the turn it cannot plan).
      expect(call.entries).toEqual([
        { type: 'say', text: defaultApology },
        { type: 'hangup', by: 'flow' },
      ]);
      expect(logged.join('\n')).toMatch(unsupported);
      return;
    }
    expect(call.errors).toEqual([]);
    expect(call.entries).toEqual(expectedOn(testCase, provider));
    expect(call.endedBy).toBe('flow');
  });

  it('is the same call on every provider that supports it', () => {
    const byProvider = calls.get(testCase.name)!;
    const supported = simulatedProviders.filter((provider) => !testCase.unsupported?.[provider] && !testCase.entriesOn?.[provider]);
    // What the caller hears while the called party rings and is screened is in the transfer entry
    // (callerHeardWhileRinging, absent for a ringback): the calls are one, entry by entry.
    const [first, ...rest] = supported.map((provider) => byProvider.get(provider)!.entries);
    expect(first).toEqual(testCase.entries);
    for (const other of rest) expect(other).toEqual(first);
  });
});

describe('reject where the provider cannot', () => {
  it('is an unsupported-step error naming reject and Vonage', async () => {
    const engine = createEngine(busyLine, { secret: 'transfer-parity-secret-0123456789' });
    const turn = await engine.start({ callId: 'CALL-1', provider: 'vonage' });
    expect(turn.rejected).toBe('busy');
    let error: unknown;
    try {
      renderNcco(turn, { eventUrl: 'https://ivr.example.com/vonage' });
    } catch (caught) {
      error = caught;
    }
    expect(isCallFlowError(error, 'unsupported-step')).toBe(true);
    expect((error as Error).message).toMatch(/step 'reject' is not supported on Vonage/);
    expect((error as { provider?: string }).provider).toBe('vonage');
  });

  it('is a flow failure after the call was answered', async () => {
    const late = defineFlow({
      name: 'late-reject',
      start: 'menu',
      nodes: { menu: [gather({ prompt: 'Press 1.', routes: { '1': 'no' } })], no: [reject()] },
    });
    for (const provider of simulatedProviders) {
      const call = await simulateCall({ provider, flow: late, input: ['1'] });
      expect(call.entries.some((entry) => entry.type === 'reject')).toBe(false);
      expect(call.heard.at(-1)).toMatch(/sorry/i);
    }
  });
});

describe("the called party's webhooks", () => {
  const secret = 'transfer-parity-secret-0123456789';
  const callerId = 'CA0123456789abcdef0123456789abcdef';
  const calleeParams = {
    CallSid: 'CAffffffffffffffffffffffffffffffff',
    ParentCallSid: callerId,
    CallStatus: 'in-progress',
    Direction: 'outbound-dial',
    From: '+15005550001',
    To: '+14155550100',
  };

  async function calleeRequest(signedWith: string, parent = callerId): Promise<Response> {
    const { createTwilioHandler, callbackUrl } = await import('@callflow/twilio');
    const { twilioSignatureOf } = await import('../packages/testing/src/twilio/sign-twilio-webhook.js');
    const handler = createTwilioHandler({
      flow: screened,
      secret,
      authToken: 'right-token',
      publicBaseUrl: 'https://ivr.example.com/voice',
    });
    const turn = await createEngine(screened, { secret }).start({ callId: callerId });
    const url = callbackUrl('https://ivr.example.com/voice', turn.token!, 'callee');
    const params = { ...calleeParams, ParentCallSid: parent };
    return handler(
      new Request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignatureOf(signedWith, url, params) },
        body: new URLSearchParams(params).toString(),
      }),
    );
  }

  it('on Twilio answer the whisper and screen for a signed request bound to the caller', async () => {
    const response = await calleeRequest('right-token');
    expect(response.status).toBe(200);
    const twiml = await response.text();
    expect(twiml).toContain('<Say>Call from the clinic line.</Say><Gather input="dtmf" numDigits="1" timeout="5"');
    expect(twiml).toContain('e=screen');
    expect(twiml).toMatch(/<\/Gather><Hangup\/><\/Response>$/);
  });

  it('on Twilio refuse a bad signature (403) and a token of another call (403)', async () => {
    expect((await calleeRequest('wrong-token')).status).toBe(403);
    expect((await calleeRequest('right-token', 'CA99999999999999999999999999999999')).status).toBe(403);
  });

  it('on Vonage, screening without a voiceClient to hang up a decline is an unsupported-step error', async () => {
    const { vonageProvider } = await import('@callflow/vonage');
    const { createMemoryStore, silentLogger } = await import('@callflow/core');
    const engine = createEngine(screened, { secret });
    const created = vonageProvider.create({
      options: { flow: screened, secret, signatureSecret: 'x', publicBaseUrl: 'https://ivr.example.com/vonage' },
      engine,
      store: createMemoryStore(),
      logger: silentLogger,
      now: Date.now,
    } as never);
    const turn = await engine.start({ callId: 'CALL-2', to: '+447700900000' });
    expect(() => created.render(turn, { continuations: [] } as never)).toThrow(
      /transfer\.screen on Vonage needs the handler's voiceClient/,
    );
  });
});

describe('docs/flow-format.md examples', () => {
  // The transfer and reject examples are written three times (TypeScript, YAML, JSON): the three must be one flow.
  const page = readFileSync(new URL('../docs/flow-format.md', import.meta.url), 'utf8');
  const blocks = (marker: string) => {
    const section = page.slice(page.indexOf(`<!-- ${marker} -->`));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const json = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    return { yaml: parseFlow(yaml), json: parseFlow(json, { format: 'json' }) };
  };
  const clinic = defineFlow({
    name: 'clinic-line',
    start: 'main',
    nodes: {
      main: [
        say('Connecting you to the on-call nurse.'),
        transfer('+14155550100', {
          whisper: [say('Call from the clinic line.')],
          screen: { prompt: [say('Press 1 to accept.')], acceptKey: '1', timeoutSeconds: 5 },
          onNoAnswer: 'voicemail',
        }),
      ],
      voicemail: [say('The nurse is not available. Please leave a message.'), record({ maxSeconds: 60 }), hangup()],
    },
  });
  const afterHours = defineFlow({
    name: 'after-hours',
    start: 'incoming',
    schedules: { office: { timezone: 'Europe/London', weekly: { weekdays: ['09:00-17:00'] } } },
    nodes: {
      incoming: [hours('office', { open: 'desk', closed: 'closed' })],
      desk: [say('Connecting you.'), transfer('+442079460000')],
      closed: [reject({ reason: 'busy' })],
    },
  });

  it.each([
    ['transfer-example', clinic],
    ['reject-example', afterHours],
  ] as const)('%s: the YAML and JSON are the TypeScript flow', (marker, flow) => {
    const { yaml, json } = blocks(marker);
    expect(yaml).toEqual(flow);
    expect(json).toEqual(flow);
    expect(page.slice(page.indexOf(`<!-- ${marker} -->`))).toContain(`name: '${flow.name}'`);
  });

  it('the screened example declines to voicemail on every provider', async () => {
    for (const provider of simulatedProviders) {
      const call = await simulateCall({
        provider,
        flow: clinic,
        transfers: [{ status: 'completed', callee: 'declines' }],
        recordings: [{ durationSeconds: 4 }],
      });
      expect(call.errors).toEqual([]);
      expect(call.heard).toEqual(['Connecting you to the on-call nurse.', 'The nurse is not available. Please leave a message.']);
      expect(call.transfers).toEqual([{ to: '+14155550100', status: 'no-answer' }]);
    }
  });
});
