import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options for `startRedisServer`. */
export interface RedisServerOptions {
  /** Keep data across stop()/start() with an fsync-always append-only file in a temporary directory, like a production Redis; default false. */
  persistent?: boolean;
  /** The port to listen on; default a free one. */
  port?: number;
  /** Extra redis-server arguments after the defaults (a later `--appendonly` or `--maxmemory-policy` wins), e.g. `['--rename-command', 'CONFIG', '']`. */
  args?: string[];
}

/** A redis-server process this test started on a loopback port (no persistence unless asked). */
export interface RedisServerProcess {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: like a crash) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts the server again on the same port: empty, or with its data when `persistent`. */
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  dispose(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound once, then released). */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

// Speaks RESP directly, so the wait does not depend on the client under test.
export const ping = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(200, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });

/** Starts `redis-server` on a free 127.0.0.1 port and waits for PING; throws a clear error when redis-server is not installed. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerProcess> {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(
      'redis-server is not on PATH: the @callflow/redis tests run against a real Redis. Install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) or run .ci/run, which installs it.',
    );
  }
  const port = options.port ?? (await freePort());
  const dataDirectory = mkdtempSync(join(tmpdir(), 'callflow-redis-'));
  const persistence = options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dataDirectory, '--protected-mode', 'yes', ...(options.args ?? [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk) => (output += chunk.toString()));
    const started = Date.now();
    while (Date.now() - started < 10_000) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${output}`);
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server did not answer PING on port ${port} within 10 s:\n${output}`);
  };

  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  const dispose = async () => {
    await stop();
    rmSync(dataDirectory, { recursive: true, force: true });
  };

  // A crashed test run must not leave a server behind.
  process.once('exit', () => child?.kill('SIGKILL'));
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop, dispose };
}
