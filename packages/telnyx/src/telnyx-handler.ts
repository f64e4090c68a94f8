import {
  CallFlowError,
  createEngine,
  createMemoryStore,
  isCallFlowError,
  jsonReply,
  runEffects,
  silentLogger,
  textReply,
  webHandler,
} from '@callflow/core';
import type { BaseHandlerOptions, CallInfo, CallState, Engine, FetchHandler, Outcome, Reply, Step, Turn, WebhookRequest } from '@callflow/core';
import { commandIdOf, decodeClientState, encodeClientState, type ClientState } from './client-state.js';
import { executeCommands, forgetConference, type ExecutionReport, type TelnyxClient } from './execute-commands.js';
import { parseTelnyxEvent, type ParsedTelnyxEvent, type TelnyxEvent } from './parse-telnyx-event.js';
import { continuationStates, nativeGatherRetries, planCommands, type TelnyxCommand } from './plan-commands.js';
import { telnyxSignatureHeader, telnyxTimestampHeader, verifyTelnyxSignature } from './verify-telnyx-signature.js';

/** Options of the Telnyx handler. */
export interface TelnyxHandlerOptions extends Omit<BaseHandlerOptions, 'publicBaseUrl'> {
  /** Not used for signatures on Telnyx (they cover the body, not the URL); kept for symmetry with the other adapters. */
  publicBaseUrl?: string;
  /** The account's Ed25519 public key (base64), from Mission Control. Required unless `verifySignatures` is false. */
  publicKey?: string;
  /** Sends the commands: the built-in `createCallControlClient({ apiKey })` (no SDK to load), or a telnyx SDK client, `new Telnyx({ apiKey })`. */
  client: TelnyxClient;
  /** Check `telnyx-signature-ed25519`; default true. Turn off only for local experiments. */
  verifySignatures?: boolean;
  /** Seconds a signature timestamp may be off; default 300. */
  signatureToleranceSeconds?: number;
  /**
   * Where to hand the command work so the webhook is answered at once (e.g. a Worker's `ctx.waitUntil`).
   * Default: commands are sent before the 200 goes out, which is safe on serverless.
   */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Retries of a failed command (network, 408, 429, 5xx); default 2. */
  commandRetries?: number;
  /** First retry delay in ms; default 200. */
  retryDelayMs?: number;
  /**
   * Seconds an event being handled stays claimed; a redelivery meanwhile gets 503 (Telnyx tries again later), and
   * after it a redelivery takes over (the instance handling it died). Keep it under the span of Telnyx's redeliveries; default 5.
   */
  eventLeaseSeconds?: number;
}

/** The handler, with its engine for live-call control and tests. */
export type TelnyxHandler = FetchHandler & { engine: Engine };

const dayTtl = { ttlSeconds: 86_400 };
const positionKey = (callId: string) => `telnyx:position:${callId}`;
const endedPrefix = 'ended ';
const handled = 'done';
const handling = 'handling';

/**
 * A call's position in the store. While a turn's commands are being sent, the record also holds the position it moved
 * from and the commands, so a redelivery can finish the work of an instance that died (or lost its store) half-way:
 * the same commands with the same `command_id`s, which Telnyx accepts once.
 */
interface PositionRecord {
  at: string;
  pending?: { from: string; commands: TelnyxCommand[] };
}

// Positions and tokens never contain a newline.
function encodePosition(record: PositionRecord): string {
  return record.pending ? `${record.at}\n${record.pending.from}\n${JSON.stringify(record.pending.commands)}` : record.at;
}

function decodePosition(raw: string): PositionRecord {
  const first = raw.indexOf('\n');
  if (first === -1) return { at: raw };
  const second = raw.indexOf('\n', first + 1);
  return { at: raw.slice(0, first), pending: { from: raw.slice(first + 1, second), commands: JSON.parse(raw.slice(second + 1)) as TelnyxCommand[] } };
}

/**
 * Handles Telnyx Call Control webhooks: verifies the signature, de-duplicates by event id, resumes the flow from
 * the event's `client_state` and sends the next commands through the Call Control client you pass. Answers 200 to every valid
 * event; 403 for a bad signature or forged state, 400 for a malformed body, 503 when the store is unavailable or the
 * event is still being handled elsewhere (Telnyx redelivers it).
 * @example
 * const client = createCallControlClient({ apiKey: process.env.TELNYX_API_KEY! }); // or new Telnyx({ apiKey })
 * const handler = createTelnyxHandler({ flow, secret, publicKey: process.env.TELNYX_PUBLIC_KEY, client });
 * http.createServer(toNodeListener(handler)).listen(3000);
 */
