import type { CallInfo, CallPosition, CommandDelivery, Logger, Outcome, Rendered, Store, StoreWrite } from '@callflow/core';
import { CallFlowError, claimKey, jsonReply, loadOnce, retryLaterReason, setMany } from '@callflow/core';
import { commandIdOf, decodeClientState } from './client-state.js';
import { executeCommands, type ExecutionReport, type TelnyxClient } from './execute-commands.js';
import {
  dialsFarLeg,
  loadTelnyxPlanning,
  recordSilenceSeconds,
  telnyxPlanningLoaded,
  turnNeedsTelnyxPlanning,
  type PlanCommandsOptions,
  type TelnyxCommand,
} from './plan-commands.js';

const dayTtl = { ttlSeconds: 86_400 };
/** Store key of a call's position record. */
export const telnyxPositionKey = (callId: string) => `telnyx:position:${callId}`;
/** Store key of the caller's number, kept for the `from` of a transfer callflow dials itself. */
const callerNumberKey = (callId: string) => `telnyx:caller:${callId}`;
const endedPrefix = 'ended ';

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
  return {
    at: raw.slice(0, first),
    pending: { from: raw.slice(first + 1, second), commands: JSON.parse(raw.slice(second + 1)) as TelnyxCommand[] },
  };
}

/** What `open` read about the call, for `send`. */
export interface TelnyxHandle {
  call: CallInfo;
  /** The position the event answers (`sequence token`), undefined for a new call. */
  current: string | undefined;
  raw: string | undefined;
  /** The call's leg is gone (hung up, or a command failed for good): run hooks, send nothing. */
  ended: boolean;
  outcome: Outcome | undefined;
  position: CallPosition | undefined;
  planning: Pick<PlanCommandsOptions, 'answer' | 'stopPlayback' | 'stopListening' | 'seed' | 'sequence' | 'callerNumber'>;
}

/** How the Telnyx delivery sends commands. */
export interface TelnyxDeliveryOptions {
  client: TelnyxClient;
  store: Store;
  logger: Logger;
  commandRetries?: number;
  retryDelayMs?: number;
  /** Milliseconds one command is retried before the event is left to Telnyx's redelivery; default 4,000 (50,000 with `waitUntil`, which has no redelivery to fall back on). */
  retryBudgetMs?: number;
  leaseSeconds: number;
  waitUntil?: (work: Promise<unknown>) => void;
  /** Keep each caller's number from its first event: the flow may dial a transfer's far leg itself, presenting it. */
  remembersCaller?: boolean;
  /**
   * Whether `token` (the call's recorded position) is the position the event's verified `position` is at: the same move
   * signed twice, as when a turn was planned again after its record was lost (Telnyx keeps running the first planning's
   * commands, whose repeated command_ids dropped the second's, so its events carry the first planning's tokens).
   */
  samePosition?(token: string, position: CallPosition, call: CallInfo): Promise<boolean>;
  /**
   * The commands of the turn after a transfer Telnyx refused (`transfer` or `calls.dial` answered 4xx: a number it cannot
   * call), the transfer at `position` (`sequence token`) resumed as failed: the flow's `onFailed` route, as Twilio's
   * `<Dial>` and Vonage's `connect` report a failed transfer. Without it the caller hears the apology.
   */
  refusedTransferCommands?(call: CallInfo, position: string, reason: string, callerNumber: string | undefined): Promise<TelnyxCommand[]>;
  /** The apology turn's commands for a call whose turn Telnyx refused for good (the caller hears it, then the call ends). */
  apologyCommands(
    call: CallInfo,
    reason: string,
    planning: Pick<PlanCommandsOptions, 'answer' | 'seed' | 'sequence'>,
  ): Promise<TelnyxCommand[]>;
}

