import type { CallFlowError } from '../errors.js';
import type { MediaStep, WaitingStep } from '../ir/types.js';
import type { CallState } from '../token/call-token.js';

/** Who is calling whom, as the provider reported it. */
export interface CallInfo {
  /** The provider's id of this call leg (Twilio CallSid, Vonage uuid, Telnyx call_control_id). Tokens are bound to it. */
  callId: string;
  from?: string;
  to?: string;
  provider?: string;
}

/** Final status of a transfer attempt. */
export type DialStatus = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** What happened while the provider ran a waiting step, in provider-neutral words. */
export type Outcome =
  | { type: 'digits'; digits: string /** Tries the provider used natively (Telnyx `maximum_tries`). */; attemptsUsed?: number }
  | { type: 'speech'; text: string; confidence?: number; attemptsUsed?: number }
  | { type: 'no-input'; attemptsUsed?: number }
  | { type: 'media-done' }
  | { type: 'dial'; status: DialStatus; durationSeconds?: number /** The provider's own status or cause. */; raw?: string }
  | { type: 'recording'; url?: string; durationSeconds?: number }
  | { type: 'queue'; result: 'bridged' | 'left' | 'timeout' | 'hangup' | 'error'; waitSeconds?: number; digit?: string }
  | { type: 'conference'; status: 'ended' }
  | { type: 'hangup'; cause?: string };

/** The outcome types, for adapters and tests. */
export type OutcomeType = Outcome['type'];

/** A media step to play, with the state to resume from once it has played (command providers). */
export interface PlannedMedia {
  step: MediaStep;
  after: CallState;
}

/** The step the provider must run and report back on, with its position. */
export interface PlannedWait {
  /** The waiting step, defaults applied; a gather's prompt already includes any re-ask message and skips played parts. */
  step: WaitingStep;
  state: CallState;
}

/** Work for the application beside the call, e.g. an SMS alert when a voicemail is left. */
export interface Effect {
  type: 'notify';
  hook: string;
  call: CallInfo;
  node: string;
  recording?: { url?: string; durationSeconds?: number };
  vars: Record<string, string>;
}

/**
 * One turn: the media to play, then at most one waiting step (with its continuation token) or the end of the call.
 */
export interface Turn {
  call: CallInfo;
  steps: PlannedMedia[];
  wait?: PlannedWait;
  /** Continuation token for `wait`; present exactly when `wait` is. */
  token?: string;
  /** True when the call ends after `steps`. */
  ended: boolean;
  /** Set when the call is declined without being answered (a `reject` step); `steps` is then empty and `ended` true. */
  rejected?: 'busy' | 'rejected';
  effects: Effect[];
  /** Set when the turn is the apology played after a failure inside the flow. */
  error?: CallFlowError;
  /** Node the turn ended in, for logs. */
  node: string;
}
