import type { Capabilities, CallFeatures } from '@callflow/core';

/** What Telnyx Call Control does per step; the capability matrix in the docs is generated from it. */
export const telnyxCapabilities: Capabilities = {
  say: { support: 'native', note: 'speak; male/female map to the basic voices, Polly.X to AWS.Polly.X' },
  play: { support: 'native', note: 'playback_start' },
  pause: { support: 'emulated', note: 'no pause command: a speak of SSML <break> tags' },
  gather: {
    support: 'native',
    note: "gather_using_speak / gather_using_audio / gather for digits; speech through transcription_start, its final call.transcription matched to routes by the engine, the DTMF gather beside it as the no-input timer; native maximum_tries / valid_digits / invalid_payload when the menu re-asks in place without per-kind limits",
  },
  record: { support: 'native', note: 'record_start; finishOnKey emulated with call.dtmf.received → record_stop; silence timeout is charged and starts after speech' },
  transfer: { support: 'native', note: "transfer; busy / no-answer / failed read from the far leg's call.hangup cause, the caller's leg goes on" },
  enqueue: { support: 'native', note: 'enqueue + a looping playback_start for hold music; position is not announced; escape digit via call.dtmf.received → leave_queue' },
  conference: { support: 'native', note: 'first caller creates the room (conferences.create), later callers join by the id kept under its name in the Store' },
  goto: { support: 'native', note: 'decided by the engine' },
  hangup: { support: 'native', note: 'hangup' },
  reject: { support: 'native', note: 'reject with cause USER_BUSY or CALL_REJECTED instead of answer' },
  hours: { support: 'native', note: 'decided by the engine' },
};

/** How outbound calls, machine detection and lifecycle events run on Telnyx; listed in the capability matrix. */
export const telnyxCallFeatures: CallFeatures = {
  'start-call': { support: 'native', note: 'startTelnyxCall: calls.dial with client_state carrying the signed start, timeout_secs; no answer command on the outgoing leg' },
  'machine-detection': { support: 'native', note: 'answering_machine_detection detect_beep: call.machine.detection.ended (human, machine, not_sure), then call.machine.greeting.ended for a machine' },
  'call-events': { support: 'native', note: 'call.initiated and call.hangup (hangup_cause, start_time)' },
};
