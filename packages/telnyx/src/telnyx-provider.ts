import {
  CallFlowError,
  isCallFlowError,
  type CallEventReport,
  type CallInfo,
  type CallPosition,
  type Provider,
  type ProviderHandlerOptions,
  type RawWebhook,
  type WebhookEvent,
} from '@callflow/core';
import { commandIdOf, type ClientState } from './client-state.js';
import { dialStatusOf, type TelnyxEvent } from './parse-telnyx-event.js';
import { forgetConference, type TelnyxClient } from './execute-commands.js';
import { isInterimTranscription, parseTelnyxEvent } from './parse-telnyx-event.js';
import {
  continuationStates,
  dialsFarLeg,
  loadTelnyxPlanning,
  nativeGatherRetries,
  planCommands,
  type PlanCommandsOptions,
  type TelnyxCommand,
} from './plan-commands.js';
import { telnyxCapabilities } from './telnyx-capabilities.js';
import { telnyxFeatures } from './telnyx-features.js';
import { createTelnyxDelivery, telnyxPositionKey, type TelnyxHandle } from './telnyx-delivery.js';
import { checkTelnyxSignature, telnyxSignatureHeader, telnyxTimestampHeader } from './verify-telnyx-signature.js';

/** How long callflow waits for the final transcription once the caller has started speaking. */
const _speechWatchdogMillis = 60_000;

/** Options of the Telnyx handler. */
export interface TelnyxHandlerOptions extends ProviderHandlerOptions {
  /** Not used for signatures on Telnyx (they cover the body, not the URL); checked when given. */
  publicBaseUrl?: string;
  /** The account's Ed25519 public key (base64, 32 bytes), from Mission Control. Required unless `verifySignatures` is false. */
  publicKey?: string;
  /**
   * The Call Control application (connection) id: a screened or spoken-whisper transfer dials the called party itself
   * (`calls.dial` needs it) and bridges it once accepted.
   */
  connectionId?: string;
  /** Sends the commands: the built-in `createCallControlClient({ apiKey })` (no SDK to load), or a telnyx SDK client, `new Telnyx({ apiKey })`. */
  client: TelnyxClient;
  /** Seconds a signature timestamp may be off; default 300. */
  signatureToleranceSeconds?: number;
  /**
   * Where to hand the command work so the webhook is answered at once (e.g. a Worker's `ctx.waitUntil`).
   * Default: commands are sent before the 200 goes out, which is safe on serverless.
   */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Most retries of a failed command (network, timeout, 408, 429, 5xx); default 10, within `commandRetryBudgetMs`. */
  commandRetries?: number;
  /** First retry delay in ms; doubles each retry up to 2,000; default 200. */
  retryDelayMs?: number;
  /**
   * Milliseconds one command is retried before the event is answered 503 for Telnyx to redeliver (the same command
   * ids are sent again then); default 4,000, or 50,000 with `waitUntil` (answered already, no redelivery to wait for).
   */
  commandRetryBudgetMs?: number;
  /**
   * Seconds an event being handled stays claimed; a redelivery meanwhile gets 503 (Telnyx tries again later), and
   * after it a redelivery takes over (the instance handling it died). Keep it under the span of Telnyx's redeliveries; default 5.
   */
  eventLeaseSeconds?: number;
}

/** What a Telnyx handler carries beside the function: nothing but the engine every handler has. */
export type TelnyxExtras = Record<never, never>;

function publicKeyProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '')
    return 'is required to verify webhooks (the Ed25519 public key from Mission Control); set verifySignatures: false only for local experiments';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value.trim())) return 'must be base64 (the Ed25519 public key from Mission Control)';
  let length: number;
  try {
    length = atob(value.trim()).length;
  } catch {
    return 'must be base64 (the Ed25519 public key from Mission Control)';
  }
  // provider: Telnyx's key is a raw 32-byte Ed25519 key, https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks
  if (length !== 32) return `must decode to a 32-byte Ed25519 key (it decodes to ${length} bytes)`;
  return undefined;
}

/**
 * A `call.hangup` as a lifecycle report: the cause as a status (a leg that never answered: busy, no-answer), and the
 * seconds from `start_time` to the event (provider: telnyx SDK resources/webhooks.d.ts `CallHangup.Payload`).
 */
