import {
  CallFlowError,
  createReplyOnce,
  emptyReply,
  endedPosition,
  jsonTextReply,
  type CallInfo,
  type CallPosition,
  type Outcome,
  type PositionAnswer,
  type Provider,
  type ProviderHandlerOptions,
  type RawWebhook,
  type Store,
  type WebhookEvent,
} from '@callflow/core';
import { nccoActions, type Ncco } from './ncco-types.js';
import { parseVonageAnswer, parseVonageConnectEvent, parseVonageEvent, parseVonageInput, parseVonageRecordEvent } from './parse-vonage-webhook.js';
import { callbackUrl, defaultQueuePrefix, queueConversationName, renderNcco, stringifyNcco, vonageWebhookPaths } from './render-ncco.js';
import { sha256Hex, verifyVonageSignature } from './verify-vonage-signature.js';
import type { VonageVoiceClient } from './vonage-live-call.js';
import { addToQueue, listQueue, removeFromQueue, type QueuedCaller } from './vonage-queue.js';
import { vonageCapabilities } from './vonage-capabilities.js';
import { createQueueControl, type VonageQueueControl } from './vonage-queue-control.js';

/** Options of the Vonage handler. */
export interface VonageHandlerOptions extends ProviderHandlerOptions {
  /** The public URL of the handler, e.g. `https://ivr.example.com/vonage`; callbacks go to its `/input`, `/connect`… */
  publicBaseUrl: string;
  /** The account's signature secret(s) for signed webhooks; required unless `verifySignatures` is false. */
  signatureSecret?: string | readonly string[];
  /** Oldest JWT `iat` accepted, in seconds; default 300. */
  signatureMaxAgeSeconds?: number;
  /** Prefix of the conversation that emulates a queue; default `callflow-queue-`. */
  queuePrefix?: string;
  /** How long the notify after a record waits for the record event's URL, in ms; default 3000. */
  recordingWaitMs?: number;
  /** The `@vonage/server-sdk` client used by the queue and live-call methods when none is passed. */
  voiceClient?: VonageVoiceClient;
}

const ttlSeconds = 86_400;
/** The store keys the Vonage side keeps beside the pipeline's positions. */
export const vonageKeys = {
  call: (callId: string) => `vonage:call:${callId}`,
  recording: (callId: string, tokenHash: string) => `vonage:recording:${callId}:${tokenHash}`,
  recordingEffects: (callId: string, tokenHash: string) => `vonage:recording-effects:${callId}:${tokenHash}`,
};

/** Who a call is, from what the answer webhook saved (Vonage's later webhooks do not all repeat it). */
export async function vonageCallInfo(store: Store, callId: string, fallback: Partial<CallInfo> = {}): Promise<CallInfo> {
  const saved = await store.get(vonageKeys.call(callId));
  const known = saved ? (JSON.parse(saved) as { from?: string; to?: string }) : {};
  return { callId, from: known.from ?? fallback.from, to: known.to ?? fallback.to, provider: 'vonage' };
}

function signatureSecretsOf(value: VonageHandlerOptions['signatureSecret']): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
}

function malformed(message: string): CallFlowError {
  return new CallFlowError('invalid-webhook', message, { provider: 'vonage' });
}

