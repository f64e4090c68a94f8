import type { Capabilities } from '@callflow/core';

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
  hours: { support: 'native', note: 'decided by the engine' },
};