function hangupReport(event: TelnyxEvent): Extract<CallEventReport, { type: 'ended' }> {
  const cause = typeof event.payload.hangup_cause === 'string' ? event.payload.hangup_cause : undefined;
  const report: Extract<CallEventReport, { type: 'ended' }> = {
    type: 'ended',
    status: cause === undefined ? 'completed' : dialStatusOf(cause),
  };
  if (cause !== undefined) report.cause = cause;
  const started = Date.parse(typeof event.payload.start_time === 'string' ? event.payload.start_time : '');
  const ended = Date.parse(event.occurredAt ?? '');
  if (Number.isFinite(started) && Number.isFinite(ended)) report.durationSeconds = Math.max(0, Math.round((ended - started) / 1000));
  return report;
}

/**
 * Telnyx on the provider seam: Call Control commands sent through the executor, Ed25519 signatures over the raw body,
 * events de-duplicated by id and each call's position kept in the store (deliveries are at-least-once and unordered).
 */
export const telnyxProvider: Provider<TelnyxHandlerOptions, TelnyxCommand[], TelnyxExtras, TelnyxHandle> = {
  name: 'telnyx',
  capabilities: telnyxCapabilities,
  needsPublicBaseUrl: false,
  checkOptions(options) {
    const problems = [];
    if (!(options.verifySignatures === false && (options.publicKey === undefined || options.publicKey === ''))) {
      const problem = publicKeyProblem(options.publicKey);
      if (problem) problems.push({ option: 'publicKey', message: problem });
    }
    const client = options.client as Partial<TelnyxClient> | undefined;
    if (!client || typeof client.calls?.actions !== 'object')
      problems.push({ option: 'client', message: 'is required: createCallControlClient({ apiKey }) or new Telnyx({ apiKey })' });
    return problems;
  },
  create({ options, engine, store, logger, now, callEvents }) {
    const delivery = createTelnyxDelivery({
      client: options.client,
      store,
      logger,
      commandRetries: options.commandRetries,
      retryDelayMs: options.retryDelayMs,
      retryBudgetMs: options.commandRetryBudgetMs,
      leaseSeconds: options.eventLeaseSeconds ?? 5,
      waitUntil: options.waitUntil,
      // Only flows with a dialled transfer (static nodes only: see dialCommands in telnyx-wait-commands.ts) pay the store write.
      remembersCaller: Object.values(engine.flow.nodes).some(
        (steps) => typeof steps !== 'function' && steps.some((step) => step.type === 'transfer' && dialsFarLeg(step)),
      ),
      async samePosition(token, position, call) {
        try {
          const recorded = await engine.inspect(token, call);
          return JSON.stringify(recorded.state) === JSON.stringify(position.state);
        } catch {
          return false;
        }
      },
      refusedTransferCommands: (...args) => features.transfer.get().then((transfer) => transfer.refusedTransferCommands(...args)),
      async apologyCommands(call, reason, planning) {
        const turn = engine.apology(call, new CallFlowError('provider-request-failed', reason, { provider: 'telnyx' }));
        // The flow's language, if it has one, is the planning chunk's (a failure may be this process's first event).
        await loadTelnyxPlanning();
        const continuations = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
        return planCommands(turn, { ...planning, continuations }).output;
      },
    });

    /** A key press at a position: Telnyx recordings and queues have no end-on-key, so callflow sends the stop itself. */
    async function pressed(call: CallInfo, clientState: ClientState, digit: string, position: CallPosition): Promise<void> {
      const step = position.step;
      if (step?.type === 'record') await (await features.record.get()).pressed(call, clientState, digit, step);
      else if (step?.type === 'enqueue' && step.escape) await (await features.hold.get()).pressed(call, clientState, digit, step);
    }

    /**
     * A caller whose conference step has `endOnExit` left the room: everyone else leaves it too and goes on with their
     * flow, as on Twilio (endConferenceOnExit) and Vonage (endOnExit), instead of being hung up as join's
     * end_conference_on_exit would.
     */
    async function endedOnExit(call: CallInfo, clientState: ClientState, conferenceId: string): Promise<void> {
      const current = `${clientState.sequence} ${clientState.token}`;
      await delivery.execute(call.callId, [
        {
          action: 'conference_leave_others',
          body: { conference_id: conferenceId, command_id: commandIdOf(call.callId, current, 0, 'conference_leave_others') },
        },
      ]);
    }

    /** Whether the call still stands at this position (a stale hold event must not start music after the caller left the queue). */
    async function standsAt(call: CallInfo, current: string): Promise<boolean> {
      const raw = await store.get(telnyxPositionKey(call.callId));
      return raw !== undefined && raw.split('\n')[0] === current;
    }

    const features = telnyxFeatures({ options, engine, store, logger, callEvents, delivery, standsAt, hangupReport });

    function parse(webhook: RawWebhook): WebhookEvent<TelnyxCommand[]> | Promise<WebhookEvent<TelnyxCommand[]>> {
      if (webhook.method !== 'POST') return { type: 'refuse', reason: 'wrong-method', message: 'webhooks are POST' };
      let parsed: ReturnType<typeof parseTelnyxEvent>;
      try {
        parsed = parseTelnyxEvent(webhook.text);
      } catch (error) {
        // An event only some calls bring, where reading it is the planning chunk's (a Worker): read again once it loaded.
        if (isCallFlowError(error, 'missing-package')) return loadTelnyxPlanning().then(() => parse(webhook));
        throw error;
      }
      const { event, outcome } = parsed;
      if (event.type === 'conference.ended') {
        const conferenceId = typeof event.payload.conference_id === 'string' ? event.payload.conference_id : undefined;
        return {
          type: 'status',
          deliveryId: event.id,
          apply: async () => void (conferenceId ? await forgetConference(store, conferenceId) : undefined),
        };
      }
      if (event.type === 'call.initiated' && event.direction !== 'outgoing' && event.clientState === undefined) {
        if (!event.callControlId)
          throw new CallFlowError('invalid-webhook', 'call.initiated without call_control_id', { provider: 'telnyx' });
        return {
          type: 'start',
          deliveryId: event.id,
          call: { callId: event.callControlId, from: event.from, to: event.to, provider: 'telnyx' },
        };
      }
      const state = event.clientState;
      if (!state || !event.callControlId) return { type: 'ignore', reason: 'no callflow state' };
      if (state.kind === 'outbound') {
        const outbound = features.outbound.loaded;
        return outbound
          ? outbound.outboundEvent(event, state)
          : features.outbound.get().then((loaded) => loaded.outboundEvent(event, state));
      }
      if (state.kind === 'far') {
        const transfer = features.transfer.loaded;
        return transfer ? transfer.farLegEvent(event, state) : features.transfer.get().then((loaded) => loaded.farLegEvent(event, state));
      }
      const call: CallInfo =
        state.kind === 'peer'
          ? { callId: state.callControlId, provider: 'telnyx' }
          : { callId: event.callControlId, from: event.from, to: event.to, provider: 'telnyx' };
      const callEvent = event.type === 'call.hangup' && state.kind === 'position' ? hangupReport(event) : undefined;
      const base = {
        type: 'outcome' as const,
        call,
        token: state.token,
        deliveryId: event.id,
        position: `${state.sequence} ${state.token}`,
        // Always present (undefined but on a hang-up): one shape for every event, which the spreads below copy fast.
        callEvent,
      };
      const answer = positionEvent(event, state, call, base, outcome);
      if (event.type === 'call.hangup' && (state.kind === 'position' || state.kind === 'hold') && answer.type === 'outcome') {
        return {
          ...answer,
          outcome: async (position) => {
            // provider: the docs do not say a leg dialled with link_to ends with the linked call (docs/providers/telnyx.md).
            if (position?.step?.type === 'transfer' && dialsFarLeg(position.step))
              await (await features.transfer.get()).callerLeftTransfer(call, state);
            return typeof answer.outcome === 'function' ? answer.outcome(position) : answer.outcome;
          },
        };
      }
      // A transcription or silent gather at a recording is its silence timer (the record chunk; see recordCommands in
      // telnyx-wait-commands.ts).
      if (
        state.kind !== 'position' ||
        answer.type !== 'outcome' ||
        (event.type !== 'call.transcription' && event.type !== 'call.gather.ended')
      )
        return answer;
      return {
        ...answer,
        outcome: (position) =>
          position?.step?.type === 'record' && position.state.kind === 'record'
            ? features.record.get().then((record) => record.recordEvent(call, state, position, event, answer.outcome))
            : typeof answer.outcome === 'function'
              ? answer.outcome(position)
              : answer.outcome,
      };
    }

    /** The outcome event of one of the call's own events, by what it reports (the recording's silence timer aside). */
    function positionEvent(
      event: TelnyxEvent,
      state: ClientState,
      call: CallInfo,
      base: Omit<Extract<WebhookEvent<TelnyxCommand[]>, { type: 'outcome' }>, 'outcome'>,
      outcome: ReturnType<typeof parseTelnyxEvent>['outcome'],
    ): WebhookEvent<TelnyxCommand[]> {
      // The hold loop's breaks: the start of the wait, and the end of each play of the music (the hold chunk).
      if ((event.type === 'call.enqueued' && state.kind === 'position') || (state.kind === 'hold' && event.type === 'call.playback.ended'))
        return { ...base, outcome: async (position) => (await features.hold.get()).holdEvent(call, state, position, event) };
      if (
        event.type === 'call.dtmf.received' &&
        (state.kind === 'position' || state.kind === 'hold') &&
        typeof event.payload.digit === 'string'
      ) {
        const digit = event.payload.digit;
        return {
          ...base,
          outcome: async (position) => {
            if (position) await pressed(call, state, digit, position);
            return { done: 'key press' };
          },
        };
      }
      const conferenceId = typeof event.payload.conference_id === 'string' ? event.payload.conference_id : undefined;
      if (event.type === 'conference.participant.left' && state.kind === 'position' && outcome && conferenceId) {
        return {
          ...base,
          outcome: async (position) => {
            // Also when this caller hung up (the event is then stale for the flow): the others must still leave.
            if (position?.step?.type === 'conference' && position.step.endOnExit) await endedOnExit(call, state, conferenceId);
            return outcome;
          },
        };
      }
      if (isInterimTranscription(event) && state.kind === 'position') {
        return {
          ...base,
          outcome: async (position) => {
            if (position) await (await features.speech.get()).speaking(call, state, position);
            return { done: 'interim transcription' };
          },
        };
      }
      // A far leg only matters when it ends; the caller's leg only through its own state; the hold music only through its breaks.
      if (
        !outcome ||
        (state.kind === 'peer' && outcome.type !== 'dial') ||
        (state.kind === 'hold' && outcome.type !== 'queue' && outcome.type !== 'hangup')
      )
        return { ...base, outcome: () => ({ done: event.type }) };
      return {
        ...base,
        // Synchronous but for a key at a speech-only gather: most events resume the flow without a promise here.
        outcome: (position) => {
          if (
            position?.step?.type === 'gather' &&
            position.step.input === 'speech' &&
            outcome.type === 'digits' &&
            state.kind === 'position'
          ) {
            const step = position.step;
            return features.speech
              .get()
              .then((speech) => speech.keyIgnored(call, state, step, event.id))
              .then(() => ({ done: 'key ignored by a speech-only gather' }));
          }
          if (position?.step?.type === 'gather' && (outcome.type === 'digits' || outcome.type === 'no-input')) {
            const native = nativeGatherRetries(position.step, position.state, engine.flow.defaults);
            // provider: Telnyx re-asks natively up to maximum_tries; an invalid/timeout result means all of them were used.
            if (native) return { ...outcome, attemptsUsed: native.maximumTries };
          }
          return outcome;
        },
      };
    }

    return {
      verify(webhook) {
        // Synchronous on Node (node:crypto): no promise for the check the pipeline waits on. A check is a verdict.
        return checkTelnyxSignature({
          publicKey: options.publicKey!,
          signature: webhook.headers.get(telnyxSignatureHeader),
          timestamp: webhook.headers.get(telnyxTimestampHeader),
          rawBody: webhook.bytes,
          toleranceSeconds: options.signatureToleranceSeconds,
          now,
        });
      },
      parse,
      continuationStates,
      render(turn, input) {
        const planning = (input.prepared ?? {}) as Pick<
          PlanCommandsOptions,
          'answer' | 'stopPlayback' | 'stopListening' | 'seed' | 'sequence' | 'callerNumber'
        >;
        const waitNode = turn.wait?.state.node;
        const dynamicNode = waitNode !== undefined && typeof engine.flow.nodes[waitNode] === 'function';
        // Every option named (no spread of the planning, whose shape varies by event): one object shape, built fast.
        return planCommands(turn, {
          continuations: input.continuations,
          answer: planning.answer,
          stopPlayback: planning.stopPlayback,
          stopListening: planning.stopListening,
          seed: planning.seed,
          sequence: planning.sequence,
          callerNumber: planning.callerNumber,
          nativeRetries: !dynamicNode,
          dynamicNode,
          connectionId: options.connectionId,
        });
      },
      deliver: delivery,
    };
  },
};
