import type { OptionFault } from './check-handler-options.js';
import type { OptionProblem, ProviderHandlerOptions } from './provider.js';

// The words for what is wrong with a handler's options, in the diagnostics chunk (dist/diagnostics.js, with the flow
// diagnostics): a handler whose options are right never needs them, and the fast check in check-handler-options.ts
// finds the faults without them.

/** Each fault's message; `url` is worded from the value itself. */
const messages: Record<Exclude<OptionFault['fault'], 'url'>, string> = {
  object: 'must be an object',
  flow: 'is required (a flow from defineFlow or parseFlow)',
  secret: 'is required: 16 or more random characters that sign continuation tokens',
  secrets: 'every secret must be a string of 16 or more characters',
  publicBaseUrl: 'is required: the exact public URL the provider calls, e.g. https://ivr.example.com/voice',
  number: 'must be a positive number',
  integer: 'must be a positive integer',
  boolean: 'must be true or false',
  store: 'must be a Store (get, set, compareAndSet, delete)',
  logger: 'must have warn and error methods (console fits; silentLogger silences)',
  function: 'must be a function',
  now: 'must be a function returning ms since the epoch',
  onCallEvent: 'must be a function taking a call event',
};

function urlProblem(value: unknown): string {
  if (typeof value !== 'string') return 'must be a URL string';
  try {
    new URL(value);
  } catch {
    return `'${value}' is not an absolute URL; include the scheme, e.g. https://${value.replace(/^\/+/, '')}`;
  }
  return `'${value}' must start with https:// (or http:// for local tests)`;
}

/** The problems the faults of a handler's options stand for, each with its message. */
export function handlerOptionProblems(faults: readonly OptionFault[], options: ProviderHandlerOptions): OptionProblem[] {
  return faults.map(({ option, fault }) => ({
    option,
    message: fault === 'url' ? urlProblem(options.publicBaseUrl) : messages[fault],
  }));
}
