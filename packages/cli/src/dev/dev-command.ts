import type { Writable } from 'node:stream';
import type { CommandResult } from '../cli.js';
import { startDevServer } from './dev-server.js';

/**
 * `callflow dev <flow> [--port N]`: starts the dev console, prints its URL, and serves until Ctrl-C (or `signal`).
 * The URL is written as soon as the server listens, not with the result.
 */
export async function devCommand(
  flowPath: string,
  options: Record<string, string | boolean | undefined>,
  io: { output?: Writable; signal?: AbortSignal } = {},
): Promise<CommandResult> {
  const output = io.output ?? process.stdout;
  let port = 0;
  if (options.port !== undefined) {
    port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      return { code: 2, stdout: '', stderr: `callflow dev: --port '${String(options.port)}' is not a port number (0-65535)\n` };
  }
  let server;
  try {
    server = await startDevServer({ flowPath, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      code: 1,
      stdout: '',
      stderr: `callflow dev: ${code === 'EADDRINUSE' ? `port ${port} is in use (leave --port out for a free one)` : error instanceof Error ? error.message : String(error)}\n`,
    };
  }
  output.write(`callflow dev: ${server.url}  (flow: ${flowPath}; reloads on save; Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    if (io.signal) io.signal.addEventListener('abort', stop, { once: true });
    else {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
  });
  await server.close();
  return { code: 0, stdout: '', stderr: '' };
}
