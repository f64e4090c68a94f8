import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { textResponse, toNodeListener, type Effect, type Logger } from '@callflow/core';
import { createPhoneTree } from '@callflow/example-flows';
import { connectAgentToQueue, createTwilioHandler, type TwilioHandler, type TwilioLiveClient } from '@callflow/twilio';

/** Settings of the phone-tree server. */
export interface PhoneTreeAppOptions {
  /** Twilio auth token; every webhook's signature is checked with it. */
  authToken: string | undefined;
  /** Secret of the continuation tokens (16+ characters). */
  secret: string;
  /** The exact public URL of `/voice`, as configured on the Twilio number. Default: `http://<host>:<port>/voice` once listening. */
  publicBaseUrl?: string;
  /** Number dialled by option 0. */
  receptionNumber?: string;
  holdMusicUrl?: string;
  /** Called when a caller leaves a voicemail (option 1). */
  onVoicemail?: (effect: Effect) => void | Promise<void>;
  /** A `twilio` client, for the `/agents/connect` endpoint (live-call control). */
  twilioClient?: TwilioLiveClient;
  /** Caller id for agent calls. */
  twilioNumber?: string;
  logger?: Logger;
  now?: () => number;
}

/** A running server. */
export interface RunningPhoneTree {
  server: http.Server;
  /** Base URL the server listens on, e.g. `http://127.0.0.1:3000`. */
  url: string;
  voiceUrl: string;
  handler: TwilioHandler;
  close(): Promise<void>;
}

/** The request handler of the phone tree: `/voice` for Twilio, `/agents/connect` to bridge an agent to the support queue. */
export function createApp(options: PhoneTreeAppOptions & { publicBaseUrl: string }): {
  handler: TwilioHandler;
  listener: http.RequestListener;
} {
  const handler = createTwilioHandler({
    flow: createPhoneTree({ receptionNumber: options.receptionNumber, holdMusicUrl: options.holdMusicUrl }),
    secret: options.secret,
    authToken: options.authToken,
    publicBaseUrl: options.publicBaseUrl,
    hooks: { voicemail: options.onVoicemail ?? ((effect) => console.log(`voicemail from ${effect.call.from}: ${effect.recording?.url}`)) },
    logger: options.logger ?? console,
    now: options.now,
  });
  const voice = toNodeListener(handler);
  const agents = toNodeListener(async (request) => {
    if (!options.twilioClient || !options.twilioNumber)
      return textResponse(501, 'set TWILIO_ACCOUNT_SID and TWILIO_NUMBER to connect agents');
    const agent = new URL(request.url).searchParams.get('agent');
    if (!agent) return textResponse(400, 'agent=<number> is required');
    const { agentCallSid } = await connectAgentToQueue(options.twilioClient, { queue: 'support', agent, from: options.twilioNumber });
    return textResponse(200, `calling ${agent} (${agentCallSid})`);
  });
  const listener: http.RequestListener = (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/voice') return voice(request, response);
    if (path === '/agents/connect' && request.method === 'POST') return agents(request, response);
    response.statusCode = 404;
    response.end('not found');
  };
  return { handler, listener };
}

/**
 * Starts the phone tree on `port` (0 picks a free one).
 * @example const app = await startPhoneTree({ authToken, secret, port: 3000 });
 */
export async function startPhoneTree(options: PhoneTreeAppOptions & { port?: number; host?: string }): Promise<RunningPhoneTree> {
  const server = http.createServer();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  const { handler, listener } = createApp({ ...options, publicBaseUrl: options.publicBaseUrl ?? `${url}/voice` });
  server.on('request', listener);
  return {
    server,
    url,
    voiceUrl: `${url}/voice`,
    handler,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
