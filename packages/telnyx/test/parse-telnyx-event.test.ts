import { describe, expect, it } from 'vitest';
import { decodeClientState, encodeClientState, maxClientStateLength, parseTelnyxEvent } from '../src/index.js';

const token = 'eyJhIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA';
const position = encodeClientState({ kind: 'position', sequence: 3, token });
const peer = encodeClientState({ kind: 'peer', sequence: 3, token, callControlId: 'v3:caller-leg_1' });

function event(type: string, payload: Record<string, unknown>) {
  return JSON.stringify({
    data: {
      record_type: 'event',
      event_type: type,
      id: `id-${type}`,
      occurred_at: '2026-01-05T15:00:00Z',
      payload: { call_control_id: 'v3:leg', ...payload },
    },
    meta: { attempt: 1 },
  });
}

describe('client_state', () => {
  it('is one line of standard base64 and round-trips every kind', () => {
    for (const state of [
      { kind: 'position', sequence: 1, token },
      { kind: 'peer', sequence: 12, token, callControlId: 'v3:abc-DEF_123' },
      { kind: 'left-queue', sequence: 4, token, digit: '*' },
    ] as const) {
      const encoded = encodeClientState(state);
      expect(encoded).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(decodeClientState(encoded)).toEqual(state);
    }
  });

  it('ignores state it did not write, and refuses to send state over the size limit', () => {
    expect(decodeClientState(Buffer.from('incoming').toString('base64'))).toBeUndefined();
    expect(decodeClientState('not base64!')).toBeUndefined();
    expect(decodeClientState(null)).toBeUndefined();
    expect(() => encodeClientState({ kind: 'position', sequence: 1, token: `${'a'.repeat(maxClientStateLength)}.b` })).toThrow(
      /\[callflow:telnyx\] client_state is \d+ characters/,
    );
  });
});

describe('parseTelnyxEvent', () => {
  it.each([
    ['call.speak.ended', { status: 'completed' }, { type: 'media-done' }],
    ['call.playback.ended', { status: 'file_not_found' }, { type: 'media-done' }],
    ['call.playback.ended', { status: 'call_hangup' }, { type: 'hangup' }],
    ['call.playback.ended', { status: 'cancelled' }, undefined],
    ['call.gather.ended', { status: 'valid', digits: '12' }, { type: 'digits', digits: '12' }],
    ['call.gather.ended', { status: 'invalid', digits: '9' }, { type: 'digits', digits: '9' }],
    ['call.gather.ended', { status: 'timeout', digits: '' }, { type: 'no-input' }],
    ['call.gather.ended', { status: 'call_hangup' }, { type: 'hangup' }],
    [
      'call.recording.saved',
      {
        recording_urls: { mp3: 'https://r/1.mp3', wav: null },
        recording_started_at: '2026-01-05T15:00:00Z',
        recording_ended_at: '2026-01-05T15:00:12.4Z',
      },
      { type: 'recording', url: 'https://r/1.mp3', durationSeconds: 12 },
    ],
    ['call.hangup', { hangup_cause: 'normal_clearing' }, { type: 'hangup', cause: 'normal_clearing' }],
    ['call.dequeued', { reason: 'timeout', wait_time_secs: 30 }, { type: 'queue', result: 'timeout', waitSeconds: 30 }],
    ['call.dequeued', { reason: 'bridged' }, { type: 'queue', result: 'bridged' }],
    ['conference.participant.left', { conference_id: 'c1' }, { type: 'conference', status: 'ended' }],
    ['call.answered', {}, undefined],
    ['call.dtmf.received', { digit: '5' }, undefined],
  ])('%s %j → %j', (type, payload, outcome) => {
    expect(parseTelnyxEvent(event(type, { client_state: position, ...payload })).outcome).toEqual(outcome);
  });

  it.each([
    ['user_busy', 'busy'],
    ['timeout', 'no-answer'],
    ['no_answer', 'no-answer'],
    ['call_rejected', 'failed'],
    ['not_found', 'failed'],
    ['unspecified', 'failed'],
    ['originator_cancel', 'canceled'],
    ['normal_clearing', 'completed'],
  ])('a far leg hanging up with %s is a %s transfer for the caller leg', (cause, status) => {
    const parsed = parseTelnyxEvent(event('call.hangup', { call_control_id: 'v3:far-leg', client_state: peer, hangup_cause: cause }));
    expect(parsed.outcome).toEqual({ type: 'dial', status, raw: cause });
    expect(parsed.event.clientState).toMatchObject({ kind: 'peer', callControlId: 'v3:caller-leg_1', token });
  });

  it('a queue left with a key carries the key', () => {
    const left = encodeClientState({ kind: 'left-queue', sequence: 2, token, digit: '*' });
    expect(parseTelnyxEvent(event('call.dequeued', { client_state: left, reason: 'leave' })).outcome).toEqual({
      type: 'queue',
      result: 'left',
      digit: '*',
    });
  });

  it('refuses what is not an event envelope', () => {
    expect(() => parseTelnyxEvent('{')).toThrow(/\[callflow:telnyx\] body is not JSON/);
    expect(() => parseTelnyxEvent({ data: { id: 'x' } })).toThrow(/event without data.id or data.event_type/);
    expect(() => parseTelnyxEvent([])).toThrow(/no data object/);
  });
});
