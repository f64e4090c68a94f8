import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  reencodedBodyHeader,
  replyHandlerOf,
  textReply,
  toLambdaHandler,
  toNodeListener,
  webHandler,
  xmlReply,
  type FetchHandler,
  type NodeRequestLike,
  type NodeResponseLike,
  type WebhookRequest,
} from '../src/index.js';

/** What a handler saw of its request, echoed back as JSON so both bridge paths can be compared. */
async function describeRequest(request: WebhookRequest) {
  return {
    method: request.method,
    url: request.url,
    contentType: request.headers.get('Content-Type'),
    custom: request.headers.get('x-custom'),
    hasSignature: request.headers.has('X-Twilio-Signature'),
    missing: request.headers.get('x-not-sent'),
    body: await request.text(),
    reencoded: request.headers.get(reencodedBodyHeader),
  };
}

const seen: string[] = [];
const echo = webHandler(
  async (request) => {
    seen.push(request instanceof Request ? 'web' : 'reply');
    return {
      status: 201,
      headers: { 'content-type': 'application/json', 'x-echo': 'yes' },
      body: JSON.stringify(await describeRequest(request)),
    };
  },
  { label: 'echo' },
);

let server: Server | undefined;
afterEach(async () => {
  seen.length = 0;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function listen(listener: ReturnType<typeof toNodeListener>): Promise<number> {
  server = createServer((req, res) => listener(req, res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as AddressInfo).port;
}

/** A raw HTTP request, the body sent in the chunks given (so a UTF-8 character can straddle two). */
function send(port: number, options: { method: string; path: string; headers?: Record<string, string>; chunks?: Buffer[] }) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method, path: options.path, headers: options.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

describe('webHandler', () => {
  it('is a web-standard handler with its extras, and exposes its reply form', async () => {
    expect(echo.label).toBe('echo');
    expect(replyHandlerOf(echo)).toBeTypeOf('function');
    expect(replyHandlerOf(async () => new Response('plain'))).toBeUndefined();
    const response = await echo(
      new Request('https://ivr.example.com/voice?t=1', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-custom': 'a' },
        body: 'hi',
      }),
    );
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.json()).toMatchObject({
      method: 'POST',
      url: 'https://ivr.example.com/voice?t=1',
      body: 'hi',
      custom: 'a',
      missing: null,
    });
    expect(seen).toEqual(['web']);
  });

  it('answers a reply without a body as an empty response', async () => {
    const handler = webHandler(async () => ({ status: 204, headers: {}, body: null }), {});
    const response = await handler(new Request('http://localhost/'));
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });
});

describe('toNodeListener', () => {
  it('calls a callflow handler through its reply form and gives it what the web path gives', async () => {
    const port = await listen(toNodeListener(echo));
    const body = Buffer.from('Digits=1&SpeechResult=%C3%87a+va&Name=Zo\u00eb', 'utf8');
    // Split inside the two-byte "ë" so the bridge must decode the chunks together.
    const split = body.length - 1;
    const answer = await send(port, {
      method: 'POST',
      path: '/voice?t=abc.def&e=wait',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Custom': 'one', 'X-Twilio-Signature': 'sig' },
      chunks: [body.subarray(0, split), body.subarray(split)],
    });
    expect(seen).toEqual(['reply']);
    expect(answer.status).toBe(201);
    expect(answer.headers['x-echo']).toBe('yes');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
    const viaNode = JSON.parse(answer.body) as Record<string, unknown>;
    expect(viaNode).toEqual({
      method: 'POST',
      url: `http://127.0.0.1:${port}/voice?t=abc.def&e=wait`,
      contentType: 'application/x-www-form-urlencoded',
      custom: 'one',
      hasSignature: true,
      missing: null,
      body: body.toString('utf8'),
      reencoded: null,
    });
    // The web path, given the same request, sees the same thing.
    const viaWeb = await (
      await echo(
        new Request(`http://127.0.0.1:${port}/voice?t=abc.def&e=wait`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Custom': 'one', 'X-Twilio-Signature': 'sig' },
          body,
        }),
      )
    ).json();
    expect(viaWeb).toEqual(viaNode);
  });

  it('writes a reply with no body as a bare 204, and keeps headers a framework set before', async () => {
    const empty = webHandler(async () => ({ status: 204, headers: {}, body: null }), {});
    const listener = toNodeListener(empty);
    server = createServer((req, res) => {
      res.setHeader('x-powered-by', 'framework');
      listener(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const answer = await send((server!.address() as AddressInfo).port, { method: 'POST', path: '/status' });
    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
    expect(answer.headers['x-powered-by']).toBe('framework');
    expect(answer.headers['content-length']).toBeUndefined();
    expect(answer.headers['transfer-encoding']).toBeUndefined();
  });

  it('reads no body for GET and joins repeated headers as Headers does', async () => {
    const listener = toNodeListener(echo);
    const req = Object.assign((async function* () {})(), {
      method: 'GET',
      url: '/answer?from=1',
      headers: { host: 'ivr.example.com', 'x-custom': ['a', 'b'], 'content-type': undefined },
    }) as NodeRequestLike;
    const result = await runListener(listener, req);
    expect(JSON.parse(result.body)).toMatchObject({
      method: 'GET',
      url: 'http://ivr.example.com/answer?from=1',
      custom: 'a, b',
      body: '',
      contentType: null,
    });
  });

  it('uses rawBody when a framework kept it, and marks a body it had to re-encode', async () => {
    const listener = toNodeListener(echo);
    const base = {
      method: 'POST',
      url: '/voice',
      headers: { host: 'h', 'content-type': 'application/x-www-form-urlencoded' },
      readableEnded: true,
    };
    const raw = await runListener(
      listener,
      Object.assign((async function* () {})(), { ...base, rawBody: 'Digits=1&A=%20', body: { Digits: '1', A: ' ' } }) as NodeRequestLike,
    );
    expect(JSON.parse(raw.body)).toMatchObject({ body: 'Digits=1&A=%20', reencoded: null });
    const parsed = await runListener(
      listener,
      Object.assign((async function* () {})(), { ...base, body: { Digits: '1', A: ' ' } }) as NodeRequestLike,
    );
    expect(JSON.parse(parsed.body)).toMatchObject({ body: 'Digits=1&A=+', reencoded: '1' });
  });

  it('answers at once when a framework already read the stream and left no body', async () => {
    const listener = toNodeListener(echo);
    const ended = Object.assign((async function* () {})(), {
      method: 'POST',
      url: '/voice',
      headers: { host: 'h' },
      readableEnded: true,
      on: () => undefined,
    }) as NodeRequestLike;
    expect(JSON.parse((await runListener(listener, ended)).body)).toMatchObject({ method: 'POST', body: '' });
  });

  it('still serves any other web-standard handler through Request and Response', async () => {
    const plain: FetchHandler = async (request) =>
      new Response(`${request.method} ${new URL(request.url).search} ${await request.text()}`, {
        status: 202,
        headers: { 'x-plain': '1' },
      });
    const port = await listen(toNodeListener(plain));
    const answer = await send(port, { method: 'POST', path: '/x?q=1', chunks: [Buffer.from('body')] });
    expect(answer).toMatchObject({ status: 202, body: 'POST ?q=1 body' });
    expect(answer.headers['x-plain']).toBe('1');
  });

  it('answers 500, or hands the error to next(), when a handler throws', async () => {
    const failing = webHandler(async () => {
      throw new Error('boom');
    }, {});
    const port = await listen(toNodeListener(failing));
    expect((await send(port, { method: 'POST', path: '/' })).status).toBe(500);
    const errors: unknown[] = [];
    const req = Object.assign((async function* () {})(), { method: 'POST', url: '/', headers: {} }) as NodeRequestLike;
    const res = { statusCode: 200, headersSent: false, setHeader: () => undefined, end: () => undefined };
    toNodeListener(failing)(req, res, (error) => errors.push(error));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('boom');
  });
});

/** Runs a listener against an in-memory request and response. */
function runListener(
  listener: ReturnType<typeof toNodeListener>,
  req: NodeRequestLike,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    const res: NodeResponseLike = {
      statusCode: 200,
      headersSent: false,
      setHeader: (name, value) => (headers[name] = value),
      end: (chunk) =>
        resolve({
          status: res.statusCode,
          headers,
          body: typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk ?? new Uint8Array()),
        }),
    };
    listener(req, res, reject);
  });
}