function fieldsOf(webhook: RawWebhook): Record<string, unknown> {
  if (webhook.method === 'GET' || webhook.method === 'HEAD') return Object.fromEntries(webhook.url.searchParams);
  let parsed: unknown;
  try {
    parsed = webhook.text.trim() === '' ? {} : JSON.parse(webhook.text);
  } catch {
    throw malformed('body is not a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('body is not a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * Vonage on the provider seam: NCCOs in the reply, signed-webhook JWTs, one call position per call in the store
 * (Vonage retries and reorders webhooks), and the emulated queue's control beside the handler.
 */
export const vonageProvider: Provider<VonageHandlerOptions, Ncco, VonageQueueControl> = {
  name: 'vonage',
  capabilities: vonageCapabilities,
  checkOptions(options) {
    const secrets = signatureSecretsOf(options.signatureSecret);
    if (options.verifySignatures === false && (secrets === undefined || secrets.length === 0)) return [];
    if (secrets === undefined || secrets.length === 0) {
      return [{ option: 'signatureSecret', message: 'is required to verify signed webhooks (the account signature secret); set verifySignatures: false only for local experiments' }];
    }
    if (secrets.some((secret) => typeof secret !== 'string' || secret === '')) return [{ option: 'signatureSecret', message: 'every secret must be a non-empty string' }];
    return [];
  },
  secretsOf: (options) => signatureSecretsOf(options.signatureSecret) ?? [],
  create({ options, engine, store, logger, now, playTurn }) {
    const base = options.publicBaseUrl.replace(/\/+$/, '');
    const queuePrefix = options.queuePrefix ?? defaultQueuePrefix;
    const positions = createReplyOnce(store, 'vonage', logger);
    const signatureSecret = signatureSecretsOf(options.signatureSecret) ?? [];

    async function tokenHashOf(token: string): Promise<string> {
      return (await sha256Hex(token)).slice(0, 24);
    }

    async function waitForRecording(callId: string, tokenHash: string): Promise<Extract<Outcome, { type: 'recording' }> | undefined> {
      const limit = options.recordingWaitMs ?? 3000;
      for (let waited = 0; ; waited += 25) {
        const saved = await store.get(vonageKeys.recording(callId, tokenHash));
        if (saved !== undefined) return JSON.parse(saved) as Extract<Outcome, { type: 'recording' }>;
        if (waited >= limit) return undefined;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    function holdNcco(caller: QueuedCaller): Ncco {
      // Re-rendering the enqueue step itself would need the flow's step; the waiting room is the same conversation.
      return [
        { action: nccoActions.conversation, name: queueConversationName(caller.queue, caller.callId, queuePrefix), startOnEnter: false, endOnExit: false },
        { action: nccoActions.notify, payload: { after: 'enqueue' }, eventUrl: [callbackUrl(base, vonageWebhookPaths.notify, caller.token, caller.callId)], eventMethod: 'POST' },
      ];
    }

    async function parse(webhook: RawWebhook): Promise<WebhookEvent<Ncco>> {
      const path = webhook.url.pathname.replace(/\/+$/, '').split('/').pop() ?? '';
      if (!(Object.values(vonageWebhookPaths) as string[]).includes(path)) return { type: 'refuse', reason: 'unknown-path', message: 'unknown Vonage webhook path' };
      const fields = fieldsOf(webhook);
      const query = webhook.url.searchParams;
      const token = query.get('t') ?? undefined;
      const callParam = query.get('call') ?? undefined;
      if (path === vonageWebhookPaths.answer) {
        const call = parseVonageAnswer(fields);
        await store.set(vonageKeys.call(call.callId), JSON.stringify({ from: call.from, to: call.to }), { ttlSeconds });
        return { type: 'start', call: { callId: call.callId, from: call.from, to: call.to, provider: 'vonage' }, deliveryId: 'answer' };
      }
      if (path === vonageWebhookPaths.event) {
        const event = parseVonageEvent(fields);
        if (event.status === undefined && event.reason) logger.warn(`[callflow:vonage] Vonage reported an error: ${event.reason}`, { callId: event.callId });
        const over = event.status === 'completed' || event.status === 'failed' || event.status === 'rejected' || event.status === 'cancelled';
        if (!event.callId || !over) return { type: 'ignore', reason: `call event ${event.status ?? 'without status'}` };
        const callId = event.callId;
        return {
          type: 'status',
          callId,
          apply: async () => {
            const queue = await removeFromQueue(store, callId);
            if (queue) logger.info?.(`[callflow:vonage] caller left queue '${queue}' by hanging up`, { callId });
            await positions.moveTo(callId, endedPosition);
          },
        };
      }
      if (!token || !callParam) return { type: 'refuse', reason: 'missing-token', message: 'callback URL without its token' };
      const callId = callParam;
      // A repeated delivery has the same token and body; a later visit to the same position differs in its body (timestamp, input).
      const deliveryId = (await sha256Hex(`${token}\n${webhook.text}`)).slice(0, 32);
      const resume = (call: CallInfo, outcome: Outcome | ((position: CallPosition | undefined) => Promise<PositionAnswer<Ncco>> | PositionAnswer<Ncco>), more: { hooksOnce?: string } = {}): WebhookEvent<Ncco> => ({
        type: 'outcome',
        call,
        token,
        deliveryId,
        outcome,
        ...more,
      });
      switch (path) {
        case vonageWebhookPaths.input: {
          const call = await vonageCallInfo(store, callId, { from: typeof fields.from === 'string' ? fields.from : undefined, to: typeof fields.to === 'string' ? fields.to : undefined });
          return resume(call, parseVonageInput(fields));
        }
        case vonageWebhookPaths.connect: {
          const event = parseVonageConnectEvent(fields);
          if (event.kind === 'progress') return { type: 'ignore', reason: 'connect progress' };
          const call = await vonageCallInfo(store, callId);
          return resume(call, async (position) => {
            if (position?.state.kind !== 'enqueue') return event.outcome;
            // The agent did not take the call: back to the front of the queue, back on hold.
            const queue = position.step?.type === 'enqueue' ? position.step.queue : '';
            const caller: QueuedCaller = { callId, token, queue, enqueuedAt: now() };
            await addToQueue(store, caller, 'front');
            logger.warn(`[callflow:vonage] agent attempt ended '${event.outcome.raw}'; caller back at the front of '${caller.queue}'`, { callId });
            return { answer: holdNcco(caller) };
          });
        }
        case vonageWebhookPaths.record: {
          if (query.get('async') === '1') return { type: 'ignore', reason: 'asynchronous record event' };
          const outcome = parseVonageRecordEvent(fields);
          const call = await vonageCallInfo(store, callId);
          const tokenHash = await tokenHashOf(token);
          // The record event is not a control point on Vonage; it only feeds the recording's hooks (once).
          return {
            type: 'outcome',
            call,
            token,
            effectsOnly: true,
            hooksOnce: vonageKeys.recordingEffects(callId, tokenHash),
            outcome: async (position) => {
              if (position) await store.set(vonageKeys.recording(callId, tokenHash), JSON.stringify(outcome), { ttlSeconds });
              return outcome;
            },
          };
        }
        case vonageWebhookPaths.notify: {
          const payload = fields.payload && typeof fields.payload === 'object' ? (fields.payload as Record<string, unknown>) : fields;
          const after = typeof payload.after === 'string' ? payload.after : '';
          const call = await vonageCallInfo(store, callId);
          switch (after) {
            case 'record': {
              const tokenHash = await tokenHashOf(token);
              // The recording's hooks run once, from the record event; here only if that event never arrived.
              return resume(call, async () => (await waitForRecording(callId, tokenHash)) ?? { type: 'recording' }, { hooksOnce: vonageKeys.recordingEffects(callId, tokenHash) });
            }
            case 'transfer':
              return resume(call, { type: 'dial', status: 'completed', raw: 'completed' });
            case 'conference':
              return resume(call, { type: 'conference', status: 'ended' });
            case 'enqueue':
            // The waiting room only ends when an agent who joined it (startOnEnter and endOnExit true) leaves.
            case 'bridged':
              return resume(call, async () => {
                await removeFromQueue(store, callId);
                return { type: 'queue', result: 'bridged' };
              });
            case 'timeout':
              return resume(call, { type: 'queue', result: 'timeout' });
            default:
              throw malformed(`notify with unknown payload.after '${after.slice(0, 40)}'`);
          }
        }
      }
      return { type: 'refuse', reason: 'unknown-path', message: 'unknown Vonage webhook path' };
    }

    return {
      async verify(webhook) {
        const result = await verifyVonageSignature(
          { method: webhook.method, url: webhook.url.href, authorization: webhook.headers.get('authorization'), body: webhook.text },
          { signatureSecret, maxAgeSeconds: options.signatureMaxAgeSeconds, now },
        );
        return result.valid ? { ok: true } : { ok: false, reason: result.reason, message: result.message };
      },
      parse,
      async prepare(turn) {
        if (turn.wait?.step.type !== 'enqueue' || !turn.token) return undefined;
        const queue = turn.wait.step.queue;
        const position = await addToQueue(store, { callId: turn.call.callId, token: turn.token, queue, enqueuedAt: now() });
        // Twilio's AvgQueueTime and Telnyx's queue_avg_wait_time_secs: how long the others in the queue have waited, on average.
        const others = (await listQueue(store, queue)).filter((caller) => caller.callId !== turn.call.callId);
        const averageWaitSeconds = others.length === 0 ? 0 : others.reduce((total, caller) => total + Math.max(0, now() - caller.enqueuedAt), 0) / others.length / 1000;
        return { position, averageWaitSeconds };
      },
      render: (turn, input) => {
        const queued = input.prepared as { position: number; averageWaitSeconds: number } | undefined;
        return renderNcco(turn, { eventUrl: base, queuePosition: queued?.position, queueAverageWaitSeconds: queued?.averageWaitSeconds, queuePrefix });
      },
      deliver: { kind: 'reply', serialize: stringifyNcco, reply: (json) => jsonTextReply(json), acknowledge: () => emptyReply(), once: true },
      extras: createQueueControl({ options, engine, store, logger, now, playTurn, base, queuePrefix, positions }),
    };
  },
};
