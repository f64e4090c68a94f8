import type { DialStatus, ProviderName } from '@callflow/core';

/** What the scripted caller does at the next gather. A string is the DTMF keys pressed, e.g. `'1'` or `'1234#'`. */
export type CallerAction = string | { speech: string; confidence?: number } | { silence: true } | { hangup: true };

/** What happens at a transfer: the callee's answer, as the provider would report it. */
export type TransferScript =
  | DialStatus
  | {
      status: DialStatus;
      durationSeconds?: number;
      /**
       * The status of the Vonage connect leg's failure event, when the default word for `status` is not the one to test:
       * `unanswered` (unreachable or declined) or `timeout` (rang out) for no-answer, `rejected` or `failed` for failed
       * (provider: https://developer.vonage.com/en/voice/voice-api/webhook-reference, "Event webhook").
       */
      vonageStatus?: 'busy' | 'cancelled' | 'unanswered' | 'timeout' | 'rejected' | 'failed';
      /**
       * What the called party does once it answers (status `completed`): `accepts` (default) presses the screening
       * accept key, `declines` presses another key, `times-out` presses nothing, `voicemail` is a machine that picks up
       * and never presses a key. Without screening, every one of them hears the whisper and is connected.
       */
      callee?: CalleeBehaviour;
      /** The key the scripted callee presses to accept (the flow's `screen.acceptKey`); default `1`. */
      acceptKey?: string;
      /**
       * The caller hangs up before the called party is connected: `ringing` while its phone rings, `screening` once it
       * answered and hears the whisper or the screening prompt. Played by the Telnyx emulator, where the application
       * dials the called party itself (a screened or spoken-whisper transfer) and must hang that leg up; the Twilio and
       * Vonage emulators ignore it (their `<Dial>` and `connect` legs belong to the provider).
       */
      callerHangsUp?: 'ringing' | 'screening';
    };

/** How the called party of a transfer behaves once it answers. */
export type CalleeBehaviour = 'accepts' | 'declines' | 'times-out' | 'voicemail';

/** The key a scripted callee presses at a screening prompt: the accept key, another key, or none. */
export function calleeKey(behaviour: CalleeBehaviour, acceptKey: string): string | undefined {
  if (behaviour === 'accepts') return acceptKey;
  if (behaviour === 'declines') return acceptKey === '2' ? '3' : '2';
  return undefined;
}

/** The scripted callee behaviour of a transfer script entry. */
export function calleeOf(script: TransferScript): CalleeBehaviour {
  return typeof script === 'string' ? 'accepts' : (script.callee ?? 'accepts');
}

/** A scripted call: the caller's answers and the outside world's behaviour, consumed in order. */
export interface CallScript {
  from?: string;
  to?: string;
  /** Answers to successive gathers; once used up the caller stays silent. */
  input?: CallerAction[];
  /** Outcomes of successive transfers; default `completed` after 30 s of talk. */
  transfers?: TransferScript[];
  /** Successive recordings; default a 5-second message. `hangup` ends the call after `durationSeconds` (default 5) of recording. */
  recordings?: Array<{ durationSeconds: number } | { hangup: true; durationSeconds?: number }>;
  /**
   * What happens at successive queues, at the first break in the hold music once `waitSeconds` have passed; default the
   * caller hangs up after waiting. `left` with a `digit` is the caller pressing the escape key; `position` (default 1) and
   * `averageWaitSeconds` (default 0) are what the provider reports about the queue.
   */
  queues?: Array<{
    result: 'bridged' | 'timeout' | 'hangup' | 'left';
    waitSeconds?: number;
    digit?: string;
    position?: number;
    averageWaitSeconds?: number;
  }>;
  /**
   * What happens at successive conferences; default the conference ends. `seconds` is how long the caller stays in the
   * room first, on the Telnyx emulator's clock (where several callers share a room); the others end it at once. On the
   * Telnyx emulator, `until` keeps the caller in the room until it settles (another caller joined, or that call ended),
   * and `seconds` count from then: a test orders callers by events instead of racing the clock.
   */
  conferences?: Array<
    { status: 'ended'; seconds?: number; until?: PromiseLike<unknown> } | { hangup: true; seconds?: number; until?: PromiseLike<unknown> }
  >;
  /**
   * Who picks up an outbound call (placed through the emulator's fake REST API): a person, an answering machine (whose
   * greeting ends with a beep), something detection cannot classify, or nobody (`busy`, `no-answer`, `failed`). Default `human`.
   */
  pickup?: OutboundPickup;
  /** Webhook round trips allowed before the emulator stops the call (loop guard); default 200. */
  maxWebhooks?: number;
  /**
   * Asked for the caller's action at a gather once `input` is used up (an interactive softphone); return
   * `undefined` for silence. Gets everything that happened so far.
   */
  answer?: (heard: readonly TranscriptEntry[]) => CallerAction | undefined | Promise<CallerAction | undefined>;
}

