import type { CallInfo, CallPosition, RecordStep } from '@callflow/core';
import type { ClientState } from './client-state.js';
import type { TelnyxCommand } from './plan-commands.js';
import type { TelnyxFeatureContext } from './telnyx-features.js';

// What a recording needs beside its commands (its finish key, and the silence timer callflow runs for it: see
// recordCommands in telnyx-wait-commands.ts), in a chunk of their own that a flow with a record step loads (when its handler is
// created; a dynamic node's at its first need). It imports no code: what it uses comes in `context` (telnyx-features.ts).

/** What a transcription or gather event means for a recording's silence (see `recordHeard` in telnyx-provider.ts). */
export type RecordHeard = 'speaking' | 'utterance' | 'key' | 'silence' | 'stopped';

/** The recordings of one handler: the finish key and the silence timer. */
export function createRecordFeature(context: TelnyxFeatureContext) {
  const { store, delivery, standsAt, claimOnce, commandIdOf, encodeClientState, recordSilenceSeconds, silenceTimerBody } = context;

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

  return { recordSilence, pressed };
}
