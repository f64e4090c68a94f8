import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore, silentLogger } from '@callflow/core';
import { createTelnyxEmulator, spoken, type TelnyxEmulator } from '@callflow/testing';
import { Telnyx } from 'telnyx';
import { createApp } from '../src/app.js';

const prompt =
  'Thank you for calling the Weather Hotline. For weather in Chicago, Illinois press 1. For weather in Raleigh, North Carolina press 2.';

describe('seed 000: the weather hotline on Telnyx, over real HTTP through the emulator', () => {
  let server: http.Server;
  let hotline: TelnyxEmulator;
  let phoneTree: TelnyxEmulator;
  beforeAll(async () => {
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    hotline = await createTelnyxEmulator({ webhookUrl: `${base}/hotline` });
    phoneTree = await createTelnyxEmulator({ webhookUrl: `${base}/phone-tree`, privateKey: hotline.privateKey });
    const { listener } = createApp({
      secret: 'weather-hotline-secret-0123456789',
      publicKey: hotline.publicKey,
      client: new Telnyx({ apiKey: 'test', baseURL: hotline.apiBaseUrl }),
      store: createMemoryStore(),
      logger: silentLogger,
    });
    const { listener: treeListener } = createApp({
      secret: 'weather-hotline-secret-0123456789',
      publicKey: phoneTree.publicKey,
      client: new Telnyx({ apiKey: 'test', baseURL: phoneTree.apiBaseUrl }),
      logger: silentLogger,
    });
    server.on('request', (request, response) =>
      (request.url ?? '').startsWith('/phone-tree') ? treeListener(request, response) : listener(request, response),
    );
  });
  afterAll(async () => {
    await hotline.close();
    await phoneTree.close();
    server.closeAllConnections();
    server.close();
  });

  it('answers, asks with native valid digits and retries, transfers the caller to the chosen station', async () => {
    hotline.requests.length = 0;
    const transcript = await hotline.call({ input: ['1'], transfers: ['completed'] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([prompt]);
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: '+18158340675', status: 'completed' });
    expect(transcript.endedBy).toBe('flow');
    // The hand-written seed sends answer, gather_using_speak, transfer: callflow sends the same three.
    expect(hotline.requests.map((request) => request.action)).toEqual(['answer', 'gather_using_speak', 'transfer']);
    expect(hotline.requests[1]!.body).toMatchObject({
      payload: prompt,
      voice: 'male',
      language: 'en-US',
      valid_digits: '12',
      minimum_digits: 1,
      maximum_digits: 1,
      maximum_tries: 3,
      timeout_millis: 8000,
      invalid_payload: 'Sorry, that is not one of the options.',
    });
    expect(hotline.requests[2]!.body).toMatchObject({ to: '+18158340675', timeout_secs: 25 });
  });

  it('an invalid key is handled by Telnyx itself (invalid_payload, replay) without a round trip', async () => {
    hotline.requests.length = 0;
    const transcript = await hotline.call({ input: ['7', '2'], transfers: ['completed'] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([prompt, 'Sorry, that is not one of the options.', prompt]);
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: '+19193261052', status: 'completed' });
    expect(hotline.requests.filter((request) => request.action === 'gather_using_speak')).toHaveLength(1);
  });

  it('when the station does not answer, the caller hears the fallback and the menu again', async () => {
    const transcript = await hotline.call({ input: ['2', '1'], transfers: ['no-answer', 'busy'] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries.filter((entry) => entry.type === 'transfer')).toEqual([
      { type: 'transfer', to: '+19193261052', status: 'no-answer' },
      { type: 'transfer', to: '+18158340675', status: 'busy' },
    ]);
    // Back at the menu the caller stays silent: Telnyx replays the prompt itself, three tries in all.
    expect(spoken(transcript)).toEqual([
      prompt,
      'That weather line is not answering right now.',
      prompt,
      'That weather line is not answering right now.',
      prompt,
      prompt,
      prompt,
      'Thank you for calling. Goodbye.',
    ]);
  });

  it('three tries without a valid key (counted by Telnyx, reported as attemptsUsed) end the call', async () => {
    hotline.requests.length = 0;
    const transcript = await hotline.call({ input: ['9', { silence: true }, '0'] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([
      prompt,
      'Sorry, that is not one of the options.',
      prompt,
      prompt,
      'Thank you for calling. Goodbye.',
    ]);
    expect(hotline.requests.map((request) => request.action)).toEqual(['answer', 'gather_using_speak', 'speak', 'hangup']);
  });

  it('runs the shared phone tree, unchanged, on Telnyx at /phone-tree', async () => {
    const transcript = await phoneTree.call({ input: ['0'], transfers: ['completed'] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([
      'Hello, and welcome to ACME, Inc.',
      'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
      'Connecting you to reception.',
      'Thank you for calling ACME. Goodbye.',
    ]);
  });
});
