// An HTTP proxy on 127.0.0.1 that injects faults between two parties of a fault test: in front of the Telnyx emulator's
// Call Control API (brownouts, a failing command, a command whose answer never comes) or in front of the application
// (deliveries held back, so concurrent ones arrive out of order). No emulator change is needed for any of them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type FaultDecision =
  /** Pass it on and return the answer (after `delayMs`). */
  | { kind: 'forward'; delayMs?: number }
  /** Answer it with this status and body, without passing it on (an API that refuses or browns out). */
  | { kind: 'answer'; status: number; body?: string }
  /** Pass it on (the command is applied) but never answer: the client's timeout fires (a lost answer). */
  | { kind: 'swallow-answer' };

/** One request the proxy saw, for the report. */
export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
  decision: FaultDecision['kind'];
  /** The status passed back (undefined while pending or when the answer was withheld). */
  status?: number;
}

/** A running fault proxy; set `target` and `decide` before traffic flows. */
export interface FaultProxy {
  readonly url: string;
  /** The base URL requests are passed on to (path appended). */
  target: string;
  decide: (request: { method: string; path: string; body: string }) => FaultDecision;
  readonly log: ProxiedRequest[];
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a fault proxy on a free port; by default it forwards everything. */
export async function startFaultProxy(): Promise<FaultProxy> {
  const log: ProxiedRequest[] = [];
  const swallowed = new Set<ServerResponse>();
  const proxy: FaultProxy = {
    url: '',
    target: '',
    decide: () => ({ kind: 'forward' }),
    log,
    close: async () => undefined,
  };
  const server: Server = createServer(async (request, response) => {
    const path = request.url ?? '/';
    const body = await readBody(request);
    const decision = proxy.decide({ method: request.method ?? 'GET', path, body });
    const entry: ProxiedRequest = { method: request.method ?? 'GET', path, body, decision: decision.kind };
    log.push(entry);
    if (decision.kind === 'answer') {
      response
        .writeHead(decision.status, { 'content-type': 'application/json' })
        .end(decision.body ?? JSON.stringify({ errors: [{ code: '10007', title: 'Unexpected error', detail: 'injected fault' }] }));
      return;
    }
    if (decision.kind === 'forward' && decision.delayMs) await sleep(decision.delayMs);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers))
      if (typeof value === 'string' && name !== 'host' && name !== 'content-length' && name !== 'connection') headers[name] = value;
    let answer: Response;
    try {
      answer = await fetch(`${proxy.target}${path}`, {
        method: request.method,
        headers,
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
      });
    } catch (error) {
      response.writeHead(502).end(error instanceof Error ? error.message : String(error));
      return;
    }
    const text = await answer.text();
    if (decision.kind === 'swallow-answer') {
      // Applied upstream; the client never hears back and gives up on its own timeout.
      swallowed.add(response);
      response.on('close', () => swallowed.delete(response));
      return;
    }
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection' && name !== 'content-encoding')
        out[name] = value;
    });
    entry.status = answer.status;
    response.writeHead(answer.status, out).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(proxy, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const response of swallowed) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return proxy;
}