/** What the recovery chunk (telnyx-recovery.ts) uses of a delivery. */
export interface TelnyxRecoveryContext {
  options: TelnyxDeliveryOptions;
  execute(callId: string, commands: TelnyxCommand[]): Promise<ExecutionReport>;
  positionAfter(commands: TelnyxCommand[], from: string | undefined): { head: TelnyxCommand[]; next: string };
  encodePosition(record: { at: string; pending?: { from: string; commands: TelnyxCommand[] } }): string;
  telnyxPositionKey(callId: string): string;
  callerNumberKey(callId: string): string;
  commandIdOf(callControlId: string, seed: string, index: number, action: string): string;
  endedPrefix: string;
  dayTtl: { ttlSeconds: number };
  decodePosition(raw: string): { at: string; pending?: { from: string; commands: TelnyxCommand[] } };
  sequenceOf(position: string): number;
  /** Sends a recorded turn's pending commands and drops them from the record (`send`'s last step). */
  finish(call: CallInfo, raw: string, record: { at: string; pending?: { from: string; commands: TelnyxCommand[] } }): Promise<unknown>;
}

/** The move number of a position (`sequence token`). */
function sequenceOf(position: string): number {
  return Number(position.slice(0, position.indexOf(' ')));
}

function clientStateOf(command: TelnyxCommand): string | undefined {
  if (command.action === 'conference_join_or_create') return command.body.create.client_state;
  return 'client_state' in command.body ? command.body.client_state : undefined;
}

