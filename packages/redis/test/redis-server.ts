import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  /** The running server's process id (undefined while stopped). */
  readonly pid: number | undefined;
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

/** What the machine offers to get a redis-server binary. */
export interface RedisServerHost {
  /** redis-server answers `--version`. */
  installed: boolean;
  /** The process runs as root (uid 0). */
  root: boolean;
  /** apt-get is on PATH (Debian/Ubuntu). */
  aptGet: boolean;
  platform: NodeJS.Platform;
}

/** The one command a person runs to get redis-server on this kind of machine. */
export function redisInstallCommand(host: Pick<RedisServerHost, 'platform' | 'aptGet'>): string {
  if (host.platform === 'darwin') return 'brew install redis';
  if (host.aptGet) return 'sudo .ci/install-redis-server';
  return "install redis-server with your system's package manager";
}

/**
 * What the test setup does about redis-server: use it, install it as `.ci/run` does (root and apt-get), or fail
 * naming the one command to run. Never skip: the Redis store is tested against a real server or the run fails.
 */
export function redisServerPlan(host: RedisServerHost): { action: 'use' } | { action: 'install' } | { action: 'fail'; message: string } {
  if (host.installed) return { action: 'use' };
  if (host.root && host.aptGet && host.platform === 'linux') return { action: 'install' };
  return {
    action: 'fail',
    message: `redis-server is not installed, and the @callflow/redis tests run against a real Redis. Run: ${redisInstallCommand(host)} (then npm test again).`,
  };
}

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const hasCommand = (command: string, args: string[]) => {
  const found = spawnSync(command, args, { encoding: 'utf8' });
  return !found.error && found.status === 0;
};
let provided: Promise<void> | undefined;

/** Makes sure redis-server is on PATH: installs it when the plan says so (once per process), else throws the plan's message. */
export function provideRedisServer(): Promise<void> {
  provided ??= (async () => {
    const plan = redisServerPlan({
      installed: hasCommand('redis-server', ['--version']),
      root: process.getuid?.() === 0,
      aptGet: hasCommand('apt-get', ['--version']),
      platform: process.platform,
    });
    if (plan.action === 'fail') throw new Error(plan.message);
    if (plan.action === 'use') return;
    // Several test files may ask at once: one installs (apt holds its own lock too), the others wait for it.
    const lock = join(tmpdir(), 'callflow-install-redis-server.lock');
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (hasCommand('redis-server', ['--version'])) return;
      }
    }
    try {
      const install = spawnSync(join(repositoryRoot, '.ci', 'install-redis-server'), [], { encoding: 'utf8', timeout: 10 * 60_000 });
      if (install.status !== 0 || !hasCommand('redis-server', ['--version'])) {
        throw new Error(
          `installing redis-server failed (${install.error?.message ?? `exit ${install.status}`}):\n${install.stdout}${install.stderr}\nRun: ${redisInstallCommand({ platform: process.platform, aptGet: true })}`,
        );
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  })();
  return provided;
}

/** Starts `redis-server` on a free 127.0.0.1 port and waits for PING; provides redis-server first (see `provideRedisServer`). */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerProcess> {
  await provideRedisServer();
  const port = options.port ?? (await freePort());
  const dataDirectory = mkdtempSync(join(tmpdir(), 'callflow-redis-'));
  const persistence = options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        ...persistence,
        '--dir',
        dataDirectory,
        '--protected-mode',
        'yes',
        ...(options.args ?? []),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
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
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    start,
    stop,
    dispose,
  };
}
