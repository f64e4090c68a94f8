import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { performance as nodePerformance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import {
  createEngine,
  createMemoryStore,
  parseFlow,
  replyHandlerOf,
  silentLogger,
  toNodeListener,
  type FetchHandler,
} from '@callflow/core';
import { createTelnyxEmulator, type CallScript } from '@callflow/testing';
import {
  continuationStates,
  createTelnyxHandler,
  encodeClientState,
  generateTelnyxKeyPair,
  parseTelnyxEvent,
  planCommands,
  signTelnyxEvent,
  verifyTelnyxSignature,
  type TelnyxClient,
} from '@callflow/telnyx';
import { Telnyx } from 'telnyx';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { bridgeRequest, interleavedMicros, type BenchRow } from './harness.js';

const secret = 'bench-secret-0123456789abcdef';
const hotline = parseFlow(readFileSync(new URL('../examples/telnyx-ivr/weather-hotline.json', import.meta.url), 'utf8'));
const prompt =
  'Thank you for calling the Weather Hotline. For weather in Chicago, Illinois press 1. For weather in Raleigh, North Carolina press 2.';

/** The seed-000 tutorial's handler, ported line for line to the telnyx Node SDK (answer → on answered gather → on gather.ended transfer). */
function seedHandler(client: Telnyx): FetchHandler {
  const numbers: Record<string, string> = { '1': '+18158340675', '2': '+19193261052' };
  return async (request) => {
    const data = (JSON.parse(await request.text()) as { data: { event_type: string; payload: Record<string, string | null> } }).data;
    const id = data.payload.call_control_id!;
    if (data.event_type === 'call.initiated' && data.payload.direction === 'incoming') {
      await client.calls.actions.answer(id, { client_state: Buffer.from('incoming').toString('base64') });
    } else if (data.event_type === 'call.answered' && data.payload.client_state) {
      await client.calls.actions.gatherUsingSpeak(id, { payload: prompt, valid_digits: '12', language: 'en-US', voice: 'male' });
    } else if (data.event_type === 'call.gather.ended') {
      const to = numbers[data.payload.digits ?? ''];
      if (to) await client.calls.actions.transfer(id, { to });
    }
    return new Response(null, { status: 200 });
  };
}

/** Plays one seed-000 call (press 1, transfer answered) and counts API commands and the event → command hops before the transfer. */
async function countCall(make: (client: Telnyx, publicKey: string) => FetchHandler, script: CallScript) {
  let handler: FetchHandler = async () => new Response(null, { status: 503 });
  let hops = 0;
  let commandsSoFar = 0;
  const server = createServer(
    toNodeListener(async (request) => {
      const response = await handler(request);
      if (emulator.requests.length > commandsSoFar) hops++;
      commandsSoFar = emulator.requests.length;
      return response;
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const emulator = await createTelnyxEmulator({ webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, idleMs: 300 });
  handler = make(new Telnyx({ apiKey: 'bench', baseURL: emulator.apiBaseUrl }), emulator.publicKey);
  const transcript = await emulator.call(script);
  const transferAt = emulator.requests.findIndex((entry) => entry.action === 'transfer');
  const result = {
    commands: emulator.requests.filter((entry) => entry.status === 200).length,
    commandsToTransfer: transferAt + 1,
    hops,
    webhooks: transcript.webhooks,
    errors: transcript.errors,
  };
  await emulator.close();
  server.closeAllConnections();
  server.close();
  return result;
}

/** Runs `check` `count` times with `inFlight` at once: wall time and the main thread's busy time per check, in µs. */
async function inFlightMicros(
  check: () => Promise<void>,
  inFlight: number,
  count: number,
): Promise<{ wallMicros: number; mainThreadMicros: number }> {
  let started = 0;
  const utilisation = nodePerformance.eventLoopUtilization();
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started < count) {
        started++;
        await check();
      }
    }),
  );
  const wallMicros = ((performance.now() - begin) * 1000) / count;
  const busy = nodePerformance.eventLoopUtilization(utilisation);
  return { wallMicros, mainThreadMicros: (busy.active * 1000) / count };
}

/** A signed Telnyx event as the node:http bridge hands it to the reply form. */
const preparedRequest = (body: string, headers: Record<string, string>) =>
  bridgeRequest('/telnyx', 'POST', { 'content-type': 'application/json', ...headers }, body);

