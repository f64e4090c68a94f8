/** Where a problem was found and what to do about it. */
export interface Problem {
  /** Dotted path into the flow, e.g. `nodes.menu[0].routes.1`; empty for the whole flow. */
  path: string;
  message: string;
  hint?: string;
  severity: 'error' | 'warning';
  /** 1-based line in the source file, when the flow came from JSON or YAML text. */
  line?: number;
}

/** The machine-readable reason a `CallFlowError` was thrown. */
export type CallFlowErrorCode =
  | 'invalid-flow'
  | 'unsupported-step'
  | 'invalid-token'
  | 'unexpected-outcome'
  | 'signature-mismatch'
  | 'invalid-webhook'
  | 'provider-request-failed'
  | 'store-unavailable'
  | 'missing-package'
  | 'flow-failed'
  | 'invalid-options';

/** Why a continuation token was refused. */
export type TokenFailure = 'malformed' | 'bad-signature' | 'expired' | 'foreign-call' | 'unsupported-version' | 'unknown-position';

const marker = Symbol.for('callflow.error');

export interface CallFlowErrorOptions {
  provider?: string;
  node?: string;
  problems?: Problem[];
  reason?: TokenFailure | string;
  cause?: unknown;
}

/** The one error type callflow throws; `code` says why. */
export class CallFlowError extends Error {
  readonly code: CallFlowErrorCode;
  readonly provider?: string;
  readonly node?: string;
  readonly problems: Problem[];
  readonly reason?: string;
  readonly [marker] = true;

  /**
   * `instanceof` holds for a CallFlowError made by any copy of this class: a lazily loaded chunk's own copy (the
   * diagnostics chunk), or a second copy of the package a bundler made.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return isCallFlowError(value);
  }

  constructor(code: CallFlowErrorCode, message: string, options: CallFlowErrorOptions = {}) {
    const prefix = options.provider ? `[callflow:${options.provider}]` : '[callflow]';
    super(`${prefix} ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CallFlowError';
    this.code = code;
    this.provider = options.provider;
    this.node = options.node;
    this.problems = options.problems ?? [];
    this.reason = options.reason;
  }
}

/** True for any `CallFlowError`, across duplicated ESM/CJS copies of the package. */
export function isCallFlowError(value: unknown, code?: CallFlowErrorCode): value is CallFlowError {
  if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[marker] !== true) return false;
  return code === undefined || (value as CallFlowError).code === code;
}

/** One line per problem, for logs and the CLI. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems
    .map((problem) => {
      const where = problem.path === '' ? '(flow)' : problem.path;
      const line = problem.line === undefined ? '' : ` (line ${problem.line})`;
      const hint = problem.hint ? ` (${problem.hint})` : '';
      return `${problem.severity}: ${where}${line}: ${problem.message}${hint}`;
    })
    .join('\n');
}
