import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A round-robin HTTP proxy on 127.0.0.1, like a load balancer without sticky sessions. */
export interface RoundRobinProxy {
  readonly url: string;
  /** The instances behind it (`http://127.0.0.1:port`), set once they are up. */
  backends: string[];
  /** Requests answered per backend, and requests a dead backend refused (sent on to the next one). */
  readonly served: Map<string, number>;
  refused: number;
  /** Every answered request, in the order the answers started: which backend, which URL, which status. */
  readonly log: Array<{ backend: string; url: string; status: number }>;
  close(): Promise<void>;
}

/**
 * Sends each request to the next backend in turn. A backend that refuses the connection (it is down) is skipped, as a
 * load balancer's `next upstream on error` does; one that fails after getting the request answers 503, so the provider retries.
 */
export async function startRoundRobinProxy(): Promise<RoundRobinProxy> {
  let turn = 0;
  const proxy: RoundRobinProxy = { url: '', backends: [], served: new Map(), refused: 0, log: [], close: async () => undefined };
  const forward = (request: http.IncomingMessage, body: Buffer, response: http.ServerResponse, index: number, tries: number): void => {
    const backend = proxy.backends[index % proxy.backends.length]!;
    const upstream = http.request(`${backend}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
      proxy.served.set(backend, (proxy.served.get(backend) ?? 0) + 1);
      proxy.log.push({ backend, url: request.url ?? '/', status: answer.statusCode ?? 502 });
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && tries < proxy.backends.length) {
        proxy.refused++;
        return forward(request, body, response, index + 1, tries + 1);
      }
      if (!response.headersSent) response.writeHead(503, { 'content-type': 'text/plain' });
      response.end(`proxy: ${error.code ?? error.message}`);
    });
    upstream.end(body);
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => forward(request, Buffer.concat(chunks), response, turn++, 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
