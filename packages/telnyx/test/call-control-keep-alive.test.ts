import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCallFlowError } from '@callflow/core';
import { createCallControlClient } from '../src/index.js';

/** A local stand-in API that counts TCP connections and answers each command as Telnyx does ({"data":{"result":"ok"}}). */
async function startApi(options: { neverAnswer?: string } = {}): Promise<{ server: Server; baseUrl: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      // Commands for the call `neverAnswer` get no answer (chosen by URL: a request timed out before it was even sent,
      // on a loaded machine, must not make the next one the unanswered "first").
      if (options.neverAnswer !== undefined && request.url?.includes(`/calls/${options.neverAnswer}/`)) return;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"result":"ok"}}');
    });
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`, connections: () => connections };
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

// In order: the first case watches the client load node:http, which it does once per process (a shuffled run loaded it earlier).
describe('the built-in client over node:http', { shuffle: false }, () => {
  it('loads only the module its base URL needs: node:http for http://, never node:https (and node:tls with it)', async () => {
    const api = await startApi();
    servers.push(api.server);
    const loaded = vi.spyOn(process, 'getBuiltinModule');
    try {
      const client = createCallControlClient({ apiKey: 'KEY-test', baseUrl: api.baseUrl });
      await client.calls.actions.answer('v3:call', {});
      const ids = loaded.mock.calls.map(([id]) => id);
      expect(ids).toContain('node:http');
      expect(ids).not.toContain('node:https');
    } finally {
      loaded.mockRestore();
    }
  });

  it('sends the commands of an event one after another over one kept-alive connection', async () => {
    const api = await startApi();
    servers.push(api.server);
    const client = createCallControlClient({ apiKey: 'KEY-test', baseUrl: api.baseUrl });
    await client.calls.actions.answer('v3:call', { command_id: 'cf-1-0-answer' });
    await client.calls.actions.speak('v3:call', { payload: 'Hello', voice: 'female', command_id: 'cf-1-1-speak' });
    await client.calls.actions.gather('v3:call', { maximum_digits: 1, command_id: 'cf-1-2-gather' });
    expect(api.connections()).toBe(1);
  });

  it('times out a command that gets no answer, and sends the next one on a new connection', async () => {
    const api = await startApi({ neverAnswer: 'v3:silent' });
    servers.push(api.server);
    const client = createCallControlClient({ apiKey: 'KEY-test', baseUrl: api.baseUrl });
    let failure: unknown;
    try {
      await client.calls.actions.answer('v3:silent', {}, { timeout: 100 });
    } catch (error) {
      failure = error;
    }
    expect(isCallFlowError(failure) && failure.code).toBe('provider-request-failed');
    expect((failure as Error).message).toBe('[callflow:telnyx] POST /calls/v3:silent/actions/answer timed out after 100 ms');
    // The timed-out request's socket was destroyed, not handed back to the pool: the retry opens a second connection.
    await expect(client.calls.actions.answer('v3:call', {})).resolves.toEqual({ data: { result: 'ok' } });
    expect(api.connections()).toBe(2);
  });
});
