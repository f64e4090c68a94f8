import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '@callflow/core';
import { documentedTelnyxPayload } from '../../testing/src/telnyx/create-telnyx-emulator.js';
import { dialStatusOf, encodeClientState, parseTelnyxEvent } from '../src/index.js';

// The corpus: Telnyx's documented events (fixtures/provider-docs/*.json, each naming its source in `_source`), fed
// through the public parser. Expected outcomes are callflow's neutral words for what the docs say happened.
const folder = new URL('./fixtures/provider-docs/', import.meta.url);
type Fixture = { _source: string[]; data: { event_type: string; payload: Record<string, unknown> } & Record<string, unknown> };
const fixtures = new Map<string, Fixture>(
  readdirSync(folder)
    .filter((name) => name.endsWith('.json') && name !== 'enums.json')
    .map((name) => [name.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(name, folder), 'utf8')) as Fixture]),
);
const enums = JSON.parse(readFileSync(new URL('enums.json', folder), 'utf8')) as Record<string, string[]>;

/** The event as Telnyx sends it: the fixture without its `_source`. */
function body(type: string, payload: Record<string, unknown> = {}): string {
  const { _source: _, ...envelope } = fixtures.get(type)!;
  return JSON.stringify({ ...envelope, data: { ...envelope.data, payload: { ...envelope.data.payload, ...payload } } });
}

const token = 'eyJhIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA';
const position = encodeClientState({ kind: 'position', sequence: 4, token });
const peer = encodeClientState({ kind: 'peer', sequence: 4, token, callControlId: 'v3:the-caller' });

// What each documented event means while callflow waits on it (with callflow's own client_state).
const expected: Record<string, Outcome | undefined> = {
  'call.initiated': undefined,
  'call.answered': undefined,
  'call.bridged': undefined,
  'call.dtmf.received': undefined,
  'call.speak.started': undefined,
  'call.speak.ended': { type: 'media-done' },
  'call.playback.started': undefined,
  'call.playback.ended': { type: 'media-done' },
  'call.gather.ended': { type: 'digits', digits: '123' },
  'call.transcription': { type: 'speech', text: 'hello this is a test speech', confidence: 0.977219 },
  'call.recording.saved': { type: 'recording', url: 'http://example.com/recording.mp3', durationSeconds: 300 },
  'call.recording.error': { type: 'recording' },
  'call.hangup': { type: 'hangup', cause: 'call_rejected' },
  'call.enqueued': undefined,
  'call.dequeued': { type: 'queue', result: 'bridged', waitSeconds: 60 },
  'conference.created': undefined,
  'conference.participant.joined': undefined,
  'conference.participant.left': { type: 'conference', status: 'ended' },
  'conference.ended': undefined,
};

