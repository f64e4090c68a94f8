import { type Capabilities, type StepType, withCapabilityNotes } from '@callflow/core';
import { telnyxCapabilities as withoutNotes } from './telnyx-capabilities.js';

// The notes of the capability matrix (docs/capabilities.md, scripts/capability-matrix.ts), apart from the capabilities
// a handler checks flows against, so a handler does not carry them (issue 17).

/** What each step becomes on Telnyx, in a sentence or a paragraph: the capability matrix's notes. */
export const telnyxStepNotes: Record<StepType, string> = {
  say: 'speak; male/female map to the basic voices, Polly.X to AWS.Polly.X',
  play: 'playback_start',
  pause:
    'no pause command: a speak of SSML <break> tags (10 s each). The caller cannot tell: the speak says nothing, for exactly the pause',
  gather:
    'gather_using_speak / gather_using_audio / gather for digits; speech through transcription_start, its final call.transcription matched to routes by the engine, the DTMF gather beside it as the no-input timer; native maximum_tries / valid_digits / invalid_payload when the menu re-asks in place without per-kind limits. A key during a speech-only gather (input: speech) is no answer, as on Twilio and Vonage: it ends the DTMF gather (maximum_digits 1) and callflow starts the no-input timer again beside the running transcription, so the caller gets the wait and re-ask of a silence. The key still cuts the prompt short ("Speech will be interrupted when a DTMF signal is received", gather_using_speak), as it ends Vonage\'s bargeIn talk ("either with DTMF or ASR voice input"); Twilio\'s docs do not say whether a key stops the prompt of <Gather input="speech">',
  record:
    "record_start (max_length, trim-silence); finishOnKey emulated with call.dtmf.received → record_stop; the silence stop emulated, because timeout_secs starts counting only after speech (a silent caller would be recorded to max_length) and cannot run beside a transcription (error 90053): transcription_start says when the caller talks (call.transcription), a silent gather (initial_timeout_millis = silenceSeconds) is the timer, stopped while they talk and started again after each utterance, and its timeout sends record_stop. The caller cannot tell: silent or done, they are let go after the flow's silence, as on Twilio and Vonage (transcription is billed)",
  transfer:
    "transfer; busy / no-answer / failed read from the far leg's call.hangup cause, the caller's leg goes on. A screen, or a whisper other than one play: dial (link_to the caller), the whisper and a one-key gather on the far leg, then bridge (needs the handler's connectionId); the caller hears callflow's ringback (defaultRingbackUrl, looped on its own leg) meanwhile, as on Twilio and Vonage; a plain transfer passes the far end's ringback (early_media); a screened far leg is dialled with answering_machine_detection and a machine is hung up before the whisper, as no answer",
  enqueue:
    "enqueue (max_wait_time_secs); from call.enqueued the hold music one playback_start at a time (callflow's default track when none is given), and at each call.playback.ended the flow's announcement when due, with the place and wait from GET /queues/{name}/calls/{id} and GET /queues/{name}; escape key via call.dtmf.received → leave_queue. At a break the caller hears, with an escape key, 1 s of silence (a speak of one SSML break, queued after each play; the key is heard during it too) before the next play or announcement, as on Twilio and Vonage; without one, none",
  conference:
    "first caller creates the room (conferences.create with beep_enabled, max_participants, hold audio), later callers join by the id kept under its name in the Store (join with mute, start_conference_on_enter). muted: create takes no mute, so the creator is muted by POST /conferences/{id}/actions/mute right after create, while alone in the room. endOnExit (emulated): when that caller leaves or hangs up (conference.participant.left), GET /conferences/{id}/participants and a leave for each other caller, who goes on with the flow as on Twilio and Vonage (join's end_conference_on_exit would hang them up instead). The caller cannot tell: the others leave when the room would end elsewhere",
  goto: 'decided by the engine',
  hangup: 'hangup',
  reject: 'reject with cause USER_BUSY or CALL_REJECTED instead of answer',
  hours: 'decided by the engine',
};

/** How each step runs on Telnyx, with its note; the capability matrix in the docs is generated from this. */
export const telnyxCapabilities: Capabilities = /* @__PURE__ */ withCapabilityNotes(withoutNotes, telnyxStepNotes);
