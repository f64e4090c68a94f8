import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCallFlowError } from '@callflow/core';
import { createCallControlClient, type TelnyxClient } from '../src/index.js';

/** One request as the local server received it. */
interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const received: Received[] = [];
const hanging: ServerResponse[] = [];

/** Answers by the call id in the path: each one a case the client's response handling must treat as the SDK does. */
function answer(request: IncomingMessage, response: ServerResponse, body: string): void {
  received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
  const id = decodeURIComponent(request.url?.split('/')[3] ?? '');
  if (id === 'json') {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"data":{"result":"ok","text":"héllo ✓"}}');
  } else if (id === 'no-content') {
    response.writeHead(204).end();
  } else if (id === 'text') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
  } else if (id === 'rejected') {
    response
      .writeHead(422, { 'content-type': 'application/json' })
      .end('{"errors":[{"code":"90018","title":"Call has already ended","detail":"This call is no longer active."}]}');
  } else if (id === 'hang') {
    hanging.push(response);
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('unknown case');
  }
}

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => answer(request, response, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
});

afterAll(async () => {
  for (const response of hanging) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The outcome of one call: what it resolved to, or the error's code, message, status and parsed body. */
async function outcome(send: () => Promise<unknown>): Promise<unknown> {
  try {
    return { resolved: await send() };
  } catch (error) {
    if (!isCallFlowError(error)) throw error;
    const { status, error: body } = error as { status?: number; error?: unknown };
    return { code: error.code, message: error.message, status, body };
  }
}

const transports: Record<'node' | 'fetch', (base: string) => TelnyxClient> = {
  // No fetch option: node:http, on Node.
  node: (base) => createCallControlClient({ apiKey: 'KEY-test', baseUrl: base }),
  fetch: (base) => createCallControlClient({ apiKey: 'KEY-test', baseUrl: base, fetch: (...args) => globalThis.fetch(...args) }),
};

describe('the built-in client over node:http and over fetch, against the same local server', () => {
  it('parses a JSON answer, keeping multi-byte characters', async () => {
    for (const client of Object.values(transports).map((make) => make(baseUrl)))
      expect(await outcome(() => client.calls.actions.answer('json', { command_id: 'c1' }))).toEqual({
        resolved: { data: { result: 'ok', text: 'héllo ✓' } },
      });
  });

  it('resolves a 204 to null and a non-JSON answer to its text', async () => {
    for (const client of Object.values(transports).map((make) => make(baseUrl))) {
      expect(await outcome(() => client.calls.actions.hangup('no-content', {}))).toEqual({ resolved: null });
      expect(await outcome(() => client.calls.actions.hangup('text', {}))).toEqual({ resolved: 'plain words' });
    }
  });

  it('rejects a 422 with its status and parsed error body', async () => {
    const results = await Promise.all(
      Object.values(transports).map((make) =>
        outcome(() => make(baseUrl).calls.actions.speak('rejected', { payload: 'hi', voice: 'female' })),
      ),
    );
    expect(results[0]).toEqual({
      code: 'provider-request-failed',
      message: '[callflow:telnyx] POST /calls/rejected/actions/speak answered 422: This call is no longer active. (90018)',
      status: 422,
      body: { errors: [{ code: '90018', title: 'Call has already ended', detail: 'This call is no longer active.' }] },
    });
    expect(results[1]).toEqual(results[0]);
  });

  it('sends the same method, path, headers and JSON body on both', async () => {
    const requests: Record<string, Array<Omit<Received, 'headers'> & { headers: Record<string, unknown> }>> = {};
    for (const [name, make] of Object.entries(transports)) {
      received.length = 0;
      const client = make(baseUrl);
      await client.calls.actions.speak('json', { payload: 'Grüße', voice: 'female', command_id: 'c2' });
      await client.queues?.retrieve('json');
      requests[name] = received.map(({ headers, ...rest }) => ({
        ...rest,
        headers: {
          accept: headers.accept,
          authorization: headers.authorization,
          'content-type': headers['content-type'],
          'content-length': headers['content-length'],
        },
      }));
    }
    const body = JSON.stringify({ payload: 'Grüße', voice: 'female', command_id: 'c2' });
    expect(requests.node).toEqual([
      {
        method: 'POST',
        url: '/v2/calls/json/actions/speak',
        headers: {
          accept: 'application/json',
          authorization: 'Bearer KEY-test',
          'content-type': 'application/json',
          // In bytes, not characters: 'ü' and 'ß' are two bytes each in UTF-8.
          'content-length': String(new TextEncoder().encode(body).byteLength),
        },
        body,
      },
      { method: 'GET', url: '/v2/queues/json', headers: { accept: 'application/json', authorization: 'Bearer KEY-test' }, body: '' },
    ]);
    expect(requests.fetch).toEqual(requests.node);
  });

  it('times out a server that never answers, with the same error', async () => {
    const results = await Promise.all(
      Object.values(transports).map((make) => outcome(() => make(baseUrl).calls.actions.answer('hang', {}, { timeout: 200 }))),
    );
    for (const result of results)
      expect(result).toEqual({
        code: 'provider-request-failed',
        message: '[callflow:telnyx] POST /calls/hang/actions/answer timed out after 200 ms',
        status: undefined,
        body: undefined,
      });
  });

  it('fails a refused connection with a provider-request-failed error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    for (const make of Object.values(transports)) {
      const result = (await outcome(() => make(`http://127.0.0.1:${port}/v2`).calls.actions.answer('json', {}))) as Record<string, unknown>;
      expect(result).toMatchObject({ code: 'provider-request-failed', status: undefined, body: undefined });
      expect(result.message).toMatch(/^\[callflow:telnyx\] POST \/calls\/json\/actions\/answer failed: \S/);
    }
    const nodeResult = (await outcome(() => transports.node(`http://127.0.0.1:${port}/v2`).calls.actions.answer('json', {}))) as {
      message: string;
    };
    expect(nodeResult.message).toContain('ECONNREFUSED');
  });

  it('does not call globalThis.fetch when no fetch option is given on Node', async () => {
    const original = globalThis.fetch;
    const calls: unknown[] = [];
    globalThis.fetch = (async (...args: Parameters<typeof fetch>) => {
      calls.push(args);
      return original(...args);
    }) as typeof fetch;
    try {
      expect(await transports.node(baseUrl).calls.actions.answer('json', {})).toEqual({ data: { result: 'ok', text: 'héllo ✓' } });
      expect(calls).toEqual([]);
      // The spy is live: the fetch transport reads globalThis.fetch at each request and goes through it.
      await transports.fetch(baseUrl).calls.actions.answer('json', {});
      expect(calls).toHaveLength(1);
    } finally {
      globalThis.fetch = original;
    }
  });
});
