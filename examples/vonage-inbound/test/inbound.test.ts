import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Vonage } from '@vonage/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createVonageEmulator, spoken, type VonageEmulator } from '@callflow/testing';
import { signVonageRequest } from '@callflow/vonage';
import { createApp, type App } from '../src/app.js';

const signatureSecret = 'example-signature-secret';
const agentNumber = '+447700900123';
const holdMusicUrl = 'https://audio.example.com/hold.mp3';
// Tuesday 2026-03-10 11:00 and Saturday 2026-03-14 11:00, London time (GMT in March before the DST change).
const weekdayMorning = Date.parse('2026-03-10T11:00:00Z');
const saturday = Date.parse('2026-03-14T11:00:00Z');
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let running: { server: Server; vonage: VonageEmulator } | undefined;

/** Starts the example app on 127.0.0.1 port 0, with the emulator and a real @vonage/server-sdk client pointed at it. */
async function start(options: { now: number; agentFree?: boolean; onHold?: (url: string) => Promise<void> }) {
  let listener: App['listener'] = (_request, response) => void response.writeHead(503).end();
  const server = createServer((request, response) => listener(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const vonage = await createVonageEmulator({
    answerUrl: `${url}/inbound/answer`,
    eventUrl: `${url}/inbound/event`,
    signatureSecret,
    now: () => options.now,
    onHold: options.onHold ? () => options.onHold!(url) : undefined,
  });
  const voiceClient = new Vonage({ applicationId: 'app-1', privateKey }, { apiHost: vonage.apiUrl });
  const app = createApp({
    publicUrl: url,
    secret: 'example-secret-0123456789',
    signatureSecret,
    agentNumber,
    holdMusicUrl,
    agentFree: options.agentFree,
    now: () => options.now,
    voiceClient,
  });
  listener = app.listener;
  running = { server, vonage };
  return { app, vonage, url };
}

afterEach(async () => {
  if (!running) return;
  await running.vonage.close();
  await new Promise((resolve) => running!.server.close(resolve));
  running = undefined;
});

describe('seed 004 on the Vonage emulator', () => {
  it('scenario 1: out of hours, the caller hears the office hours and the call ends', async () => {
    const { vonage } = await start({ now: saturday });
    const transcript = await vonage.call();
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Hello, our office hours are Monday to Friday nine until five thirty. Please call back then.']);
    expect(transcript.entries.at(-1)).toEqual({ type: 'hangup', by: 'flow' });
  });

  it('scenario 2: in hours with the agent free, the call is forwarded to the agent', async () => {
    const { vonage } = await start({ now: weekdayMorning, agentFree: true });
    const transcript = await vonage.call();
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Hello, one moment please, your call is being forwarded to our agent.']);
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: agentNumber, status: 'completed' });
    expect(transcript.endedBy).toBe('flow');
  });

  it('scenario 3: the caller holds with music until the agent frees up, then is transferred (REST) and connected', async () => {
    const { vonage, app } = await start({
      now: weekdayMorning,
      onHold: async (url) => {
        expect((await app.inbound.queuedCallers('agents')).length).toBe(1);
        const response = await fetch(`${url}/agent-free`, { method: 'POST' });
        expect(response.status).toBe(200);
      },
    });
    const transcript = await vonage.call();
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([
      "Hello, I'm sorry, but all our agents are helping customers right now. Please hold, and we will put you through as soon as possible.",
      'Now connecting you. Thanks for waiting.',
    ]);
    expect(transcript.entries).toContainEqual({ type: 'enqueue', queue: 'agents', result: 'bridged' });
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: agentNumber, status: 'completed' });
    // The emulator's REST API saw the SDK's read of the call (where its leg is, before the move) and its transfer,
    // with an application JWT.
    expect(vonage.restRequests).toEqual([
      expect.objectContaining({ method: 'GET', status: 200 }),
      expect.objectContaining({ method: 'PUT', status: 204, body: expect.objectContaining({ action: 'transfer' }) }),
    ]);
    // The waiting room was a conversation nobody starts, with the hold music.
    expect(vonage.nccos[0]).toContainEqual({
      action: 'conversation',
      name: expect.stringMatching(/^callflow-queue-agents\./),
      musicOnHoldUrl: [holdMusicUrl],
      startOnEnter: false,
      endOnExit: false,
    });
    expect(await app.inbound.queuedCallers('agents')).toEqual([]);
  });

  it('scenario 3, agent busy on the forward: a failed forward puts the caller on hold', async () => {
    const { vonage } = await start({ now: weekdayMorning, agentFree: true });
    const transcript = await vonage.call({ transfers: ['no-answer'], queues: [{ result: 'hangup' }] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: agentNumber, status: 'no-answer' });
    expect(transcript.entries).toContainEqual({ type: 'enqueue', queue: 'agents', result: 'hangup' });
    expect(transcript.endedBy).toBe('caller');
  });

  it('refuses unsigned and forged webhooks with 403 and a non-JSON body with 400', async () => {
    const { url } = await start({ now: Date.now() });
    // An unsigned request is refused before the flow runs.
    expect((await fetch(`${url}/inbound/answer?uuid=u-1&to=447700900000&from=447700900001`)).status).toBe(403);
    const forged = await signVonageRequest({ url: `${url}/inbound/answer?uuid=u-1`, method: 'GET', signatureSecret: 'not-the-secret' });
    expect((await fetch(forged)).status).toBe(403);
    const bad = await signVonageRequest({ url: `${url}/inbound/event`, body: 'not json', signatureSecret });
    expect((await fetch(bad)).status).toBe(400);
  });
});

describe('the shared phone tree on the same server', () => {
  it('runs unchanged on Vonage', async () => {
    const { url } = await start({ now: weekdayMorning });
    const phoneTree = await createVonageEmulator({
      answerUrl: `${url}/phone-tree/answer`,
      eventUrl: `${url}/phone-tree/event`,
      signatureSecret,
      now: () => weekdayMorning,
    });
    try {
      const transcript = await phoneTree.call({ input: ['9', '0'], transfers: ['completed'] });
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual([
        'Hello, and welcome to ACME, Inc.',
        'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
        'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
        'Connecting you to reception.',
        'Thank you for calling ACME. Goodbye.',
      ]);
      expect(transcript.entries).toContainEqual({ type: 'transfer', to: agentNumber, status: 'completed' });
    } finally {
      await phoneTree.close();
    }
  });
});