describe('toLambdaHandler', () => {
  const v1 = {
    httpMethod: 'POST',
    path: '/voice',
    queryStringParameters: { t: 'a.b' },
    headers: { Host: 'abc.execute-api.us-east-1.amazonaws.com', 'Content-Type': 'application/x-www-form-urlencoded', 'X-Custom': 'v1' },
    body: Buffer.from('Digits=2').toString('base64'),
    isBase64Encoded: true,
    requestContext: { domainName: 'ivr.example.com' },
  };

  it('calls a callflow handler through its reply form, headers matched whatever their case', async () => {
    const result = await toLambdaHandler(echo)(v1);
    expect(seen).toEqual(['reply']);
    expect(result).toMatchObject({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'x-echo': 'yes' },
      isBase64Encoded: false,
    });
    expect(JSON.parse(result.body)).toEqual({
      method: 'POST',
      url: 'https://ivr.example.com/voice?t=a.b',
      contentType: 'application/x-www-form-urlencoded',
      custom: 'v1',
      hasSignature: false,
      missing: null,
      body: 'Digits=2',
      reencoded: null,
    });
  });

  it('gives a plain web handler the same request (HTTP API v2 event)', async () => {
    const plain: FetchHandler = async (request) =>
      new Response(JSON.stringify(await describeRequest(request)), { headers: { 'content-type': 'application/json' } });
    const v2 = {
      version: '2.0',
      rawPath: '/voice',
      rawQueryString: 't=a.b',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-custom': 'v1' },
      body: 'Digits=2',
      requestContext: { domainName: 'ivr.example.com', http: { method: 'POST' } },
    };
    const viaWeb = await toLambdaHandler(plain)(v2);
    const viaReply = await toLambdaHandler(echo)(v2);
    expect(viaWeb.statusCode).toBe(200);
    expect(JSON.parse(viaWeb.body)).toEqual(JSON.parse(viaReply.body));
  });

  it('answers XML and text replies as API Gateway results', async () => {
    const handler = webHandler(async (request) => (request.method === 'GET' ? xmlReply('<Response/>') : textReply(403, 'no')), {});
    expect(await toLambdaHandler(handler)({ ...v1, httpMethod: 'GET', body: null })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: '<Response/>',
      isBase64Encoded: false,
    });
    expect(await toLambdaHandler(handler)(v1)).toMatchObject({ statusCode: 403, body: 'no' });
  });
});
