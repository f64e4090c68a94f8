import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conference, defineFlow, hangup, say, toNodeListener } from '@callflow/core';
import { createTwilioEmulator, spoken } from '@callflow/testing';
import { createTwilioHandler } from '../src/index.js';

// provider: Twilio requests a Conference waitUrl with POST unless waitMethod="GET"; a static MP3 needs GET
// (https://www.twilio.com/docs/api/errors/13234). The emulator requests it as Twilio does and fails the call otherwise.
const authToken = 'conference-wait-token-0123456789ab';
let server: Server;
let url: string;

beforeAll(async () => {
  const flow = defineFlow({
    name: 'waiting-room',
    start: 'room',
    nodes: {
      room: [
        say('Joining the room.'),
        conference('standup', { startOnEnter: false, holdMusic: 'https://cdn.example.com/hold.mp3', then: 'bye' }),
      ],
      bye: [say('The room has closed.'), hangup()],
    },
  });
  server = createServer(toNodeListener((request) => handler(request)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/voice`;
  const handler = createTwilioHandler({ flow, secret: 'conference-wait-secret-0123456789', authToken, publicBaseUrl: url });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a conference with hold music on the Twilio emulator', () => {
  it('waits with the MP3 fetched by GET, then goes on when the room ends', async () => {
    const twilio = createTwilioEmulator({ voiceUrl: url, authToken });
    const transcript = await twilio.call({ conferences: [{ status: 'ended' }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Joining the room.', 'The room has closed.']);
    expect(twilio.requests.some((request) => request.url === 'https://cdn.example.com/hold.mp3' && request.method === 'GET')).toBe(true);
  });
});
