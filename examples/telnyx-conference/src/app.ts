import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { conference, defineFlow, hangup, say, toNodeListener, type Logger, type Store } from '@callflow/core';
import { createTelnyxHandler, type TelnyxClient, type TelnyxHandler } from '@callflow/telnyx';

/** Settings of the conference line. */
export interface ConferenceLineOptions {
  /** Room every caller joins; default `demo-conference`, as in the seed. */
  room?: string;
  /** Music the first caller hears until someone joins. */
  holdMusicUrl?: string;
}

/** Seed 002: greet, then the first caller creates the room and later callers join it, with a beep; goodbye when the room ends. */
export function createConferenceLine(options: ConferenceLineOptions = {}) {
  return defineFlow({
    name: 'conference-line',
    start: 'welcome',
    defaults: { voice: 'female', language: 'en-US' },
    nodes: {
      welcome: [
        say('Welcome to the conference line. You are joining the room now.'),
        conference(options.room ?? 'demo-conference', {
          beep: true,
          holdMusic: options.holdMusicUrl ?? 'https://audio.example.com/conference-hold.mp3',
          then: 'goodbye',
        }),
      ],
      goodbye: [say('The conference has ended. Goodbye.'), hangup()],
    },
  });
}

/** Settings of the conference server. */
export interface ConferenceAppOptions extends ConferenceLineOptions {
  secret: string;
  /** The account's Ed25519 public key (Mission Control → Keys & Credentials → Public Key). */
  publicKey: string;
  /** A telnyx SDK client: `new Telnyx({ apiKey })`. */
  client: TelnyxClient;
  /** Where the room name → conference id map lives. Give every instance the same store (e.g. Redis) so they share rooms. */
  store?: Store;
  logger?: Logger;
}

/** The Call Control webhook of the conference line, at `/conference`. */
export function createApp(options: ConferenceAppOptions): { handler: TelnyxHandler; listener: http.RequestListener } {
  const handler = createTelnyxHandler({
    flow: createConferenceLine(options),
    secret: options.secret,
    publicKey: options.publicKey,
    client: options.client,
    store: options.store,
    logger: options.logger ?? console,
  });
  const webhook = toNodeListener(handler);
  const listener: http.RequestListener = (request, response) => {
    if ((request.url ?? '/').split('?')[0] === '/conference') return webhook(request, response);
    response.statusCode = 404;
    response.end('not found');
  };
  return { handler, listener };
}

/**
 * Starts the conference line on `port` (0 picks a free one).
 * @example const app = await startConferenceLine({ secret, publicKey, client: new Telnyx({ apiKey }), port: 3000 });
 */
export async function startConferenceLine(
  options: ConferenceAppOptions & { port?: number; host?: string },
): Promise<{ server: http.Server; url: string; close(): Promise<void> }> {
  const server = http.createServer(createApp(options).listener);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  return {
    server,
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
