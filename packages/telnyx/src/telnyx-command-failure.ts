import type { isCallFlowError as isCallFlowErrorFunction, Logger } from '@callflow/core';
import type { ExecutionReport } from './execute-commands.js';
import type { TelnyxCommand } from './plan-commands.js';

// What the executor does only when a command fails (what the failure means, the retries with their backoff, the logs),
// in a chunk of its own that execute-commands.ts loads at a first failure; the conference commands use its `classify`
// too. It imports no code: what it uses from core comes in through `createCommandFailures`.

/** How a failed command is handled: sent again, the call is gone, or refused for good. */
export type ErrorKind = 'retry' | 'gone' | 'fatal';

/** One failed attempt at a command, and the executor's settings for it. */
export interface CommandAttempt {
  callControlId: string;
  command: TelnyxCommand;
  /** The command's place in the batch. */
  index: number;
  /** Attempts made before this one (0 for the first). */
  attempt: number;
  /** When the command was first tried, `Date.now()`. */
  firstTriedAt: number;
  retries: number;
  retryDelayMs: number;
  retryBudgetMs: number;
  logger: Logger;
}

/** Stops that may find nothing running: refused, they are skipped instead of hanging the call up. */
const stopActions = new Set<string>(['gather_stop', 'transcription_stop']);

const maxRetryDelayMs = 2_000;

/** Waits `ms` milliseconds. */
const sleep = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms));

/** The failure handling, given core's `isCallFlowError`. */
export function createCommandFailures(isCallFlowError: typeof isCallFlowErrorFunction) {
  /** The kind of a command's failure, from its HTTP status and body. */
  function classify(error: unknown): ErrorKind {
    if (isCallFlowError(error, 'invalid-options')) return 'fatal';
    const status = (error as { status?: unknown }).status;
    if (typeof status !== 'number') return 'retry';
    if (status === 408 || status === 429 || status >= 500) return 'retry';
    const body = JSON.stringify((error as { error?: unknown }).error ?? '');
    if ((status === 422 || status === 404) && /90018|already ended|call.*not.*(alive|active)|hangup/i.test(body)) return 'gone';
    return 'fatal';
  }

  /**
   * What comes after a failed attempt: `retry` (after the backoff's wait, same `command_id`), `next` (a stop that found
   * nothing to stop), or `stop` with the report saying why (the call ended, the budget ran out, refused for good).
   */
  async function commandFailed(error: unknown, attempt: CommandAttempt, report: ExecutionReport): Promise<'retry' | 'next' | 'stop'> {
    const { callControlId, command, index, logger } = attempt;
    const kind = classify(error);
    const message = error instanceof Error ? error.message : String(error);
    if (kind === 'gone') {
      logger.info?.(`[callflow:telnyx] call ended before ${command.action}; dropping the rest`, { callId: callControlId });
      report.callEnded = true;
      return 'stop';
    }
    if (kind === 'fatal' && stopActions.has(command.action)) {
      // A stop of a gather or transcription that already ended on its own is refused; nothing is left to stop.
      logger.info?.(`[callflow:telnyx] ${command.action} refused (${message}); nothing to stop`, { callId: callControlId });
      return 'next';
    }
    if (kind === 'retry') {
      const delayMs = Math.min(attempt.retryDelayMs * 2 ** attempt.attempt, maxRetryDelayMs);
      if (attempt.attempt < attempt.retries && Date.now() + delayMs - attempt.firstTriedAt <= attempt.retryBudgetMs) {
        logger.warn(`[callflow:telnyx] ${command.action} failed (${message}); retrying with the same command_id`, {
          callId: callControlId,
          attempt: attempt.attempt + 1,
        });
        await sleep(delayMs);
        return 'retry';
      }
      logger.warn(
        `[callflow:telnyx] ${command.action} still failing after ${attempt.attempt + 1} attempts (${message}); left for the event's redelivery`,
        { callId: callControlId },
      );
      report.retryLater = { index, action: command.action, message };
      return 'stop';
    }
    logger.error(`[callflow:telnyx] ${command.action} refused: ${message}`, { callId: callControlId });
    report.failed = { index, action: command.action, message };
    return 'stop';
  }

  return { classify, sleep, commandFailed };
}
