import { describe, expect, it } from 'vitest';
import { commonOptionFaults, commonOptionProblems, type ProviderHandlerOptions } from '../src/index.js';

// The options every handler takes are checked up front by keys (commonOptionFaults); their messages live in the
// diagnostics chunk (issue 17). Each wrong option, and the message it gets (on Node the chunk loads by require).

const right = {
  flow: { name: 'f', start: 'a', nodes: {} },
  secret: 'a-secret-of-16-chars+',
  publicBaseUrl: 'https://ivr.example.com/voice',
};
const cases: Array<[string, Record<string, unknown>, string, string]> = [
  ['no flow', { flow: undefined }, 'flow', 'is required (a flow from defineFlow or parseFlow)'],
  ['no secret', { secret: undefined }, 'secret', 'is required: 16 or more random characters that sign continuation tokens'],
  ['a short secret', { secret: ['a-secret-of-16-chars+', 'short'] }, 'secret', 'every secret must be a string of 16 or more characters'],
  [
    'no public URL',
    { publicBaseUrl: '' },
    'publicBaseUrl',
    'is required: the exact public URL the provider calls, e.g. https://ivr.example.com/voice',
  ],
  ['a URL that is not a string', { publicBaseUrl: 42 }, 'publicBaseUrl', 'must be a URL string'],
  [
    'a relative URL',
    { publicBaseUrl: '/voice' },
    'publicBaseUrl',
    "'/voice' is not an absolute URL; include the scheme, e.g. https://voice",
  ],
  [
    'another scheme',
    { publicBaseUrl: 'ftp://ivr.example.com' },
    'publicBaseUrl',
    "'ftp://ivr.example.com' must start with https:// (or http:// for local tests)",
  ],
  ['a token lifetime of zero', { tokenTtlSeconds: 0 }, 'tokenTtlSeconds', 'must be a positive number'],
  ['a fractional body limit', { maxBodyBytes: 1.5 }, 'maxBodyBytes', 'must be a positive integer'],
  ['a form field limit as text', { maxFormFields: '10' }, 'maxFormFields', 'must be a positive integer'],
  ['verifySignatures as text', { verifySignatures: 'no' }, 'verifySignatures', 'must be true or false'],
  ['a store without compareAndSet', { store: { get() {} } }, 'store', 'must be a Store (get, set, compareAndSet, delete)'],
  ['a logger without error', { logger: { warn() {} } }, 'logger', 'must have warn and error methods (console fits; silentLogger silences)'],
  ['a hook that is not a function', { hooks: { beforeStep: 1 } }, 'hooks.beforeStep', 'must be a function'],
  ['now as a number', { now: 5 }, 'now', 'must be a function returning ms since the epoch'],
  ['onCallEvent as text', { onCallEvent: 'log' }, 'onCallEvent', 'must be a function taking a call event'],
];

describe('the options every handler takes', () => {
  it('are right as given', () => {
    expect(commonOptionFaults(right as unknown as ProviderHandlerOptions, true)).toEqual([]);
    expect(commonOptionProblems(right as unknown as ProviderHandlerOptions, true)).toEqual([]);
  });

  it.each(cases)('names %s, with its message', (_, change, option, message) => {
    const options = { ...right, ...change } as unknown as ProviderHandlerOptions;
    expect(commonOptionFaults(options, true).map((fault) => fault.option)).toEqual([option]);
    expect(commonOptionProblems(options, true)).toEqual([{ option, message }]);
  });

  it('refuses options that are not an object, and needs no public URL where the provider does not', () => {
    expect(commonOptionProblems(null as unknown as ProviderHandlerOptions, true)).toEqual([
      { option: 'options', message: 'must be an object' },
    ]);
    expect(commonOptionProblems({ ...right, publicBaseUrl: undefined } as unknown as ProviderHandlerOptions, false)).toEqual([]);
  });
});
