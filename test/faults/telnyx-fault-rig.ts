// The in-process rig of the Telnyx faults: the phone tree served over real HTTP on 127.0.0.1, the Telnyx emulator calling it
// through a delivery proxy (held-back deliveries), and the handler's Call Control client reaching the emulator through an
// API proxy (brownouts, refusals, lost answers). Counts what the report needs from the emulator's own request log.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore, toNodeListener, type FetchHandler, type Logger, type Store } from '@callflow/core';
import { createPhoneTree } from '@callflow/example-flows';
import { createCallControlClient, createTelnyxHandler } from '@callflow/telnyx';
import { createTelnyxEmulator, spoken, type CallTranscript, type TelnyxDeliveryOptions, type TelnyxEmulator } from '@callflow/testing';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

export const greeting = 'Hello, and welcome to ACME, Inc.';
export const goodbye = 'Thank you for calling ACME. Goodbye.';
export const apology = 'We are sorry, something went wrong. Goodbye.';
/** Hours twice, back to the menu, two wrong keys, then the polite goodbye: 11 things said, 12 turns, a long call. */
export const callInput = ['3', '1', '5', '9'];
export const expectedSpeech = 11;

/** A logger that keeps its lines (the report shows the first errors). */
export function keepingLogger(): Logger & { lines: Array<{ level: string; message: string; callId?: string }> } {
  const lines: Array<{ level: string; message: string; callId?: string }> = [];
  const callIdOf = (data: unknown) => (data as { callId?: string } | undefined)?.callId;
  return {
    lines,
    info: (message, data) => void (process.env.FAULT_DEBUG ? lines.push({ level: 'info', message, callId: callIdOf(data) }) : undefined),
    warn: (message, data) => void lines.push({ level: 'warn', message, callId: callIdOf(data) }),
    error: (message, data) => void lines.push({ level: 'error', message, callId: callIdOf(data) }),
  };
}

export interface TelnyxFaultRig {
  emulator: TelnyxEmulator;
  api: FaultProxy;
  deliveries: FaultProxy;
  logger: ReturnType<typeof keepingLogger>;
  /** Places `count` calls, `spacingMs` apart; resolves with every transcript, keyed by the caller's number. */
  placeCalls(count: number, spacingMs: number): Promise<Map<string, CallTranscript>>;
  /** Per call (by caller number): Call Control commands Telnyx applied (2xx, not a repeated command_id). */
  appliedPerCall(): Map<string, number>;
  /** The caller number of a leg (from its call.initiated), once that event was delivered. */
  callerOf(leg: string): string | undefined;
  /** Requests whose command_id Telnyx had already seen (ignored by Telnyx, so harmless). */
  repeatedCommandIds(): number;
  close(): Promise<void>;
}

/** Starts the rig on `store` (default a memory store) with the emulator's delivery faults. */
export async function startTelnyxFaultRig(
  options: { store?: Store; deliveries?: TelnyxDeliveryOptions; msPerSecond?: number } = {},
): Promise<TelnyxFaultRig> {
  let current: FetchHandler = async () => new Response('not ready', { status: 503 });
  const server: Server = createServer(toNodeListener((request) => current(request)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api = await startFaultProxy();
  const deliveries = await startFaultProxy();
  deliveries.target = appUrl;
  // A caller waits up to 30 s in silence before giving up (the 10 s brownout must not count as the caller leaving).
  const emulator = await createTelnyxEmulator({
    webhookUrl: `${deliveries.url}/telnyx`,
    deliveries: options.deliveries,
    idleMs: 30_000,
    msPerSecond: options.msPerSecond ?? 0,
  });
  const apiBase = new URL(emulator.apiBaseUrl);
  api.target = apiBase.origin;
  const logger = keepingLogger();
  current = createTelnyxHandler({
    flow: createPhoneTree({ holdMusicUrl: 'https://audio.example.com/hold.mp3', receptionNumber: '+15005550006' }),
    secret: 'faults-telnyx-secret-0123456789',
    publicKey: emulator.publicKey,
    client: createCallControlClient({ apiKey: 'test-key', baseUrl: `${api.url}${apiBase.pathname}` }),
    store: options.store ?? createMemoryStore(),
    logger,
  });

  /** call_control_id → caller number, from the call.initiated deliveries. */
  function legsByCaller(): Map<string, string> {
    const legs = new Map<string, string>();
    for (const entry of deliveries.log) {
      try {
        const data = (JSON.parse(entry.body) as { data?: { event_type?: string; payload?: { call_control_id?: string; from?: string } } })
          .data;
        if (data?.event_type === 'call.initiated' && data.payload?.call_control_id && data.payload.from)
          legs.set(data.payload.call_control_id, data.payload.from);
      } catch {
        // not JSON: not a delivery
      }
    }
    return legs;
  }

  return {
    emulator,
    api,
    deliveries,
    logger,
    async placeCalls(count, spacingMs) {
      const results = new Map<string, CallTranscript>();
      await Promise.all(
        Array.from({ length: count }, async (_, index) => {
          await new Promise((resolve) => setTimeout(resolve, index * spacingMs));
          const from = `+1555${String(index).padStart(7, '0')}`;
          results.set(from, await emulator.call({ from, input: [...callInput] }));
        }),
      );
      return results;
    },
    appliedPerCall() {
      const legs = legsByCaller();
      const applied = new Map<string, number>();
      for (const request of emulator.requests) {
        if (request.duplicate || request.status < 200 || request.status > 299 || !request.target) continue;
        const from = legs.get(request.target) ?? request.target;
        applied.set(from, (applied.get(from) ?? 0) + 1);
      }
      return applied;
    },
    callerOf: (leg) => legsByCaller().get(leg),
    repeatedCommandIds: () => emulator.requests.filter((request) => request.duplicate).length,
    async close() {
      await emulator.close();
      await api.close();
      await deliveries.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How a Telnyx phone-tree call ended: the whole tree heard, the apology, or neither (lost: silence, a stall). */
export function telnyxOutcome(transcript: CallTranscript): 'completed' | 'apology' | 'lost' {
  const said = spoken(transcript);
  if (
    transcript.errors.length === 0 &&
    transcript.endedBy === 'flow' &&
    said.length === expectedSpeech &&
    said[0] === greeting &&
    said.at(-1) === goodbye
  )
    return 'completed';
  if (transcript.endedBy === 'flow' && said.at(-1) === apology && transcript.entries.at(-1)?.type === 'hangup') return 'apology';
  return 'lost';
}
