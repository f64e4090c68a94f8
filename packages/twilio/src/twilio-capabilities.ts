import type { Capabilities, CallFeatures } from '@callflow/core';

/** True when a set number of seconds is not whole: TwiML's timers take positive integers. */
const fractional = (value: number | undefined) => value !== undefined && !Number.isInteger(value);

/** How each step runs on Twilio; the capability matrix in the docs is generated from this. */
export const twilioCapabilities: Capabilities = {
  say: { support: 'native' },
  play: { support: 'native' },
  pause: {
    support: 'native',
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
  },
  conference: {
    support: 'native',
  },
  goto: { support: 'native' },
  hangup: { support: 'native' },
  reject: { support: 'native' },
  hours: { support: 'native' },
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
