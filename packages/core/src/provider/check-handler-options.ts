import { CallFlowError } from '../errors.js';
import { flowDiagnostics } from '../ir/validate-flow.js';
import type { OptionProblem, Provider, ProviderHandlerOptions } from './provider.js';

/**
 * One thing wrong with an option every handler takes, as a short key; the diagnostics chunk words it
 * (handler-option-problems.ts), so a handler whose options are right does not carry the messages.
 */
export interface OptionFault {
  option: string;
  fault:
    | 'object'
    | 'flow'
    | 'secret'
    | 'secrets'
    | 'publicBaseUrl'
    | 'url'
    | 'number'
    | 'integer'
    | 'boolean'
    | 'store'
    | 'logger'
    | 'function'
    | 'now'
    | 'onCallEvent';
}

/** What is wrong with the options every handler takes, as keys named by option (no messages: see `commonOptionProblems`). */
export function commonOptionFaults(options: ProviderHandlerOptions, needsPublicBaseUrl: boolean): OptionFault[] {
  const faults: OptionFault[] = [];
  const fault = (option: string, kind = option as OptionFault['fault']) => faults.push({ option, fault: kind });
  if (options === null || typeof options !== 'object') return [{ option: 'options', fault: 'object' }];
  if (options.flow === null || typeof options.flow !== 'object') fault('flow');
  const secrets = typeof options.secret === 'string' ? [options.secret] : Array.isArray(options.secret) ? options.secret : undefined;
  if (secrets === undefined) fault('secret');
  else if (secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret.length < 16)) fault('secret', 'secrets');
  if (options.publicBaseUrl === undefined || options.publicBaseUrl === '') {
    if (needsPublicBaseUrl) fault('publicBaseUrl');
  } else if (!isHttpUrl(options.publicBaseUrl)) fault('publicBaseUrl', 'url');
  positive(fault, 'tokenTtlSeconds', options.tokenTtlSeconds);
  positive(fault, 'maxBodyBytes', options.maxBodyBytes, true);
  positive(fault, 'maxFormFields', options.maxFormFields, true);
  if (options.verifySignatures !== undefined && typeof options.verifySignatures !== 'boolean') fault('verifySignatures', 'boolean');
  if (options.store !== undefined && (typeof options.store?.get !== 'function' || typeof options.store?.compareAndSet !== 'function'))
    fault('store');
  if (options.logger !== undefined && (typeof options.logger?.warn !== 'function' || typeof options.logger?.error !== 'function'))
    fault('logger');
  if (options.hooks !== undefined) {
    for (const [name, hook] of Object.entries(options.hooks ?? {})) if (typeof hook !== 'function') fault(`hooks.${name}`, 'function');
  }
  if (options.now !== undefined && typeof options.now !== 'function') fault('now');
  if (options.onCallEvent !== undefined && typeof options.onCallEvent !== 'function') fault('onCallEvent');
  return faults;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

function positive(fault: (option: string, kind: OptionFault['fault']) => void, option: string, value: unknown, integer = false): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))
    fault(option, integer ? 'integer' : 'number');
}

/**
 * The problems with the options every handler takes, named by option, with their messages (from the diagnostics chunk:
 * by `require` on Node; on Workers, or where callflow was bundled again, after `await loadFlowDiagnostics()`).
 */
export function commonOptionProblems(options: ProviderHandlerOptions, needsPublicBaseUrl: boolean): OptionProblem[] {
  const faults = commonOptionFaults(options, needsPublicBaseUrl);
  return faults.length === 0 ? [] : flowDiagnostics().handlerOptionProblems(faults, options);
}

/** Throws one `invalid-options` error naming every problem with a handler's options; the same checks for every provider. */
export function checkHandlerOptions<Options extends ProviderHandlerOptions>(
  provider: Provider<Options, unknown, object, unknown>,
  options: Options,
): void {
  const faults = commonOptionFaults(options, provider.needsPublicBaseUrl ?? true);
  const problems = faults.length === 0 || faults[0]!.option !== 'options' ? provider.checkOptions(options) : [];
  if (faults.length === 0 && problems.length === 0) return;
  let unworded = '';
  try {
    if (faults.length) problems.unshift(...flowDiagnostics().handlerOptionProblems(faults, options));
  } catch (error) {
    // A Worker (or a bundle of callflow) that did not load the diagnostics: each wrong option is named all the same, at once.
    problems.unshift(...faults.map(({ option }) => ({ option, message: 'is wrong' })));
    unworded = ` (${(error as Error).message.replace('[callflow] ', '')})`;
  }
  throw new CallFlowError(
    'invalid-options',
    `invalid handler options: ${problems.map((problem) => `${problem.option} ${problem.message}`).join('; ')}${unworded}`,
    { provider: provider.name, reason: problems[0]!.option },
  );
}

/** For providers: a credential option that must be a non-empty string unless `verifySignatures` is false. */
export function requiredCredential(options: ProviderHandlerOptions, option: string, value: unknown, what: string): OptionProblem[] {
  if (options.verifySignatures === false && (value === undefined || value === '')) return [];
  if (typeof value !== 'string' || value === '') {
    return [{ option, message: `is required to verify webhooks (${what}); set verifySignatures: false only for local experiments` }];
  }
  return [];
}
