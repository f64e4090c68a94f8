import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devCommand } from '../src/dev/dev-command.js';
import { startDevServer, type DevServer } from '../src/dev/dev-server.js';

// A TypeScript flow in a folder inside the workspace, so it resolves @callflow/core as a user's flow would.
const folder = mkdtempSync(fileURLToPath(new URL('./.dev-server-', import.meta.url)));
const flowPath = join(folder, 'flow.ts');
const source = (greeting: string, thanks = 'Thanks.') => `import { defineFlow, gather, hangup, say } from '@callflow/core';

export default defineFlow({
  name: 'speech-desk',
  start: 'ask',
  nodes: {
    ask: [gather({ prompt: '${greeting}', input: 'both', routes: { '1': 'done', billing: 'done' }, onNoInput: 'done' })],
    done: [say('${thanks}'), hangup()],
  },
});
`;
writeFileSync(flowPath, source('Say billing or press 1.'));

/** The fields of the console's JSON replies these tests read (each reply carries some of them). */
interface ConsoleReply {
  readonly id?: string;
  readonly waiting?: boolean;
  readonly gather?: unknown;
  readonly ended?: boolean;
  readonly endedBy?: string;
  readonly entries?: readonly unknown[];
  readonly current?: string;
  readonly error?: string;
  readonly broken?: boolean;
  readonly version: number;
  readonly problems: readonly { readonly line: number; readonly message: string }[];
  readonly flow: { readonly name: string; readonly svg: string };
}

let server: DevServer;
const api = async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(
    new URL(path, server.url),
    body === undefined
      ? { headers }
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        },
  );
  return { status: response.status, body: (await response.json()) as ConsoleReply };
};

/** fetch cannot set Host, so a plain node:http request shows what a page on another name (DNS rebinding) gets. */
function statusWithHost(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.url);
    const request = httpRequest({ host: '127.0.0.1', port: url.port, path: url.pathname, headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}

beforeAll(async () => {
  server = await startDevServer({ flowPath });
}, 60_000);
afterAll(async () => {
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('callflow dev server', { timeout: 60_000 }, () => {
  it('loads a TypeScript flow and takes a spoken answer on each provider', async () => {
    for (const provider of ['twilio', 'vonage', 'telnyx']) {
      const call = await api('/api/calls', { provider });
      expect(call.status).toBe(201);
      expect(call.body.waiting).toBe(true);
      expect(call.body.gather).toEqual({ node: 'ask', input: 'both', finishOnKey: '#' });
      const spoken = await api(`/api/calls/${call.body.id}/act`, { speech: 'billing' });
      expect(spoken.body.ended).toBe(true);
      expect(spoken.body.entries).toContainEqual(expect.objectContaining({ type: 'input', speech: 'billing' }));
      expect(spoken.body.entries).toContainEqual({ type: 'say', text: 'Thanks.' });
      expect(spoken.body.current).toBe('done');
    }
  });

  it('refuses bad input with 400 and a reason, unknown calls with 404, other hosts with 403', async () => {
    expect(await api('/api/calls', { provider: 'plivo' })).toEqual({
      status: 400,
      body: { error: 'provider must be twilio, vonage or telnyx' },
    });
    expect((await api('/api/calls', '{not json')).status).toBe(400);
    expect((await api('/api/calls', { provider: 'twilio', at: 'yesterday' })).body.error).toMatch(/not an ISO time/);
    expect((await api('/api/calls', { provider: 'twilio', outcomes: { transfer: 'maybe' } })).body.error).toMatch(
      /outcomes.transfer must be one of completed, busy/,
    );
    const call = await api('/api/calls', { provider: 'twilio' });
    expect((await api(`/api/calls/${call.body.id}/act`, { digits: '12a' })).body.error).toMatch(/digits are 0-9/);
    expect((await api(`/api/calls/${call.body.id}/act`, { hangup: true })).body.endedBy).toBe('caller');
    expect(await api(`/api/calls/${call.body.id}/act`, { digits: '1' })).toEqual({ status: 400, body: { error: 'the call has ended' } });
    expect((await api('/api/calls/call-999')).status).toBe(404);
    expect(await statusWithHost('/api/state', 'evil.example.com')).toBe(403);
    expect(await statusWithHost('/api/state', `localhost:${new URL(server.url).port}`)).toBe(200);
    expect((await api('/api/hours?at=soon')).status).toBe(400);
  });

  it('reloads the TypeScript file on save and keeps the last good flow while it is broken', async () => {
    const before = (await api('/api/state')).body;
    writeFileSync(flowPath, source('Say billing or press 1.').replace("say('Thanks.')", "say(('Thanks.')"));
    await expect.poll(async () => (await api('/api/state')).body.broken, { timeout: 30_000 }).toBe(true);
    const broken = (await api('/api/state')).body;
    expect(broken.version).toBeGreaterThan(before.version);
    expect(broken.problems[0]?.line).toBe(8);
    expect(broken.problems[0]?.message).toMatch(/flow\.ts/);
    expect(broken.flow.name).toBe('speech-desk');
    expect((await api('/api/calls', { provider: 'vonage' })).body.waiting).toBe(true);
    writeFileSync(flowPath, source('Tell us what you need.', 'Thank you, edited.'));
    await expect.poll(async () => (await api('/api/state')).body.broken, { timeout: 30_000 }).toBe(false);
    expect((await api('/api/state')).body.flow.svg).toContain('say “Thank you, edited.”');
  });

  it('callflow dev prints its URL, serves until stopped, and refuses a bad port', async () => {
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const stop = new AbortController();
    const running = devCommand(flowPath, {}, { output, signal: stop.signal });
    await expect.poll(() => printed, { timeout: 30_000 }).toMatch(/^callflow dev: http:\/\/127\.0\.0\.1:\d+\//);
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(printed)![0];
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>callflow dev</title>');
    stop.abort();
    expect((await running).code).toBe(0);
    expect(await devCommand(flowPath, { port: 'http' })).toEqual({
      code: 2,
      stdout: '',
      stderr: "callflow dev: --port 'http' is not a port number (0-65535)\n",
    });
  });
});
