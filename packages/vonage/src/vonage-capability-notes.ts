import { type Capabilities, type StepType, withCapabilityNotes } from '@callflow/core';
import { vonageCapabilities as withoutNotes } from './vonage-capabilities.js';

// The notes of the capability matrix (docs/capabilities.md, scripts/capability-matrix.ts), apart from the capabilities
// a handler checks flows against, so a handler does not carry them (issue 17).

/** What each step becomes on Vonage, in a sentence or a paragraph: the capability matrix's notes. */
export const vonageStepNotes: Record<StepType, string> = {
  say: 'talk (≤1500 characters)',
  play: 'stream',
  pause: 'wait (0.1–7200 s); an SSML <break> inside a barge-in prompt',
  gather: 'talk/stream with bargeIn + input (≤20 digits, submit on # only); retries and routing by the engine',
  record: 'record with endOnSilence/endOnKey/timeOut, then notify to continue',
  transfer:
    "connect with eventType synchronous (one endpoint); notify after it for the answered case. The caller hears the carrier's ringback while the phone rings, then, during a whisper or screen (onAnswer), callflow's ringback (onAnswer.ringbackTone, defaultRingbackUrl), not silence. No machine detection on the called party: connect's machineDetection has no documented result event, so a voicemail is screened out by its silence",
  enqueue:
    "no queue action: order and average wait in the Store, and a REST transfer when an agent frees up. The caller waits in a conversation of their own (startOnEnter false, the hold music; callflow's default track when none is given), or, when the flow repeats the announcement, has an escape key or a longest wait, in a loop of one play of the music (bargeIn) then input or notify, whose webhook at each break answers the announcement when due, the escape route or the timeout route. At a break the caller hears, with an escape key, 1 s of silence (the input's dtmf.timeOut) before the next play or announcement; without one, none: the same as on Twilio and Telnyx",
  conference: 'conversation with startOnEnter, endOnExit, mute and musicOnHoldUrl',
  goto: 'resolved by the engine',
  hangup:
    'no hangup action: the NCCO ends, and so does the call. The caller cannot tell: the line drops the moment the last action ends, as a hangup would',
  reject:
    'Vonage answers every inbound call before it asks for the NCCO: there is no pre-answer reject; rendering it is an unsupported-step error',
  hours: 'resolved by the engine',
};

/** How each step runs on Vonage, with its note; the capability matrix in the docs is generated from this. */
export const vonageCapabilities: Capabilities = /* @__PURE__ */ withCapabilityNotes(withoutNotes, vonageStepNotes);