/** Who (or what) answers an outbound call in the emulators. */
export type OutboundPickup = 'human' | 'machine' | 'unknown' | 'busy' | 'no-answer' | 'failed';

/** The caller's action at the `index`-th gather: the scripted one, else the `answer` callback's, else silence. */
export async function nextCallerAction(script: CallScript, index: number, entries: readonly TranscriptEntry[]): Promise<CallerAction> {
  const scripted = script.input?.[index];
  if (scripted !== undefined) return scripted;
  if (script.answer) return (await script.answer(entries)) ?? { silence: true };
  return { silence: true };
}

/** One thing the caller heard, did, or that happened to the call, in provider-neutral terms. */
export type TranscriptEntry =
  | { type: 'say'; text: string }
  | { type: 'play'; url: string }
  | { type: 'pause'; seconds: number }
  | { type: 'input'; digits?: string; speech?: string; timeout?: boolean }
  | {
      type: 'transfer';
      to: string;
      /** The neutral result: a called party who answered but was not connected (declined the screen) is `no-answer`. */
      status: DialStatus;
      /** What the called party heard before being connected (whisper and screening prompt), one line per say or play URL. */
      calleeHeard?: string[];
      /** The key the called party pressed at the screening prompt; empty when it pressed none. */
      calleePressed?: string;
      /** DTMF sent to the called party after it answered. */
      sentDigits?: string;
      /**
       * What the caller heard while the called party was rung and screened, when it was not a ringing tone: `silence`, or
       * the URL played. Absent for a ringback (the provider's, the carrier's, or callflow's `defaultRingbackUrl`).
       */
      callerHeardWhileRinging?: string;
    }
  | { type: 'reject'; reason: 'busy' | 'rejected' }
  | { type: 'record'; durationSeconds: number; url?: string }
  | { type: 'enqueue'; queue: string; result: 'bridged' | 'timeout' | 'hangup' | 'left' }
  | { type: 'conference'; room: string }
  | { type: 'hangup'; by: 'flow' | 'caller' }
  /** An outbound call was answered (by whom, in the script; the first entry of an answered outbound call). */
  | { type: 'answered'; by: 'human' | 'machine' | 'unknown' }
  /** An outbound call nobody answered: the only entry of its transcript. */
  | { type: 'unanswered'; status: 'busy' | 'no-answer' | 'failed' };

/** What a whole emulated call produced. */
export interface CallTranscript {
  provider: ProviderName;
  entries: TranscriptEntry[];
  /** Who ended the call: the flow (hangup or end of document), the caller (scripted hang-up), or an error. */
  endedBy: 'flow' | 'caller' | 'error';
  /** Webhooks delivered to the application. */
  webhooks: number;
  /** Problems the emulator found in what the application answered (rejected documents, bad status codes). */
  errors: string[];
}

/** The text the caller heard, one line per say, for compact assertions. */
export function spoken(transcript: CallTranscript): string[] {
  return transcript.entries.flatMap((entry) => (entry.type === 'say' ? [entry.text] : []));
}
