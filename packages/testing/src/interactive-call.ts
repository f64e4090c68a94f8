import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore, silentLogger, type DialStatus, type FetchHandler, type Flow, type Hook, type Logger } from '@callflow/core';
import type { CallerAction, CallScript, CallTranscript, TranscriptEntry } from './script.js';
import type { SimulatedProvider } from './simulate-call.js';
import { loadAdapter } from './load-adapter.js';

/** What the outside world does when the call reaches a transfer, queue, recording or conference; read when reached. */
export interface CallOutcomes {
  transfer: DialStatus;
  queue: 'bridged' | 'timeout' | 'hangup' | 'left';
  /** `message`: the caller leaves a 5-second message; `hangup`: the caller hangs up while recording. */
  recording: 'message' | 'hangup';
  /** `ended`: the conference ends; `hangup`: the caller hangs up in it. */
  conference: 'ended' | 'hangup';
}

/** One HTTP exchange of the call, as it went over the wire. */
export interface CallExchange {
  /** `webhook`: the provider (emulator) called the application; `command`: the application called the provider's API (Telnyx). */
  kind: 'webhook' | 'command';
  /** Milliseconds since the call started. */
  atMs: number;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  response: { status: number; contentType: string; body: string };
  /** Webhooks: the signature header and the adapter's own verifier's verdict on the bytes received. */
  signature?: { header: string; value: string; valid: boolean; detail: string };
  /** Nodes the engine entered while answering (webhooks only), in order. */
  nodes: string[];
}

/** Options of `startInteractiveCall`. */
export interface InteractiveCallOptions {
  provider: SimulatedProvider;
  flow: Flow;
  /** The clock for business hours and tokens: a fixed instant that then moves with real time; default the real clock. */
  at?: Date | string | number;
  hooks?: Record<string, Hook>;
  logger?: Logger;
  /** Initial outcomes; change them on the returned call's `outcomes` any time before the call reaches the step. */
  outcomes?: Partial<CallOutcomes>;
  from?: string;
  to?: string;
}

/** A call in progress, driven one caller action at a time. */
export interface InteractiveCall {
  readonly provider: SimulatedProvider;
  /** What the caller heard and did so far (live). */
  readonly entries: readonly TranscriptEntry[];
  /** Every webhook and API command so far (live). */
  readonly exchanges: readonly CallExchange[];
  /** Every node the engine entered, in order (live). */
  readonly visited: readonly string[];
  /** True while the call waits at a gather for `act`. */
  readonly waiting: boolean;
  /** Set once the call is over. */
  readonly result: CallTranscript | undefined;
  /** Mutable: what the next transfer, queue, recording or conference does. */
  readonly outcomes: CallOutcomes;
  /** Resolves when the call first waits at a gather or ends. */
  ready(): Promise<void>;
  /** Answers the gather the call waits at (keys, speech, silence or hang-up); resolves when it waits again or ends. */
  act(action: CallerAction): Promise<void>;
  /** Hangs up at the current gather and resolves when the call is over. */
  hangup(): Promise<CallTranscript>;
  /** Stops the call's servers (hangs up first if still waiting). */
  close(): Promise<void>;
}

const secret = 'interactive-call-secret-0123456789abcdef';

