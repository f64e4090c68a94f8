import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { conference, defineFlow, gather, hangup, say } from '@callflow/core';
import { spoken } from '@callflow/testing';
import { createCallControlClient } from '../src/index.js';
import { sdkClient, startRig, type ClientFactory, type Rig } from './harness.js';

// provider: conferences.create takes neither mute nor end_conference_on_exit (telnyx SDK resources/conferences/conferences.d.ts
// ConferenceCreateParams). The creator is muted with POST /conferences/{id}/actions/mute; a caller with endOnExit makes the
// others leave (POST /conferences/{id}/actions/leave, after GET /conferences/{id}/participants) when it leaves, so they go on
// with their flows as on Twilio and Vonage, instead of join's end_conference_on_exit, which hangs them up (ActionJoinParams).
const flow = defineFlow({
  name: 'moderated-room',
  start: 'menu',
  nodes: {
    menu: [gather({ prompt: [say('Press 1 to host, 2 to join.')], routes: { '1': 'host', '2': 'guest' } })],
    host: [conference('standup', { muted: true, endOnExit: true, then: 'bye' })],
    guest: [conference('standup', { then: 'bye' })],
    bye: [say('The room has closed.'), hangup()],
  },
});

const waitFor = async (condition: () => boolean) => {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > 10_000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** Stays not ended yet: a test that failed half-way releases its callers (afterEach), so the shared room does not hold them. */
const unreleased: Array<() => void> = [];

/** A promise and the function that resolves it: a caller's stay in the room ends on the test's event, not the clock. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  unreleased.push(resolve);
  return { promise, resolve };
}

const clients: Array<[string, ClientFactory]> = [
  ['the telnyx SDK', sdkClient],
  ['the built-in client', (apiBaseUrl) => createCallControlClient({ apiKey: 'test-key', baseUrl: apiBaseUrl })],
];

describe.each(clients)('a moderated room on Telnyx through %s', (_, client) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(flow, { client, emulator: { msPerSecond: 10 } });
  });
  afterAll(() => rig.close());
  afterEach(() => {
    for (const release of unreleased.splice(0)) release();
  });

  const roomCount = () => rig.emulator.conferences().length;
  const current = () => rig.emulator.conferences().at(-1)!;

  it('the host who creates the room is muted, as a host who joins is', async () => {
    const before = roomCount();
    const host = rig.emulator.call({ input: ['1'], conferences: [{ status: 'ended', seconds: 200 }] });
    await waitFor(() => roomCount() > before && current().participants.length === 1);
    const room = current();
    const creator = room.participants[0]!;
    await waitFor(() => current().muted.includes(creator));
    const mute = rig.emulator.requests.find((request) => request.action === 'conferences.mute' && request.target === room.id);
    expect(mute).toMatchObject({ status: 200, body: { call_control_ids: [creator] } });
    const transcript = await host;
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Press 1 to host, 2 to join.', 'The room has closed.']);
  });

  it('when the host (endOnExit) leaves, the guest leaves too and hears the rest of the flow, not a hang-up', async () => {
    const before = roomCount();
    // The host leaves once the guest is in (a fixed stay raced the guest's menu and join on a busy machine).
    const guestIn = deferred();
    const host = rig.emulator.call({ input: ['1'], conferences: [{ status: 'ended', until: guestIn.promise }] });
    await waitFor(() => roomCount() > before && current().participants.length === 1);
    const guestCall = rig.emulator.call({ input: ['2'], conferences: [{ status: 'ended', seconds: 6000 }] });
    await waitFor(() => current().participants.length === 2);
    guestIn.resolve();
    const guest = await guestCall;
    expect(guest.errors).toEqual([]);
    expect(spoken(guest)).toEqual(['Press 1 to host, 2 to join.', 'The room has closed.']);
    expect(guest.entries.at(-1)).toEqual({ type: 'hangup', by: 'flow' });
    const hostTranscript = await host;
    expect(spoken(hostTranscript)).toEqual(['Press 1 to host, 2 to join.', 'The room has closed.']);
    const room = current();
    expect(room).toMatchObject({ ended: true, participants: [] });
    expect(rig.emulator.requests.filter((request) => request.action === 'conferences.leave' && request.target === room.id)).toHaveLength(1);
    // The room was never told to hang its callers up.
    expect(rig.emulator.requests.some((request) => request.body.end_conference_on_exit === true)).toBe(false);
  });

  it('when the host hangs up in the room, the guest still leaves and hears the rest of the flow', async () => {
    const before = roomCount();
    const guestIn = deferred();
    const host = rig.emulator.call({ input: ['1'], conferences: [{ hangup: true, until: guestIn.promise }] });
    await waitFor(() => roomCount() > before && current().participants.length === 1);
    const guestCall = rig.emulator.call({ input: ['2'], conferences: [{ status: 'ended', seconds: 6000 }] });
    await waitFor(() => current().participants.length === 2);
    guestIn.resolve();
    const guest = await guestCall;
    expect(guest.errors).toEqual([]);
    expect(spoken(guest)).toEqual(['Press 1 to host, 2 to join.', 'The room has closed.']);
    const hostTranscript = await host;
    expect(hostTranscript.endedBy).toBe('caller');
    expect(spoken(hostTranscript)).toEqual(['Press 1 to host, 2 to join.']);
  });

  it('a host who joins a room a guest created: the guest (the creator) leaves when the host does, and hears the rest of the flow', async () => {
    const before = roomCount();
    const guest = rig.emulator.call({ input: ['2'], conferences: [{ status: 'ended', seconds: 6000 }] });
    await waitFor(() => roomCount() > before && current().participants.length === 1);
    const host = await rig.emulator.call({ input: ['1'], conferences: [{ status: 'ended', seconds: 1 }] });
    expect(host.errors).toEqual([]);
    const guestTranscript = await guest;
    expect(guestTranscript.errors).toEqual([]);
    expect(spoken(guestTranscript)).toEqual(['Press 1 to host, 2 to join.', 'The room has closed.']);
    const room = current();
    const join = rig.emulator.requests.find((request) => request.action === 'conferences.join' && request.body.mute === true);
    expect(join?.status).toBe(200);
    expect(room).toMatchObject({ ended: true, participants: [] });
  });

  it('a guest who leaves does not end the room for the host', async () => {
    const before = roomCount();
    // The host stays until the guest's call is over (a fixed stay raced the guest's whole call).
    const guestEnded = deferred();
    const host = rig.emulator.call({ input: ['1'], conferences: [{ status: 'ended', until: guestEnded.promise }] });
    await waitFor(() => roomCount() > before && current().participants.length === 1);
    const guest = await rig.emulator.call({ input: ['2'], conferences: [{ status: 'ended', seconds: 1 }] });
    expect(spoken(guest)).toEqual(['Press 1 to host, 2 to join.', 'The room has closed.']);
    const room = current();
    expect(room.participants).toHaveLength(1);
    expect(rig.emulator.requests.some((request) => request.action === 'conferences.leave' && request.target === room.id)).toBe(false);
    guestEnded.resolve();
    await host;
  });
});