/**
 * The menu press (call.gather.ended, digit 1 → the transfer) through the whole handler, in its reply form, on `calls`
 * distinct calls each first brought to the menu by its call.initiated (so each press is a first delivery at a recorded
 * position): body limit, signature (unless `verify` is false), the event claim, parse, token, resume, the position
 * record, planning and the command bodies, with a command client that answers in-process (no HTTP).
 */
async function handlerMenuPress(calls: number, verify: boolean): Promise<() => Promise<void>> {
  const keys = await generateTelnyxKeyPair();
  const lastState = new Map<string, string>();
  const answer = async (callControlId: string, body: { client_state?: string }) => {
    if (body.client_state) lastState.set(callControlId, body.client_state);
    return { data: { result: 'ok' } };
  };
  const client = {
    calls: { actions: new Proxy({}, { get: () => answer }) },
    conferences: { create: async () => ({}), actions: { join: answer } },
  } as unknown as TelnyxClient;
  const handler = createTelnyxHandler({
    flow: hotline,
    secret,
    ...(verify ? { publicKey: keys.publicKey } : { verifySignatures: false }),
    client,
    store: createMemoryStore(),
    logger: silentLogger,
  });
  const handle = replyHandlerOf(handler)!;
  const sign = async (body: string) => (verify ? signTelnyxEvent(body, { privateKey: keys.privateKey }) : {});
  const event = (type: string, index: number, payload: Record<string, unknown>) =>
    JSON.stringify({
      data: {
        record_type: 'event',
        event_type: type,
        id: `${type}-${index}`,
        occurred_at: new Date().toISOString(),
        payload: { call_control_id: `v3:bench-${index}`, call_leg_id: `l${index}`, call_session_id: `s${index}`, ...payload },
      },
    });
  const pool: Array<{ callId: string; request: ReturnType<typeof preparedRequest> }> = [];
  for (let index = 0; index < calls; index++) {
    const initiated = event('call.initiated', index, { direction: 'incoming', from: '+15551230000', to: '+15559870000' });
    if ((await handle(preparedRequest(initiated, await sign(initiated)))).status !== 200)
      throw new Error('telnyx bench: call.initiated refused');
    const callId = `v3:bench-${index}`;
    const press = event('call.gather.ended', index, { client_state: lastState.get(callId), digits: '1', status: 'valid' });
    pool.push({ callId, request: preparedRequest(press, await sign(press)) });
  }
  let next = 0;
  return async () => {
    const prepared = pool[next++];
    if (!prepared) throw new Error(`telnyx bench ran out of distinct calls (${pool.length})`);
    const before = lastState.get(prepared.callId);
    const reply = await handle(prepared.request);
    if (reply.status !== 200 || lastState.get(prepared.callId) === before)
      throw new Error(`telnyx bench: the menu press answered ${reply.status} without sending the transfer`);
  };
}

