import type { Capabilities } from '@callflow/core';

/** How each step runs on Twilio; the capability matrix in the docs is generated from this. */
export const twilioCapabilities: Capabilities = {
  say: { support: 'native', note: '<Say voice language loop>' },
  play: { support: 'native', note: '<Play loop>' },
  pause: {
    support: 'native',
    note: '<Pause length>, whole seconds',
    unsupported: [{ option: 'seconds (not a whole number)', why: '<Pause length> takes whole seconds, so the silence would be longer or shorter than on Vonage and Telnyx', when: (step) => !Number.isInteger(step.seconds) }],
  },
  gather: { support: 'native', note: '<Gather actionOnEmptyResult> with the prompt nested, then a <Redirect> to the same action; retries and routing decided by the engine' },
  record: { support: 'native', note: '<Record> then a <Redirect> to the same action for an empty recording' },
  transfer: { support: 'native', note: '<Dial action><Number>|<Sip></Dial>; DialCallStatus routes busy / no-answer / failed' },
  enqueue: {
    support: 'native',
    note: "<Enqueue waitUrl> to callflow's own wait URL, which Twilio runs again each time it ends: the flow's announcement when due (QueuePosition, AvgQueueTime; a <Redirect> to itself carries when it was last said), one play of the hold music inside a <Gather numDigits=1> for the escape key (its action answers <Leave/>), and <Leave/> once QueueTime reaches maxWaitSeconds",
  },
  conference: { support: 'native', note: '<Dial action><Conference beep muted startConferenceOnEnter endConferenceOnExit waitUrl maxParticipants></Dial>' },
  goto: { support: 'native', note: 'resolved by the engine within one document' },
  hangup: { support: 'native', note: '<Hangup/>' },
  hours: { support: 'native', note: 'resolved by the engine with its clock' },
};
