import type { Capabilities, CallFeatures } from '@callflow/core';

/** True when a set number of seconds is not whole: TwiML's timers take positive integers. */
const fractional = (value: number | undefined) => value !== undefined && !Number.isInteger(value);

/** How each step runs on Twilio; the capability matrix in the docs is generated from this. */
export const twilioCapabilities: Capabilities = {
  say: { support: 'native', note: '<Say voice language loop>' },
  play: { support: 'native', note: '<Play loop>' },
  pause: {
    support: 'native',
    note: '<Pause length>, whole seconds',
    unsupported: [
      {
        option: 'seconds (not a whole number)',
        why: '<Pause length> takes whole seconds, so the silence would be longer or shorter than on Vonage and Telnyx',
        when: (step) => !Number.isInteger(step.seconds),
      },
    ],
  },
  gather: {
    support: 'native',
    note: '<Gather actionOnEmptyResult> with the prompt nested, then a <Redirect> to the same action; retries and routing decided by the engine',
    unsupported: [
      {
        option: 'interDigitTimeoutSeconds (other than timeoutSeconds)',
        // provider: "timeout … that Twilio will wait for the caller to press another digit" is the first wait and the wait
        // between digits alike (https://www.twilio.com/docs/voice/twiml/gather#timeout); there is no second timer.
        why: '<Gather timeout> is the wait for the first key and between keys alike',
        when: (step) =>
          step.input !== 'speech' &&
          step.interDigitTimeoutSeconds !== undefined &&
          step.interDigitTimeoutSeconds !== (step.timeoutSeconds ?? 5),
      },
      {
        option: 'timeoutSeconds (not a whole number)',
        // provider: <Gather timeout> is a positive integer (https://www.twilio.com/docs/voice/twiml/gather#timeout).
        why: '<Gather timeout> takes whole seconds',
        when: (step) => fractional(step.timeoutSeconds),
      },
      {
        option: 'speech.endSilenceSeconds (not a whole number)',
        // provider: speechTimeout "should be either auto or a positive integer" (twilio SDK lib/twiml/VoiceResponse.d.ts GatherAttributes).
        why: '<Gather speechTimeout> takes whole seconds or auto',
        when: (step) => step.input !== undefined && step.input !== 'dtmf' && fractional(step.speech?.endSilenceSeconds),
      },
    ],
  },
  record: {
    support: 'native',
    note: '<Record> then a <Redirect> to the same action for an empty recording',
    unsupported: [
      {
        option: 'silenceSeconds (not a whole number)',
        // provider: <Record timeout> and maxLength take whole seconds (https://www.twilio.com/docs/voice/twiml/record#attributes).
        why: '<Record timeout> takes whole seconds',
        when: (step) => fractional(step.silenceSeconds),
      },
      {
        option: 'maxSeconds (not a whole number)',
        why: '<Record maxLength> takes whole seconds',
        when: (step) => fractional(step.maxSeconds),
      },
    ],
  },
  transfer: {
    support: 'native',
    note: "<Dial action><Number>|<Sip></Dial>; DialCallStatus routes busy / no-answer / failed. The caller hears Twilio's ringback while the called party rings and hears a whisper or screen. No machine detection on the called party: <Number machineDetection> reports only to amdStatusCallback (AsyncAmd is refused there), so a voicemail is screened out by its silence",
    unsupported: [
      {
        option: 'ringSeconds (not a whole number)',
        // provider: <Dial timeout> and timeLimit take whole seconds (https://www.twilio.com/docs/voice/twiml/dial#attributes).
        why: '<Dial timeout> takes whole seconds',
        when: (step) => fractional(step.ringSeconds),
      },
      {
        option: 'maxSeconds (not a whole number)',
        why: '<Dial timeLimit> takes whole seconds',
        when: (step) => fractional(step.maxSeconds),
      },
    ],
  },
  enqueue: {
    support: 'native',
    note: "<Enqueue waitUrl> to callflow's own wait URL, which Twilio runs again each time it ends: the flow's announcement when due (QueuePosition, AvgQueueTime; a <Redirect> to itself carries when it was last said), one play of the hold music inside a <Gather numDigits=1> for the escape key (its action answers <Leave/>), and <Leave/> once QueueTime reaches maxWaitSeconds. At a break the caller hears, with an escape key, 1 s of silence (the <Gather timeout>, the shortest Twilio takes) before the next play or announcement; without one, none",
  },
  conference: {
    support: 'native',
    note: '<Dial action><Conference beep muted startConferenceOnEnter endConferenceOnExit waitUrl maxParticipants></Dial>',
  },
  goto: { support: 'native', note: 'resolved by the engine within one document' },
  hangup: { support: 'native', note: '<Hangup/>' },
  reject: { support: 'native', note: '<Reject reason="busy|rejected"/> as the only verb: the call is never answered' },
  hours: { support: 'native', note: 'resolved by the engine with its clock' },
};

/** How outbound calls, machine detection and lifecycle events run on Twilio; listed in the capability matrix. */
export const twilioCallFeatures: CallFeatures = {
  'start-call': {
    support: 'native',
    note: 'startTwilioCall: calls.create with Url carrying the signed start, timeout, status callbacks for initiated, ringing, answered, completed',
  },
  'machine-detection': {
    support: 'native',
    note: 'MachineDetection=DetectMessageEnd (Enable when waitForBeep is false); AnsweredBy on the answer webhook picks the route',
  },
  'call-events': {
    support: 'native',
    note: 'status callbacks (CallStatus, CallDuration, Direction); who hung up is not reported by Twilio, callflow knows when its flow ended the call',
  },
};
