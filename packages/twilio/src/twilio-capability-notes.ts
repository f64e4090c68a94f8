import { type Capabilities, type StepType, withCapabilityNotes } from '@callflow/core';
import { twilioCapabilities as withoutNotes } from './twilio-capabilities.js';

// The notes of the capability matrix (docs/capabilities.md, scripts/capability-matrix.ts), apart from the capabilities
// a handler checks flows against, so a handler does not carry them (issue 17).

/** What each step becomes on Twilio, in a sentence or a paragraph: the capability matrix's notes. */
export const twilioStepNotes: Record<StepType, string> = {
  say: '<Say voice language loop>',
  play: '<Play loop>',
  pause: '<Pause length>, whole seconds',
  gather:
    '<Gather actionOnEmptyResult> with the prompt nested, then a <Redirect> to the same action; retries and routing decided by the engine',
  record: '<Record> then a <Redirect> to the same action for an empty recording',
  transfer:
    "<Dial action><Number>|<Sip></Dial>; DialCallStatus routes busy / no-answer / failed. The caller hears Twilio's ringback while the called party rings and hears a whisper or screen. No machine detection on the called party: <Number machineDetection> reports only to amdStatusCallback (AsyncAmd is refused there), so a voicemail is screened out by its silence",
  enqueue:
    "<Enqueue waitUrl> to callflow's own wait URL, which Twilio runs again each time it ends: the flow's announcement when due (QueuePosition, AvgQueueTime; a <Redirect> to itself carries when it was last said), one play of the hold music inside a <Gather numDigits=1> for the escape key (its action answers <Leave/>), and <Leave/> once QueueTime reaches maxWaitSeconds. At a break the caller hears, with an escape key, 1 s of silence (the <Gather timeout>, the shortest Twilio takes) before the next play or announcement; without one, none",
  conference: '<Dial action><Conference beep muted startConferenceOnEnter endConferenceOnExit waitUrl maxParticipants></Dial>',
  goto: 'resolved by the engine within one document',
  hangup: '<Hangup/>',
  reject: '<Reject reason="busy|rejected"/> as the only verb: the call is never answered',
  hours: 'resolved by the engine with its clock',
};

/** How each step runs on Twilio, with its note; the capability matrix in the docs is generated from this. */
export const twilioCapabilities: Capabilities = /* @__PURE__ */ withCapabilityNotes(withoutNotes, twilioStepNotes);
