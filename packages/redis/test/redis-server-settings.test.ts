import type { Logger } from '@callflow/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore, risksOf } from '../src/index.js';
import { startRedisServer, type RedisServerProcess } from './redis-server.js';

const servers: RedisServerProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.dispose()));
});

// Connects a store to a server started with `args` and returns the warnings its logger got at connect.
async function warningsAtConnect(args: string[], persistent = false) {
  const server = await startRedisServer({ persistent, args });
  servers.push(server);
  const warnings: string[] = [];
  let settled: () => void = () => {};
  const checked = new Promise<void>((resolve) => (settled = resolve));
  const logger: Logger = { warn: (message) => warnings.push(message), error: () => {} };
  const store = createRedisStore({ client: server.url, logger });
  try {
    await store.get('anything');
    const settings = await store.serverSettings();
    // The connect-time check runs on 'ready'; by the time serverSettings answered on the same connection it has logged.
    setTimeout(settled, 50);
    await checked;
    return { warnings, settings: settings[0]! };
  } finally {
    await store.close();
  }
}

describe('Redis server settings at connect (real redis-server)', () => {
  it("no persistence (--save '' --appendonly no): warns at connect, naming appendonly", async () => {
    const { warnings, settings } = await warningsAtConnect(['--save', '', '--appendonly', 'no']);
    expect(settings).toMatchObject({ source: 'config', appendOnly: false, save: '', maxmemoryPolicy: 'noeviction' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[callflow:redis\] this Redis can lose call state: no persistence .*set appendonly yes$/);
  });

  it('--appendonly yes with noeviction: no warning', async () => {
    const { warnings, settings } = await warningsAtConnect(['--appendonly', 'yes'], true);
    expect(settings).toMatchObject({ source: 'config', appendOnly: true, maxmemoryPolicy: 'noeviction', risks: [] });
    expect(warnings).toEqual([]);
  });

  it('RDB snapshots only: warns that a crash loses writes since the last snapshot', async () => {
    const { warnings } = await warningsAtConnect(['--save', '60 1', '--appendonly', 'no']);
    expect(warnings.join('\n')).toMatch(/appendonly is off \(RDB snapshots only, save '60 1'\).*set appendonly yes/);
  });

  it('--maxmemory-policy allkeys-lru (even with AOF): warns, naming maxmemory-policy noeviction', async () => {
    const { warnings, settings } = await warningsAtConnect(
      ['--appendonly', 'yes', '--maxmemory-policy', 'allkeys-lru', '--maxmemory', '64mb'],
      true,
    );
    expect(settings).toMatchObject({ appendOnly: true, maxmemoryPolicy: 'allkeys-lru', maxmemoryBytes: 64 * 1024 * 1024 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/maxmemory-policy is allkeys-lru: .*set maxmemory-policy noeviction$/);
    expect(warnings[0]).not.toMatch(/dormant/);
  });

  it('CONFIG disabled (as on managed Redis): reads INFO instead and says where to change the setting', async () => {
    const { warnings, settings } = await warningsAtConnect([
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'volatile-lru',
      '--rename-command',
      'CONFIG',
      '',
    ]);
    expect(settings).toMatchObject({ source: 'info', appendOnly: false, maxmemoryPolicy: 'volatile-lru', maxmemoryBytes: 0 });
    expect(settings.save).toBeUndefined();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/appendonly is off.*set appendonly yes \(read from INFO: CONFIG is disabled on this server/);
    expect(warnings[1]).toMatch(
      /maxmemory-policy is volatile-lru.*dormant while maxmemory is 0.*set maxmemory-policy noeviction \(read from INFO/,
    );
  });

  it('a server that refuses CONFIG and INFO gets a warning that the settings are unknown', () => {
    expect(risksOf({ source: 'unknown' })).toEqual([
      expect.stringMatching(/could not read .* appendonly yes and maxmemory-policy noeviction/),
    ]);
  });

  it('checkServerSettings: false keeps quiet', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const warnings: string[] = [];
    const store = createRedisStore({
      client: server.url,
      checkServerSettings: false,
      logger: { warn: (message) => warnings.push(message), error: () => {} },
    });
    await store.get('x');
    expect((await store.serverSettings())[0]!.risks).toHaveLength(1);
    await store.close();
    expect(warnings).toEqual([]);
  });
});
