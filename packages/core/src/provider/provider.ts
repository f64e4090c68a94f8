import type { Capabilities, Logger, Rendered } from '../engine/adapter.js';
import type { CallPosition, Engine } from '../engine/create-engine.js';
import type { CallInfo, Outcome, Turn } from '../engine/types.js';
import type { BaseHandlerOptions } from '../http/handler-options.js';
import type { Reply } from '../http/reply.js';
import type { Store, StoreWrite } from '../store/store.js';
import type { CallState } from '../token/call-token.js';
import type { AnsweredBy, CallEventHook, CallEventReport, CallEvents } from './call-events.js';
import type { OutboundStart } from './outbound-start.js';
import type { PositionClaim, ReplyOnce } from './reply-once.js';

/** The answer webhook of an outbound call placed by `startCall`: its signed start, and what machine detection said. */
export interface OutboundAnswer extends OutboundStart {
  /** Who answered, once the provider has said (calls placed with machine detection). */
  answeredBy?: AnsweredBy;
  /** Detection is still running: start the human route now; `call-answered` waits for the result (Vonage). */
  detectionPending?: boolean;
  /** The call already runs the human route: move it (`moveLiveCall`) when the result routes elsewhere (Vonage's detection event). */
  liveCall?: boolean;
}

/** A webhook as the pipeline hands it to a provider: read within the limits, the URL parsed, nothing else decided. */
export interface RawWebhook {
  /** Upper case. */
  readonly method: string;
  /** The URL the request arrived at (host from the Host header); signatures use the configured public URL instead. */
  readonly url: URL;
  readonly headers: { get(name: string): string | null; has(name: string): boolean };
  /** The body exactly as received (empty for GET and HEAD). */
  readonly bytes: Uint8Array;
  /** The body decoded as UTF-8. */
  readonly text: string;
}

/**
 * What a signature check decided; `reason` is short and safe to log (never the signature or a secret). `release`
 * undoes what the check recorded (a JWT `jti` marked seen): the pipeline calls it when it answers 5xx, since the
 * provider's retry of that request is then expected and must not be refused as a replay.
 */
export type Verdict = { ok: true; release?: () => Promise<void> } | { ok: false; reason: string; message: string };

/**
 * The `reason` of a `CallFlowError` thrown for a failure a redelivery can fix (a provider API still failing after the
 * retries the delivery allows): the pipeline answers 503 and frees the event, so the provider's retry does the work.
 */
export const retryLaterReason = 'retry-later';

/** What a provider says about an outcome event once the pipeline has verified the position it answers. */
export type PositionAnswer<Output> =
  /** Resume the flow with this outcome. */
  | Outcome
  /** Answer with this output without moving the call (Twilio's queue wait URL, Vonage's caller back on hold). */
  | { answer: Output }
  /** Nothing to resume: the event was handled at this position, or means nothing there; acknowledged. */
  | { done: string };

/** A webhook in provider-neutral words: what the pipeline must do with it. */
export type WebhookEvent<Output> =
  /** A new call: run the flow from its start. */
  | {
      type: 'start';
      call: CallInfo;
      /** Identifies this delivery: a repeat is answered as the first was (reply providers) or acknowledged (command providers). */
      deliveryId?: string;
      /** Set for an outbound call placed by `startCall`: the flow runs from its signed start instead of `flow.start`. */
      outbound?: OutboundAnswer;
    }
  /** The provider reports on the position in `token`. */
  | {
      type: 'outcome';
      call: CallInfo;
      token: string;
      /** The outcome, or how to tell it from the verified position (`undefined` for an authentic token a redeploy orphaned). */
      outcome: Outcome | ((position: CallPosition | undefined) => PositionAnswer<Output> | Promise<PositionAnswer<Output>>);
      deliveryId?: string;
      /** The call's position this event answers, as the delivery tracks it; default the token. */
      position?: string;
      /** Run the turn's hooks only: the provider does not expect the next turn from this webhook (Vonage's record event). */
      effectsOnly?: boolean;
      /** A store key claimed before the turn's hooks run, so they run once across deliveries that share it. */
      hooksOnce?: string;
      /** A lifecycle report the same webhook carries (Telnyx's call.hangup ends the call and answers its position). */
      callEvent?: CallEventReport;
      /** The position, claimed already in the signature check's store step (`ReplyOnce.claim`); the pipeline does not claim it again. */
      positionClaim?: PositionClaim;
    }
  /** A status report (call ended, conference over): its side effects, then acknowledged. */
  | {
      type: 'status';
      callId?: string;
      apply?: () => Promise<void>;
      note?: string;
      deliveryId?: string /** A lifecycle report (call started, ended) for `onCallEvent`. */;
      callEvent?: CallEventReport;
    }
  /** Nothing for callflow to do (another application's event, a progress report). */
  | { type: 'ignore'; reason: string }
  /** A request this endpoint does not serve: an unknown path (404), a wrong method (405), a callback without its token (400). */
  | { type: 'refuse'; reason: RefusalReason; message: string };

