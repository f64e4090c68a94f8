import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, ping, startRedisServer, type RedisServerProcess } from './redis-server.js';

/** A primary, one replica and one Sentinel (quorum 1) on loopback ports, with a short down-after for a quick failover. */
export interface RedisSentinelSet {
  readonly name: string;
  readonly primary: RedisServerProcess;
  readonly replica: RedisServerProcess;
  readonly sentinel: { host: string; port: number };
  /** The address the Sentinel currently names as primary. */
  primaryPort(): Promise<number>;
  dispose(): Promise<void>;
}

const until = async (what: string, withinMs: number, check: () => Promise<boolean>) => {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > withinMs) throw new Error(`${what} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const info = async (port: number, section: string) => {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    return String(await client.info(section));
  } finally {
    client.disconnect();
  }
};

/**
 * Starts the primary (append-only), a replica of it, and `redis-server --sentinel` monitoring it with `downAfterMs`; waits until the
 * replica is in sync and the Sentinel knows it (so a failover can promote it).
 */
export async function startRedisSentinelSet(options: { downAfterMs?: number } = {}): Promise<RedisSentinelSet> {
  const name = 'callflow-primary';
  const primary = await startRedisServer({ args: ['--appendonly', 'yes'] });
  const replica = await startRedisServer({ args: ['--appendonly', 'yes', '--replicaof', '127.0.0.1', String(primary.port)] });
  const sentinelPort = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'callflow-sentinel-'));
  const configFile = join(directory, 'sentinel.conf');
  writeFileSync(
    configFile,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${directory}`,
      `sentinel monitor ${name} 127.0.0.1 ${primary.port} 1`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
      `sentinel failover-timeout ${name} 10000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn('redis-server', [configFile, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk) => (output += chunk.toString()));
  process.once('exit', () => child.kill('SIGKILL'));
  const dispose = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await Promise.all([primary.dispose(), replica.dispose()]);
    rmSync(directory, { recursive: true, force: true });
  };
  const sentinelInfo = () => info(sentinelPort, 'sentinel');
  try {
    await until('the Sentinel did not answer PING', 10_000, () => ping(sentinelPort));
    await until('the replica did not sync', 15_000, async () => /master_link_status:up/.test(await info(replica.port, 'replication')));
    // The Sentinel learns replicas from the primary's INFO (every 10 s at first); a failover needs it to know one.
    await until(`the Sentinel did not discover the replica:\n${output}`, 20_000, async () => /slaves=1/.test(await sentinelInfo()));
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    name,
    primary,
    replica,
    sentinel: { host: '127.0.0.1', port: sentinelPort },
    async primaryPort() {
      const match = /address=127\.0\.0\.1:(\d+)/.exec(await sentinelInfo());
      return Number(match?.[1]);
    },
    dispose,
  };
}
