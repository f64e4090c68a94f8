import type { CallInfo, CallPosition, Outcome, Turn } from '@callflow/core';
import type { ExecutionReport } from './execute-commands.js';
import type { TelnyxCommand } from './plan-commands.js';
import type { TelnyxHandle, TelnyxRecoveryContext } from './telnyx-delivery.js';

// What a delivery does only when something went wrong (a transfer Telnyx refused, a turn it refused for good or that could
// not be planned: the next turn, or the apology, sent apart from any event) or an event comes again or finds no record (a
// turn another delivery left half-sent, an event signed twice for one position, a store that forgot the call). A chunk of
// its own that a delivery loads at its first such event (telnyx-delivery.ts). It imports no code: what it uses comes in `context`.

/** What `open` read of an event that does not answer the call's recorded position as it stands. */
export interface UnexpectedEvent {
  call: CallInfo;
  /** The event's position (`sequence token`). */
  current: string;
  raw: string;
  record: { at: string; pending?: { from: string; commands: TelnyxCommand[] } };
  /** The recorded position, without the ended mark. */
  recorded: string;
  ended: boolean;
  outcome: Outcome | undefined;
  position: CallPosition | undefined;
}

/** The failure paths of one delivery. */
export function createRecovery(context: TelnyxRecoveryContext) {
  const {
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
  } = context;
  const { store, logger } = options;

  /** A redelivered event whose turn was planned and stored but maybe not fully sent: send it again. True when it was. */
  async function finishUnfinished(call: CallInfo, from: string, raw: string): Promise<boolean> {
    const record = decodePosition(raw);
    if (record.pending?.from !== from) return false;
    logger.warn('[callflow:telnyx] finishing a turn another delivery left half-sent (same command ids)', { callId: call.callId });
    await finish(call, raw, record);
    return true;
  }

  /** A redelivered event (a call.initiated whose call has a record): what its first delivery left unsent goes out; else it is ignored. */
  async function redelivered(call: CallInfo, from: string, raw: string): Promise<'stale'> {
    await finishUnfinished(call, from, raw);
    return 'stale';
  }

  /**
   * The record is gone (a store that forgot it, e.g. Redis restarted without persistence) but the token is authentic:
   * continue from the position it carries; the first event to move the call re-creates the record.
   */
  function withoutRecord(call: CallInfo, current: string, outcome: Outcome | undefined, position: CallPosition | undefined): TelnyxHandle {
    logger.warn("[callflow:telnyx] no position record for this call; continuing from the event's token", {
      callId: call.callId,
      outcome: outcome?.type,
    });
    return {
      call,
      current,
      raw: undefined,
      ended: false,
      outcome,
      position,
      planning: { seed: current, sequence: sequenceOf(current) + 1, stopPlayback: position?.state.kind === 'enqueue' },
    };
  }

  /** An event that does not answer the recorded position as it stands: a redelivery to finish, the same move signed twice, or stale. */
  async function unexpectedEvent(event: UnexpectedEvent): Promise<TelnyxHandle | 'stale'> {
    const { call, current, raw, record, recorded, ended, outcome, position } = event;
    if (ended && record.pending?.from === current && outcome?.type !== 'hangup') {
      // A turn that ends the call records `ended <the position it moved from>`, which is this event's own position:
      // its commands (the hangup) did not all go through, so this redelivery sends them, never a 200 without them.
      await finishUnfinished(call, current, raw);
      return 'stale';
    }
    if (
      !ended &&
      position &&
      options.samePosition &&
      sequenceOf(recorded) === sequenceOf(current) &&
      (await options.samePosition(recorded.slice(recorded.indexOf(' ') + 1), position, call))
    ) {
      // The same move signed twice (see samePosition): the event answers the recorded position.
      logger.info?.('[callflow:telnyx] event for the recorded position under an earlier signature; resuming', { callId: call.callId });
      return {
        call,
        current: recorded,
        raw,
        ended,
        outcome,
        position,
        planning: { seed: recorded, sequence: sequenceOf(recorded) + 1, stopPlayback: position.state.kind === 'enqueue' },
      };
    }
    if (await finishUnfinished(call, current, raw)) return 'stale';
    logger.info?.('[callflow:telnyx] stale or out-of-order event ignored', { callId: call.callId, outcome: outcome?.type });
    return 'stale';
  }

  /**
   * A turn's commands that did not all go through (`report`): still failing once the webhook was answered (with
   * `waitUntil`, no redelivery will come), or refused for good. A refused transfer the turn waits at goes on from its
   * failure; else the caller hears the apology.
   */
  async function afterFailure(
    call: CallInfo,
    record: { at: string; pending?: { from: string; commands: TelnyxCommand[] } },
    report: ExecutionReport,
    retryBudgetMs: number,
  ): Promise<void> {
    const commands = record.pending?.commands ?? [];
    const from = record.pending?.from ?? '';
    if (report.retryLater) {
      const { index, action, message } = report.retryLater;
      await apologize(call, from, commands.slice(index), `${action} failed for ${Math.round(retryBudgetMs / 1000)} s: ${message}`);
      return;
    }
    const failed = report.failed!;
    const reason = `${failed.action} refused: ${failed.message}`;
    const refused = commands[failed.index];
    // The turn's waiting command is the transfer: the flow goes on from its failure, not from the apology.
    if (
      (refused?.action === 'transfer' || refused?.action === 'dial') &&
      refused.resumeOn &&
      (await transferFailed(call, record.at, reason))
    )
      return;
    await apologize(call, from, commands.slice(failed.index), reason);
  }

  /** A turn that could not be planned (the call is recorded as ended already): the caller hears the apology. */
  async function cannotPlan(handle: TelnyxHandle, turn: Turn, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    logger.error(`[callflow:telnyx] cannot plan the turn: ${message}; the caller hears the apology`, {
      callId: handle.call.callId,
      node: turn.node,
    });
    await apologize(
      handle.call,
      handle.current ?? '',
      handle.planning.answer ? [{ action: 'answer', body: {} }] : [],
      `cannot plan the turn: ${message}`,
    );
  }

  /**
   * A transfer Telnyx refused, at `at` (the position the transfer waits at): the next turn runs as for a failed transfer.
   * False when there is none to run or it failed to go out too (the caller then hears the apology).
   */
  async function transferFailed(call: CallInfo, at: string, reason: string): Promise<boolean> {
    if (!options.refusedTransferCommands) return false;
    let commands: TelnyxCommand[];
    try {
      // The next route may dial a far leg itself too, presenting the caller's number.
      const callerNumber = options.remembersCaller && call.from === undefined ? await store.get(callerNumberKey(call.callId)) : undefined;
      commands = await options.refusedTransferCommands(call, at, reason, callerNumber);
    } catch (error) {
      logger.error(
        `[callflow:telnyx] cannot plan the turn after a refused transfer: ${error instanceof Error ? error.message : String(error)}`,
        {
          callId: call.callId,
        },
      );
      return false;
    }
    logger.warn(`[callflow:telnyx] ${reason}; the transfer failed, the flow goes on from it`, { callId: call.callId });
    return (await sendApart(call, at, commands)).sent;
  }

  /**
   * Sends a turn no event of its own moves the call to (the turn after a refused transfer, the apology) from position
   * `from`, the record kept as `send` keeps it: sent true once it went out (or the call had ended meanwhile), false when
   * a command was refused or is still failing; `next` is where the record says the call is.
   */
  async function sendApart(call: CallInfo, from: string, commands: TelnyxCommand[]): Promise<{ sent: boolean; next: string }> {
    const key = telnyxPositionKey(call.callId);
    const { head, next } = positionAfter(commands, from);
    const raw = encodePosition({ at: next, pending: { from, commands: head } });
    await store.set(key, raw, dayTtl);
    const report = await execute(call.callId, head);
    if (report.callEnded) await store.set(key, `${endedPrefix}${next}`, dayTtl);
    else if (report.failed || report.retryLater) return { sent: false, next };
    else await store.compareAndSet(key, raw, next, dayTtl);
    return { sent: true, next };
  }

  /** The caller hears the apology, then the call ends; if even that is refused, the call is hung up. Never silence. */
  async function apologize(call: CallInfo, from: string, unsent: TelnyxCommand[], reason: string): Promise<void> {
    const key = telnyxPositionKey(call.callId);
    const sequence = from === '' ? 0 : Number(from.slice(0, from.indexOf(' ')));
    let commands: TelnyxCommand[] = [];
    if (!(unsent.length === 1 && unsent[0]!.action === 'hangup')) {
      try {
        commands = await options.apologyCommands(call, reason, {
          answer: unsent.some((command) => command.action === 'answer'),
          seed: `apology ${from}`,
          sequence: sequence + 2,
        });
      } catch (error) {
        logger.error(`[callflow:telnyx] cannot plan the apology: ${error instanceof Error ? error.message : String(error)}`, {
          callId: call.callId,
        });
      }
    }
    // No apology to play (the turn refused was the hang-up itself, or it could not be planned): straight to the hang-up.
    const attempt = commands.length > 0 ? await sendApart(call, from, commands) : { sent: false, next: `${endedPrefix}${from}` };
    if (attempt.sent) return;
    logger.error('[callflow:telnyx] the apology could not be played either; hanging up', { callId: call.callId });
    await store.set(key, `${endedPrefix}${attempt.next}`, dayTtl);
    await execute(call.callId, [{ action: 'hangup', body: { command_id: commandIdOf(call.callId, `abort ${from}`, 0, 'hangup') } }]);
  }

  return { redelivered, withoutRecord, unexpectedEvent, afterFailure, cannotPlan };
}