/** Why a provider refuses a request it was not meant to get; the pipeline maps each to its status. */
export type RefusalReason = 'unknown-path' | 'wrong-method' | 'missing-token';

/** What the pipeline gives a provider when a handler is created. */
export interface ProviderContext<Options, Output = unknown> {
  /** The handler options, checked. */
  options: Options;
  engine: Engine;
  store: Store;
  /** Writes through the handler's logger, with secrets and tokens removed. */
  logger: Logger;
  now: () => number;
  /** The handler's lifecycle reporter, for a turn a provider resumes without an event (each report still once per call). */
  callEvents: CallEvents;
  /**
   * Plays a turn outside a webhook (moving a live call): hooks, `prepare`, render, and the call's new position
   * recorded when the delivery tracks positions. Returns the document.
   */
  playTurn(turn: Turn): Promise<Output>;
}

/** How the turn reaches the provider when the answer to the webhook is a document (TwiML, NCCO). */
export interface ReplyDelivery<Output> {
  kind: 'reply';
  /** The document as the bytes of the reply (kept to answer a repeated delivery). */
  serialize(output: Output): string;
  /** The reply carrying a serialised document. */
  reply(document: string): Reply;
  /** The reply to a webhook that needs nothing from callflow (a status report, an ignored event). */
  acknowledge(): Reply;
  /**
   * Each call's position in the store (`createReplyOnce(store, name, logger)`, made by the provider, which may claim
   * positions itself in its signature check), so a repeated delivery gets the same document back and a late one (for
   * a position the call has left) is acknowledged without acting; events opt in with `deliveryId`. A provider without
   * it keeps no position (a stateless protocol), and its handler does not load the code that keeps them.
   */
  once?: ReplyOnce;
}

/** How the turn reaches the provider when it is sent as commands (Telnyx Call Control), with the call's position kept beside. */
export interface CommandDelivery<Output, Handle> {
  kind: 'commands';
  /** The reply once the commands went out, or for an event with nothing to do. */
  acknowledge(note?: string): Reply;
  /**
   * Reads the call's position before the engine runs: a handle to send with, or `stale` when the call has moved
   * on (the event is acknowledged and not acted on).
   */
  open(
    event: Extract<WebhookEvent<Output>, { type: 'start' | 'outcome' }>,
    outcome: Outcome | undefined,
    position: CallPosition | undefined,
    read?: Array<string | undefined>,
  ): Promise<Handle | 'stale'>;
  /**
   * The store keys `open` reads for a call: read in the same store step as the delivery's claim (one round trip on Redis),
   * their values reach `open` as `read`, in order (absent when the delivery was not claimed, e.g. an event without an id).
   */
  stateKeys?(callId: string): string[];
  /**
   * Moves the call's position once and sends the turn; `render` runs the provider's pure renderer for this turn,
   * `planning` reaching it as `prepared` (what only the delivery knows: answer first, command ids' seed). `done` is the
   * delivery's done marker: a delivery that writes it in its own last store step (one round trip fewer) answers `done`.
   */
  send(
    handle: Handle,
    turn: Turn,
    render: (planning: unknown) => Promise<Rendered<Output>>,
    done?: StoreWrite,
  ): Promise<'done' | undefined>;
  /** Where to run the work so the webhook is answered at once (a Worker's `waitUntil`); default: before answering. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Seconds a delivery being handled stays claimed; a repeat meanwhile gets 503 (the provider redelivers later). */
  leaseSeconds: number;
}

