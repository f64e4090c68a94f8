import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { toNodeListener, type Logger, type Store } from '@callflow/core';
import { createPhoneTree } from '@callflow/example-flows';
import { createVonageHandler, type VonageHandler, type VonageVoiceClient } from '@callflow/vonage';
import { agentQueue, createInboundFlow } from './inbound-flow.js';

/** Settings of the example server. */
export interface AppOptions {
  /** Public URL of this server, e.g. `https://abcd.ngrok.app` (webhooks are under /inbound and /phone-tree). */
  publicUrl: string;
  /** Secret signing continuation tokens (≥16 characters). */
  secret: string;
  /** The Vonage account's signature secret (signed webhooks). */
  signatureSecret: string;
  /** The agent's phone (E.164). */
  agentNumber: string;
  holdMusicUrl: string;
  /** Client for the REST transfer when the agent frees up. */
  voiceClient?: VonageVoiceClient;
  /** Is the agent free when the server starts; default false. */
  agentFree?: boolean;
  now?: () => number;
  store?: Store;
  logger?: Logger;
}

/** The example's HTTP server and the handlers behind it. */
export interface App {
  server: Server;
  /** The node:http listener behind `server`, to mount elsewhere. */
  listener: (request: IncomingMessage, response: ServerResponse) => void;
  inbound: VonageHandler;
  phoneTree: VonageHandler;
  /** Marks the agent free: the caller at the front of the queue is transferred to them. */
  agentFree(): Promise<string | undefined>;
}

/**
 * Builds the server: `/inbound/*` runs seed 004, `/phone-tree/*` the shared phone tree, `POST /agent-free` and
 * `POST /agent-busy` set the agent's state (seed 004's "agent becomes free" moment).
 */
export function createApp(options: AppOptions): App {
  const base = options.publicUrl.replace(/\/+$/, '');
  let agentIsFree = options.agentFree ?? false;
  const common = {
    secret: options.secret,
    signatureSecret: options.signatureSecret,
    now: options.now,
    store: options.store,
    logger: options.logger,
    voiceClient: options.voiceClient,
  };
  const inbound = createVonageHandler({
    ...common,
    flow: createInboundFlow({ agentNumber: options.agentNumber, holdMusicUrl: options.holdMusicUrl, isAgentFree: () => agentIsFree }),
    publicBaseUrl: `${base}/inbound`,
  });
  const phoneTree = createVonageHandler({
    ...common,
    flow: createPhoneTree({ receptionNumber: options.agentNumber, holdMusicUrl: options.holdMusicUrl }),
    publicBaseUrl: `${base}/phone-tree`,
    hooks: { voicemail: (effect) => options.logger?.info?.('voicemail left', { url: effect.recording?.url, from: effect.call.from }) },
  });

  async function agentFree(): Promise<string | undefined> {
    const caller = await inbound.connectNextCaller(agentQueue, { node: 'connect_agent' });
    // Nobody was waiting: the agent stays free for the next caller.
    agentIsFree = caller === undefined;
    return caller?.callId;
  }

  const inboundListener = toNodeListener(inbound);
  const phoneTreeListener = toNodeListener(phoneTree);
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (path.startsWith('/inbound/')) {
      inboundListener(request, response);
      return;
    }
    if (path.startsWith('/phone-tree/')) {
      phoneTreeListener(request, response);
      return;
    }
    if (request.method === 'POST' && path === '/agent-free') {
      agentFree().then(
        (callId) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ transferred: callId ?? null })),
        (error: unknown) =>
          response.writeHead(502, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error)),
      );
      return;
    }
    if (request.method === 'POST' && path === '/agent-busy') {
      agentIsFree = false;
      response.writeHead(204).end();
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  };
  return { server: createServer(listener), listener, inbound, phoneTree, agentFree };
}
