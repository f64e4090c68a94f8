import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CallFlowError,
  createWebhookHandler,
  defineFlow,
  gather,
  say,
  silentLogger,
  textReply,
  toNodeListener,
  type Logger,
  type Provider,
  type ProviderHandlerOptions,
} from '../src/index.js';

const flow = defineFlow({
  name: 'pipeline',
  start: 'menu',
  nodes: { menu: [gather({ prompt: [say('Press 1.')], routes: { '1': 'bye' } })], bye: [say('Bye.')] },
});

interface TestOptions extends ProviderHandlerOptions {
  apiKey?: string;
}

/** A provider of plain text: the signature is the header `x-test-signature: ok`, the body `start` or `<token> <digits>`. */
const textProvider: Provider<TestOptions, string> = {
  name: 'test',
  capabilities: {} as never,
  checkOptions: (options) => (options.verifySignatures !== false && !options.apiKey ? [{ option: 'apiKey', message: 'is required' }] : []),
  secretsOf: (options) => (options.apiKey ? [options.apiKey] : []),
  create: () => ({
    verify: (webhook) =>
      webhook.headers.get('x-test-signature') === 'ok' ? { ok: true } : { ok: false, reason: 'mismatch', message: 'bad test signature' },
    parse: (webhook) => {
      if (webhook.text === 'start') return { type: 'start', call: { callId: 'call-1' } };
      const [token, digits] = webhook.text.split(' ');
      return { type: 'outcome', call: { callId: 'call-1' }, token: token!, outcome: { type: 'digits', digits: digits ?? '' } };
    },
    render: (turn) => {
      const media = [...turn.steps.map((planned) => planned.step), ...(turn.wait?.step.type === 'gather' ? turn.wait.step.prompt : [])];
      return {
        output: media.map((step) => (step.type === 'say' ? step.text : '')).join(' ') + (turn.token ? ` [${turn.token}]` : ''),
        warnings: [],
      };
    },
    deliver: { kind: 'reply', serialize: (text) => text, reply: (text) => textReply(200, text), acknowledge: () => textReply(200, '') },
  }),
};

const secret = 'pipeline-secret-0123456789';
const servers: Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(options: Partial<TestOptions> = {}, readTimeoutMs?: number): Promise<number> {
  const handler = createWebhookHandler(textProvider, {
    flow,
    secret,
    apiKey: 'api-key-7c1e9d',
    publicBaseUrl: 'https://ivr.example.com/test',
    logger: silentLogger,
    ...options,
  });
  const server = createServer(toNodeListener(handler, { readTimeoutMs }));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Sends a request whose body is written by `write`; resolves with the status (or `closed` when the server hung up first). */
function send(
  port: number,
  write: (request: ReturnType<typeof httpRequest>) => void,
  headers: Record<string, string> = {},
): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: '/test', headers: { 'x-test-signature': 'ok', ...headers } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', () => resolve('closed'));
    write(request);
  });
}