/** Sends a call's commands through the executor and keeps its position record, so each event moves the call once. */
export function createTelnyxDelivery(options: TelnyxDeliveryOptions): CommandDelivery<TelnyxCommand[], TelnyxHandle> & {
  execute(callId: string, commands: TelnyxCommand[]): Promise<ExecutionReport>;
} {
  const { store, logger } = options;
  const retryBudgetMs = options.retryBudgetMs ?? (options.waitUntil ? 50_000 : 4_000);
  const execute = (callId: string, commands: TelnyxCommand[]): Promise<ExecutionReport> =>
    executeCommands(callId, commands, {
      client: options.client,
      store,
      logger,
      retries: options.commandRetries,
      retryDelayMs: options.retryDelayMs,
      retryBudgetMs,
    });

  /** Where the call will be once `commands` went out: the position its waiting command resumes, else ended. */
  function positionAfter(commands: TelnyxCommand[], from: string | undefined): { head: TelnyxCommand[]; next: string } {
    const waitsAt = commands.findIndex((command) => command.resumeOn !== undefined);
    const head = waitsAt === -1 ? commands : commands.slice(0, waitsAt + 1);
    const waiting = waitsAt === -1 ? undefined : head[waitsAt];
    const waitingState = waiting ? decodeClientState(clientStateOf(waiting)) : undefined;
    return { head, next: waitingState ? `${waitingState.sequence} ${waitingState.token}` : `${endedPrefix}${from ?? ''}` };
  }

  /**
   * Sends a moved position's commands, then drops them from the record (store errors propagate: the event is retried
   * and finishes this). A command still failing after the retry budget keeps itself and the rest in the record and
   * throws `retry-later` (the webhook is answered 503, the redelivery sends them, same `command_id`s); one refused
   * for good gets the caller the apology instead of silence.
   */
  async function finish(call: CallInfo, raw: string, record: PositionRecord, done?: StoreWrite): Promise<'done' | undefined> {
    const key = telnyxPositionKey(call.callId);
    const commands = record.pending?.commands ?? [];
    const from = record.pending?.from ?? '';
    const report = await execute(call.callId, commands);
    if (report.retryLater && !options.waitUntil) {
      const { index, action, message } = report.retryLater;
      // Accepted commands leave the record, so a redelivery after Telnyx's 60 s command_id window cannot repeat them.
      if (index > 0)
        await store.compareAndSet(key, raw, encodePosition({ at: record.at, pending: { from, commands: commands.slice(index) } }), dayTtl);
      throw new CallFlowError(
        'provider-request-failed',
        `${action} still failing (${message}); answering 503 so Telnyx redelivers the event`,
        {
          provider: 'telnyx',
          reason: retryLaterReason,
        },
      );
    }
    // Still failing with waitUntil (answered already: no redelivery will come), or refused for good: the turn after a
    // refused transfer, or the apology (the recovery chunk).
    if (report.retryLater || report.failed) {
      await orHangUp(call, from, (loaded) => loaded.afterFailure(call, record, report, retryBudgetMs));
      return undefined;
    }
    // With the pipeline's done marker when it gave one: the event's last store step is this one.
    const alsoSet = done ? [done] : [];
    if (report.callEnded) await setMany(store, [{ key, value: `${endedPrefix}${record.at}`, ...dayTtl }, ...alsoSet]);
    // A later event may already have moved the call on: then there is nothing to drop.
    else await claimKey(store, { key, value: record.at, replaces: [raw], ...dayTtl, alsoSet });
    return done ? 'done' : undefined;
  }

  /**
   * What only a failure, a redelivery or a lost record needs (the turn after a refused transfer, the apology, finishing a
   * half-sent turn, an event signed twice for one position): a chunk of its own, loaded at the first need (a failed load
   * is tried again at the next).
   */
  const recovery = loadOnce(() =>
    import('./telnyx-recovery.js').then((chunk) =>
      chunk.createRecovery({
        options,
        execute,
        positionAfter,
        encodePosition,
        telnyxPositionKey,
        callerNumberKey,
        commandIdOf,
        endedPrefix,
        dayTtl,
        decodePosition,
        sequenceOf,
        finish,
      }),
    ),
  );
  type Recovery = Awaited<ReturnType<typeof recovery>>;

  /** The recovery chunk for an event's work; when it cannot load, the event is answered 503 and Telnyx redelivers it. */
  function recoveryForEvent(): Promise<Recovery> {
    return recovery().catch((error: unknown) => {
      throw new CallFlowError('provider-request-failed', `the Telnyx recovery chunk did not load: ${String(error)}`, {
        provider: 'telnyx',
        reason: retryLaterReason,
      });
    });
  }

  /** Runs `use` with the recovery chunk; when even its code cannot load, the call is hung up. Never silence. */
  async function orHangUp(call: CallInfo, from: string, use: (loaded: Recovery) => Promise<unknown>): Promise<void> {
    let loaded: Recovery;
    try {
      loaded = await recovery();
    } catch (error) {
      logger.error(`[callflow:telnyx] cannot load the apology (${error instanceof Error ? error.message : String(error)}); hanging up`, {
        callId: call.callId,
      });
      await store.set(telnyxPositionKey(call.callId), `${endedPrefix}${endedPrefix}${from}`, dayTtl);
      await execute(call.callId, [{ action: 'hangup', body: { command_id: commandIdOf(call.callId, `abort ${from}`, 0, 'hangup') } }]);
      return;
    }
    await use(loaded);
  }

  /** Records the call as ended at the handle's position; false when another delivery moved it on meanwhile. */
  function markEnded(handle: TelnyxHandle): Promise<boolean> {
    return store.compareAndSet(telnyxPositionKey(handle.call.callId), handle.raw, `${endedPrefix}${handle.current ?? ''}`, dayTtl);
  }

  return {
    kind: 'commands',
    leaseSeconds: options.leaseSeconds,
    waitUntil: options.waitUntil,
    acknowledge: (note) => jsonReply(note ? { ok: true, ignored: note } : { ok: true }),
    execute,
    stateKeys: (callId) => [telnyxPositionKey(callId)],
    async open(event, outcome, position, read) {
      const call = event.call;
      // Read with the pipeline's claim of the event when it claimed one.
      const raw = read ? read[0] : await store.get(telnyxPositionKey(call.callId));
      if (event.type === 'start') {
        // A redelivered call.initiated: finish what its first delivery started, or ignore it (the recovery chunk).
        if (raw !== undefined) return (await recoveryForEvent()).redelivered(call, '', raw);
        if (options.remembersCaller && call.from !== undefined) await store.set(callerNumberKey(call.callId), call.from, dayTtl);
        // An outbound leg is answered by the far end; an inbound one waits for callflow's answer.
        return {
          call,
          current: undefined,
          raw,
          ended: false,
          outcome,
          position,
          planning: { answer: event.outbound === undefined, seed: 'start', sequence: 1 },
        };
      }
      const current = event.position!;
      // The record is gone (a store that forgot it): the recovery chunk continues from the event's authentic token.
      if (raw === undefined) return (await recoveryForEvent()).withoutRecord(call, current, outcome, position);
      const record = decodePosition(raw);
      const stored = record.at;
      const ended = stored?.startsWith(endedPrefix) ?? false;
      const recorded = ended ? stored.slice(endedPrefix.length) : stored;
      if (recorded !== current || (ended && record.pending?.from === current && outcome?.type !== 'hangup')) {
        // A redelivery of a turn left half-sent, or an event for the recorded position under an earlier signature: the
        // recovery chunk finishes or resumes it. Any other is stale.
        if (
          record.pending?.from === current ||
          (!ended && position && options.samePosition && sequenceOf(recorded) === sequenceOf(current))
        )
          return (await recoveryForEvent()).unexpectedEvent({ call, current, raw, record, recorded, ended, outcome, position });
        logger.info?.('[callflow:telnyx] stale or out-of-order event ignored', { callId: call.callId, outcome: outcome?.type });
        return 'stale';
      }
      const planning: TelnyxHandle['planning'] = {
        seed: current,
        sequence: sequenceOf(current) + 1,
        // A queue's hold music, or the ringback a caller hears while callflow dials and screens a transfer's far leg.
        stopPlayback:
          position?.state.kind === 'enqueue' ||
          (outcome?.type === 'dial' && position?.step?.type === 'transfer' && dialsFarLeg(position.step)),
      };
      // A speech gather leaves its transcription running, and its DTMF gather too when the caller spoke.
      const answered = outcome?.type === 'speech' || outcome?.type === 'digits' || outcome?.type === 'no-input';
      if (answered && position?.step?.type === 'gather' && position.state.kind === 'gather' && (position.step.input ?? 'dtmf') !== 'dtmf')
        planning.stopListening = { gather: outcome.type === 'speech' };
      // A recording whose silence callflow timed leaves its transcription running, and maybe its silent gather.
      if (position?.step?.type === 'record' && position.state.kind === 'record' && recordSilenceSeconds(position.step) !== undefined)
        planning.stopListening = { gather: true };
      return { call, current, raw, ended, outcome, position, planning };
    },
    async send(handle, turn, render, done) {
      const { call, outcome, position } = handle;
      if (handle.ended || outcome?.type === 'hangup') {
        // The leg is gone: hooks have run (a voicemail saved after hang-up still notifies); send nothing.
        if (!handle.ended) await markEnded(handle);
        return;
      }
      if (
        outcome?.type === 'dial' &&
        outcome.status === 'completed' &&
        turn.ended &&
        turn.steps.length === 0 &&
        position?.step?.type === 'transfer' &&
        position.step.then === undefined
      ) {
        // provider: without park_after_unbridge Telnyx hangs the caller's leg up itself when the bridge ends.
        await markEnded(handle);
        return;
      }
      const waiting = turn.wait?.step;
      if (options.remembersCaller && waiting?.type === 'transfer' && dialsFarLeg(waiting) && turn.call.from === undefined)
        handle.planning.callerNumber = await store.get(callerNumberKey(call.callId));
      let commands: TelnyxCommand[];
      try {
        // The commands of a transfer, queue, recording, conference or speech gather, and a say's language, are a chunk,
        // loaded once (see plan-commands.ts).
        if (!telnyxPlanningLoaded() && turnNeedsTelnyxPlanning(turn)) await loadTelnyxPlanning();
        commands = ((await render(handle.planning)) as Rendered<TelnyxCommand[]>).output;
      } catch (error) {
        // The caller hears the apology (the recovery chunk), unless another delivery moved the call on meanwhile.
        if (await markEnded(handle)) await orHangUp(call, handle.current ?? '', (loaded) => loaded.cannotPlan(handle, turn, error));
        return;
      }
      const expected = handle.current;
      const { head, next } = positionAfter(commands, expected);
      const record: PositionRecord = { at: next, pending: { from: expected ?? '', commands: head } };
      const raw = encodePosition(record);
      if (!(await store.compareAndSet(telnyxPositionKey(call.callId), handle.raw, raw, dayTtl))) {
        logger.info?.('[callflow:telnyx] another delivery already moved this call on; ignoring', { callId: call.callId });
        return;
      }
      return finish(call, raw, record, done);
    },
  };
}
