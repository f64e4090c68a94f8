// The code shown in docs/deploying.md, run against a real redis-server: keep the two in step.
import { isCallFlowError, storeQueue, textResponse, type Store } from '@callflow/core';
import { createPhoneTree } from '@callflow/example-flows';
import { createVonageHandler, signVonageRequest } from '@callflow/vonage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConformanceCases } from '../../testing/src/store-conformance.js';
import { createRedisStore, type RedisStore } from '../src/index.js';
import { startRedisServer, type RedisServerProcess } from './redis-server.js';

// docs: "One store per process"
function createSharedStore(): RedisStore {
  return createRedisStore({
    client: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: `${process.env.APP_NAME ?? 'support-line'}:`,
    timeoutMs: 500,
  });
}

// docs: "Pass it to the handler"
function createHandler(store: Store) {
  return createVonageHandler({
    flow: createPhoneTree(),
    secret: process.env.CALLFLOW_SECRET ?? 'change-me-to-a-long-random-secret',
    publicBaseUrl: 'https://ivr.example.com/vonage',
    signatureSecret: process.env.VONAGE_SIGNATURE_SECRET,
    store,
  });
}

// docs: "Queues across instances"
async function queueExample(store: Store, callId: string) {
  const support = storeQueue(store, 'support');
  const position = await support.push(callId); // the same caller pushed twice keeps one place
  const next = await support.shift(); // an agent became free, on any instance
  const hungUp = await support.remove(callId); // false: already taken by the agent
  return { position, next, hungUp };
}

// docs: "A health check"
async function health(store: Store): Promise<Response> {
  try {
    await store.get('health');
    return textResponse(200, 'ok');
  } catch (error) {
    if (isCallFlowError(error, 'store-unavailable')) return textResponse(503, 'redis unavailable');
    throw error;
  }
}

// docs: "Beyond one Redis: Cluster and Sentinel" (compiled here; the cluster and Sentinel tests run the same options on real servers)
export function createBeyondOneRedis() {
  // Redis Cluster: a few of its nodes; ioredis finds the rest and follows slot moves.
  const clustered = createRedisStore({
    cluster: [
      { host: '10.0.0.1', port: 6379 },
      { host: '10.0.0.2', port: 6379 },
    ],
  });
  // A primary with replicas behind Sentinel: the store asks the Sentinels for the primary and follows a failover.
  const replicated = createRedisStore({ sentinel: { sentinels: [{ host: '10.0.0.5', port: 26379 }], name: 'mymaster' } });
  return { clustered, replicated };
}

// docs: "Your own store"
async function checkStore(store: Store) {
  for (const conformanceCase of storeConformanceCases) await conformanceCase.run(store);
}

let server: RedisServerProcess;
let store: RedisStore;

beforeAll(async () => {
  server = await startRedisServer();
  process.env.REDIS_URL = server.url;
  process.env.APP_NAME = 'docs-example';
  process.env.VONAGE_SIGNATURE_SECRET = 'vonage-signature-secret-for-tests';
  store = createSharedStore();
});

afterAll(async () => {
  await store?.close();
  await server?.dispose();
});

describe('docs/deploying.md code', () => {
  it('the shared store writes under APP_NAME and the Vonage handler keeps its call state there', async () => {
    const handler = createHandler(store);
    const request = await signVonageRequest({
      url: 'https://ivr.example.com/vonage/answer',
      body: { uuid: 'call-uuid-1', conversation_uuid: 'CON-1', from: '447700900001', to: '447700900000' },
      signatureSecret: 'vonage-signature-secret-for-tests',
    });
    const response = await handler(request);
    expect(response.status).toBe(200);
    const ncco = (await response.json()) as Array<{ action: string }>;
    expect(ncco.map((action) => action.action)).toContain('input');
    const keys = await store.client.keys('docs-example:*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((key) => key.includes('call-uuid-1'))).toBe(true);
  });

  it('the queue example keeps one place per caller and hands the caller to one agent', async () => {
    expect(await queueExample(store, 'CA-docs')).toEqual({ position: 1, next: 'CA-docs', hungUp: false });
  });

  it('the Redis store passes the check the docs tell custom stores to run', async () => {
    await checkStore(store);
  });

  it('the health check answers 200, then 503 while Redis is down, then 200 again', async () => {
    expect((await health(store)).status).toBe(200);
    await server.stop();
    expect((await health(store)).status).toBe(503);
    await server.start();
    for (let attempt = 0; attempt < 100 && (await health(store)).status !== 200; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await health(store)).status).toBe(200);
  });
});
