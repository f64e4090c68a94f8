import twilio from 'twilio';
import type { GatherStep, MediaStep, Turn } from '@callflow/core';
import { callbackUrl, type TwimlContext } from '../src/index.js';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;
type MediaParent = Pick<VoiceResponse, 'say' | 'play' | 'pause'>;

function media(parent: MediaParent, step: MediaStep): void {
  const extra = (step.providerOptions?.twilio ?? {}) as Record<string, never>;
  if (step.type === 'say')
    parent.say(
      {
        voice: step.voice as never,
        language: step.language as never,
        ...(step.loop && step.loop !== 1 ? { loop: step.loop } : {}),
        ...extra,
      },
      step.text,
    );
  else if (step.type === 'play') parent.play({ ...(step.loop && step.loop !== 1 ? { loop: step.loop } : {}), ...extra }, step.url);
  else parent.pause({ length: Math.max(1, Math.round(step.seconds)), ...extra });
}

function numDigitsOf(step: GatherStep): number | undefined {
  if (step.numDigits !== undefined) return step.numDigits;
  if (step.maxDigits !== undefined) return step.maxDigits;
  const keys = Object.keys(step.routes ?? {});
  const digitKeys = keys.filter((key) => /^[0-9*]+$/.test(key));
  return digitKeys.length && digitKeys.length === keys.length ? Math.max(...digitKeys.map((key) => key.length)) : undefined;
}

/** Builds the TwiML for a turn with the official SDK's VoiceResponse: the oracle our serializer must match. */
export function buildWithSdk(turn: Turn, context: TwimlContext): string {
  const response = new twilio.twiml.VoiceResponse();
  for (const planned of turn.steps) media(response, planned.step);
  const step = turn.wait?.step;
  if (step && turn.token) {
    const url = callbackUrl(context.actionUrl, turn.token);
    if (step.type === 'gather') {
      const input = step.input ?? 'dtmf';
      const speech = input !== 'dtmf';
      const gather = response.gather({
        input: (input === 'both' ? ['dtmf', 'speech'] : [input]) as never,
        action: url,
        method: 'POST',
        actionOnEmptyResult: true,
        ...(step.timeoutSeconds !== undefined ? { timeout: step.timeoutSeconds } : {}),
        ...(input !== 'speech' && numDigitsOf(step) !== undefined ? { numDigits: numDigitsOf(step) } : {}),
        ...(step.finishOnKey !== undefined ? { finishOnKey: step.finishOnKey } : {}),
        ...(speech && step.speech?.language ? { language: step.speech.language as never } : {}),
        ...(speech && step.speech?.hints?.length ? { hints: step.speech.hints.join(', ') } : {}),
        ...(speech ? { speechTimeout: String(step.speech?.endSilenceSeconds ?? 'auto') } : {}),
      });
      for (const prompt of step.prompt) media(gather, prompt);
      response.redirect({ method: 'POST' }, url);
    } else if (step.type === 'record') {
      response.record({
        action: url,
        method: 'POST',
        maxLength: step.maxSeconds ?? 120,
        timeout: step.silenceSeconds ?? 5,
        finishOnKey: step.finishOnKey ?? '#',
        playBeep: step.beep ?? true,
      });
      response.redirect({ method: 'POST' }, url);
    } else if (step.type === 'transfer') {
      const dial = response.dial({
        action: url,
        method: 'POST',
        timeout: step.ringSeconds ?? 30,
        ...(step.callerId ? { callerId: step.callerId } : {}),
        ...(step.maxSeconds ? { timeLimit: step.maxSeconds } : {}),
        ...(step.record ? { record: 'record-from-answer' as const } : {}),
      });
      if (typeof step.to === 'string') dial.number(step.to);
      else
        dial.sip(
          { ...(step.to.username ? { username: step.to.username } : {}), ...(step.to.password ? { password: step.to.password } : {}) },
          step.to.sip,
        );
    } else if (step.type === 'enqueue') {
      response.enqueue(
        { action: url, method: 'POST', waitUrl: callbackUrl(context.actionUrl, turn.token, 'wait'), waitUrlMethod: 'POST' },
        step.queue,
      );
    } else if (step.type === 'conference') {
      response.dial({ action: url, method: 'POST' }).conference(
        {
          startConferenceOnEnter: step.startOnEnter ?? true,
          endConferenceOnExit: step.endOnExit ?? false,
          muted: step.muted ?? false,
          beep: String(step.beep ?? false) as 'true' | 'false',
          ...(step.holdMusic ? { waitUrl: step.holdMusic, waitMethod: 'GET' } : {}),
          ...(step.maxParticipants ? { maxParticipants: step.maxParticipants } : {}),
        },
        step.room,
      );
    }
  } else if (turn.ended) {
    response.hangup();
  }
  return response.toString();
}
