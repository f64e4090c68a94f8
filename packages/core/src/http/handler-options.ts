import type { Logger } from '../engine/adapter.js';
import type { Effect } from '../engine/types.js';
import type { Flow } from '../ir/types.js';
import type { Store } from '../store/store.js';

/** An application hook run beside the call (e.g. send an SMS when a voicemail is left). */
export type Hook = (effect: Effect) => void | Promise<void>;

/** Options every provider handler takes. */
export interface BaseHandlerOptions {
  flow: Flow;
  /** Secret(s) that sign continuation tokens (at least 16 characters); first signs, all verify. */
  secret: string | readonly string[];
  /** The public URL the provider calls, e.g. `https://ivr.example.com/voice`: signatures are checked against it, never against the request's Host. */
  publicBaseUrl: string;
  /** Hooks named by `record.notify`. A failing hook is logged; the caller never hears it. */
  hooks?: Record<string, Hook>;
  /** Shared state (queues, conferences, de-duplication); default: in-memory. */
  store?: Store;
  logger?: Logger;
  /** The clock in ms; default `Date.now`. */
  now?: () => number;
  /** Seconds a continuation token stays valid; default 86,400. */
  tokenTtlSeconds?: number;
}

/** Runs a turn's effects through the named hooks; failures and unknown hooks are logged, never thrown. */
export async function runEffects(effects: readonly Effect[], hooks: Record<string, Hook> | undefined, logger: Logger): Promise<void> {
  for (const effect of effects) {
    const hook = hooks?.[effect.hook];
    if (!hook) {
      logger.warn(`no hook named '${effect.hook}'`, { callId: effect.call.callId, node: effect.node });
      continue;
    }
    try {
      await hook(effect);
    } catch (error) {
      logger.error(`hook '${effect.hook}' failed`, {
        callId: effect.call.callId,
        node: effect.node,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