export function createTelnyxHandler(options: TelnyxHandlerOptions): TelnyxHandler {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const store = options.store ?? createMemoryStore({ now });
  const verify = options.verifySignatures ?? true;
  if (verify && !options.publicKey) {
    throw new CallFlowError('signature-mismatch', 'publicKey is required to verify webhooks (or set verifySignatures: false for local experiments)', { provider: 'telnyx' });
  }
  const engine = createEngine(options.flow, {
    secret: options.secret,
    now,
    tokenTtlSeconds: options.tokenTtlSeconds,
    onError: (error, call) => logger.error(`[callflow:telnyx] flow failed; apologising and hanging up: ${error.message}`, { callId: call.callId, node: error.node }),
  });
  const leaseSeconds = options.eventLeaseSeconds ?? 5;
  const execute = (callId: string, commands: TelnyxCommand[]): Promise<ExecutionReport> =>
    executeCommands(callId, commands, { client: options.client, store, logger, retries: options.commandRetries, retryDelayMs: options.retryDelayMs });

  /** Plans a turn, moves the call's position from `expected` to the new one (exactly once), then sends the commands up to the first that waits. */
  async function drive(call: CallInfo, turn: Turn, expected: string | undefined, expectedRaw: string | undefined, plan: { answer?: boolean; stopPlayback?: boolean; seed: string; sequence: number }): Promise<void> {
    await runEffects(turn.effects, options.hooks, logger);
    let commands: TelnyxCommand[];
    try {
      const tokens = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
      const waitNode = turn.wait?.state.node;
      const planned = planCommands(turn, {
        continuations: tokens,
        answer: plan.answer,
        stopPlayback: plan.stopPlayback,
        seed: plan.seed,
        sequence: plan.sequence,
        nativeRetries: waitNode === undefined || typeof engine.flow.nodes[waitNode] !== 'function',
      });
      for (const warning of planned.warnings) logger.warn(`[callflow:telnyx] ${warning}`, { callId: call.callId, node: turn.node });
      commands = planned.output;
    } catch (error) {
      logger.error(`[callflow:telnyx] cannot plan the turn: ${error instanceof Error ? error.message : String(error)}; hanging up`, { callId: call.callId, node: turn.node });
      commands = [...(plan.answer ? [{ action: 'answer', body: {} } as TelnyxCommand] : []), { action: 'hangup', body: { command_id: commandIdOf(call.callId, plan.seed, 0, 'hangup') } }];
    }
    const waitsAt = commands.findIndex((command) => command.resumeOn !== undefined);
    const head = waitsAt === -1 ? commands : commands.slice(0, waitsAt + 1);
    const waiting = waitsAt === -1 ? undefined : head[waitsAt];
    const waitingState = waiting ? decodeClientState(clientStateOf(waiting)) : undefined;
    const next = waitingState ? positionOf(waitingState) : `${endedPrefix}${expected ?? ''}`;
    const record: PositionRecord = { at: next, pending: { from: expected ?? '', commands: head } };
    const raw = encodePosition(record);
    if (!(await store.compareAndSet(positionKey(call.callId), expectedRaw, raw, dayTtl))) {
      logger.info?.('[callflow:telnyx] another delivery already moved this call on; ignoring', { callId: call.callId });
      return;
    }
    await finish(call, raw, record);
  }

  /** Sends a moved position's commands, then drops them from the record (store errors propagate: the event is retried and finishes this). */
  async function finish(call: CallInfo, raw: string, record: PositionRecord): Promise<void> {
    const report = await execute(call.callId, record.pending?.commands ?? []);
    if (report.failed || report.callEnded) await store.set(positionKey(call.callId), `${endedPrefix}${record.at}`, dayTtl);
    // A later event may already have moved the call on: then there is nothing to drop.
    else await store.compareAndSet(positionKey(call.callId), raw, record.at, dayTtl);
  }

  /** A redelivered event whose turn was planned and stored but maybe not fully sent: send it again. True when it was. */
  async function finishUnfinished(call: CallInfo, from: string, raw: string | undefined): Promise<boolean> {
    if (raw === undefined) return false;
    const record = decodePosition(raw);
    if (record.pending?.from !== from) return false;
    logger.warn('[callflow:telnyx] finishing a turn another delivery left half-sent (same command ids)', { callId: call.callId });
    await finish(call, raw, record);
    return true;
  }

  async function start(event: TelnyxEvent): Promise<void> {
    const call: CallInfo = { callId: event.callControlId!, from: event.from, to: event.to, provider: 'telnyx' };
    const raw = await store.get(positionKey(call.callId));
    if (raw !== undefined) {
      // A redelivered call.initiated: finish what its first delivery started, or ignore it.
      await finishUnfinished(call, '', raw);
      return;
    }
    const turn = await engine.start(call);
    await drive(call, turn, undefined, undefined, { answer: true, seed: 'start', sequence: 1 });
  }

  /** `opened` is the verified position, or no state for an authentic token a redeployed flow no longer has (the caller then hears the apology). */
  async function advance(call: CallInfo, clientState: ClientState, outcome: Outcome, opened: { state: CallState | undefined; step: Step | undefined }): Promise<void> {
    const { token } = clientState;
    const current = positionOf(clientState);
    const raw = await store.get(positionKey(call.callId));
    const position = raw === undefined ? undefined : decodePosition(raw).at;
    const ended = position?.startsWith(endedPrefix) ?? false;
    if ((ended ? position!.slice(endedPrefix.length) : position) !== current) {
      if (await finishUnfinished(call, current, raw)) return;
      logger.info?.('[callflow:telnyx] stale or out-of-order event ignored', { callId: call.callId, outcome: outcome.type });
      return;
    }
    let reported = outcome;
    if (opened.state && opened.step?.type === 'gather' && (outcome.type === 'digits' || outcome.type === 'no-input')) {
      const native = nativeGatherRetries(opened.step, opened.state, engine.flow.defaults);
      // provider: Telnyx re-asks natively up to maximum_tries; an invalid/timeout result means all of them were used.
      if (native) reported = { ...outcome, attemptsUsed: native.maximumTries };
    }
    let turn: Turn;
    try {
      turn = opened.state ? await engine.resumeAt({ state: opened.state }, reported, call) : await engine.resume(token, reported, call);
    } catch (error) {
      if (isCallFlowError(error, 'unexpected-outcome')) {
        logger.info?.(`[callflow:telnyx] ${error.message}; ignored`, { callId: call.callId });
        return;
      }
      throw error;
    }
    if (ended || outcome.type === 'hangup') {
      // The leg is gone: run hooks (a voicemail saved after hang-up still notifies), send nothing.
      await runEffects(turn.effects, options.hooks, logger);
      if (!ended) await store.compareAndSet(positionKey(call.callId), raw, `${endedPrefix}${current}`, dayTtl);
      return;
    }
    if (outcome.type === 'dial' && outcome.status === 'completed' && turn.ended && turn.steps.length === 0 && opened.step?.type === 'transfer' && opened.step.then === undefined) {
      // provider: without park_after_unbridge Telnyx hangs the caller's leg up itself when the bridge ends.
      await runEffects(turn.effects, options.hooks, logger);
      await store.compareAndSet(positionKey(call.callId), raw, `${endedPrefix}${current}`, dayTtl);
      return;
    }
    await drive(call, turn, current, raw, { seed: current, sequence: clientState.sequence + 1, stopPlayback: opened.state?.kind === 'enqueue' });
  }

  async function pressed(call: CallInfo, clientState: ClientState, digit: string, opened: { state: CallState; step: Step | undefined }): Promise<void> {
    const { token, sequence } = clientState;
    const current = positionOf(clientState);
    const raw = await store.get(positionKey(call.callId));
    if (raw === undefined || decodePosition(raw).at !== current) return;
    const step = opened.step;
    if (step?.type === 'record') {
      const finishOnKey = step.finishOnKey ?? '#';
      // provider: Telnyx recordings have no end-on-key; stop on the key ourselves.
      if (finishOnKey !== '' && finishOnKey.includes(digit)) await execute(call.callId, [{ action: 'record_stop', body: { command_id: commandIdOf(call.callId, current, 0, 'record_stop') } }]);
    } else if (step?.type === 'enqueue' && step.escape?.digit === digit) {
      await execute(call.callId, [{ action: 'leave_queue', body: { client_state: encodeClientState({ kind: 'left-queue', digit, sequence, token }), command_id: commandIdOf(call.callId, current, 0, 'leave_queue') } }]);
    }
  }

  /** Decides what an event means; refusals are returned now, the call work is returned to run. */
  async function prepare(parsed: ParsedTelnyxEvent): Promise<Reply | (() => Promise<void>)> {
    const { event, outcome } = parsed;
    if (event.type === 'conference.ended') {
      const conferenceId = typeof event.payload.conference_id === 'string' ? event.payload.conference_id : undefined;
      return async () => {
        if (conferenceId) await forgetConference(store, conferenceId);
      };
    }
    if (event.type === 'call.initiated' && event.direction !== 'outgoing' && event.clientState === undefined) {
      if (!event.callControlId) return textReply(400, '[callflow:telnyx] call.initiated without call_control_id');
      return () => start(event);
    }
    const state = event.clientState;
    if (!state || !event.callControlId) return jsonReply({ ok: true, ignored: 'no callflow state' });
    const call: CallInfo =
      state.kind === 'peer' ? { callId: state.callControlId, provider: 'telnyx' } : { callId: event.callControlId, from: event.from, to: event.to, provider: 'telnyx' };
    let opened: { state: CallState; step: Step | undefined };
    try {
      opened = await engine.inspect(state.token, call);
    } catch (error) {
      if (isCallFlowError(error, 'invalid-token') && error.reason === 'unknown-position' && outcome && (state.kind !== 'peer' || outcome.type === 'dial')) {
        // An authentic client_state from before a redeploy: the caller hears the apology and the call ends, no 403.
        logger.warn(`[callflow:telnyx] ${error.message}`, { callId: call.callId, reason: error.reason, event: event.type });
        return () => advance(call, state, outcome, { state: undefined, step: undefined });
      }
      if (isCallFlowError(error, 'invalid-token')) {
        logger.warn(`[callflow:telnyx] ${error.message}`, { callId: call.callId, reason: error.reason, event: event.type });
        return textReply(403, `[callflow:telnyx] invalid client_state token (${error.reason ?? 'refused'})`);
      }
      throw error;
    }
    if (event.type === 'call.dtmf.received' && state.kind === 'position' && typeof event.payload.digit === 'string') {
      const digit = event.payload.digit;
      return () => pressed(call, state, digit, opened);
    }
    if (!outcome) return jsonReply({ ok: true, ignored: event.type });
    // A far leg only matters when it ends; the caller's leg only through its own state.
    if (state.kind === 'peer' && outcome.type !== 'dial') return jsonReply({ ok: true, ignored: event.type });
    return () => advance(call, state, outcome, opened);
  }

  const handle = async (request: WebhookRequest): Promise<Reply> => {
    let claimedKey: string | undefined;
    try {
      if (request.method !== 'POST') return textReply(405, '[callflow:telnyx] webhooks are POST');
      const rawBody = await request.text();
      if (verify) {
        const check = await verifyTelnyxSignature({
          publicKey: options.publicKey!,
          signature: request.headers.get(telnyxSignatureHeader),
          timestamp: request.headers.get(telnyxTimestampHeader),
          rawBody,
          toleranceSeconds: options.signatureToleranceSeconds,
          now,
        });
        if (!check.ok) {
          logger.warn(`[callflow:telnyx] webhook signature refused: ${check.message}`, { reason: check.reason });
          return textReply(403, `[callflow:telnyx] signature refused (${check.reason})`);
        }
      }
      let parsed: ParsedTelnyxEvent;
      try {
        parsed = parseTelnyxEvent(rawBody);
      } catch (error) {
        return textReply(400, error instanceof Error ? error.message : '[callflow:telnyx] malformed event');
      }
      const eventKey = `telnyx:event:${parsed.event.id}`;
      // Claimed for a lease while handled, then for a day: a redelivery meanwhile is asked to come back (503), since
      // the instance handling it may die; after the lease it takes over.
      if (!(await store.compareAndSet(eventKey, undefined, handling, { ttlSeconds: leaseSeconds }))) {
        if ((await store.get(eventKey)) === handling) return textReply(503, '[callflow:telnyx] this event is being handled; try again');
        return jsonReply({ ok: true, ignored: 'duplicate' });
      }
      claimedKey = eventKey;
      const prepared = await prepare(parsed);
      if (typeof prepared !== 'function') {
        await store.set(eventKey, handled, dayTtl);
        return prepared;
      }
      let storeFailure: CallFlowError | undefined;
      const work = prepared()
        .then(() => store.set(eventKey, handled, dayTtl))
        .catch(async (error: unknown) => {
          if (isCallFlowError(error, 'store-unavailable')) {
            storeFailure = error;
            // Free the event id (if the store lets us; else the lease runs out) so the redelivery finishes the work.
            await store.delete(eventKey).catch(() => undefined);
          } else {
            await store.set(eventKey, handled, dayTtl).catch(() => undefined);
          }
          logger.error(`[callflow:telnyx] handling ${parsed.event.type} failed: ${error instanceof Error ? error.message : String(error)}`, { callId: parsed.event.callControlId });
        });
      if (options.waitUntil) {
        options.waitUntil(work);
        return jsonReply({ ok: true });
      }
      await work;
      if (storeFailure) return textReply(503, '[callflow:telnyx] store unavailable; try again');
      return jsonReply({ ok: true });
    } catch (error) {
      // Store or crypto trouble before anything was sent: free the event id so Telnyx's redelivery is handled.
      if (claimedKey) await store.delete(claimedKey).catch(() => undefined);
      logger.error(`[callflow:telnyx] webhook failed: ${error instanceof Error ? error.message : String(error)}`);
      return textReply(503, '[callflow:telnyx] temporarily unavailable');
    }
  };
  return webHandler(handle, { engine });
}

function positionOf(state: ClientState): string {
  return `${state.sequence} ${state.token}`;
}

function clientStateOf(command: TelnyxCommand): string | undefined {
  if (command.action === 'conference_join_or_create') return command.body.create.client_state;
  return 'client_state' in command.body ? command.body.client_state : undefined;
}
