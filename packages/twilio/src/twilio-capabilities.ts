import type { Capabilities, CallFeatures } from '@callflow/core';

/** How each step runs on Twilio; the capability matrix in the docs is generated from this. */
export const twilioCapabilities: Capabilities = {
  say: { support: 'native', note: '<Say voice language loop>' },
  play: { support: 'native', note: '<Play loop>' },
  pause: { support: 'native', note: '<Pause length>, whole seconds' },
  gather: { support: 'native', note: '<Gather actionOnEmptyResult> with the prompt nested, then a <Redirect> to the same action; retries and routing decided by the engine' },
  record: { support: 'native', note: '<Record> then a <Redirect> to the same action for an empty recording' },
  transfer: { support: 'native', note: '<Dial action><Number>|<Sip></Dial>; DialCallStatus routes busy / no-answer / failed' },
  enqueue: { support: 'native', note: '<Enqueue waitUrl>; the wait URL announces the position, loops hold music and <Leave>s after maxWaitSeconds; escape digits are not supported' },
  conference: { support: 'native', note: '<Dial action><Conference></Dial>' },
  goto: { support: 'native', note: 'resolved by the engine within one document' },
  hangup: { support: 'native', note: '<Hangup/>' },
  reject: { support: 'native', note: '<Reject reason="busy|rejected"/> as the only verb: the call is never answered' },
  hours: { support: 'native', note: 'resolved by the engine with its clock' },
};

/** How outbound calls, machine detection and lifecycle events run on Twilio; listed in the capability matrix. */
export const twilioCallFeatures: CallFeatures = {
  'start-call': { support: 'native', note: 'startTwilioCall: calls.create with Url carrying the signed start, timeout, status callbacks for initiated, ringing, answered, completed' },
  'machine-detection': { support: 'native', note: 'MachineDetection=DetectMessageEnd (Enable when waitForBeep is false); AnsweredBy on the answer webhook picks the route' },
  'call-events': { support: 'native', note: 'status callbacks (CallStatus, CallDuration, Direction); who hung up is not reported by Twilio, callflow knows when its flow ended the call' },
};