describe('createWebhookHandler', () => {
  it('runs a call through the provider: start, then resume from the token', async () => {
    const handler = createWebhookHandler(textProvider, {
      flow,
      secret,
      apiKey: 'api-key-7c1e9d',
      publicBaseUrl: 'https://ivr.example.com/test',
      logger: silentLogger,
    });
    const first = await (
      await handler(new Request('https://ivr.example.com/test', { method: 'POST', headers: { 'x-test-signature': 'ok' }, body: 'start' }))
    ).text();
    const token = /\[(.+)\]/.exec(first)?.[1];
    expect(first).toContain('Press 1.');
    const second = await handler(
      new Request('https://ivr.example.com/test', { method: 'POST', headers: { 'x-test-signature': 'ok' }, body: `${token} 1` }),
    );
    expect(await second.text()).toBe('Bye.');
  });

  it('checks options at creation, naming each problem', () => {
    expect(() => createWebhookHandler(textProvider, { flow, secret, publicBaseUrl: 'https://ivr.example.com/test' })).toThrow(
      /invalid handler options: apiKey is required/,
    );
    expect(() =>
      createWebhookHandler(textProvider, { flow, secret: [''], apiKey: 'k', publicBaseUrl: 'https://ivr.example.com/test' }),
    ).toThrow(/secret every secret must be a string of 16/);
    expect(() =>
      createWebhookHandler(textProvider, { flow, secret: undefined as never, apiKey: 'k', publicBaseUrl: 'https://x.example' }),
    ).toThrow(/secret is required/);
    expect(() => createWebhookHandler(textProvider, { flow, secret, apiKey: 'k', publicBaseUrl: 'ivr.example.com/test' })).toThrow(
      /publicBaseUrl 'ivr.example.com\/test' is not an absolute URL; include the scheme/,
    );
    expect(() => createWebhookHandler(textProvider, { flow, secret, apiKey: 'k', publicBaseUrl: 'ftp://ivr.example.com' })).toThrow(
      /must start with https:\/\//,
    );
    expect(() =>
      createWebhookHandler(textProvider, { flow, secret, verifySignatures: false, publicBaseUrl: 'https://ivr.example.com/test' }),
    ).not.toThrow();
  });

  it('logs warnings to the console by default, once per refusal, rate-limited, without the credential', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const handler = createWebhookHandler(textProvider, {
      flow,
      secret,
      apiKey: 'api-key-7c1e9d',
      publicBaseUrl: 'https://ivr.example.com/test',
    });
    for (let index = 0; index < 30; index++) {
      const response = await handler(
        new Request('https://ivr.example.com/test', { method: 'POST', headers: { 'x-test-signature': 'api-key-7c1e9d' }, body: 'start' }),
      );
      expect(response.status).toBe(403);
    }
    expect(warn).toHaveBeenCalledTimes(10);
    expect(String(warn.mock.calls[0]![0])).toContain('webhook refused (403): bad test signature');
    for (const call of warn.mock.calls) expect(String(call[0])).not.toContain('api-key-7c1e9d');
  });

  it('redacts secrets and tokens from every log line', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      warn: (message, fields) => void lines.push(message + JSON.stringify(fields)),
      error: (message, fields) => void lines.push(message + JSON.stringify(fields)),
    };
    const handler = createWebhookHandler(textProvider, {
      flow,
      secret,
      apiKey: 'api-key-7c1e9d',
      publicBaseUrl: 'https://ivr.example.com/test',
      logger,
    });
    const first = await (
      await handler(new Request('https://ivr.example.com/test', { method: 'POST', headers: { 'x-test-signature': 'ok' }, body: 'start' }))
    ).text();
    const token = /\[(.+)\]/.exec(first)![1]!;
    const forged = `${token.slice(0, -2)}xx`;
    expect(
      (
        await handler(
          new Request('https://ivr.example.com/test', { method: 'POST', headers: { 'x-test-signature': 'ok' }, body: `${forged} 1` }),
        )
      ).status,
    ).toBe(403);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain(token.slice(0, 20));
      expect(line).not.toContain(secret);
    }
  });

  it('answers 413 to a body over maxBodyBytes, declared or streamed, and 408 to a client that stalls mid-body', async () => {
    const port = await serve({ maxBodyBytes: 1024 }, 300);
    expect(await send(port, (request) => request.end('x'.repeat(2048)))).toBe(413);
    const streamed = await send(
      port,
      (request) => {
        request.write('x'.repeat(800));
        setTimeout(() => request.write('x'.repeat(800)), 20);
      },
      { 'transfer-encoding': 'chunked' },
    );
    expect([413, 'closed']).toContain(streamed);
    expect(await send(port, (request) => request.write('sta'))).toBe(408);
  });

  it('answers 400 to a malformed Host header, with no flow turn', async () => {
    const port = await serve();
    expect(await send(port, (request) => request.end('start'), { host: 'bad host:1:2' })).toBe(400);
  });
});

describe('createWebhookHandler: what a signature check recorded is released on a 5xx', () => {
  /** The text provider, whose check records each body (as a jti guard would) and whose store is down for the body `store-down`. */
  function releasingProvider(released: string[]): Provider<TestOptions, string> {
    return {
      ...textProvider,
      create: (context) => {
        const base = textProvider.create(context);
        return {
          ...base,
          verify: (webhook) => ({ ok: true, release: async () => void released.push(webhook.text) }),
          parse: (webhook) => {
            if (webhook.text === 'store-down') throw new CallFlowError('store-unavailable', 'the store is down');
            return base.parse(webhook);
          },
        };
      },
    };
  }
  const post = (body: string) =>
    new Request('https://ivr.example.com/test', { method: 'POST', headers: { 'x-test-signature': 'ok' }, body });
  const options = { flow, secret, apiKey: 'api-key-7c1e9d', publicBaseUrl: 'https://ivr.example.com/test', logger: silentLogger };

  it('calls release when the answer is a 503 (the provider retries; its retry must not be refused as a replay)', async () => {
    const released: string[] = [];
    const handler = createWebhookHandler(releasingProvider(released), options);
    expect((await handler(post('store-down'))).status).toBe(503);
    expect(released).toEqual(['store-down']);
  });

  it('does not call release on a 2xx or a 4xx', async () => {
    const released: string[] = [];
    const handler = createWebhookHandler(releasingProvider(released), options);
    expect((await handler(post('start'))).status).toBe(200);
    expect((await handler(post('not-a-token 1'))).status).toBe(403);
    expect(released).toEqual([]);
  });
});
