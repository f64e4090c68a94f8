import type { Step, StepType } from '../ir/types.js';
import type { Turn } from './types.js';

/** How a provider supports a step: natively, emulated with other verbs (a warning), or not at all (an error). */
export type Support = 'native' | 'emulated' | 'unsupported';

/** An option of a step that a provider cannot honour: a flow that sets it is refused for that provider when its handler is created. */
export interface UnsupportedOption<S extends Step = Step> {
  /** The option as the flow spells it, e.g. `beep: true`. */
  option: string;
  /** Why the provider cannot do it, one sentence. */
  why: string;
  /** True when the step uses the option. */
  when(step: S): boolean;
}

/** How one step kind runs on a provider. */
export interface StepCapability<S extends Step = Step> {
  support: Support;
  note?: string;
  /** Options refused on this provider (a `CallFlowError('unsupported-step')` naming step, option and provider). */
  unsupported?: ReadonlyArray<UnsupportedOption<S>>;
}

/** What an adapter can do, per step kind; the capability matrix in the docs is generated from these. */
export type Capabilities = { [K in StepType]: StepCapability<Extract<Step, { type: K }>> };

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
