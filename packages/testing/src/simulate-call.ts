import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CallFlowError,
  createMemoryStore,
  providerNameList,
  providerNames,
  silentLogger,
  toNodeListener,
  type FetchHandler,
  type Flow,
  type Hook,
  type Logger,
  type ProviderName,
  type Store,
} from '@callflow/core';
import { loadAdapter } from './load-adapter.js';
import type { CallScript, CallTranscript, TranscriptEntry } from './script.js';

/** The providers a call can be simulated on: every provider in the registry. */
export type SimulatedProvider = ProviderName;

/** The providers, in the registry's order (the one the parity suite and the demo use). */
export const simulatedProviders: readonly SimulatedProvider[] = providerNames;

/** A scripted call of a flow on one provider. */
export interface SimulateCallOptions extends CallScript {
  provider: SimulatedProvider;
  flow: Flow;
  /** A fixed clock for business hours and tokens (an instant, or an ISO string); default: the real clock. */
  at?: Date | string | number;
  /** Application hooks named by `record.notify`. */
  hooks?: Record<string, Hook>;
  /** Shared state; default a fresh memory store per call. */
  store?: Store;
  logger?: Logger;
}

/** A scripted call to a server that is already running (Twilio or Vonage), with the credentials it checks. */
export interface SimulateServerCallOptions extends CallScript {
  provider: SimulatedProvider;
  /** Twilio: the voice URL. Vonage: the handler's base URL (its `publicBaseUrl`); `/answer` and `/event` are called under it. */
  url: string;
  /** Twilio: the auth token the server verifies with. */
  authToken?: string;
  /** Vonage: the signature secret the server verifies with. */
  signatureSecret?: string;
  /** The clock the emulator signs with (Vonage JWT `iat`), when the server's clock is faked. */
  at?: Date | string | number;
}

/** What the caller experienced, in neutral terms, plus short views for assertions. */
export interface SimulatedCall extends CallTranscript {
  /** Every text the caller heard, in order. */
  heard: string[];
  /** Keys pressed or words said at each gather (`''` for silence). */
  pressed: string[];
  transfers: Array<{ to: string; status: string }>;
  recordings: Array<{ durationSeconds: number; url?: string }>;
  queues: Array<{ queue: string; result: string }>;
  conferences: string[];
}

const secret = 'simulate-call-secret-0123456789abcdef';

function clockOf(at: SimulateCallOptions['at']): (() => number) | undefined {
  if (at === undefined) return undefined;
  const fixed = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(fixed)) throw new TypeError(`[callflow:testing] 'at' is not a valid time: ${String(at)}`);
  // A fixed wall clock that still moves a little, so tokens issued in one call are ordered.
  const started = Date.now();
  return () => fixed + (Date.now() - started);
}