describe('Telnyx documented events through parseTelnyxEvent', () => {
  it('the corpus holds every event type the adapter handles, each naming its source', () => {
    expect([...fixtures.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [type, fixture] of fixtures) {
      expect(fixture._source.length, type).toBeGreaterThan(0);
      expect(fixture.data.event_type).toBe(type);
    }
  });

  it.each(Object.entries(expected))('%s → %j', (type, outcome) => {
    const parsed = parseTelnyxEvent(body(type, { client_state: position }));
    expect(parsed.outcome).toEqual(outcome);
    expect(parsed.event.type).toBe(type);
  });

  it("another application's client_state (the docs' example) is not callflow's", () => {
    for (const type of fixtures.keys()) expect(parseTelnyxEvent(body(type)).event.clientState, type).toBeUndefined();
  });

  it('call.recording.saved, documented without call_control_id, names the caller leg through its client_state', () => {
    expect(fixtures.get('call.recording.saved')!.data.payload).not.toHaveProperty('call_control_id');
    const recordState = encodeClientState({ kind: 'position', sequence: 4, token, callControlId: 'v3:the-caller' });
    const parsed = parseTelnyxEvent(body('call.recording.saved', { client_state: recordState }));
    expect(parsed.event.callControlId).toBe('v3:the-caller');
    expect(parsed.event.clientState).toEqual({ kind: 'position', sequence: 4, token, callControlId: 'v3:the-caller' });
    expect(parsed.outcome).toMatchObject({ type: 'recording', url: 'http://example.com/recording.mp3' });
  });

  it('the emulator sends exactly the documented fields of each event it emulates', () => {
    for (const [type, fixture] of fixtures) {
      let sent: string[];
      try {
        sent = Object.keys(
          documentedTelnyxPayload(type, { ...fixture.data.payload, from: '+1', to: '+2', call_control_id: 'v3:x', extra: 1 }),
        );
      } catch {
        continue; // not an event the emulator sends
      }
      const documented = Object.keys(fixture.data.payload);
      expect(
        sent.filter((field) => !documented.includes(field)),
        `${type}: fields the docs do not list`,
      ).toEqual([]);
      expect(
        documented.filter((field) => !sent.includes(field)),
        `${type}: documented fields the emulator drops`,
      ).toEqual([]);
    }
  });
});

describe('every documented value of the enums callflow reads', () => {
  const dialByCause: Record<string, string> = {
    call_rejected: 'failed',
    normal_clearing: 'completed',
    originator_cancel: 'canceled',
    timeout: 'no-answer',
    time_limit: 'completed',
    user_busy: 'busy',
    not_found: 'failed',
    no_answer: 'no-answer',
    unspecified: 'failed',
  };
  it.each(enums['call.hangup hangup_cause']!)('hangup_cause %s on a far leg is a transfer outcome', (cause) => {
    expect(dialByCause[cause], `no expectation for documented cause ${cause}`).toBeDefined();
    expect(parseTelnyxEvent(body('call.hangup', { client_state: peer, hangup_cause: cause })).outcome).toEqual({
      type: 'dial',
      status: dialByCause[cause],
      raw: cause,
    });
    expect(dialStatusOf(cause)).toBe(dialByCause[cause]);
    expect(parseTelnyxEvent(body('call.hangup', { client_state: position, hangup_cause: cause })).outcome).toEqual({
      type: 'hangup',
      cause,
    });
  });

  const queueByReason: Record<string, string> = {
    bridged: 'bridged',
    'bridging-in-process': 'bridged',
    hangup: 'hangup',
    leave: 'left',
    timeout: 'timeout',
  };
  it.each(enums['call.dequeued reason']!)('dequeue reason %s gives a queue outcome', (reason) => {
    expect(queueByReason[reason], `no expectation for documented reason ${reason}`).toBeDefined();
    expect(parseTelnyxEvent(body('call.dequeued', { client_state: position, reason })).outcome).toEqual({
      type: 'queue',
      result: queueByReason[reason],
      waitSeconds: 60,
    });
  });

  const gatherByStatus: Record<string, Outcome | undefined> = {
    valid: { type: 'digits', digits: '123' },
    invalid: { type: 'digits', digits: '123' },
    timeout: { type: 'digits', digits: '123' },
    call_hangup: { type: 'hangup' },
    cancelled: undefined,
    cancelled_amd: undefined,
  };
  it.each(enums['call.gather.ended status']!)('gather status %s', (status) => {
    expect(Object.hasOwn(gatherByStatus, status), `no expectation for documented status ${status}`).toBe(true);
    expect(parseTelnyxEvent(body('call.gather.ended', { client_state: position, status })).outcome).toEqual(gatherByStatus[status]);
  });

  it('a gather that timed out with no digits is no input', () => {
    expect(parseTelnyxEvent(body('call.gather.ended', { client_state: position, status: 'timeout', digits: '' })).outcome).toEqual({
      type: 'no-input',
    });
  });

  it.each([
    ...enums['call.playback.ended status']!.map((status) => ['call.playback.ended', status]),
    ...enums['call.speak.ended status']!.map((status) => ['call.speak.ended', status]),
  ])('%s status %s: media done, hang-up, or stopped by callflow', (type, status) => {
    const outcome = parseTelnyxEvent(body(type!, { client_state: position, status })).outcome;
    if (status === 'call_hangup') expect(outcome).toEqual({ type: 'hangup' });
    else if (status === 'cancelled' || status === 'cancelled_amd') expect(outcome).toBeUndefined();
    else expect(outcome).toEqual({ type: 'media-done' });
  });

  it.each(enums['call.recording.error reason']!)('recording error %s still resumes the flow (without a recording)', (reason) => {
    expect(parseTelnyxEvent(body('call.recording.error', { client_state: position, reason })).outcome).toEqual({ type: 'recording' });
  });

  it.each(enums['conference.ended reason']!)('conference.ended %s is not a flow outcome (the participant.left is)', (reason) => {
    expect(parseTelnyxEvent(body('conference.ended', { client_state: position, reason })).outcome).toBeUndefined();
  });
});
