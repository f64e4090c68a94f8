import type { CallInfo, CallPosition, RecordStep, WebhookEvent } from '@callflow/core';
import type { ClientState } from './client-state.js';
import type { TelnyxEvent } from './parse-telnyx-event.js';
import type { TelnyxCommand } from './plan-commands.js';
import type { TelnyxFeatureContext } from './telnyx-features.js';

// What a recording needs beside its commands (its finish key, and the silence timer callflow runs for it: see
// recordCommands in telnyx-wait-commands.ts), in a chunk of their own that a flow with a record step loads (when its handler is
// created; a dynamic node's at its first need). It imports no code: what it uses comes in `context` (telnyx-features.ts).

/** What a transcription or gather event means for a recording's silence (see `recordHeard`). */
export type RecordHeard = 'speaking' | 'utterance' | 'key' | 'silence' | 'stopped';

/** The recordings of one handler: the finish key and the silence timer. */
export function createRecordFeature(context: TelnyxFeatureContext) {
  const { store, delivery, standsAt, claimOnce, commandIdOf, encodeClientState, recordSilenceSeconds, silenceTimerBody } = context;
  const { isInterimTranscription } = context;

  /**
   * What a transcription or gather event means for the silence of a recording (see recordCommands in telnyx-wait-commands.ts):
   * the caller started talking, finished an utterance, pressed a key, or the silence ran out.
   */
  function recordHeard(event: TelnyxEvent): RecordHeard | undefined {
    if (event.type === 'call.transcription') {
      if (isInterimTranscription(event)) return 'speaking';
      const data = event.payload.transcription_data as { is_final?: unknown } | undefined;
      return data?.is_final === true ? 'utterance' : undefined;
    }
    if (event.type !== 'call.gather.ended') return undefined;
    const status = event.payload.status;
    if (status === 'timeout') return 'silence';
    if (status === 'valid' || status === 'invalid') return 'key';
    return status === 'cancelled' ? 'stopped' : undefined;
  }

  /** A transcription or gather event at a recording: its silence timer's, or (when it means nothing for the silence) the event's own outcome. */
  async function recordEvent(
    call: CallInfo,
    clientState: ClientState,
    position: CallPosition,
    event: TelnyxEvent,
    outcome: Extract<WebhookEvent<TelnyxCommand[]>, { type: 'outcome' }>['outcome'],
  ) {
    const heard = recordHeard(event);
    if (!heard) return typeof outcome === 'function' ? outcome(position) : outcome;
    await recordSilence(call, clientState, position, heard, event.id);
    return { done: `${event.type} while recording` };
  }

  /**
   * The recording's silence timer on Telnyx: speech stops it, the end of an utterance or a key starts it again, and
   * its running out stops the recording, as Twilio's <Record timeout> and Vonage's endOnSilence do from the start.
   */
  async function recordSilence(
    call: CallInfo,
    clientState: ClientState,
    position: CallPosition,
    heard: RecordHeard,
    eventId: string | undefined,
  ): Promise<void> {
    const step = position.step;
    if (step?.type !== 'record' || heard === 'stopped') return;
    const silenceSeconds = recordSilenceSeconds(step);
    const current = `${clientState.sequence} ${clientState.token}`;
    if (silenceSeconds === undefined || !(await standsAt(call, current))) return;
    // A redelivered event (same id) was acted on already: Telnyx would ignore the repeated command_id, but send it once.
    if (eventId !== undefined && !(await claimOnce(store, `telnyx:silence:${eventId}`, 3_600))) return;
    // Each event's commands get their own ids: the same command is sent again for a later utterance.
    const seed = `${current} ${eventId ?? ''}`;
    const commandId = (action: TelnyxCommand['action']) => commandIdOf(call.callId, seed, 0, action);
    const command: TelnyxCommand =
      heard === 'speaking'
        ? { action: 'gather_stop', body: { command_id: commandId('gather_stop') } }
        : heard === 'silence'
          ? { action: 'record_stop', body: { command_id: commandId('record_stop') } }
          : {
              action: 'gather',
              body: { ...silenceTimerBody(silenceSeconds, encodeClientState(clientState)), command_id: commandId('gather') },
            };
    await delivery.execute(call.callId, [command]);
  }

  /** A key at a recording: its finish key stops it (provider: Telnyx recordings have no end-on-key; callflow stops on the key). */
  async function pressed(call: CallInfo, clientState: ClientState, digit: string, step: RecordStep): Promise<void> {
    const current = `${clientState.sequence} ${clientState.token}`;
    const finishOnKey = step.finishOnKey ?? '#';
    if (finishOnKey === '' || !finishOnKey.includes(digit) || !(await standsAt(call, current))) return;
    await delivery.execute(call.callId, [
      { action: 'record_stop', body: { command_id: commandIdOf(call.callId, current, 0, 'record_stop') } },
    ]);
  }

  return { recordEvent, pressed };
}
