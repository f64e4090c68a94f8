import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseFlow, toNodeListener, type Logger, type StaticFlow, type Store } from '@callflow/core';
import { createPhoneTree } from '@callflow/example-flows';
import { createTelnyxHandler, type TelnyxClient, type TelnyxHandler } from '@callflow/telnyx';

/** The hotline flow file next to this package: the JSON config of seed 000 in callflow's flow format. */
export const hotlineFile = fileURLToPath(new URL('../weather-hotline.json', import.meta.url));

/** Reads and validates a flow file (every problem is reported with its path and line). */
export function loadHotline(path: string = hotlineFile): StaticFlow {
  return parseFlow(readFileSync(path, 'utf8'), { fileName: path });
}

/** Settings of the IVR server. */
export interface IvrAppOptions {
  /** Secret of the continuation tokens (16+ characters). */
  secret: string;
  /** The account's Ed25519 public key (Mission Control → Keys & Credentials → Public Key). */
  publicKey: string;
  /** A telnyx SDK client: `new Telnyx({ apiKey })`. */
  client: TelnyxClient;
  /** Shared state (event de-duplication, call positions); default in-memory. Use one shared store for several instances. */
  store?: Store;
  /** Path of the hotline flow file; default `weather-hotline.json`. */
  hotlineFile?: string;
  logger?: Logger;
}

/** Two Call Control webhooks: `/hotline` (seed 000) and `/phone-tree` (the shared phone tree, unchanged). */
export function createApp(options: IvrAppOptions): { hotline: TelnyxHandler; phoneTree: TelnyxHandler; listener: http.RequestListener } {
  const common = {
    secret: options.secret,
    publicKey: options.publicKey,
    client: options.client,
    store: options.store,
    logger: options.logger ?? console,
  };
  const hotline = createTelnyxHandler({ ...common, flow: loadHotline(options.hotlineFile) });
  const phoneTree = createTelnyxHandler({
    ...common,
    flow: createPhoneTree(),
    hooks: { voicemail: (effect) => (options.logger ?? console).info?.(`voicemail from ${effect.call.from}: ${effect.recording?.url}`) },
  });
  const routes: Record<string, http.RequestListener> = { '/hotline': toNodeListener(hotline), '/phone-tree': toNodeListener(phoneTree) };
  const listener: http.RequestListener = (request, response) => {
    const route = routes[(request.url ?? '/').split('?')[0]!];
    if (route) return route(request, response);
    response.statusCode = 404;
    response.end('not found');
  };
  return { hotline, phoneTree, listener };
}

/**
 * Starts the IVR server on `port` (0 picks a free one).
 * @example const app = await startIvr({ secret, publicKey, client: new Telnyx({ apiKey }), port: 3000 });
 */
export async function startIvr(
  options: IvrAppOptions & { port?: number; host?: string },
): Promise<{ server: http.Server; url: string; close(): Promise<void> }> {
  const { listener } = createApp(options);
  const server = http.createServer(listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
