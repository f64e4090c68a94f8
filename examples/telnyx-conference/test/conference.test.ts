import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore, silentLogger, type Store } from '@callflow/core';
import { createTelnyxEmulator, spoken } from '@callflow/testing';
import { Telnyx } from 'telnyx';
import { createApp } from '../src/app.js';

const welcome = 'Welcome to the conference line. You are joining the room now.';
const ended = 'The conference has ended. Goodbye.';

/** Two server instances behind one URL, taking turns (round robin), each with its own store unless one is shared. */
async function twoInstances(stores: [Store, Store]) {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const emulator = await createTelnyxEmulator({
    webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/conference`,
    msPerSecond: 10,
  });
  const instances = stores.map((store) =>
    createApp({
      secret: 'conference-line-secret-0123456789',
      publicKey: emulator.publicKey,
      client: new Telnyx({ apiKey: 'test', baseURL: emulator.apiBaseUrl }),
      store,
      logger: silentLogger,
    }),
  );
  let turn = 0;
  const served = [0, 0];
  server.on('request', (request, response) => {
    const index = turn++ % 2;
    served[index]!++;
    instances[index]!.listener(request, response);
  });
  return {
    emulator,
    served,
    async close() {
      await emulator.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000) {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('seed 002: the conference line on Telnyx, two server instances, one shared Store', () => {
  let rig: Awaited<ReturnType<typeof twoInstances>> | undefined;
  afterEach(() => rig?.close());

  it('the first caller creates the room (hold music while alone), the second joins it by id; teardown on conference.ended', async () => {
    const shared = createMemoryStore();
    rig = await twoInstances([shared, shared]);
    const { emulator } = rig;
    // The first caller stays until the second's call is over (a fixed stay raced the second caller's menu and join).
    const secondEnded = deferred();
    const first = emulator.call({ from: '+15550000001', conferences: [{ status: 'ended', until: secondEnded.promise }] });
    await waitFor(() => emulator.conferences()[0]?.participants.length === 1);
    const second = await emulator.call({ from: '+15550000002', conferences: [{ status: 'ended', seconds: 5 }] });
    secondEnded.resolve();
    const firstTranscript = await first;

    for (const transcript of [firstTranscript, second]) {
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual([welcome, ended]);
      expect(transcript.entries).toContainEqual({ type: 'conference', room: 'demo-conference' });
    }
    const rooms = emulator.conferences();
    expect(rooms).toHaveLength(1);
    expect(rooms[0]).toMatchObject({
      name: 'demo-conference',
      beep: 'always',
      ended: true,
      participants: [],
      holdAudioUrl: 'https://audio.example.com/conference-hold.mp3',
    });
    expect(rooms[0]!.joined).toHaveLength(2);
    expect(rooms[0]!.heardHoldAudio).toHaveLength(1);
    const actions = emulator.requests.map((request) => request.action);
    expect(actions.filter((action) => action === 'conferences.create')).toHaveLength(1);
    expect(actions.filter((action) => action === 'conferences.join')).toHaveLength(1);
    expect(emulator.requests.find((request) => request.action === 'conferences.join')?.body).toMatchObject({
      beep_enabled: 'always',
      start_conference_on_enter: true,
    });
    // Both instances served webhooks, and the room record is gone after conference.ended.
    expect(rig.served[0]).toBeGreaterThan(0);
    expect(rig.served[1]).toBeGreaterThan(0);
    expect(await shared.get('telnyx:room:demo-conference')).toBeUndefined();

    // A caller after teardown creates a fresh room.
    const third = await emulator.call({ conferences: [{ status: 'ended', seconds: 1 }] });
    expect(third.errors).toEqual([]);
    expect(emulator.conferences()).toHaveLength(2);
  });

  it('a caller who hangs up in the room leaves it; the other stays until the room ends', async () => {
    const shared = createMemoryStore();
    rig = await twoInstances([shared, shared]);
    const { emulator } = rig;
    const secondEnded = deferred();
    const first = emulator.call({ conferences: [{ status: 'ended', until: secondEnded.promise }] });
    await waitFor(() => emulator.conferences()[0]?.participants.length === 1);
    const second = await emulator.call({ conferences: [{ hangup: true }] });
    secondEnded.resolve();
    expect(emulator.conferences()).toHaveLength(1);
    expect(second.endedBy).toBe('caller');
    expect(spoken(second)).toEqual([welcome]);
    const firstTranscript = await first;
    expect(spoken(firstTranscript)).toEqual([welcome, ended]);
    expect(firstTranscript.errors).toEqual([]);
  });
});
