// Shared by the benchmark servers: configuration from the parent (bench/http.ts) and a listener on 127.0.0.1, port 0.
import { readFileSync, writeFileSync } from 'node:fs';

/** Settings the parent passes as JSON in BENCH_CONFIG: secrets, keys, the flow file, the mode ('node' | 'express'). */
export const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}');

/** The shared phone-tree flow, serialised by the parent (the example-flows package is TypeScript source only). */
export function readFlowJson() {
  return readFileSync(config.flowPath, 'utf8');
}

/** Listens on an ephemeral port of 127.0.0.1 and tells the parent which one. */
export function listen(server) {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

/**
 * A `fetch` for the telnyx SDK client that never leaves the process: it counts each Call Control command,
 * keeps the last client_state sent to each call, and answers the way the API does (200 with `data.result: ok`).
 */
export function createCommandCounter() {
  const counts = {};
  const clientStates = new Map();
  const fetch = async (url, init) => {
    const path = new URL(String(url)).pathname;
    const match = /\/calls\/([^/]+)\/actions\/([^/]+)$/.exec(path);
    const action = match ? match[2] : path;
    counts[action] = (counts[action] ?? 0) + 1;
    if (match && typeof init?.body === 'string') {
      const body = JSON.parse(init.body);
      if (body.client_state) clientStates.set(decodeURIComponent(match[1]), body.client_state);
    }
    return new Response('{"data":{"result":"ok"}}', { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, counts, clientStates };
}

/**
 * Vonage: answers `config.preseed` distinct calls through `handler` before the server listens (a signed answer webhook
 * each, as Vonage's answer_url request is), so the store holds each call at the menu as in production, and writes each
 * call's id and the input URL its answer NCCO gave to `config.inputsPath`, for the load to press 3 there.
 */
export async function answerVonageCalls(handler) {
  const count = config.preseed ?? 0;
  if (count === 0) return;
  const { signVonageRequest } = await import('@callflow/vonage');
  const answer = async (index) => {
    const callId = `aaaaaaaa-bbbb-4ccc-8ddd-${String(index).padStart(12, '0')}`;
    const request = await signVonageRequest({
      url: `${config.publicUrl}/answer?to=447700900000&from=447700900001&uuid=${callId}`,
      method: 'GET',
      signatureSecret: config.signatureSecret,
    });
    const response = await handler(request);
    const input = (await response.json()).find((action) => action.action === 'input')?.eventUrl?.[0];
    if (response.status !== 200 || !input) throw new Error(`preseed answer ${callId} answered ${response.status} without an input`);
    return [callId, input];
  };
  // 50 at a time: with a Redis store each answer waits on its round trips.
  const inputs = [];
  for (let index = 0; index < count; index += 50)
    inputs.push(...(await Promise.all(Array.from({ length: Math.min(50, count - index) }, (_, offset) => answer(index + offset)))));
  writeFileSync(config.inputsPath, JSON.stringify(inputs));
}
