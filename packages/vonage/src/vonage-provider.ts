import {
  CallFlowError,
  claimKey,
  createReplyOnce,
  emptyReply,
  endedPosition,
  jsonTextReply,
  loadOnce,
  type CallEventReport,
  type CallInfo,
  type CallPosition,
  type DialStatus,
  type Flow,
  type Outcome,
  type PositionAnswer,
  type PositionClaim,
  type Provider,
  type ProviderHandlerOptions,
  type RawWebhook,
  type Store,
  type WebhookEvent,
} from '@callflow/core';
import type { Ncco } from './ncco-types.js';
import { parseVonageAnswer, parseVonageEvent, parseVonageInput } from './parse-vonage-webhook.js';
import { defaultQueuePrefix, renderNccoWith, stringifyNcco, vonageWebhookPaths, type WaitRenderers } from './render-ncco.js';
import { checkVonageSignature, sha256Hex, sha256HexNow, vonageJtiKeyPrefix } from './verify-vonage-signature.js';
import type { VonageVoiceClient } from './vonage-live-call.js';
import { vonageCapabilities } from './vonage-capabilities.js';
import type { VonageQueue } from './vonage-queue-chunk.js';
import type { VonageQueueControl } from './vonage-queue-control.js';
import { loadLiveCallChunk, loadQueueChunk, loadRecordConferenceChunk, loadTransferChunk } from './vonage-chunks.js';
import { createQueueControl } from './vonage-queue-exports.js';

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
  /** Set when the called party of a screened transfer pressed the accept key. */
  screenAccepted: (callId: string, tokenHash: string) => `vonage:screen-accepted:${callId}:${tokenHash}`,
  /** The queued caller `connectNextCaller` is moving (token and enqueue time), until Vonage's transfer event confirms it. */
  moving: (callId: string) => `vonage:moving:${callId}`,
  /** A queued caller's data (token, queue, enqueue time), while they wait in an emulated queue. */
  queued: (callId: string) => `vonage:queued:${callId}`,
};

/** The step types of a flow's static nodes, and `dynamic` when it has a dynamic node (whose steps show when it runs). */
function stepTypesOf(flow: Flow): Set<string> {
  const types = new Set<string>();
  for (const node in flow.nodes) {
    const steps = flow.nodes[node]!;
    if (typeof steps === 'function') types.add('dynamic');
    else for (const step of steps) types.add(step.type);
  }
  return types;
}

/** Who a call is, from what the answer webhook saved (Vonage's later webhooks do not all repeat it). */
export async function vonageCallInfo(store: Store, callId: string, fallback: Partial<CallInfo> = {}): Promise<CallInfo> {
  return callInfoFrom(callId, await store.get(vonageKeys.call(callId)), fallback);
}

function callInfoFrom(callId: string, saved: string | undefined, fallback: Partial<CallInfo>): CallInfo {
  const known = saved ? (JSON.parse(saved) as { from?: string; to?: string }) : {};
  return { callId, from: known.from ?? fallback.from, to: known.to ?? fallback.to, provider: 'vonage' };
}

/**
 * The event statuses that end a call, as a final status (provider: https://developer.vonage.com/en/voice/voice-api/webhook-reference,
 * "Event webhook": completed, busy, cancelled, unanswered, rejected, failed, timeout). A declined call (rejected) counts as busy, as on Twilio.
 */
const endedStatuses: Record<string, DialStatus> = {
  completed: 'completed',
  busy: 'busy',
  rejected: 'busy',
  timeout: 'no-answer',
  unanswered: 'no-answer',
  cancelled: 'canceled',
  failed: 'failed',
};

function signatureSecretsOf(value: VonageHandlerOptions['signatureSecret']): readonly string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
}

function malformed(message: string): CallFlowError {
  return new CallFlowError('invalid-webhook', message, { provider: 'vonage' });
}

const knownPaths = new Set<string>(Object.values(vonageWebhookPaths));

