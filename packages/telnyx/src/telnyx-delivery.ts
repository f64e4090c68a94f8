import type { CallInfo, CallPosition, CommandDelivery, Logger, Outcome, Rendered, Store, Turn } from '@callflow/core';
import { jsonReply } from '@callflow/core';
import { commandIdOf, decodeClientState } from './client-state.js';
import { executeCommands, type ExecutionReport, type TelnyxClient } from './execute-commands.js';
import type { PlanCommandsOptions, TelnyxCommand } from './plan-commands.js';

const dayTtl = { ttlSeconds: 86_400 };
/** Store key of a call's position record. */
export const telnyxPositionKey = (callId: string) => `telnyx:position:${callId}`;
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
  return { at: raw.slice(0, first), pending: { from: raw.slice(first + 1, second), commands: JSON.parse(raw.slice(second + 1)) as TelnyxCommand[] } };
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
  planning: Pick<PlanCommandsOptions, 'answer' | 'stopPlayback' | 'stopListening' | 'seed' | 'sequence'>;
}

/** How the Telnyx delivery sends commands. */
export interface TelnyxDeliveryOptions {
  client: TelnyxClient;
  store: Store;
  logger: Logger;
  commandRetries?: number;
  retryDelayMs?: number;
  leaseSeconds: number;
  waitUntil?: (work: Promise<unknown>) => void;
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
  const execute = (callId: string, commands: TelnyxCommand[]): Promise<ExecutionReport> =>
    executeCommands(callId, commands, { client: options.client, store, logger, retries: options.commandRetries, retryDelayMs: options.retryDelayMs });

  /** Sends a moved position's commands, then drops them from the record (store errors propagate: the event is retried and finishes this). */
  async function finish(call: CallInfo, raw: string, record: PositionRecord): Promise<void> {
    const report = await execute(call.callId, record.pending?.commands ?? []);
    if (report.failed || report.callEnded) await store.set(telnyxPositionKey(call.callId), `${endedPrefix}${record.at}`, dayTtl);
    // A later event may already have moved the call on: then there is nothing to drop.
    else await store.compareAndSet(telnyxPositionKey(call.callId), raw, record.at, dayTtl);
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

  async function markEnded(handle: TelnyxHandle): Promise<void> {
    await store.compareAndSet(telnyxPositionKey(handle.call.callId), handle.raw, `${endedPrefix}${handle.current ?? ''}`, dayTtl);
  }

  return {
    kind: 'commands',
    leaseSeconds: options.leaseSeconds,
    waitUntil: options.waitUntil,
    acknowledge: (note) => jsonReply(note ? { ok: true, ignored: note } : { ok: true }),
    execute,
    async open(event, outcome, position) {
      const call = event.call;
      const raw = await store.get(telnyxPositionKey(call.callId));
      if (event.type === 'start') {
        if (raw !== undefined) {
          // A redelivered call.initiated: finish what its first delivery started, or ignore it.
          await finishUnfinished(call, '', raw);
          return 'stale';
        }
        return { call, current: undefined, raw, ended: false, outcome, position, planning: { answer: true, seed: 'start', sequence: 1 } };
      }
      const current = event.position!;
      const stored = raw === undefined ? undefined : decodePosition(raw).at;
      const ended = stored?.startsWith(endedPrefix) ?? false;
      if ((ended ? stored!.slice(endedPrefix.length) : stored) !== current) {
        if (await finishUnfinished(call, current, raw)) return 'stale';
        logger.info?.('[callflow:telnyx] stale or out-of-order event ignored', { callId: call.callId, outcome: outcome?.type });
        return 'stale';
      }
      const sequence = Number(current.slice(0, current.indexOf(' ')));
      const planning: TelnyxHandle['planning'] = { seed: current, sequence: sequence + 1, stopPlayback: position?.state.kind === 'enqueue' };
      // A speech gather leaves its transcription running, and its DTMF gather too when the caller spoke.
      const answered = outcome?.type === 'speech' || outcome?.type === 'digits' || outcome?.type === 'no-input';
      if (answered && position?.step?.type === 'gather' && position.state.kind === 'gather' && (position.step.input ?? 'dtmf') !== 'dtmf') planning.stopListening = { gather: outcome.type === 'speech' };
      return { call, current, raw, ended, outcome, position, planning };
    },
    async send(handle, turn, render) {
      const { call, outcome, position } = handle;
      if (handle.ended || outcome?.type === 'hangup') {
        // The leg is gone: hooks have run (a voicemail saved after hang-up still notifies); send nothing.
        if (!handle.ended) await markEnded(handle);
        return;
      }
      if (outcome?.type === 'dial' && outcome.status === 'completed' && turn.ended && turn.steps.length === 0 && position?.step?.type === 'transfer' && position.step.then === undefined) {
        // provider: without park_after_unbridge Telnyx hangs the caller's leg up itself when the bridge ends.
        await markEnded(handle);
        return;
      }
      let commands: TelnyxCommand[];
      try {
        commands = (await render(handle.planning) as Rendered<TelnyxCommand[]>).output;
      } catch (error) {
        logger.error(`[callflow:telnyx] cannot plan the turn: ${error instanceof Error ? error.message : String(error)}; hanging up`, { callId: call.callId, node: turn.node });
        const seed = handle.planning.seed ?? 'start';
        commands = [...(handle.planning.answer ? [{ action: 'answer', body: {} } as TelnyxCommand] : []), { action: 'hangup', body: { command_id: commandIdOf(call.callId, seed, 0, 'hangup') } }];
      }
      const waitsAt = commands.findIndex((command) => command.resumeOn !== undefined);
      const head = waitsAt === -1 ? commands : commands.slice(0, waitsAt + 1);
      const waiting = waitsAt === -1 ? undefined : head[waitsAt];
      const waitingState = waiting ? decodeClientState(clientStateOf(waiting)) : undefined;
      const expected = handle.current;
      const next = waitingState ? `${waitingState.sequence} ${waitingState.token}` : `${endedPrefix}${expected ?? ''}`;
      const record: PositionRecord = { at: next, pending: { from: expected ?? '', commands: head } };
      const raw = encodePosition(record);
      if (!(await store.compareAndSet(telnyxPositionKey(call.callId), handle.raw, raw, dayTtl))) {
        logger.info?.('[callflow:telnyx] another delivery already moved this call on; ignoring', { callId: call.callId });
        return;
      }
      await finish(call, raw, record);
    },
  };
}
