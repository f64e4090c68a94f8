import { CallFlowError } from '../errors.js';
import type { OptionProblem, Provider, ProviderHandlerOptions } from './provider.js';

/** The problems with the options every handler takes, named by option. */
export function commonOptionProblems(options: ProviderHandlerOptions, needsPublicBaseUrl: boolean): OptionProblem[] {
  const problems: OptionProblem[] = [];
  if (options === null || typeof options !== 'object') return [{ option: 'options', message: 'must be an object' }];
  if (options.flow === null || typeof options.flow !== 'object')
    problems.push({ option: 'flow', message: 'is required (a flow from defineFlow or parseFlow)' });
  const secrets = typeof options.secret === 'string' ? [options.secret] : Array.isArray(options.secret) ? options.secret : undefined;
  if (secrets === undefined)
    problems.push({ option: 'secret', message: 'is required: 16 or more random characters that sign continuation tokens' });
  else if (secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret.length < 16)) {
    problems.push({ option: 'secret', message: 'every secret must be a string of 16 or more characters' });
  }
  if (options.publicBaseUrl === undefined || options.publicBaseUrl === '') {
    if (needsPublicBaseUrl)
      problems.push({
        option: 'publicBaseUrl',
        message: 'is required: the exact public URL the provider calls, e.g. https://ivr.example.com/voice',
      });
  } else {
    const problem = urlProblem(options.publicBaseUrl);
    if (problem) problems.push({ option: 'publicBaseUrl', message: problem });
  }
  positive(problems, 'tokenTtlSeconds', options.tokenTtlSeconds);
  positive(problems, 'maxBodyBytes', options.maxBodyBytes, true);
  positive(problems, 'maxFormFields', options.maxFormFields, true);
  if (options.verifySignatures !== undefined && typeof options.verifySignatures !== 'boolean')
    problems.push({ option: 'verifySignatures', message: 'must be true or false' });
  if (options.store !== undefined && (typeof options.store?.get !== 'function' || typeof options.store?.compareAndSet !== 'function')) {
    problems.push({ option: 'store', message: 'must be a Store (get, set, compareAndSet, delete)' });
  }
  if (options.logger !== undefined && (typeof options.logger?.warn !== 'function' || typeof options.logger?.error !== 'function')) {
    problems.push({ option: 'logger', message: 'must have warn and error methods (console fits; silentLogger silences)' });
  }
  if (options.hooks !== undefined) {
    for (const [name, hook] of Object.entries(options.hooks ?? {}))
      if (typeof hook !== 'function') problems.push({ option: `hooks.${name}`, message: 'must be a function' });
  }
  if (options.now !== undefined && typeof options.now !== 'function')
    problems.push({ option: 'now', message: 'must be a function returning ms since the epoch' });
  if (options.onCallEvent !== undefined && typeof options.onCallEvent !== 'function')
    problems.push({ option: 'onCallEvent', message: 'must be a function taking a call event' });
  return problems;
}

function urlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a URL string';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `'${value}' is not an absolute URL; include the scheme, e.g. https://${value.replace(/^\/+/, '')}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `'${value}' must start with https:// (or http:// for local tests)`;
  return undefined;
}

function positive(problems: OptionProblem[], option: string, value: unknown, integer = false): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    problems.push({ option, message: `must be a positive ${integer ? 'integer' : 'number'}` });
  }
}

/** Throws one `invalid-options` error naming every problem with a handler's options; the same checks for every provider. */
export function checkHandlerOptions<Options extends ProviderHandlerOptions>(
  provider: Provider<Options, unknown, object, unknown>,
  options: Options,
): void {
  const problems = commonOptionProblems(options, provider.needsPublicBaseUrl ?? true);
  if (problems.length === 0 || problems[0]!.option !== 'options') problems.push(...provider.checkOptions(options));
  if (problems.length === 0) return;
  throw new CallFlowError(
    'invalid-options',
    `invalid handler options: ${problems.map((problem) => `${problem.option} ${problem.message}`).join('; ')}`,
    {
      provider: provider.name,
      reason: problems[0]!.option,
    },
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
