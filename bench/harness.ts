import { performance } from 'node:perf_hooks';
import type { WebhookRequest } from '@callflow/core';

/** One line of the benchmark table. */
export interface BenchRow {
  /** What was measured, e.g. `twilio: render menu turn`. */
  name: string;
  /** The figure, in `unit`. */
  value: number;
  unit: 'µs/op' | 'ms' | 'ops/s' | 'req/s' | 'KiB' | 'count';
  /** The same job done the seed way (official SDK), in the same unit, when there is one. */
  baseline?: number;
  baselineName?: string;
  /** Target in words, e.g. `≥10x faster`. */
  target?: string;
  note?: string;
}

/** Median µs per call of `fn`, after warm-up, over `rounds` batches of `batch` calls. */
export async function medianMicros(
  fn: () => unknown | Promise<unknown>,
  options: { batch?: number; rounds?: number; warmup?: number } = {},
): Promise<number> {
  const batch = options.batch ?? 200;
  const rounds = options.rounds ?? 15;
  for (let index = 0; index < (options.warmup ?? batch * 3); index++) await fn();
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (let index = 0; index < batch; index++) await fn();
    samples.push(((performance.now() - started) * 1000) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Same as `medianMicros` for synchronous functions (no await overhead in the loop). */
export function medianMicrosSync(fn: () => unknown, options: { batch?: number; rounds?: number; warmup?: number } = {}): number {
  const batch = options.batch ?? 1000;
  const rounds = options.rounds ?? 15;
  for (let index = 0; index < (options.warmup ?? batch * 3); index++) fn();
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (let index = 0; index < batch; index++) fn();
    samples.push(((performance.now() - started) * 1000) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** Per-call µs of each function, measured in alternating rounds (A B A B…) so background load falls on all alike. */
export interface InterleavedMicros {
  /** The fastest round: what the code costs when the shared machine lets it run. */
  min: number;
  median: number;
}

/**
 * Measures several functions in alternating batches after a warm-up of each, and returns each one's fastest and median
 * batch (µs per call). Ratios between the minimums are what the bench quotes: background load only ever slows a batch.
 */
export async function interleavedMicros(
  functions: ReadonlyArray<() => unknown | Promise<unknown>>,
  options: { batch?: number; rounds?: number; warmup?: number } = {},
): Promise<InterleavedMicros[]> {
  const batch = options.batch ?? 200;
  const rounds = options.rounds ?? 30;
  for (const fn of functions) for (let index = 0; index < (options.warmup ?? batch * 3); index++) await fn();
  const samples = functions.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [position, fn] of functions.entries()) {
      const started = performance.now();
      for (let index = 0; index < batch; index++) await fn();
      samples[position]!.push(((performance.now() - started) * 1000) / batch);
    }
  }
  return samples.map((values) => {
    values.sort((a, b) => a - b);
    return { min: values[0]!, median: values[Math.floor(values.length / 2)]! };
  });
}

/**
 * The fields of a Twilio <Gather> action request for a caller at the bench's menu pressing 3, in the name order Twilio
 * posts them: the request parameters of every voice webhook (CallSid, AccountSid, From, To, CallStatus, ApiVersion,
 * Direction) and the geographic ones Twilio adds when it can look the numbers up (FromCity … ToCountry), from
 * https://www.twilio.com/docs/voice/twiml#request-parameters; Called and Caller, which Twilio also sends (as the
 * emulator does); and the <Gather> action's Digits and FinishedOnKey (https://www.twilio.com/docs/voice/twiml/gather).
 * Shared by the in-process, HTTP and cold-start suites, so each signs and reads the form a real menu press carries.
 */
export function twilioMenuPress(callSid: string, from: string, to: string): Record<string, string> {
  return {
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: 'in-progress',
    Called: to,
    Caller: from,
    Digits: '3',
    Direction: 'inbound',
    FinishedOnKey: '',
    From: from,
    FromCity: 'SAN FRANCISCO',
    FromCountry: 'US',
    FromState: 'CA',
    FromZip: '94105',
    To: to,
    ToCity: 'NEW YORK',
    ToCountry: 'US',
    ToState: 'NY',
    ToZip: '10001',
  };
}

/**
 * The body of a Vonage input webhook for a caller at the bench's menu pressing 3 (the NCCO input callback's `uuid`,
 * `conversation_uuid`, `from`, `to`, `dtmf`, `timestamp`), shared by the in-process, HTTP and state suites.
 */
export function vonageMenuPress(callId: string): Record<string, unknown> {
  return {
    uuid: callId,
    conversation_uuid: `CON-${callId}`,
    from: '447700900001',
    to: '447700900000',
    dtmf: { digits: '3', timed_out: false },
    timestamp: new Date().toISOString(),
  };
}

/**
 * A request as the node:http bridge hands it to the reply form: `path` on http://127.0.0.1:3000, the headers as sent,
 * the body already read.
 */
export function bridgeRequest(
  path: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | Uint8Array,
): WebhookRequest & { readBytes(maxBytes?: number): Promise<Uint8Array> } {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const all: Record<string, string> = { ...headers };
  return {
    method,
    url: `http://127.0.0.1:3000${path}`,
    headers: { get: (name) => all[name.toLowerCase()] ?? null, has: (name) => name.toLowerCase() in all },
    text: async () => text,
    readBytes: async () => bytes,
  };
}
