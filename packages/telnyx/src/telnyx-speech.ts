import type { CallInfo, CallPosition, GatherStep } from '@callflow/core';
import type { ClientState } from './client-state.js';
import type { TelnyxFeatureContext } from './telnyx-features.js';

// What a speech gather needs beside its commands (its no-input timer while the caller speaks, and a key it ignores), in a
// chunk of its own that a flow with a speech gather loads (when its handler is created; a dynamic node's at its first
// need). It imports no code: what it uses comes in `context` (telnyx-features.ts).

/** How long callflow waits for the final transcription once the caller has started speaking. */
const speechWatchdogMillis = 60_000;

/** The speech gathers of one handler. */
export function createSpeechFeature(context: TelnyxFeatureContext) {
  const { delivery, standsAt, commandIdOf, encodeClientState } = context;

  /**
   * The caller started speaking in a speech gather (an interim transcription): stop its DTMF gather, the no-input
   * timer, so it cannot time out while the caller is still talking, and start a silent one as a watchdog, so a final
   * transcription that never comes ends as no input instead of silence; the final transcription resumes the flow.
   */
  async function speaking(call: CallInfo, clientState: ClientState, position: CallPosition): Promise<void> {
    const { token, sequence } = clientState;
    const current = `${sequence} ${token}`;
    if (!(await standsAt(call, current))) return;
    if (position.step?.type !== 'gather' || position.state.kind !== 'gather') return;
    await delivery.execute(call.callId, [
      { action: 'gather_stop', body: { command_id: commandIdOf(call.callId, current, 0, 'gather_stop') } },
      // provider: 60 s, the longest utterance Twilio (maxSpeechTime) and Vonage (speech.maxDuration) wait for by default.
      {
        action: 'gather',
        body: {
          initial_timeout_millis: speechWatchdogMillis,
          maximum_digits: 1,
          client_state: encodeClientState({ kind: 'position', sequence, token }),
          command_id: commandIdOf(call.callId, current, 1, 'gather'),
        },
      },
    ]);
  }

  /**
   * A key ended the DTMF gather of a speech-only gather (input: speech), which takes no keys: the key does not route the
   * call; a prompt-less gather starts the no-input timer again, so the caller gets the wait and re-ask a silence gets.
   */
  async function keyIgnored(call: CallInfo, clientState: ClientState, step: GatherStep, eventId: string): Promise<void> {
    const { token, sequence } = clientState;
    // Only while the call is still at this gather: a late event of a position it has left starts no timer.
    if (!(await standsAt(call, `${sequence} ${token}`))) return;
    // provider: "Speech will be interrupted when a DTMF signal is received" and the gather ends with the key
    // (https://developers.telnyx.com/api-reference/call-commands/gather-using-speak). Twilio (<Gather input="speech">
    // takes the inputs it names, https://www.twilio.com/docs/voice/twiml/gather#input) and Vonage (input type
    // ["speech"] is "ASR only", https://developer.vonage.com/en/voice/voice-api/ncco-reference#input) take no key;
    // on Vonage the key still ends the bargeIn prompt ("either with DTMF or ASR voice input", ncco-reference#talk).
    // The transcription runs on. Each key event seeds its own command_id: a repeated command_id is ignored by Telnyx.
    await delivery.execute(call.callId, [
      {
        action: 'gather',
        body: {
          initial_timeout_millis: Math.round((step.timeoutSeconds ?? 5) * 1000),
          maximum_digits: 1,
          client_state: encodeClientState({ kind: 'position', sequence, token }),
          command_id: commandIdOf(call.callId, `${sequence} ${token} ${eventId}`, 0, 'gather'),
        },
      },
    ]);
  }

  return { speaking, keyIgnored };
}
