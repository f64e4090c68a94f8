import { silentLogger } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { createCallControlClient, createTelnyxHandler, generateTelnyxKeyPair, signTelnyxEvent } from '@callflow/telnyx';
import { createVonageHandler, signVonageRequest } from '@callflow/vonage';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';
import { startRedisServer, type RedisServerProcess } from './redis-server.js';

let server: RedisServerProcess;
let store: RedisStore;
let observer: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  // No settings check: its INFO and CONFIG GET would land among the commands counted here.
  store = createRedisStore({ client: server.url, prefix: 'round-trips:', timeoutMs: 5_000, checkServerSettings: false });
  observer = new Redis(server.url);
});

afterAll(async () => {
  await store?.close();
  observer?.disconnect();
  await server?.dispose();
});

/** The commands clients sent the server while `work` ran, by name (MONITOR; the commands scripts ran inside Redis left out). */
async function commandsDuring(work: () => Promise<unknown>): Promise<Record<string, number>> {
  const monitor = await observer.monitor();
  const marker = `end-${Math.random().toString(36).slice(2)}`;
  const sent: string[] = [];
  let ended: () => void = () => {};
  const end = new Promise<void>((resolve) => (ended = resolve));
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) return ended();
    if (source !== 'lua') sent.push(args[0]!.toLowerCase());
  });
  try {
    await work();
    await observer.echo(marker);
    await end;
  } finally {
    monitor.disconnect();
  }
  const counts: Record<string, number> = {};
  for (const name of sent) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

describe('Redis commands per webhook (counted by the server): one pipeline or one script per round trip', () => {
  it('a Vonage menu press costs two: the jti claim with the call read and the position claim, then the commit; a repeat one', async () => {
    const secret = 'round-trip-secret-0123456789';
    const signatureSecret = 'round-trip-signature-secret';
    const base = 'https://ivr.example.com/vonage';
    const handler = createVonageHandler({ flow: phoneTree, secret, signatureSecret, publicBaseUrl: base, store, logger: silentLogger });
    const press = async (callId: string) => {
      const answer = await handler(
        await signVonageRequest({ url: `${base}/answer?to=447700900000&from=447700900001&uuid=${callId}`, method: 'GET', signatureSecret }),
      );
      const ncco = (await answer.json()) as Array<{ action: string; eventUrl?: string[] }>;
      const input = ncco.find((action) => action.action === 'input')!.eventUrl![0]!;
      return signVonageRequest({
        url: input,
        body: {
          uuid: callId,
          from: '447700900001',
          to: '447700900000',
          dtmf: { digits: '3', timed_out: false },
          timestamp: '2026-12-01T10:00:00Z',
        },
        signatureSecret,
      });
    };
    // A first call loads the scripts into the server's cache (a first EVALSHA falls back to EVAL).
    await handler(await press('11111111-2222-4333-8444-000000000001'));
    const request = await press('11111111-2222-4333-8444-000000000002');
    const repeat = request.clone();
    let first = '';
    const firstRun = await commandsDuring(async () => {
      const response = await handler(request);
      expect(response.status).toBe(200);
      first = await response.text();
    });
    expect(first).toContain('"input"');
    // One script claims the jti, reads the call's numbers and claims the position; one more commits the document and the move.
    expect(firstRun).toEqual({ evalsha: 2 });
    let again = '';
    const repeatRun = await commandsDuring(async () => (again = await (await handler(repeat)).text()));
    expect(again, 'a repeated delivery gets the same document').toBe(first);
    expect(repeatRun, 'the one claim script, which finds the document already sent').toEqual({ evalsha: 1 });
  });

  it('a Telnyx menu event costs three: the event claim with the position read, the pending commands, the position with the done marker', async () => {
    const keys = await generateTelnyxKeyPair();
    const sent: Array<{ path: string; body: { client_state?: string } }> = [];
    const client = createCallControlClient({
      apiKey: 'round-trips',
      fetch: async (url, init) => {
        sent.push({ path: new URL(String(url)).pathname, body: JSON.parse(String(init?.body ?? '{}')) as { client_state?: string } });
        return new Response('{"data":{"result":"ok"}}', { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    const handler = createTelnyxHandler({
      flow: phoneTree,
      secret: 'round-trip-secret-0123456789',
      publicKey: keys.publicKey,
      client,
      store,
      logger: silentLogger,
    });
    const deliver = async (callId: string, eventType: string, payload: Record<string, unknown>) => {
      const body = JSON.stringify({
        data: {
          record_type: 'event',
          event_type: eventType,
          id: `${eventType}-${callId}`,
          occurred_at: new Date().toISOString(),
          payload: {
            call_control_id: callId,
            call_leg_id: `leg-${callId}`,
            call_session_id: `session-${callId}`,
            from: '+15551230000',
            to: '+15559870000',
            ...payload,
          },
        },
      });
      const headers = await signTelnyxEvent(body, { privateKey: keys.privateKey });
      const response = await handler(
        new Request('https://ivr.example.com/telnyx', {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body,
        }),
      );
      expect(response.status).toBe(200);
    };
    const lastState = () => sent.at(-1)!.body.client_state;
    const toMenu = async (callId: string) => {
      await deliver(callId, 'call.initiated', { direction: 'incoming', state: 'parked' });
      await deliver(callId, 'call.speak.ended', { status: 'completed', client_state: lastState() });
      return lastState();
    };
    const warm = await toMenu('v3:round-trips-1');
    await deliver('v3:round-trips-1', 'call.gather.ended', { client_state: warm, digits: '3', status: 'valid' });
    const menu = await toMenu('v3:round-trips-2');
    const commandsBefore = sent.length;
    const ran = await commandsDuring(() =>
      deliver('v3:round-trips-2', 'call.gather.ended', { client_state: menu, digits: '3', status: 'valid' }),
    );
    expect(sent.length, 'the menu press sent the next turn').toBeGreaterThan(commandsBefore);
    // The event claim (SET NX GET) and the position (GET) in one pipeline, the pending commands and the position with the done marker one script each.
    expect(ran).toEqual({ set: 1, get: 1, evalsha: 2 });
  });
});
