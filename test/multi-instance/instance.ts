// One server instance of the multi-instance test, run as its own process: the Telnyx conference line (examples/telnyx-conference)
// at /conference, and a Vonage queue line at /queue/* with POST /agent-free, both on one Redis store.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineFlow, enqueue, say, toNodeListener, transfer, type Logger } from '@callflow/core';
import { createRedisStore } from '@callflow/redis';
import { createVonageHandler } from '@callflow/vonage';
import { Vonage } from '@vonage/server-sdk';
import { Telnyx } from 'telnyx';
import { createApp as createConferenceApp } from '../../examples/telnyx-conference/src/app.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

/** Seed 004's hold-until-an-agent-is-free, reduced to the queue: callers hear their position and wait; an agent takes the next. */
export const queueFlow = defineFlow({
  name: 'agent-queue',
  start: 'hold',
  nodes: {
    hold: [
      say('All our agents are busy. Please hold.'),
      enqueue('agents', { announcePosition: true, holdMusic: 'https://audio.example.com/hold.mp3' }),
    ],
    connect_agent: [say('Now connecting you.'), transfer('+447700900123', { ringSeconds: 20 })],
  },
});

// Warnings are expected here (stale events, retried deliveries); errors go to stderr for the test log.
const logger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: (message, data) => console.error(`[instance ${process.pid}] ${message}`, data ?? ''),
};
// 2 s: an operation issued while Redis restarts waits for the reconnect instead of failing at once (see docs/deploying.md, "Riding out a Redis restart").
const store = createRedisStore({ client: env('REDIS_URL'), prefix: 'multi-instance:', timeoutMs: 2_000 });
const publicUrl = env('PUBLIC_URL');

const conference = createConferenceApp({
  secret: env('CALLFLOW_SECRET'),
  publicKey: env('TELNYX_PUBLIC_KEY'),
  client: new Telnyx({ apiKey: 'test-key', baseURL: env('TELNYX_API_URL'), maxRetries: 0 }),
  store,
  logger,
});
const queue = createVonageHandler({
  flow: queueFlow,
  secret: env('CALLFLOW_SECRET'),
  signatureSecret: env('VONAGE_SIGNATURE_SECRET'),
  publicBaseUrl: `${publicUrl}/queue`,
  store,
  logger,
  voiceClient: new Vonage(
    { applicationId: 'multi-instance-app', privateKey: env('VONAGE_PRIVATE_KEY') },
    { apiHost: env('VONAGE_API_URL') },
  ),
});
const queueListener = toNodeListener(queue);

const server = http.createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0]!;
  if (path === '/conference') return conference.listener(request, response);
  if (path.startsWith('/queue/')) return queueListener(request, response);
  if (path === '/agent-free' && request.method === 'POST') {
    queue.connectNextCaller('agents', { node: 'connect_agent' }).then(
      (caller) =>
        response
          .writeHead(200, { 'content-type': 'application/json', 'x-instance': String(process.pid) })
          .end(JSON.stringify({ callId: caller?.callId ?? null })),
      (error: unknown) =>
        response.writeHead(503, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error)),
    );
    return;
  }
  response.writeHead(404).end('not found');
});
server.listen(0, '127.0.0.1', () => console.log(`READY ${(server.address() as AddressInfo).port}`));