/** One whole Telnyx event in-process, and commands / round trips per seed-000 call against the hand-written seed handler. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const keys = await generateTelnyxKeyPair();
  const engine = createEngine(hotline, { secret });
  const call = { callId: 'v3:bench-call-000000000001', provider: 'telnyx' };
  const start = await engine.start(call);
  const body = JSON.stringify({
    data: {
      record_type: 'event',
      event_type: 'call.gather.ended',
      id: '0ccc7b54-4df3-4bca-a65a-3da1ecc777f0',
      occurred_at: new Date().toISOString(),
      payload: {
        call_control_id: call.callId,
        call_leg_id: 'l1',
        call_session_id: 's1',
        client_state: encodeClientState({ kind: 'position', sequence: 1, token: start.token! }),
        digits: '1',
        status: 'valid',
        from: '+15551230000',
        to: '+15559870000',
      },
    },
  });
  const headers = await signTelnyxEvent(body, { privateKey: keys.privateKey });

  // The event's work after the check (parse, resume, plan): the part of `whole` that is not the Ed25519 check.
  const afterCheck = async () => {
    const { event, outcome } = parseTelnyxEvent(body);
    const turn = await engine.resume(event.clientState!.token, outcome!, call);
    const tokens = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
    return planCommands(turn, { continuations: tokens, sequence: 2 });
  };
  const whole = async () => {
    const check = await verifyTelnyxSignature({
      publicKey: keys.publicKey,
      signature: headers['telnyx-signature-ed25519'],
      timestamp: headers['telnyx-timestamp'],
      rawBody: body,
    });
    if (!check.ok) throw new Error(check.message);
    const { event, outcome } = parseTelnyxEvent(body);
    const turn = await engine.resume(event.clientState!.token, outcome!, call);
    const tokens = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
    return planCommands(turn, { continuations: tokens, sequence: 2 });
  };
  const verifier = new TelnyxWebhook(keys.publicKey);
  const seedWay = async () => {
    await verifier.verify(body, headers);
    return JSON.parse(body);
  };
  // The Ed25519 check alone, both ways: node:crypto with a KeyObject built once (what verifyTelnyxSignature does on
  // Node) against WebCrypto with a CryptoKey imported once (what it does elsewhere).
  const message = new TextEncoder().encode(`${headers['telnyx-timestamp']}|${body}`);
  const signatureBytes = Uint8Array.from(atob(headers['telnyx-signature-ed25519']!), (char) => char.charCodeAt(0));
  const rawKey = Uint8Array.from(atob(keys.publicKey), (char) => char.charCodeAt(0));
  const keyObject = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), rawKey]),
    format: 'der',
    type: 'spki',
  });
  const cryptoKey = await crypto.subtle.importKey('raw', rawKey, { name: 'Ed25519' }, false, ['verify']);
  const nodeCheck = () => {
    if (!verify(null, message, keyObject, signatureBytes)) throw new Error('node:crypto refused the bench signature');
  };
  const webCheck = async () => {
    if (!(await crypto.subtle.verify('Ed25519', cryptoKey, signatureBytes, message)))
      throw new Error('WebCrypto refused the bench signature');
  };
  const batch = 50;
  const rounds = 30;
  const warmup = 200;
  const handlerCalls = warmup + batch * rounds;
  const throughHandler = await handlerMenuPress(handlerCalls, true);
  const throughHandlerUnsigned = await handlerMenuPress(handlerCalls, false);
  const [event, sdk, node, web, rest, handled, handledUnsigned] = await interleavedMicros(
    [whole, seedWay, nodeCheck, webCheck, afterCheck, throughHandler, throughHandlerUnsigned],
    { batch, rounds, warmup },
  );
  rows.push({
    name: 'telnyx: one event in-process (verify ed25519, parse, resume, plan commands)',
    value: event!.min,
    unit: 'µs/op',
    baseline: sdk!.min,
    baselineName: 'telnyx SDK TelnyxWebhook.verify + JSON.parse only',
    target: '≤ half the SDK',
    note: `fastest of 30 interleaved batches (medians ${event!.median.toFixed(0)} vs ${sdk!.median.toFixed(0)} µs); the baseline does no flow work; one Ed25519 check is most of both`,
  });
  rows.push({
    name: 'telnyx: one menu event through the handler in-process (signature, event claim, token, resume, position record, command bodies; client stubbed)',
    value: handled!.min,
    unit: 'µs/op',
    baseline: sdk!.min,
    baselineName: 'telnyx SDK TelnyxWebhook.verify + JSON.parse only',
    target: '≤ half the SDK',
    note: `what a webhook costs before its commands leave: the reply form (no Request/Response), memory store, a distinct call per event; medians ${handled!.median.toFixed(0)} vs ${sdk!.median.toFixed(0)} µs`,
  });
  rows.push({
    name: 'telnyx: the same menu event through the handler without the signature check (verifySignatures: false)',
    value: handledUnsigned!.min,
    unit: 'µs/op',
    note: `the handler's own work beside one check: ${handledUnsigned!.min.toFixed(1)} µs; with the check (${node!.min.toFixed(1)} µs) ${(node!.min + handledUnsigned!.min).toFixed(1)} µs against half the SDK, ${(sdk!.min / 2).toFixed(1)} µs`,
  });
  rows.push({
    name: 'telnyx: Ed25519 check, node:crypto KeyObject (cached)',
    value: node!.min,
    unit: 'µs/op',
    baseline: web!.min,
    baselineName: 'WebCrypto, CryptoKey cached',
    note: `the floor of any Telnyx event: half the SDK's verify + parse would be ${(sdk!.min / 2).toFixed(0)} µs`,
  });
  rows.push({
    name: 'telnyx: one event in-process without the Ed25519 check (parse, resume, plan commands)',
    value: rest!.min,
    unit: 'µs/op',
    note: `half the SDK's verify + parse leaves ${(sdk!.min / 2 - node!.min).toFixed(1)} µs beside one node:crypto check; the check (${node!.min.toFixed(1)} µs) + this (${rest!.min.toFixed(1)} µs) = ${(node!.min + rest!.min).toFixed(1)} µs, against the target of ${(sdk!.min / 2).toFixed(1)} µs: ${((node!.min + rest!.min) / sdk!.min).toFixed(2)}x of the SDK at best`,
  });

  // Many checks in flight (a busy server): the synchronous check holds the main thread for each; WebCrypto's runs on
  // libuv's thread pool, so the main thread only dispatches it. Per check: wall time, and the main thread's busy time
  // (event-loop utilisation). Alternating rounds, the best of each.
  const inFlight = 16;
  const events = { ours: { wall: Infinity, main: Infinity }, sdk: { wall: Infinity, main: Infinity } };
  for (let round = 0; round < 8; round++) {
    for (const [name, work] of round % 2
      ? ([
          ['sdk', seedWay],
          ['ours', whole],
        ] as const)
      : ([
          ['ours', whole],
          ['sdk', seedWay],
        ] as const)) {
      const measured = await inFlightMicros(async () => void (await work()), inFlight, 400);
      events[name].wall = Math.min(events[name].wall, measured.wallMicros);
      events[name].main = Math.min(events[name].main, measured.mainThreadMicros);
    }
  }
  rows.push({
    name: `telnyx: one event in-process, ${inFlight} in flight (wall time per event: throughput)`,
    value: events.ours.wall,
    unit: 'µs/op',
    baseline: events.sdk.wall,
    baselineName: 'telnyx SDK TelnyxWebhook.verify + JSON.parse only, same concurrency',
    target: '≤ half the SDK',
    note: `main thread busy per event: ${events.ours.main.toFixed(0)} µs vs ${events.sdk.main.toFixed(0)} µs; best of 8 alternating rounds of 400`,
  });
  const parallel = { node: { wall: Infinity, main: Infinity }, web: { wall: Infinity, main: Infinity } };
  for (let round = 0; round < 8; round++) {
    for (const [name, check] of round % 2
      ? ([
          ['web', webCheck],
          ['node', async () => nodeCheck()],
        ] as const)
      : ([
          ['node', async () => nodeCheck()],
          ['web', webCheck],
        ] as const)) {
      const measured = await inFlightMicros(check, inFlight, 400);
      parallel[name].wall = Math.min(parallel[name].wall, measured.wallMicros);
      parallel[name].main = Math.min(parallel[name].main, measured.mainThreadMicros);
    }
  }
  rows.push({
    name: `telnyx: Ed25519 checks, ${inFlight} in flight, wall time per check: node:crypto (synchronous)`,
    value: parallel.node.wall,
    unit: 'µs/op',
    baseline: parallel.web.wall,
    baselineName: 'WebCrypto (thread pool)',
    note: `main thread busy per check: ${parallel.node.main.toFixed(0)} µs vs ${parallel.web.main.toFixed(0)} µs (event-loop utilisation); best of 8 alternating rounds of 400`,
  });

  const store = createMemoryStore();
  const ours = await countCall(
    (client, publicKey) => createTelnyxHandler({ flow: hotline, secret, publicKey, client, store, logger: silentLogger }),
    { input: ['1'], transfers: ['completed'] },
  );
  const seed = await countCall((client) => seedHandler(client), { input: ['1'], transfers: ['completed'] });
  if (ours.errors.length || seed.errors.length) throw new Error(`bench call failed: ${[...ours.errors, ...seed.errors].join('; ')}`);
  rows.push({
    name: 'telnyx: API commands per seed-000 call (answer → menu → transfer)',
    value: ours.commands,
    unit: 'count',
    baseline: seed.commands,
    baselineName: 'hand-written seed-000 handler',
  });
  rows.push({
    name: 'telnyx: event → command round trips per seed-000 call',
    value: ours.hops,
    unit: 'count',
    baseline: seed.hops,
    baselineName: 'hand-written seed-000 handler',
    note: 'callflow sends answer and the menu on call.initiated; the seed waits for call.answered',
  });
  const invalidOurs = await countCall(
    (client, publicKey) =>
      createTelnyxHandler({ flow: hotline, secret, publicKey, client, store: createMemoryStore(), logger: silentLogger }),
    { input: ['7', '1'], transfers: ['completed'] },
  );
  rows.push({
    name: 'telnyx: API commands per seed-000 call with one invalid key first',
    value: invalidOurs.commands,
    unit: 'count',
    note: 'native maximum_tries / invalid_payload: the retry costs no round trip',
  });
  return rows;
}
