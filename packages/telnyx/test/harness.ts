import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore, toNodeListener, type FetchHandler, type Flow, type Logger, type Store } from '@callflow/core';
import { createTelnyxEmulator, type TelnyxEmulator, type TelnyxEmulatorOptions } from '@callflow/testing';
import { Telnyx } from 'telnyx';
import { createTelnyxHandler, type TelnyxClient, type TelnyxHandler, type TelnyxHandlerOptions } from '../src/index.js';

/** A logger that keeps what it was told, for assertions. */
export function memoryLogger(): Logger & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  return {
    lines,
    info: (message) => void lines.push({ level: 'info', message }),
    warn: (message) => void lines.push({ level: 'warn', message }),
    error: (message) => void lines.push({ level: 'error', message }),
  };
}

export interface Rig {
  emulator: TelnyxEmulator;
  handler: TelnyxHandler;
  store: Store;
  logger: ReturnType<typeof memoryLogger>;
  url: string;
  close(): Promise<void>;
}

/** The Call Control client the handler sends commands through, made for the emulator's API URL; default the telnyx SDK. */
export type ClientFactory = (apiBaseUrl: string) => TelnyxClient;

/** The telnyx SDK client, pointed at the emulator. */
export const sdkClient: ClientFactory = (apiBaseUrl) => new Telnyx({ apiKey: 'test-key', baseURL: apiBaseUrl });

/**
 * The client with every command's per-request timeout raised to 30 s. The handler re-sends a command unanswered after
 * 2 s (same command_id); on a loaded machine a slow answer then shows up in `emulator.requests` as a duplicate, which the
 * exact request lists these tests assert would count (seen once in ~80 whole calls under load). Tests of the timeout
 * itself build their own clients.
 */
function patient<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, name, receiver) {
      const value = Reflect.get(object, name, receiver);
      if (typeof value === 'function')
        return (...args: unknown[]) => {
          const last = args.at(-1);
          if (last !== null && typeof last === 'object' && 'maxRetries' in last && 'timeout' in last)
            args[args.length - 1] = { ...last, timeout: 30_000 };
          return Reflect.apply(value, object, args);
        };
      return value !== null && typeof value === 'object' ? patient(value) : value;
    },
  });
}

/** An application server on 127.0.0.1:0 running the Telnyx handler, and the emulator pointed at it, the client (default the SDK) pointed at the emulator. */
export async function startRig(
  flow: Flow,
  options: {
    emulator?: Omit<TelnyxEmulatorOptions, 'webhookUrl'>;
    handler?: Partial<TelnyxHandlerOptions>;
    store?: Store;
    client?: ClientFactory;
  } = {},
): Promise<Rig> {
  let current: FetchHandler = async () => new Response('not ready', { status: 503 });
  const server: Server = createServer(toNodeListener((request) => current(request)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telnyx`;
  const emulator = await createTelnyxEmulator({ webhookUrl: url, ...options.emulator });
  const store = options.store ?? createMemoryStore();
  const logger = memoryLogger();
  const handler = createTelnyxHandler({
    flow,
    secret: 'telnyx-test-secret-0123456789',
    publicKey: emulator.publicKey,
    client: patient((options.client ?? sdkClient)(emulator.apiBaseUrl)),
    store,
    logger,
    retryDelayMs: 5,
    ...options.handler,
  });
  current = handler;
  return {
    emulator,
    handler,
    store,
    logger,
    url,
    async close() {
      await emulator.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
