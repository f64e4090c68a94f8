import type { CallFeatures, Capabilities, ProviderAdapter, Rendered } from '@callflow/core';
import type { Ncco } from './ncco-types.js';
import { renderNcco } from './render-ncco-complete.js';
import { vonageConversationLimits, vonageLimits, type RenderNccoContext } from './render-ncco.js';

/** True when a set value lies outside one of Vonage's documented ranges (an unset one takes callflow's default, inside them). */
const outside = (value: number | undefined, [min, max]: readonly [number, number]) => value !== undefined && (value < min || value > max);

// provider: the ranges are the NCCO reference's (https://developer.vonage.com/en/voice/voice-api/ncco-reference):
// input dtmf.maxDigits ≤ 20 and dtmf.timeOut 0–10 s, speech.startTimeout 1–60 s and endOnSilence 0.4–10 s; record
// endOnSilence 3–10 s and timeOut 3–7200 s; connect timeout 1–120 s and limit ≤ 7200 s. A flow set outside them is
// refused when the handler is created (a render of a dynamic node still checks each value).

/** What Vonage does natively, what callflow emulates on it, and how. */
export const vonageCapabilities: Capabilities = {
  say: { support: 'native' },
  play: { support: 'native' },
  pause: { support: 'native' },
  gather: {
    support: 'native',
    unsupported: [
      {
        option: 'interDigitTimeoutSeconds (other than timeoutSeconds)',
        // provider: dtmf.timeOut is the one DTMF timer, "the duration to wait for the user to input DTMF digits" (@vonage/voice
        // dist/cjs/types/NCCO/DTMFSettings.d.ts); the input action has no separate wait between keys.
        why: 'the input action has one DTMF timer (dtmf.timeOut) for the first key and between keys, so a different pause between digits would end input sooner or later than on Telnyx',
        when: (step) =>
          step.input !== 'speech' &&
          step.interDigitTimeoutSeconds !== undefined &&
          step.interDigitTimeoutSeconds !== (step.timeoutSeconds ?? 5),
      },
      {
        option: "finishOnKey (other than '#')",
        // provider: only submitOnHash ends DTMF entry early; otherwise "the DTMF recognition ends when the maximum digits are
        // collected or the timeout occurs" (@vonage/voice dist/cjs/types/NCCO/DTMFSettings.d.ts submitOnHash).
        why: "the input action can end digit entry early only on '#' (dtmf.submitOnHash), so another key would be collected as a digit and the caller would wait for the timeout",
        when: (step) => step.input !== 'speech' && step.finishOnKey !== undefined && step.finishOnKey !== '#' && step.finishOnKey !== '',
      },
      {
        option: `numDigits / maxDigits (over ${vonageLimits.maxDigits})`,
        why: `the input action collects at most ${vonageLimits.maxDigits} digits (dtmf.maxDigits)`,
        when: (step) => step.input !== 'speech' && (step.numDigits ?? step.maxDigits ?? 0) > vonageLimits.maxDigits,
      },
      {
        option: `timeoutSeconds (over ${vonageLimits.dtmfTimeoutSeconds[1]} for digits)`,
        why: `the input action waits at most ${vonageLimits.dtmfTimeoutSeconds[1]} s for keys (dtmf.timeOut)`,
        when: (step) => step.input !== 'speech' && outside(step.timeoutSeconds, vonageLimits.dtmfTimeoutSeconds),
      },
      {
        option: `timeoutSeconds (over ${vonageLimits.speechStartTimeoutSeconds[1]} for speech)`,
        why: `the input action waits at most ${vonageLimits.speechStartTimeoutSeconds[1]} s for speech to start (speech.startTimeout)`,
        when: (step) =>
          step.input !== 'dtmf' && step.input !== undefined && outside(step.timeoutSeconds, vonageLimits.speechStartTimeoutSeconds),
      },
      {
        option: `speech.endSilenceSeconds (outside ${vonageLimits.speechEndOnSilenceSeconds.join('–')})`,
        why: `speech.endOnSilence takes ${vonageLimits.speechEndOnSilenceSeconds.join('–')} s`,
        when: (step) =>
          step.input !== 'dtmf' &&
          step.input !== undefined &&
          outside(step.speech?.endSilenceSeconds, vonageLimits.speechEndOnSilenceSeconds),
      },
    ],
  },
  record: {
    support: 'native',
    unsupported: [
      {
        option: `silenceSeconds (outside ${vonageLimits.recordSilenceSeconds.join('–')})`,
        why: `record endOnSilence takes ${vonageLimits.recordSilenceSeconds.join('–')} s, so the caller would be let go sooner or later than on Twilio and Telnyx`,
        when: (step) => outside(step.silenceSeconds, vonageLimits.recordSilenceSeconds),
      },
      {
        option: `maxSeconds (outside ${vonageLimits.recordTimeoutSeconds.join('–')})`,
        why: `record timeOut takes ${vonageLimits.recordTimeoutSeconds.join('–')} s`,
        when: (step) => outside(step.maxSeconds, vonageLimits.recordTimeoutSeconds),
      },
    ],
  },
  transfer: {
    support: 'native',
    unsupported: [
      {
        option: `ringSeconds (over ${vonageLimits.connectTimeoutSeconds[1]})`,
        why: `connect rings at most ${vonageLimits.connectTimeoutSeconds[1]} s (timeout)`,
        when: (step) => outside(step.ringSeconds, vonageLimits.connectTimeoutSeconds),
      },
      {
        option: `maxSeconds (over ${vonageLimits.connectLimitSeconds[1]})`,
        why: `connect limits a call to at most ${vonageLimits.connectLimitSeconds[1]} s (limit)`,
        when: (step) => outside(step.maxSeconds, vonageLimits.connectLimitSeconds),
      },
      {
        option: 'ringSeconds / maxSeconds (not a whole number)',
        // provider: connect timeout and limit are integers (NCCO reference, connect; @callflow/testing validate-ncco.ts checks the same).
        why: 'connect timeout and limit take whole seconds, so it would ring or last longer or shorter than on Telnyx',
        when: (step) =>
          (step.ringSeconds !== undefined && !Number.isInteger(step.ringSeconds)) ||
          (step.maxSeconds !== undefined && !Number.isInteger(step.maxSeconds)),
      },
    ],
  },
  enqueue: {
    support: 'emulated',
  },
  conference: {
    support: 'native',
    unsupported: [
      { option: 'beep: true', why: vonageConversationLimits.beep, when: (step) => step.beep === true },
      { option: 'maxParticipants', why: vonageConversationLimits.maxParticipants, when: (step) => step.maxParticipants !== undefined },
    ],
  },
  goto: { support: 'native' },
  hangup: {
    support: 'emulated',
  },
  reject: {
    support: 'unsupported',
  },
  hours: { support: 'native' },
};

/** The Vonage adapter as core's `ProviderAdapter`. */
export const vonageAdapter: ProviderAdapter<Ncco, RenderNccoContext> = {
  provider: 'vonage',
  capabilities: vonageCapabilities,
  render(turn, context): Rendered<Ncco> {
    return renderNcco(turn, context);
  },
};

/** How outbound calls, machine detection and lifecycle events run on Vonage; listed in the capability matrix. */
export const vonageCallFeatures: CallFeatures = {
  'start-call': {
    support: 'native',
    note: 'startVonageCall: createOutboundCall with answer and event URLs carrying the signed start, ringing_timer',
  },
  'machine-detection': {
    support: 'emulated',
    note: 'advanced_machine_detection (detect_beep): the human route starts on answer; a machine event (after beep_start) moves the call by REST transfer (voiceClient); no unknown result is documented',
  },
  'call-events': {
    support: 'native',
    note: 'event webhook: started, then completed, busy, timeout, unanswered, rejected, cancelled or failed with duration',
  },
};
