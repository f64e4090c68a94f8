import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeListener, type ApiGatewayEvent, type FetchHandler } from '@callflow/core';
import { createTwilioEmulator, createVonageEmulator } from '@callflow/testing';

// Every code block in the docs marked `<!-- snippet: docs/snippets/x.ts -->` is that file, byte for byte,
// and every snippet runs here: a server started the way the docs say, called through a provider emulator.

const root = new URL('..', import.meta.url);
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function serve(server: Server, port: number): Promise<void> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
}

/** Sets the env the snippets read, then imports one fresh. */
async function load<T>(file: string, env: Record<string, string>): Promise<T> {
  Object.assign(process.env, env);
  return (await import(`../docs/snippets/${file}`)) as T;
}

const twilioEnv = (url: string) => ({
  CALLFLOW_SECRET: 'docs-snippet-secret-0123456789',
  TWILIO_AUTH_TOKEN: 'docs-snippet-auth-token',
  PUBLIC_BASE_URL: url,
});
const mondayMorning = { input: ['1'], transfers: ['completed' as const] };

describe('docs snippets run', () => {
  it('embeds every snippet verbatim', () => {
    const docs = [
      'README.md',
      ...readdirSync(new URL('docs/', root))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`),
    ];
    let embedded = 0;
    for (const doc of docs) {
      const text = readFileSync(new URL(doc, root), 'utf8');
      for (const match of text.matchAll(/<!-- snippet: (\S+) -->\n```ts\n([\s\S]*?)```/g)) {
        expect(match[2], `${doc} embeds ${match[1]}`).toBe(readFileSync(new URL(match[1]!, root), 'utf8'));
        embedded++;
      }
    }
    expect(embedded).toBeGreaterThanOrEqual(7);
  });

  it('node:http (getting started)', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/voice`;
    const { server } = await load<{ server: Server }>('serve-node.ts', twilioEnv(url));
    await serve(server, port);
    const twilio = createTwilioEmulator({ voiceUrl: url, authToken: 'docs-snippet-auth-token' });
    // Outside office hours the flow goes to voicemail; either way the whole call must run cleanly.
    const transcript = await twilio.call(mondayMorning);
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries[0]).toEqual({ type: 'say', text: 'Thanks for calling Example Co.' });
  });

  it('Express', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/voice`;
    const { app } = await load<{ app: (req: unknown, res: unknown) => void }>('serve-express.ts', twilioEnv(url));
    await serve(createServer(app), port);
    const transcript = await createTwilioEmulator({ voiceUrl: url, authToken: 'docs-snippet-auth-token' }).call({});
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries[0]).toEqual({ type: 'say', text: 'Thanks for calling Example Co.' });
  });

  it('Hono, with Vonage', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/vonage`;
    const { app } = await load<{ app: { fetch: FetchHandler } }>('serve-hono.ts', {
      CALLFLOW_SECRET: 'docs-snippet-secret-0123456789',
      VONAGE_SIGNATURE_SECRET: 'docs-vonage-signature-secret',
      PUBLIC_BASE_URL: base,
    });
    await serve(createServer(toNodeListener((request) => app.fetch(request))), port);
    const vonage = await createVonageEmulator({
      answerUrl: `${base}/answer`,
      eventUrl: `${base}/event`,
      signatureSecret: 'docs-vonage-signature-secret',
    });
    try {
      const transcript = await vonage.call({});
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries[0]).toEqual({ type: 'say', text: 'Thanks for calling Example Co.' });
    } finally {
      await vonage.close();
    }
  });

  it('a Worker-style fetch handler', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/voice`;
    const { default: worker } = await load<{ default: { fetch(request: Request, env: Record<string, string>): Promise<Response> } }>(
      'worker.ts',
      {},
    );
    await serve(createServer(toNodeListener((request) => worker.fetch(request, twilioEnv(url)))), port);
    const transcript = await createTwilioEmulator({ voiceUrl: url, authToken: 'docs-snippet-auth-token' }).call({});
    expect(transcript.errors).toEqual([]);
  });

  it('AWS Lambda behind API Gateway (HTTP API v2 events)', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/voice`;
    const { handler } = await load<{
      handler: (event: ApiGatewayEvent) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
    }>('lambda.ts', twilioEnv(url));
    // A local stand-in for API Gateway: each request becomes a v2 proxy event.
    const gateway = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const [path, query = ''] = (request.url ?? '/').split('?');
      const result = await handler({
        version: '2.0',
        rawPath: path,
        rawQueryString: query,
        headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)])),
        body: Buffer.concat(chunks).toString('utf8'),
        isBase64Encoded: false,
        requestContext: { domainName: `127.0.0.1:${port}`, http: { method: request.method ?? 'POST' } },
      });
      response.writeHead(result.statusCode, result.headers).end(result.body);
    });
    await serve(gateway, port);
    const transcript = await createTwilioEmulator({ voiceUrl: url, authToken: 'docs-snippet-auth-token' }).call(mondayMorning);
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries[0]).toEqual({ type: 'say', text: 'Thanks for calling Example Co.' });
  });
});