async function listen(handler: { current?: FetchHandler }): Promise<{ server: Server; base: string }> {
  const server = createServer((request, response) => {
    if (!handler.current) {
      response.statusCode = 503;
      response.end();
      return;
    }
    toNodeListener(handler.current)(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function summarise(transcript: CallTranscript): SimulatedCall {
  const pick = <T extends TranscriptEntry['type']>(type: T) =>
    transcript.entries.filter((entry): entry is Extract<TranscriptEntry, { type: T }> => entry.type === type);
  return {
    ...transcript,
    heard: pick('say').map((entry) => entry.text),
    pressed: pick('input').map((entry) => entry.digits ?? entry.speech ?? ''),
    transfers: pick('transfer').map((entry) => ({ to: entry.to, status: entry.status })),
    recordings: pick('record').map((entry) => ({ durationSeconds: entry.durationSeconds, url: entry.url })),
    queues: pick('enqueue').map((entry) => ({ queue: entry.queue, result: entry.result })),
    conferences: pick('conference').map((entry) => entry.room),
  };
}

/**
 * Runs one scripted call of `flow` on a provider: the adapter's real handler on an HTTP server on 127.0.0.1,
 * called by that provider's local emulator with real signatures. Nothing leaves the machine.
 * @example
 * const call = await simulateCall({ provider: 'vonage', flow, input: ['1'], at: '2026-11-23T15:00:00Z' });
 * expect(call.heard).toContain('Connecting you to sales.');
 */
export async function simulateCall(options: SimulateCallOptions | SimulateServerCallOptions): Promise<SimulatedCall> {
  if ('url' in options) return simulateServerCall(options);
  const { provider, flow, at, hooks, logger = silentLogger, ...script } = options;
  const run = localCalls[provider as ProviderName] as LocalCall | undefined;
  if (!run)
    throw new CallFlowError('invalid-webhook', `unknown provider '${String(provider)}' (${providerNameList()})`, { provider: 'testing' });
  const now = clockOf(at);
  const store = options.store ?? createMemoryStore(now ? { now } : {});
  const handler: { current?: FetchHandler } = {};
  const { server, base } = await listen(handler);
  try {
    return summarise(await run({ common: { flow, secret, hooks, store, logger, ...(now ? { now } : {}) }, base, handler, script, now }));
  } finally {
    await close(server);
  }
}

interface LocalCallContext {
  /** The handler options every provider takes. */
  common: { flow: Flow; secret: string; hooks?: Record<string, Hook>; store: Store; logger: Logger; now?: () => number };
  /** The local server's origin; the handler goes into `handler.current`. */
  base: string;
  handler: { current?: FetchHandler };
  script: CallScript;
  now?: () => number;
}
type LocalCall = (context: LocalCallContext) => Promise<CallTranscript>;

/** How each provider in the registry runs a call: its adapter's handler, called by its emulator. No provider SDK is loaded. */
const localCalls: Record<ProviderName, LocalCall> = {
  async twilio({ common, base, handler, script }) {
    const { createTwilioHandler } = await loadAdapter('twilio');
    const { createTwilioEmulator } = await import('./twilio/create-twilio-emulator.js');
    const authToken = 'simulated-twilio-auth-token';
    handler.current = createTwilioHandler({ ...common, authToken, publicBaseUrl: `${base}/voice` });
    const emulator = createTwilioEmulator({ voiceUrl: `${base}/voice`, authToken });
    try {
      return await emulator.call(script);
    } finally {
      await emulator.close();
    }
  },
  async vonage({ common, base, handler, script, now }) {
    const { createVonageHandler } = await loadAdapter('vonage');
    const { createVonageEmulator } = await import('./vonage/create-vonage-emulator.js');
    const { createVonageRestClient } = await import('./vonage/vonage-rest-client.js');
    const signatureSecret = 'simulated-vonage-signature-secret';
    let vonage: ReturnType<typeof createVonageHandler> | undefined;
    const emulator = await createVonageEmulator({
      answerUrl: `${base}/vonage/answer`,
      eventUrl: `${base}/vonage/event`,
      signatureSecret,
      ...(now ? { now } : {}),
      // The hold loop's wait passes on the handler's clock too, and a scripted agent takes the caller as an app would:
      // a REST transfer into the caller's room, which the agent is in.
      advanceClock: true,
      onAgentFree: async ({ queue }) => void (await vonage?.connectNextCaller(queue, { room: true })),
    });
    // The REST client hangs up a called party who declines a screened transfer (and moves queued callers).
    vonage = createVonageHandler({
      ...common,
      now: emulator.now,
      signatureSecret,
      publicBaseUrl: `${base}/vonage`,
      voiceClient: createVonageRestClient(emulator.apiUrl),
    });
    handler.current = vonage;
    try {
      return await emulator.call(script);
    } finally {
      await emulator.close();
    }
  },
  async telnyx({ common, base, handler, script, now }) {
    const { createCallControlClient, createTelnyxHandler } = await loadAdapter('telnyx');
    const { createTelnyxEmulator } = await import('./telnyx/create-telnyx-emulator.js');
    const emulator = await createTelnyxEmulator({ webhookUrl: `${base}/telnyx`, ...(now ? { now } : {}) });
    try {
      // The built-in Call Control client (fetch only), pointed at the emulator's API: the telnyx SDK is not needed.
      const client = createCallControlClient({ apiKey: 'simulated', baseUrl: emulator.apiBaseUrl });
      handler.current = createTelnyxHandler({
        ...common,
        publicKey: emulator.publicKey,
        client,
        connectionId: emulator.connectionId,
        publicBaseUrl: `${base}/telnyx`,
      });
      return await emulator.call(script);
    } finally {
      await emulator.close();
    }
  },
};

async function simulateServerCall(options: SimulateServerCallOptions): Promise<SimulatedCall> {
  const { provider, url, authToken, signatureSecret, at, ...script } = options;
  const now = clockOf(at);
  if (provider === 'twilio') {
    if (!authToken)
      throw new CallFlowError('invalid-webhook', 'simulateCall({ url }) on Twilio needs the authToken the server verifies with', {
        provider: 'testing',
      });
    const { createTwilioEmulator } = await import('./twilio/create-twilio-emulator.js');
    const emulator = createTwilioEmulator({ voiceUrl: url, authToken });
    try {
      return summarise(await emulator.call(script));
    } finally {
      await emulator.close();
    }
  }
  if (provider === 'vonage') {
    if (!signatureSecret)
      throw new CallFlowError('invalid-webhook', 'simulateCall({ url }) on Vonage needs the signatureSecret the server verifies with', {
        provider: 'testing',
      });
    const { createVonageEmulator } = await import('./vonage/create-vonage-emulator.js');
    const base = url.replace(/\/+$/, '');
    const emulator = await createVonageEmulator({
      answerUrl: `${base}/answer`,
      eventUrl: `${base}/event`,
      signatureSecret,
      ...(now ? { now } : {}),
    });
    try {
      return summarise(await emulator.call(script));
    } finally {
      await emulator.close();
    }
  }
  // provider: Telnyx is driven by REST commands, so the server's telnyx client must point at the emulator's API.
  throw new CallFlowError(
    'invalid-webhook',
    "simulateCall({ url }) cannot drive a running Telnyx server: its telnyx client must send commands to the emulator. Start createTelnyxEmulator({ webhookUrl }) and build the server's client with baseURL: emulator.apiBaseUrl",
    { provider: 'testing' },
  );
}