/** What the signature check read about a callback's call, for parse. */
interface PrefetchedCall {
  callId: string;
  saved: string | undefined;
  deliveryId?: string;
  positionClaim?: PositionClaim;
}
const prefetchedCall = Symbol('callflow.vonage.prefetchedCall');
type PrefetchSlot = RawWebhook & { [prefetchedCall]?: PrefetchedCall };

/** The path's last segment, trailing slashes ignored (`/vonage/input/` → `input`). */
function lastPathSegment(pathname: string): string {
  let end = pathname.length;
  while (end > 0 && pathname.charCodeAt(end - 1) === 47) end--;
  return pathname.slice(pathname.lastIndexOf('/', end - 1) + 1, end);
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
export const vonageProvider: Provider<VonageHandlerOptions, Ncco, VonageQueueControl & { readonly publicBaseUrl: string }> = {
  name: 'vonage',
  capabilities: vonageCapabilities,
  checkOptions(options) {
    const secrets = signatureSecretsOf(options.signatureSecret);
    if (options.verifySignatures === false && (secrets === undefined || secrets.length === 0)) return [];
    if (secrets === undefined || secrets.length === 0) {
      return [
        {
          option: 'signatureSecret',
          message:
            'is required to verify signed webhooks (the account signature secret); set verifySignatures: false only for local experiments',
        },
      ];
    }
    if (secrets.some((secret) => typeof secret !== 'string' || secret === ''))
      return [{ option: 'signatureSecret', message: 'every secret must be a non-empty string' }];
    return [];
  },
  secretsOf: (options) => signatureSecretsOf(options.signatureSecret) ?? [],
  create({ options, engine, store, logger, now, playTurn }) {
    const base = options.publicBaseUrl.replace(/\/+$/, '');
    const queuePrefix = options.queuePrefix ?? defaultQueuePrefix;
    const positions = createReplyOnce(store, 'vonage', logger);
    const signatureSecret = signatureSecretsOf(options.signatureSecret) ?? [];

    /**
     * The jti replay guard, through the store so it holds across instances: a token id is accepted again only on the
     * very request it first came with (a retry of that webhook, which once-tracking answers without acting again); on
     * any other request (another callback URL, another body) it is a replay and refused. A menu press claims its position
     * in the same store step (one round trip: replay record, call's numbers, position, document already sent).
     */
    function seenExcept(fingerprint: string, webhook: RawWebhook): (jti: string, ttlSeconds: number) => Promise<boolean> {
      return async (jti, ttlSeconds) => {
        const key = `${vonageJtiKeyPrefix}${jti}`;
        // The call's saved numbers, which parse reads next, come back in the same store step as the jti claim.
        const callId = callbackCallId(webhook);
        const token = webhook.url.searchParams.get('t');
        if (callId !== undefined && token && claimsPositionAhead(webhook)) {
          const found = deliveryIdOf(token, webhook.text);
          const deliveryId = typeof found === 'string' ? found : await found;
          const positionClaim = await positions.claim(callId, token, deliveryId, {
            guard: { key, value: fingerprint, ttlSeconds },
            read: [vonageKeys.call(callId)],
          });
          if (positionClaim.result.guarded !== undefined) return true;
          prefetchedCalls.set(webhook, { callId, saved: positionClaim.result.values[0], deliveryId, positionClaim });
          return false;
        }
        const claim = await claimKey(store, {
          key,
          value: fingerprint,
          ttlSeconds,
          ...(callId === undefined ? {} : { read: [vonageKeys.call(callId)] }),
        });
        if (callId !== undefined) prefetchedCalls.set(webhook, { callId, saved: claim.values[0] });
        return !claim.claimed && claim.previous !== fingerprint;
      };
    }

    // What the jti claim read about the call of a callback webhook, for parse (the same request, moments later): kept on
    // the webhook itself, since a WeakMap entry per webhook cost more than the lookup it saves.
    const prefetchedCalls = {
      get: (webhook: RawWebhook): PrefetchedCall | undefined => (webhook as PrefetchSlot)[prefetchedCall],
      set: (webhook: RawWebhook, value: PrefetchedCall) => void ((webhook as PrefetchSlot)[prefetchedCall] = value),
    };

    /** A menu press (an input webhook outside a hold loop): it always resumes the position of its token, so it can be claimed ahead. */
    function claimsPositionAhead(webhook: RawWebhook): boolean {
      return lastPathSegment(webhook.url.pathname) === vonageWebhookPaths.input && webhook.url.searchParams.get('hold') === null;
    }

    /** A repeated delivery has the same token and body; a later visit to the same position differs in its body (timestamp, input). */
    function deliveryIdOf(token: string, text: string): string | Promise<string> {
      const deliveryText = `${token}\n${text}`;
      // Answered directly on node:crypto: no promise to wait for.
      const hash = sha256HexNow(deliveryText);
      return hash === undefined ? sha256Hex(deliveryText).then((later) => later.slice(0, 32)) : hash.slice(0, 32);
    }

    /** The call id of a callback (the URLs callflow signs carry it), not of the answer or event webhooks, which carry it in the body. */
    function callbackCallId(webhook: RawWebhook): string | undefined {
      const path = lastPathSegment(webhook.url.pathname);
      if (path === vonageWebhookPaths.answer || path === vonageWebhookPaths.event) return undefined;
      return webhook.url.searchParams.get('call') ?? undefined;
    }

    /** `vonageCallInfo`, from what the signature check read when it did. */
    function callInfoOf(webhook: RawWebhook, callId: string, fallback: Partial<CallInfo> = {}): Promise<CallInfo> | CallInfo {
      const prefetched = prefetchedCalls.get(webhook);
      if (prefetched?.callId !== callId) return vonageCallInfo(store, callId, fallback);
      return callInfoFrom(callId, prefetched.saved, fallback);
    }

    async function tokenHashOf(token: string): Promise<string> {
      return (await sha256Hex(token)).slice(0, 24);
    }

    const queueContext = { options, engine, store, logger, now, playTurn, base, queuePrefix, positions };
    let queue: VonageQueue | undefined;
    /** The handler's emulated queue, its chunk loaded once (at creation when the flow may enqueue, else at first use). */
    function queueReady(): Promise<VonageQueue> {
      if (queue) return Promise.resolve(queue);
      return loadQueueChunk().then((chunk) => {
        waits.enqueue = chunk.renderEnqueue;
        return (queue ??= chunk.createVonageQueue(queueContext));
      });
    }
    /** The waiting steps' renderers loaded so far; `prepare` loads a chunked one before a turn that waits in it renders. */
    const waits: WaitRenderers = {};
    const transferContext = { store, base, voiceClient: options.voiceClient };
    /** The transfer chunk (its NCCO, the called party's webhooks), its renderer installed once, when it has loaded. */
    const transferReady = loadOnce(() =>
      loadTransferChunk().then((chunk) => {
        waits.transfer = chunk.transferRendererFor(options.voiceClient);
        return chunk;
      }),
    );
    /** The record and conference chunk (their NCCOs, the wait for a recording), its renderers installed once loaded. */
    const recordConferenceReady = loadOnce(() =>
      loadRecordConferenceChunk().then((chunk) => {
        waits.record = chunk.renderRecordWait;
        waits.conference = chunk.renderConference;
        return chunk;
      }),
    );
    /** The waiting steps whose renderer is in a chunk of its own (the queue's aside), by step type. */
    const waitChunks: Record<string, () => Promise<unknown>> = {
      transfer: transferReady,
      record: recordConferenceReady,
      conference: recordConferenceReady,
    };
    // A flow with a chunked step has its chunk on its way before its first webhook (which awaits it if it is still loading);
    // a flow that may enqueue (an enqueue step, or a dynamic node) the queue's.
    const stepTypes = stepTypesOf(engine.flow);
    if (stepTypes.has('enqueue') || stepTypes.has('dynamic')) queueReady().catch(() => undefined);
    for (const type of stepTypes) if (Object.hasOwn(waitChunks, type)) waitChunks[type]!().catch(() => undefined);

    /** A break in the hold loop's music (its input or notify webhook), answered by the queue chunk. */
    function holdBreak(
      call: CallInfo,
      token: string,
      deliveryId: string,
      query: URLSearchParams,
      digits: string | undefined,
    ): WebhookEvent<Ncco> {
      return {
        type: 'outcome',
        call,
        token,
        deliveryId,
        outcome: async (position) => (await queueReady()).holdBreak(position, { callId: call.callId, token, deliveryId, query, digits }),
      };
    }

    async function parse(webhook: RawWebhook): Promise<WebhookEvent<Ncco>> {
      const path = lastPathSegment(webhook.url.pathname);
      if (!knownPaths.has(path)) return { type: 'refuse', reason: 'unknown-path', message: 'unknown Vonage webhook path' };
      const fields = fieldsOf(webhook);
      const query = webhook.url.searchParams;
      const token = query.get('t') ?? undefined;
      const callParam = query.get('call') ?? undefined;
      const start = query.get('s');
      const nonce = query.get('o');
      const detection = query.get('d');
      const outbound = start !== null && nonce !== null ? { token: start, nonce } : undefined;
      if (path === vonageWebhookPaths.answer) {
        const call = parseVonageAnswer(fields);
        await store.set(vonageKeys.call(call.callId), JSON.stringify({ from: call.from, to: call.to }), { ttlSeconds });
        const info: CallInfo = { callId: call.callId, from: call.from, to: call.to, provider: 'vonage' };
        // provider: machine detection starts once the call is answered; its result comes later on the event URL.
        if (outbound)
          return {
            type: 'start',
            call: info,
            deliveryId: 'answer',
            outbound: { ...outbound, ...(detection ? { detectionPending: true } : {}) },
          };
        return { type: 'start', call: info, deliveryId: 'answer' };
      }
      if (path === vonageWebhookPaths.event) {
        const event = parseVonageEvent(fields) as ReturnType<typeof parseVonageEvent> & { sub_state?: string };
        if (event.status === undefined && fields.type === 'transfer' && event.callId) {
          const callId = event.callId;
          // provider: a leg moved by a REST transfer reports `type: "transfer"` on the event URL (webhook reference, "Event
          // webhook: transfer"; packages/vonage/test/fixtures/provider-docs/event-transfer.json). When it is the move
          // connectNextCaller started, the caller leaves the queue here, so a move whose instance died before confirming it
          // is never put back and transferred twice.
          return {
            type: 'status',
            callId,
            apply: async () => {
              // Only a move connectNextCaller started leaves a mark; any other transfer needs nothing from the queue chunk.
              const moving = await store.get(vonageKeys.moving(callId));
              if (moving !== undefined) await (await queueReady()).transferred(callId, moving);
            },
          };
        }
        if (event.status === undefined && event.reason)
          logger.warn(`[callflow:vonage] Vonage reported an error: ${event.reason}`, { callId: event.callId });
        if (outbound && event.callId && (event.status === 'started' || event.status === 'human' || event.status === 'machine')) {
          // An outbound call's first event and machine detection's result, read by the live-call chunk (which moves the call).
          const early = await (await loadLiveCallChunk()).outboundEvent(store, { ...event, callId: event.callId }, outbound, detection);
          if (early) return early;
        }
        const status = event.status ?? '';
        const over = Object.hasOwn(endedStatuses, status);
        if (!event.callId || !over) return { type: 'ignore', reason: `call event ${event.status ?? 'without status'}` };
        const callId = event.callId;
        const callEvent: CallEventReport = { type: 'ended', status: endedStatuses[status]!, cause: status };
        const durationSeconds = Number(event.duration);
        if (event.duration !== undefined && Number.isFinite(durationSeconds)) callEvent.durationSeconds = durationSeconds;
        if (outbound || event.direction === 'outbound') callEvent.direction = 'outbound';
        return {
          type: 'status',
          callId,
          callEvent,
          apply: async () => {
            // A caller who waited in a queue leaves it; the queue chunk is needed only then.
            const queued = await store.get(vonageKeys.queued(callId));
            if (queued !== undefined) {
              const queue = await (await queueReady()).leave(queued);
              if (queue) logger.info?.(`[callflow:vonage] caller left queue '${queue}' by hanging up`, { callId });
            }
            await positions.moveTo(callId, endedPosition);
          },
        };
      }
      if (!token || !callParam) return { type: 'refuse', reason: 'missing-token', message: 'callback URL without its token' };
      const callId = callParam;
      const prefetched = prefetchedCalls.get(webhook);
      const deliveryId = prefetched?.deliveryId ?? (await deliveryIdOf(token, webhook.text));
      const resume = (
        call: CallInfo,
        outcome: Outcome | ((position: CallPosition | undefined) => Promise<PositionAnswer<Ncco>> | PositionAnswer<Ncco>),
        more: { hooksOnce?: string; positionClaim?: PositionClaim } = {},
      ): WebhookEvent<Ncco> => ({
        type: 'outcome',
        call,
        token,
        deliveryId,
        outcome,
        ...more,
      });
      switch (path) {
        case vonageWebhookPaths.callee:
        case vonageWebhookPaths.screen: {
          // The called party's leg of a screened or whispered transfer: answered with its NCCO, never moving the caller's call.
          const callee = { path, fields, token, callId, tokenHash: await tokenHashOf(token) };
          return {
            type: 'outcome',
            call: await callInfoOf(webhook, callId),
            token,
            outcome: async (position) => (await transferReady()).calleeAnswer(transferContext, callee, position),
          };
        }
        case vonageWebhookPaths.input: {
          const known = callInfoOf(webhook, callId, {
            from: typeof fields.from === 'string' ? fields.from : undefined,
            to: typeof fields.to === 'string' ? fields.to : undefined,
          });
          // What the signature check read (a menu press): no promise to wait for.
          const call = known instanceof Promise ? await known : known;
          const input = parseVonageInput(fields);
          if (query.get('hold') !== null)
            return holdBreak(call, token, deliveryId, query, input.type === 'digits' ? input.digits : undefined);
          // The position the signature check claimed with its replay record (see seenExcept).
          return resume(call, input, prefetched?.positionClaim ? { positionClaim: prefetched.positionClaim } : {});
        }
        case vonageWebhookPaths.connect: {
          const event = (await transferReady()).parseVonageConnectEvent(fields);
          if (event.kind === 'progress') return { type: 'ignore', reason: 'connect progress' };
          const call = await callInfoOf(webhook, callId);
          return resume(call, async (position) =>
            // From a queue (connectNextCaller), an agent who did not take the call puts the caller back on hold.
            position?.state.kind !== 'enqueue' ? event.outcome : (await queueReady()).agentEnded(position, callId, token, event.outcome),
          );
        }
        case vonageWebhookPaths.record: {
          if (query.get('async') === '1') return { type: 'ignore', reason: 'asynchronous record event' };
          const outcome = (await recordConferenceReady()).parseVonageRecordEvent(fields);
          const call = await callInfoOf(webhook, callId);
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
          const call = await callInfoOf(webhook, callId);
          switch (after) {
            case 'record': {
              const tokenHash = await tokenHashOf(token);
              // The recording's hooks run once, from the record event; here only if that event never arrived.
              return resume(
                call,
                async () =>
                  (await (await recordConferenceReady()).waitForRecording(store, callId, tokenHash, options.recordingWaitMs ?? 3000)) ?? {
                    type: 'recording',
                  },
                {
                  hooksOnce: vonageKeys.recordingEffects(callId, tokenHash),
                },
              );
            }
            case 'transfer':
              return resume(call, async (position) =>
                (await transferReady()).transferEnded(store, position, callId, () => tokenHashOf(token)),
              );
            case 'conference':
              return resume(call, { type: 'conference', status: 'ended' });
            case 'enqueue':
            // The waiting room only ends when an agent who joined it (startOnEnter and endOnExit true) leaves.
            case 'bridged':
              return resume(call, async () => {
                const queued = await store.get(vonageKeys.queued(callId));
                if (queued !== undefined) await (await queueReady()).leave(queued);
                return { type: 'queue', result: 'bridged' };
              });
            case 'timeout':
              return resume(call, { type: 'queue', result: 'timeout' });
            case 'hold':
              return holdBreak(call, token, deliveryId, query, undefined);
            default:
              throw malformed(`notify with unknown payload.after '${after.slice(0, 40)}'`);
          }
        }
      }
      return { type: 'refuse', reason: 'unknown-path', message: 'unknown Vonage webhook path' };
    }

    return {
      async verify(webhook) {
        // The body's bytes as received (payload_hash covers them), and each jti accepted once across instances.
        // One hash of the body serves the fingerprint and the JWT's payload_hash.
        const bodyHash = sha256HexNow(webhook.bytes) ?? (await sha256Hex(webhook.bytes));
        const fingerprintText = `${webhook.method} ${webhook.url.pathname}${webhook.url.search}\n${bodyHash}`;
        const fingerprint = sha256HexNow(fingerprintText) ?? (await sha256Hex(fingerprintText));
        const result = await checkVonageSignature(
          { method: webhook.method, url: webhook.url.href, authorization: webhook.headers.get('authorization'), body: webhook.bytes },
          { signatureSecret, maxAgeSeconds: options.signatureMaxAgeSeconds, now, seen: seenExcept(fingerprint, webhook) },
          bodyHash,
        );
        if (!result.valid) return { ok: false, reason: result.reason, message: result.message };
        const jti = result.claims.jti;
        // provider: Vonage retries a webhook that timed out or failed twice (https://developer.vonage.com/voice/voice-api/guides/troubleshooting);
        // whether the retry carries the same JWT is not documented, so a 5xx answer forgets the jti and a same-token retry passes.
        return jti === undefined ? { ok: true } : { ok: true, release: () => store.delete(`${vonageJtiKeyPrefix}${jti}`) };
      },
      parse,
      async prepare(turn) {
        const type = turn.wait?.step.type;
        // A chunked step's renderer: loaded once (at creation for a static step), awaited here the first time if not yet.
        if (type !== 'enqueue') {
          if (type !== undefined && waits[type as keyof WaitRenderers] === undefined && Object.hasOwn(waitChunks, type))
            await waitChunks[type]!();
          return undefined;
        }
        if (!turn.token) return undefined;
        // The queue chunk joins the caller and renders the wait (render runs next, with it loaded).
        return (await queueReady()).join(turn);
      },
      render: (turn, input) => {
        const queued = input.prepared as { position: number; averageWaitSeconds: number } | undefined;
        return renderNccoWith(
          turn,
          {
            eventUrl: base,
            queuePosition: queued?.position,
            queueAverageWaitSeconds: queued?.averageWaitSeconds,
            queuePrefix,
            dynamicNode: turn.wait !== undefined && typeof engine.flow.nodes[turn.wait.state.node] === 'function',
          },
          waits,
        );
      },
      deliver: {
        kind: 'reply',
        serialize: stringifyNcco,
        reply: (json) => jsonTextReply(json),
        acknowledge: () => emptyReply(),
        // The same positions the replay guard claims ahead (one store step for a menu press).
        once: positions,
      },
      async moveLiveCall(call, ncco) {
        if (!options.voiceClient)
          throw new CallFlowError(
            'invalid-options',
            'moving an outbound call to its machine-detection route needs the voiceClient option',
            { provider: 'vonage' },
          );
        await (await loadLiveCallChunk()).transferCallToNcco(options.voiceClient, call.callId, ncco);
      },
      // The queue control, from the queue chunk at its first use.
      extras: {
        ...createQueueControl(queueContext),
        publicBaseUrl: base,
      },
    };
  },
};
