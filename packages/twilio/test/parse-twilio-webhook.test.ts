import { describe, expect, it } from 'vitest';
import { parseTwilioWebhook, twilioCallInfo } from '../src/index.js';

/** Fields as Twilio posts them on a voice action (captured shape; ids shortened). */
const base = {
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  ApiVersion: '2010-04-01',
  CallSid: 'CA0123456789abcdef0123456789abcdef',
  CallStatus: 'in-progress',
  Called: '+15559870000',
  Caller: '+15551230000',
  Direction: 'inbound',
  From: '+15551230000',
  To: '+15559870000',
};

describe('parseTwilioWebhook', () => {
  it('gather: digits, speech with confidence, empty results, hang-up', () => {
    expect(parseTwilioWebhook({ ...base, Digits: '1', FinishedOnKey: '' }, 'gather')).toEqual({ type: 'digits', digits: '1' });
    expect(parseTwilioWebhook({ ...base, Digits: '1234#' }, 'gather')).toEqual({ type: 'digits', digits: '1234#' });
    expect(parseTwilioWebhook({ ...base, SpeechResult: 'Sales, please.', Confidence: '0.87123' }, 'gather')).toEqual({
      type: 'speech',
      text: 'Sales, please.',
      confidence: 0.87123,
    });
    expect(parseTwilioWebhook({ ...base, SpeechResult: 'yes' }, 'gather')).toEqual({ type: 'speech', text: 'yes' });
    expect(parseTwilioWebhook({ ...base }, 'gather')).toEqual({ type: 'no-input' });
    expect(parseTwilioWebhook({ ...base, Digits: '', SpeechResult: '  ' }, 'gather')).toEqual({ type: 'no-input' });
    expect(parseTwilioWebhook({ ...base, CallStatus: 'completed' }, 'gather')).toEqual({ type: 'hangup', cause: 'completed' });
  });

  it.each([
    ['completed', 'completed'],
    ['answered', 'completed'],
    ['busy', 'busy'],
    ['no-answer', 'no-answer'],
    ['failed', 'failed'],
    ['canceled', 'canceled'],
  ] as const)('dial: DialCallStatus=%s → %s', (raw, status) => {
    expect(parseTwilioWebhook({ ...base, DialCallStatus: raw, DialCallDuration: '12', DialCallSid: 'CA2' }, 'transfer')).toEqual({
      type: 'dial',
      status,
      raw,
      durationSeconds: 12,
    });
  });

  it('dial: an unknown status is an invalid webhook', () => {
    expect(() => parseTwilioWebhook({ ...base, DialCallStatus: 'exploded' }, 'transfer')).toThrow(
      /\[callflow:twilio\] unknown DialCallStatus 'exploded'/,
    );
  });

  it('record: URL and duration; the fall-through Redirect has none', () => {
    expect(
      parseTwilioWebhook(
        {
          ...base,
          RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
          RecordingDuration: '14',
          RecordingSid: 'RE1',
          Digits: '#',
        },
        'record',
      ),
    ).toEqual({
      type: 'recording',
      url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
      durationSeconds: 14,
    });
    expect(parseTwilioWebhook({ ...base }, 'record')).toEqual({ type: 'recording' });
  });

  it.each([
    ['bridged', 'bridged'],
    ['hangup', 'hangup'],
    ['leave', 'left'],
    ['redirected', 'left'],
    ['queue-full', 'error'],
    ['system-error', 'error'],
  ] as const)('enqueue: QueueResult=%s → %s', (raw, result) => {
    expect(parseTwilioWebhook({ ...base, QueueResult: raw, QueueTime: '37', QueueSid: 'QU1' }, 'enqueue')).toEqual({
      type: 'queue',
      result,
      waitSeconds: 37,
    });
  });

  it('conference, status callbacks and moved calls', () => {
    expect(parseTwilioWebhook({ ...base, DialCallStatus: 'completed' }, 'conference')).toEqual({ type: 'conference', status: 'ended' });
    expect(parseTwilioWebhook({ ...base, CallStatus: 'completed', CallDuration: '63' }, 'status')).toEqual({
      type: 'hangup',
      cause: 'completed',
    });
    expect(parseTwilioWebhook({ ...base, CallStatus: 'no-answer' }, 'status')).toEqual({ type: 'hangup', cause: 'no-answer' });
    expect(() => parseTwilioWebhook({ ...base }, 'status')).toThrow(/does not end the call/);
    expect(parseTwilioWebhook({ ...base }, 'media')).toEqual({ type: 'media-done' });
  });

  it('twilioCallInfo takes the leg id and numbers, and needs a CallSid', () => {
    expect(twilioCallInfo(base)).toEqual({ callId: base.CallSid, from: base.From, to: base.To, provider: 'twilio' });
    expect(() => twilioCallInfo({ From: '+1' })).toThrow(/no CallSid/);
  });
});
