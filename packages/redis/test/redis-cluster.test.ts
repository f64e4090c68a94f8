import { storeQueue, type Logger } from '@callflow/core';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConformanceCases } from '../../testing/src/store-conformance.js';
import { createRedisStore, queueClaimScript, type RedisStore } from '../src/index.js';
import { startRedisCluster, type RedisClusterProcesses } from './redis-cluster.js';

let cluster: RedisClusterProcesses;
let store: RedisStore;
const warnings: string[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  const logger: Logger = { warn: (message) => warnings.push(message), error: () => {} };
  store = createRedisStore({ cluster: cluster.nodes, prefix: 'cluster-test:', timeoutMs: 2_000, logger });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await cluster?.dispose();
});

describe('Redis Cluster: three primaries on loopback ports (real redis-server --cluster-enabled yes)', () => {
  for (const conformanceCase of storeConformanceCases) {
    it(`conformance: ${conformanceCase.name}`, async () => {
      await conformanceCase.run(store);
    }, 30_000);
  }

  it('a queue and its moves share one hash slot, while keys spread over all three primaries', async () => {
    const client = store.client as Cluster;
    expect(client).toBeInstanceOf(Cluster);
    const [queueSlot, movingSlot] = await Promise.all([
      client.cluster('KEYSLOT', 'cluster-test:queue:{support}') as Promise<number>,
      client.cluster('KEYSLOT', 'cluster-test:queue:{support}:moving') as Promise<number>,
    ]);
    expect(movingSlot).toBe(queueSlot);
    for (let index = 0; index < 60; index++) await store.set(`spread-${index}`, 'x');
    const counts = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(counts).toHaveLength(3);
    for (const count of counts) expect(count, 'every primary holds some keys').toBeGreaterThan(0);
  });

  it('the cluster refuses a script over keys of two slots (what the hash tags avoid), and the store queue works across instances', async () => {
    const client = store.client as Cluster;
    // {a} and {b} hash to different slots: the same script with untagged keys would fail like this.
    const error = await client.eval(queueClaimScript.source, 2, 'x:{a}', 'x:{b}', 1000).catch((caught: unknown) => caught);
    expect(String(error)).toMatch(/CROSSSLOT/);
    const other = createRedisStore({ cluster: cluster.nodes, prefix: 'cluster-test:', timeoutMs: 2_000 });
    try {
      const queue = storeQueue(store, 'agents');
      const otherQueue = storeQueue(other, 'agents');
      for (const member of ['CA1', 'CA2', 'CA3']) await queue.push(member);
      expect(await otherQueue.claim(30)).toBe('CA1');
      expect(await queue.claim(30)).toBe('CA2');
      await otherQueue.release('CA1');
      expect(await queue.members()).toEqual(['CA1', 'CA3']);
    } finally {
      await other.close();
    }
  });

  it('reads the settings of every primary at connect: AOF on, noeviction, so no warning', async () => {
    const settings = await store.serverSettings();
    expect(settings).toHaveLength(3);
    for (const entry of settings)
      expect(entry).toMatchObject({ source: 'config', appendOnly: true, maxmemoryPolicy: 'noeviction', risks: [] });
    expect(warnings.filter((warning) => /lose call state/.test(warning))).toEqual([]);
  });
});
