import type { CallTranscript } from './script.js';

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

const said = (transcript: CallTranscript) => transcript.entries.flatMap((entry) => (entry.type === 'say' ? [entry.text] : []));
const list = (items: string[]) => (items.length ? items.map((item) => `  - ${item}`).join('\n') : '  (nothing)');

/**
 * Assertions for call transcripts, for `expect.extend(callflowMatchers)` in vitest or jest.
 * @example
 * expect.extend(callflowMatchers);
 * expect(call).toHaveHeard('Connecting you to sales.');
 */
export const callflowMatchers = {
  /** The caller heard this text (exactly, or matching the pattern) at some point. */
  toHaveHeard(received: CallTranscript, expected: string | RegExp): MatcherResult {
    const texts = said(received);
    const pass = texts.some((text) => (typeof expected === 'string' ? text === expected : expected.test(text)));
    return { pass, message: () => `expected the caller ${pass ? 'not ' : ''}to hear ${String(expected)}; they heard:\n${list(texts)}` };
  },
  /** The call was transferred to this number or SIP address, with this outcome if given. */
  toHaveTransferredTo(received: CallTranscript, to: string, status?: string): MatcherResult {
    const transfers = received.entries.flatMap((entry) => (entry.type === 'transfer' ? [`${entry.to} (${entry.status})`] : []));
    const pass = received.entries.some(
      (entry) => entry.type === 'transfer' && entry.to === to && (status === undefined || entry.status === status),
    );
    return {
      pass,
      message: () => `expected ${pass ? 'no ' : 'a '}transfer to ${to}${status ? ` (${status})` : ''}; transfers:\n${list(transfers)}`,
    };
  },
  /** The call ended this way: by the flow, by the caller, or on an error the emulator reported. */
  toHaveEndedBy(received: CallTranscript, endedBy: CallTranscript['endedBy']): MatcherResult {
    const pass = received.endedBy === endedBy;
    return {
      pass,
      message: () =>
        `expected the call ${pass ? 'not ' : ''}to be ended by ${endedBy}, it was ended by ${received.endedBy}${received.errors.length ? `\nerrors:\n${list(received.errors)}` : ''}`,
    };
  },
};

/** Type the matchers into your test runner: `declare module 'vitest' { interface Assertion<T> extends CallflowMatchers<T> {} }`. */
export interface CallflowMatchers<R = unknown> {
  toHaveHeard(expected: string | RegExp): R;
  toHaveTransferredTo(to: string, status?: string): R;
  toHaveEndedBy(endedBy: CallTranscript['endedBy']): R;
}
