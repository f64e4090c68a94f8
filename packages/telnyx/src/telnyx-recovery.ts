import type { CallInfo } from '@callflow/core';
import type { TelnyxCommand } from './plan-commands.js';
import type { TelnyxRecoveryContext } from './telnyx-delivery.js';

// What a delivery does only when something went wrong (a transfer Telnyx refused, a turn it refused for good or that could
// not be planned): the next turn, or the apology, sent apart from any event. A chunk of its own that a delivery loads at
// its first failure (telnyx-delivery.ts). It imports no code: what it uses comes in `context`.

/** The failure paths of one delivery. */
export function createRecovery(context: TelnyxRecoveryContext) {
  const { options, execute, positionAfter, encodePosition, telnyxPositionKey, callerNumberKey, commandIdOf, endedPrefix, dayTtl } = context;
  const { store, logger } = options;

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

  return { transferFailed, apologize };
}