function clockOf(at: InteractiveCallOptions['at']): (() => number) | undefined {
  if (at === undefined) return undefined;
  const fixed = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(fixed)) throw new TypeError(`[callflow:testing] 'at' is not a valid time: ${String(at)}`);
  const started = Date.now();
  return () => fixed + (Date.now() - started);
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** A list whose every index reads `pick()` when the emulator reaches it, so outcomes chosen mid-call apply. */
function live<T>(pick: () => T): T[] {
  return new Proxy([] as T[], {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) return pick();
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * Starts one call of `flow` on a provider that the caller drives step by step, as a softphone does: the adapter's
 * real handler on 127.0.0.1, called by the provider's emulator over HTTP with real signatures, every exchange recorded
 * with the adapter's signature verdict and the nodes the engine entered.
 * @example
 * const call = await startInteractiveCall({ provider: 'twilio', flow });
 * await call.ready();
 * await call.act('1');
 */
export async function startInteractiveCall(options: InteractiveCallOptions): Promise<InteractiveCall> {
  const { provider, flow, logger = silentLogger } = options;
  const now = clockOf(options.at);
  const clock = now ?? Date.now;
  const startedAt = Date.now();
  const outcomes: CallOutcomes = {
    transfer: 'completed',
    queue: 'bridged',
    recording: 'message',
    conference: 'ended',
    ...options.outcomes,
  };
  const entries: TranscriptEntry[] = [];
  const exchanges: CallExchange[] = [];
  const visited: string[] = [];
  let recording = false;
  let entering: string[] | undefined;
  // The engine reads `flow.nodes[id]` each time it enters a node: that read is the call moving.
  const nodes = new Proxy(flow.nodes, {
    get(target, property, receiver) {
      if (recording && typeof property === 'string' && Object.hasOwn(target, property)) {
        if (visited.at(-1) !== property) visited.push(property);
        if (entering && entering.at(-1) !== property) entering.push(property);
      }
      return Reflect.get(target, property, receiver);
    },
  });
  const watchedFlow: Flow = { ...flow, nodes };

  let verify: (request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string;
  }) => Promise<CallExchange['signature']> = async () => undefined;
  let handler: FetchHandler | undefined;
  const server: Server = createServer((request, response) => {
    if (!handler) {
      response.statusCode = 503;
      response.end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = `${base}${request.url ?? '/'}`;
      const headers = headersOf(request);
      const exchange: CallExchange = {
        kind: 'webhook',
        atMs: Date.now() - startedAt,
        request: { method: request.method ?? 'GET', url, headers, body },
        response: { status: 0, contentType: '', body: '' },
        nodes: [],
      };
      exchanges.push(exchange);
      void (async () => {
        exchange.signature = await verify(exchange.request).catch((error: unknown) => ({
          header: '',
          value: '',
          valid: false,
          detail: String(error),
        }));
        entering = exchange.nodes;
        const init: RequestInit = { method: exchange.request.method, headers };
        if (body && exchange.request.method !== 'GET' && exchange.request.method !== 'HEAD') init.body = body;
        let answer: Response;
        try {
          answer = await handler!(new Request(url, init));
        } catch (error) {
          answer = new Response(`handler threw: ${error instanceof Error ? error.message : String(error)}`, { status: 500 });
        } finally {
          entering = undefined;
        }
        const text = await answer.text();
        exchange.response = { status: answer.status, contentType: answer.headers.get('content-type') ?? '', body: text };
        response.statusCode = answer.status;
        answer.headers.forEach((value, name) => {
          response.setHeader(name, value);
        });
        response.end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let waiting = false;
  let result: CallTranscript | undefined;
  let pendingAnswer: ((action: CallerAction) => void) | undefined;
  let settled: (() => void) | undefined;
  let settledPromise = new Promise<void>((resolve) => (settled = resolve));
  const settle = () => {
    settled?.();
    settledPromise = new Promise<void>((resolve) => (settled = resolve));
  };

  const script: CallScript = {
    from: options.from,
    to: options.to,
    transfers: live(() => ({ status: outcomes.transfer, durationSeconds: outcomes.transfer === 'completed' ? 30 : 0 })),
    queues: live(() => ({ result: outcomes.queue, waitSeconds: 20 })),
    recordings: live(() => (outcomes.recording === 'hangup' ? { hangup: true as const, durationSeconds: 5 } : { durationSeconds: 5 })),
    conferences: live(() => (outcomes.conference === 'hangup' ? { hangup: true as const } : { status: 'ended' as const, seconds: 60 })),
    answer: (heard) => {
      entries.splice(0, entries.length, ...heard);
      waiting = true;
      const next = new Promise<CallerAction>((resolve) => (pendingAnswer = resolve));
      settle();
      return next;
    },
  };

  let closeEmulator: () => Promise<void> = async () => {};
  let run: () => Promise<CallTranscript>;
  const common = {
    flow: watchedFlow,
    secret,
    hooks: options.hooks,
    store: createMemoryStore(now ? { now } : {}),
    logger,
    ...(now ? { now } : {}),
  };
  if (provider === 'twilio') {
    const { createTwilioHandler, verifyTwilioSignature } = await loadAdapter('twilio');
    const { createTwilioEmulator } = await import('./twilio/create-twilio-emulator.js');
    const authToken = 'interactive-twilio-auth-token';
    handler = createTwilioHandler({ ...common, authToken, publicBaseUrl: `${base}/voice` });
    const emulator = createTwilioEmulator({ voiceUrl: `${base}/voice`, authToken });
    verify = async (request) => {
      const value = request.headers['x-twilio-signature'] ?? '';
      const params: Record<string, string> = {};
      for (const [name, field] of new URLSearchParams(request.body)) params[name] = field;
      const valid = await verifyTwilioSignature({
        authToken,
        url: request.url,
        params: request.method === 'GET' ? {} : params,
        signature: value,
      });
      return {
        header: 'X-Twilio-Signature',
        value,
        valid,
        detail: valid ? 'HMAC-SHA1 of the URL and the sorted form fields matches' : 'HMAC-SHA1 does not match',
      };
    };
    run = () => emulator.call(script);
    closeEmulator = () => emulator.close();
  } else if (provider === 'vonage') {
    const { createVonageHandler, verifyVonageSignature } = await loadAdapter('vonage');
    const { createVonageEmulator } = await import('./vonage/create-vonage-emulator.js');
    const signatureSecret = 'interactive-vonage-signature-secret';
    handler = createVonageHandler({ ...common, signatureSecret, publicBaseUrl: `${base}/vonage` });
    const emulator = await createVonageEmulator({
      answerUrl: `${base}/vonage/answer`,
      eventUrl: `${base}/vonage/event`,
      signatureSecret,
      ...(now ? { now } : {}),
    });
    verify = async (request) => {
      const value = request.headers.authorization ?? '';
      const verdict = await verifyVonageSignature(
        { method: request.method, url: request.url, authorization: value || null, body: request.body },
        { signatureSecret, now: clock },
      );
      return {
        header: 'Authorization',
        value,
        valid: verdict.valid,
        detail: verdict.valid ? 'HS256 JWT verified; payload_hash matches the body' : verdict.message,
      };
    };
    run = () => emulator.call(script);
    closeEmulator = () => emulator.close();
  } else {
    const { createCallControlClient, createTelnyxHandler, verifyTelnyxSignature } = await loadAdapter('telnyx');
    const { createTelnyxEmulator } = await import('./telnyx/create-telnyx-emulator.js');
    const emulator = await createTelnyxEmulator({ webhookUrl: `${base}/telnyx`, ...(now ? { now } : {}) });
    // The application's API commands, recorded on their way to the emulator's Call Control API.
    const recordingFetch: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const body = request.method === 'GET' ? '' : await request.clone().text();
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = name === 'authorization' ? 'Bearer (api key)' : value;
      });
      const exchange: CallExchange = {
        kind: 'command',
        atMs: Date.now() - startedAt,
        request: { method: request.method, url: request.url, headers, body },
        response: { status: 0, contentType: '', body: '' },
        nodes: [],
      };
      exchanges.push(exchange);
      const answer = await fetch(request);
      exchange.response = {
        status: answer.status,
        contentType: answer.headers.get('content-type') ?? '',
        body: await answer.clone().text(),
      };
      return answer;
    };
    const client = createCallControlClient({ apiKey: 'interactive', baseUrl: emulator.apiBaseUrl, fetch: recordingFetch });
    handler = createTelnyxHandler({
      ...common,
      publicKey: emulator.publicKey,
      client,
      connectionId: emulator.connectionId,
      publicBaseUrl: `${base}/telnyx`,
    });
    verify = async (request) => {
      const value = request.headers['telnyx-signature-ed25519'] ?? '';
      const verdict = await verifyTelnyxSignature({
        publicKey: emulator.publicKey,
        signature: value,
        timestamp: request.headers['telnyx-timestamp'],
        rawBody: request.body,
        now: clock,
      });
      return {
        header: 'telnyx-signature-ed25519',
        value,
        valid: verdict.ok,
        detail: verdict.ok ? `Ed25519 over "${request.headers['telnyx-timestamp']}|body" verified` : verdict.message,
      };
    };
    run = () => emulator.call(script);
    closeEmulator = () => emulator.close();
  }

  recording = true;
  const finished = run()
    .then((transcript) => {
      result = transcript;
      entries.splice(0, entries.length, ...transcript.entries);
    })
    .catch((error: unknown) => {
      result = {
        provider,
        entries: [...entries],
        endedBy: 'error',
        webhooks: exchanges.filter((exchange) => exchange.kind === 'webhook').length,
        errors: [error instanceof Error ? error.message : String(error)],
      };
    })
    .finally(() => {
      waiting = false;
      settle();
    });

  const call: InteractiveCall = {
    provider,
    entries,
    exchanges,
    visited,
    outcomes,
    get waiting() {
      return waiting;
    },
    get result() {
      return result;
    },
    async ready() {
      if (waiting || result) return;
      await settledPromise;
    },
    async act(action) {
      if (!waiting || !pendingAnswer) throw new TypeError('[callflow:testing] the call is not waiting for the caller');
      const answer = pendingAnswer;
      pendingAnswer = undefined;
      waiting = false;
      const next = settledPromise;
      answer(action);
      await next;
    },
    async hangup() {
      if (waiting) await call.act({ hangup: true });
      await finished;
      return result!;
    },
    async close() {
      if (waiting) await call.act({ hangup: true }).catch(() => undefined);
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await closeEmulator();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return call;
}
