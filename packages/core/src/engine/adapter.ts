import type { StepType } from '../ir/types.js';
import type { Turn } from './types.js';

/** How a provider supports a step: natively, emulated with other verbs (a warning), or not at all (an error). */
export type Support = 'native' | 'emulated' | 'unsupported';

/** What an adapter can do, per step kind; the capability matrix in the docs is generated from these. */
export type Capabilities = Record<StepType, { support: Support; note?: string }>;

/** A rendering and what was degraded to produce it. */
export interface Rendered<Output> {
  output: Output;
  /** Human-readable warnings for emulated or approximated behaviour. */
  warnings: string[];
}

/** A provider's renderer on its own: a pure translation of a Turn (the whole provider contract is `Provider`, in `provider/provider.ts`). */
export interface ProviderAdapter<Output, Context> {
  readonly provider: string;
  readonly capabilities: Capabilities;
  /** Translates a turn into the provider's document or commands. Pure: same input, same output. */
  render(turn: Turn, context: Context): Rendered<Output>;
}

/** A minimal logger; `console` fits. */
export interface Logger {
  info?(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { warn() {}, error() {} };