/** Extra context a renderer needs that only the delivery knows (Vonage's queue position, Telnyx's continuation tokens). */
export interface RenderInput {
  /** Signed tokens for `continuationStates(turn)`, in order, when the provider asks for them. */
  continuations: string[];
}

/** One provider's side of the seam, built per handler from its options. */
export interface ProviderInstance<Output, Extras extends object, Handle = unknown> {
  /** Checks the webhook's signature on the raw request; runs before the body is parsed. */
  verify(webhook: RawWebhook): Verdict | Promise<Verdict>;
  /** Reads a verified webhook into a neutral event; throws `invalid-webhook` for a malformed one (400). */
  parse(webhook: RawWebhook): WebhookEvent<Output> | Promise<WebhookEvent<Output>>;
  /** States the provider needs signed before rendering (Telnyx's one token per played step). */
  continuationStates?(turn: Turn): CallState[];
  /** Translates a turn into the provider's document or commands. Pure apart from what `prepare` supplied. */
  render(turn: Turn, input: RenderInput & { prepared?: unknown }): Rendered<Output>;
  /** Work a turn needs before it is rendered, e.g. joining an emulated queue; its result reaches `render` as `prepared`. */
  prepare?(turn: Turn): Promise<unknown>;
  deliver: ReplyDelivery<Output> | CommandDelivery<Output, Handle>;
  /** Moves a live call to a rendered turn outside its webhook replies (Vonage's REST transfer, for a detection result). */
  moveLiveCall?(call: CallInfo, output: Output): Promise<void>;
  /** What the handler carries beside the function (engine, queue control, live-call helpers). */
  extras?: Extras;
}

/** A problem with a handler option, found at creation. */
export interface OptionProblem {
  option: string;
  message: string;
}

/**
 * A provider: its name, what it can do, the options it checks, and a factory for its per-handler parts. The
 * pipeline (`createWebhookHandler`) does everything else.
 * @example export const twilioProvider: Provider<TwilioHandlerOptions, string, TwilioExtras> = { name: 'twilio', capabilities, checkOptions, create };
 */
export interface Provider<Options extends ProviderHandlerOptions, Output, Extras extends object = object, Handle = unknown> {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Whether `publicBaseUrl` must be set (providers that sign or call back to a URL); default true. */
  readonly needsPublicBaseUrl?: boolean;
  /** The problems with this provider's own options (credentials, keys); the pipeline checks the common ones. */
  checkOptions(options: Options): OptionProblem[];
  /** Strings from the options that must never reach a log line (auth tokens, signature secrets). */
  secretsOf?(options: Options): readonly string[];
  create(context: ProviderContext<Options, Output>): ProviderInstance<Output, Extras, Handle>;
}

/** The options every provider's handler takes, plus the pipeline's own limits. */
export interface ProviderHandlerOptions extends Omit<BaseHandlerOptions, 'publicBaseUrl'> {
  publicBaseUrl?: string;
  /** Check webhook signatures; default true. `false` is the explicit switch for local experiments only. */
  verifySignatures?: boolean;
  /** Largest body accepted, in bytes; default 65,536 (provider webhooks are a few KB). Larger is a 413. */
  maxBodyBytes?: number;
  /** Most fields accepted in a form body; default 1,000 (Twilio sends about 30). More is a 413, checked before anything is parsed. */
  maxFormFields?: number;
  /** Lifecycle events (call started, answered, ended, transfer leg ended), once each, the same on every provider. */
  onCallEvent?: CallEventHook;
}
