import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNodeListener } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { createTwilioEmulator, spoken } from '@callflow/testing';
import { createTwilioHandler } from '../src/index.js';

const authToken = 'express-auth-token-0123456789abcd';
const secret = 'express-secret-0123456789abcdef';
let server: Server;
let origin: string;

beforeAll(async () => {
  const app = express();
  // The common mistake: a body parser mounted before the webhook. The bridge re-encodes the parsed
  // form, and the signature still holds because Twilio signs the decoded field values.
  app.use(express.urlencoded({ extended: false }));
  const listen = await new Promise<Server>((resolve) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  origin = `http://127.0.0.1:${(listen.address() as AddressInfo).port}`;
  // Twilio calls the public https URL; the proxy forwards to this local port.
  const handler = createTwilioHandler({
    flow: phoneTree,
    secret,
    authToken,
    publicBaseUrl: 'https://ivr.example.com/twilio/voice',
    logger: { warn() {}, error() {} },
  });
  app.post('/twilio/voice', toNodeListener(handler));
  server = listen;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the handler in Express behind a TLS-terminating proxy', () => {
  it('runs a whole call with signatures checked against the public URL', async () => {
    const twilio = createTwilioEmulator({ voiceUrl: `${origin}/twilio/voice`, authToken, publicOrigin: 'https://ivr.example.com' });
    const transcript = await twilio.call({ input: ['3', '2'], queues: [{ result: 'bridged', waitSeconds: 5 }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript).slice(0, 3)).toEqual([
      'Hello, and welcome to ACME, Inc.',
      'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
      'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.',
    ]);
    expect(transcript.endedBy).toBe('flow');
  });

  it('refuses requests signed for the local URL the proxy forwarded to', async () => {
    const twilio = createTwilioEmulator({ voiceUrl: `${origin}/twilio/voice`, authToken });
    const transcript = await twilio.call({ input: ['1'] });
    expect(transcript.endedBy).toBe('error');
    expect(transcript.errors[0]).toMatch(/^HTTP 403/);
  });
});
