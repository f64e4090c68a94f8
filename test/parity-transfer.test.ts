import { describe, expect, it } from 'vitest';
import { createEngine, defaultApology, defineFlow, gather, hangup, isCallFlowError, reject, say, transfer, type Flow } from '@callflow/core';
import { simulateCall, simulatedProviders, type CallScript, type SimulatedCall, type SimulatedProvider, type TranscriptEntry } from '@callflow/testing';
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
}

const cases: TransferCase[] = [
  {
    name: 'sendDigits: the extension is dialled once the callee answers',
    flow: extension,
    script: { transfers: ['completed'] },
    entries: [{ type: 'say', text: 'Connecting you to extension 204.' }, { type: 'transfer', to: '+14155550100', status: 'completed', sentDigits: 'ww204#' }, { type: 'hangup', by: 'flow' }],
  },
  {
    name: 'sendDigits: nothing is sent when nobody answers',
    flow: extension,
    script: { transfers: ['no-answer'] },
    entries: [{ type: 'say', text: 'Connecting you to extension 204.' }, { type: 'transfer', to: '+14155550100', status: 'no-answer' }, { type: 'say', text: 'Nobody answered.' }, { type: 'hangup', by: 'flow' }],
  },
  { name: 'reject as busy', flow: busyLine, script: {}, entries: [{ type: 'reject', reason: 'busy' }], unsupported: { vonage: /step 'reject' is not supported on Vonage/ } },
  { name: 'reject as rejected', flow: declined, script: {}, entries: [{ type: 'reject', reason: 'rejected' }], unsupported: { vonage: /step 'reject' is not supported on Vonage/ } },
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
      // The provider cannot: the render fails with unsupported-step (logged by name) and the caller hears the apology.
      expect(call.entries).toEqual([{ type: 'say', text: defaultApology }, { type: 'hangup', by: 'flow' }]);
      expect(logged.join('\n')).toMatch(unsupported);
      return;
    }
    expect(call.errors).toEqual([]);
    expect(call.entries).toEqual(testCase.entries);
    expect(call.endedBy).toBe('flow');
  });

  it('is the same call on every provider that supports it', () => {
    const byProvider = calls.get(testCase.name)!;
    const supported = simulatedProviders.filter((provider) => !testCase.unsupported?.[provider]);
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
    const late = defineFlow({ name: 'late-reject', start: 'menu', nodes: { menu: [gather({ prompt: 'Press 1.', routes: { '1': 'no' } })], no: [reject()] } });
    for (const provider of simulatedProviders) {
      const call = await simulateCall({ provider, flow: late, input: ['1'] });
      expect(call.entries.some((entry) => entry.type === 'reject')).toBe(false);
      expect(call.heard.at(-1)).toMatch(/sorry/i);
    }
  });
});
