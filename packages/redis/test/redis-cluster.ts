import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, startRedisServer, type RedisServerProcess } from './redis-server.js';

const run = promisify(execFile);

/** A Redis Cluster of `primaries` redis-server processes on loopback ports, no replicas, slots spread by redis-cli. */
export interface RedisClusterProcesses {
  readonly nodes: Array<{ host: string; port: number }>;
  readonly servers: RedisServerProcess[];
  dispose(): Promise<void>;
}

async function clusterState(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info']);
  return /cluster_state:(\w+)/.exec(stdout)?.[1] ?? 'unknown';
}

/** Starts the servers with cluster mode on (each with its own bus port), joins them with `redis-cli --cluster create`, waits for state ok. */
export async function startRedisCluster(primaries = 3): Promise<RedisClusterProcesses> {
  const servers: RedisServerProcess[] = [];
  try {
    for (let index = 0; index < primaries; index++) {
      const busPort = await freePort();
      servers.push(
        await startRedisServer({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(busPort),
            '--cluster-node-timeout',
            '2000',
            '--appendonly',
            'yes',
          ],
        }),
      );
    }
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    const started = Date.now();
    for (const server of servers) {
      while ((await clusterState(server.port)) !== 'ok') {
        if (Date.now() - started > 20_000) throw new Error(`the cluster did not reach state ok within 20 s (node ${server.port})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.dispose()));
    throw error;
  }
  return {
    nodes: servers.map((server) => ({ host: '127.0.0.1', port: server.port })),
    servers,
    dispose: async () => {
      await Promise.all(servers.map((server) => server.dispose()));
    },
  };
}
