import {
  CallFlowError,
  claimOnce,
  createEngine,
  createMemoryStore,
  emptyReply,
  isCallFlowError,
  jsonReply,
  jsonTextReply,
  runEffects,
  silentLogger,
  textReply,
  webHandler,
  type BaseHandlerOptions,
  type CallInfo,
  type CallPosition,
  type Engine,
  type Outcome,
  type Reply,
  type Store,
  type TransferTarget,
  type Turn,
  type WebhookRequest,
} from '@callflow/core';
import { nccoActions, synchronousEventType, type Ncco } from './ncco-types.js';
import { parseVonageAnswer, parseVonageConnectEvent, parseVonageEvent, parseVonageInput, parseVonageRecordEvent } from './parse-vonage-webhook.js';
import { callbackUrl, defaultQueuePrefix, queueConversationName, renderNcco, stringifyNcco, toEndpoint, vonageWebhookPaths } from './render-ncco.js';
import { sha256Hex, verifyVonageSignature } from './verify-vonage-signature.js';
import { transferCallToNcco, type VonageVoiceClient } from './vonage-live-call.js';
import { addToQueue, confirmTaken, listQueue, removeFromQueue, takeFromQueue, type QueuedCaller } from './vonage-queue.js';

/** Options of the Vonage handler. */
export interface VonageHandlerOptions extends BaseHandlerOptions {
  /** The account's signature secret(s) for signed webhooks; required unless `verifySignatures` is false. */
  signatureSecret?: string | readonly string[];
  /** Check the `Authorization: Bearer` JWT of every webhook; default true (fails closed). */
  verifySignatures?: boolean;
  /** Oldest JWT `iat` accepted, in seconds; default 300. */
  signatureMaxAgeSeconds?: number;
  /** Prefix of the conversation that emulates a queue; default `callflow-queue-`. */
  queuePrefix?: string;
  /** How long the notify after a record waits for the record event's URL, in ms; default 3000. */
  recordingWaitMs?: number;
  /** The `@vonage/server-sdk` client used by the queue and live-call methods when none is passed. */
  voiceClient?: VonageVoiceClient;
}

/** Where `connectNextCaller` sends the caller at the front of a queue. */
export type QueueTarget =
  | { to: TransferTarget; callerId?: string; ringSeconds?: number; /** Said to the caller before connecting. */ say?: string }
  | { node: string };

const orphaned = Symbol('orphaned position');

/** A `(Request) => Promise<Response>` for Vonage webhooks, with the queue and live-call controls beside it. */
export interface VonageHandler {
  (request: Request): Promise<Response>;
  readonly engine: Engine;
  readonly store: Store;
  /** Moves the caller at the front of `queue` to an agent (connect) or to a node, by REST transfer; undefined when nobody waits. */
  connectNextCaller(queue: string, target: QueueTarget, client?: VonageVoiceClient): Promise<QueuedCaller | undefined>;
  /** The callers waiting in `queue`, front first. */
  queuedCallers(queue: string): Promise<QueuedCaller[]>;
  /** Moves callers who waited longer than their step's `maxWaitSeconds` on to `onTimeout`; returns how many moved. */
  sweepQueue(queue: string, client?: VonageVoiceClient): Promise<number>;
  /** Moves a live call to a node of the flow (keeping its saved values when the call is known). */
  transferToNode(callId: string, node: string, client?: VonageVoiceClient): Promise<void>;
}

const provider = 'vonage';
const ttlSeconds = 86_400;
const keys = {
  current: (callId: string) => `vonage:current:${callId}`,
  response: (callId: string, tokenHash: string) => `vonage:response:${callId}:${tokenHash}`,
  call: (callId: string) => `vonage:call:${callId}`,
  recording: (callId: string, tokenHash: string) => `vonage:recording:${callId}:${tokenHash}`,
  recordingEffects: (callId: string, tokenHash: string) => `vonage:recording-effects:${callId}:${tokenHash}`,
};
const ended = 'ended';
// How long a delivery being processed holds the call's position before a retry of the same webhook may take over.
const busyLeaseMs = 4_000;
const busyMarker = (token: string, untilMs: number) => `busy:${untilMs}:${token}`;
function parseBusy(value: string): { token: string; until: number } | undefined {
  const match = /^busy:(\d+):(.*)$/s.exec(value);
  return match ? { until: Number(match[1]), token: match[2]! } : undefined;
}
const defaultApology = 'We are sorry, something went wrong. Goodbye.';

/**
 * Creates the Vonage webhook handler. Point the application's answer URL at `{publicBaseUrl}/answer` and its event URL
 * at `{publicBaseUrl}/event`; the NCCOs it returns call back on `/input`, `/connect`, `/record` and `/notify`.
 * @example
 * const handler = createVonageHandler({ flow, secret, publicBaseUrl: 'https://ivr.example.com/vonage', signatureSecret });
 * http.createServer(toNodeListener(handler)).listen(3000);
 */
export function createVonageHandler(options: VonageHandlerOptions): VonageHandler {
  const verify = options.verifySignatures ?? true;
  const signatureSecret = options.signatureSecret;
  if (verify && (signatureSecret === undefined || (typeof signatureSecret === 'string' ? signatureSecret === '' : signatureSecret.length === 0))) {
    throw new CallFlowError('signature-mismatch', 'signatureSecret is required (or set verifySignatures: false for local tests only)', { provider });
  }
  const now = options.now ?? Date.now;
  const engine = createEngine(options.flow, { secret: options.secret, now, tokenTtlSeconds: options.tokenTtlSeconds });
  const store = options.store ?? createMemoryStore({ now });
  const logger = options.logger ?? silentLogger;
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  const queuePrefix = options.queuePrefix ?? defaultQueuePrefix;
  const apologyText = options.flow.defaults?.apology ?? defaultApology;
  const apology = (): Ncco => [{ action: nccoActions.talk, text: apologyText, ...(options.flow.defaults?.language ? { language: options.flow.defaults.language } : {}) }];

  async function callInfo(callId: string, fallback: Partial<CallInfo> = {}): Promise<CallInfo> {
    const saved = await store.get(keys.call(callId));
    const known = saved ? (JSON.parse(saved) as { from?: string; to?: string }) : {};
    return { callId, from: known.from ?? fallback.from, to: known.to ?? fallback.to, provider };
  }

  /** Renders a turn, records the call's new position and queues the caller when the turn enqueues. */
  async function deliver(turn: Turn, runHooks: (turn: Turn) => Promise<void> = (planned) => runEffects(planned.effects, options.hooks, logger)): Promise<Ncco> {
    await runHooks(turn);
    if (turn.error) logger.error('flow failed; the caller hears the apology', { callId: turn.call.callId, node: turn.node, error: turn.error.message });
    let queuePosition: number | undefined;
    if (turn.wait?.step.type === 'enqueue' && turn.token) {
      queuePosition = await addToQueue(store, { callId: turn.call.callId, token: turn.token, queue: turn.wait.step.queue, enqueuedAt: now() });
    }
    const { output, warnings } = renderNcco(turn, { eventUrl: base, queuePosition, queuePrefix });
    for (const warning of warnings) logger.info?.(`[callflow:vonage] ${warning}`, { callId: turn.call.callId });
    await store.set(keys.current(turn.call.callId), turn.token ?? ended, { ttlSeconds });
    return output;
  }

  /**
   * Resumes the call once per position: a repeated delivery gets the same NCCO back, and a token that is no longer
   * the call's current position (a late or out-of-order webhook) is a no-op, so the call never moves backwards.
   */
  async function resumeOnce(
    token: string,
    body: string,
    call: CallInfo,
    outcome: () => Promise<Outcome> | Outcome,
    afterClaim?: () => Promise<void>,
    runHooks?: (turn: Turn) => Promise<void>,
  ): Promise<Reply> {
    const position = await inspectOrOrphaned(token, call);
    // A repeated delivery has the same token and body; a later visit to the same position differs in its body (timestamp, input).
    const responseKey = keys.response(call.callId, (await sha256Hex(`${token}\n${body}`)).slice(0, 32));
    const cached = await store.get(responseKey);
    if (cached !== undefined) return jsonTextReply(cached);
    const currentKey = keys.current(call.callId);
    let current = await store.get(currentKey);
    if (current !== undefined && current !== token) {
      let busy = parseBusy(current);
      if (busy?.token === token) {
        // Another delivery of this webhook is being processed: answer with its NCCO once it is ready, or take over
        // when its lease ran out (the instance processing it died, or lost its store mid-way).
        for (let waited = 0; waited < 5000 && busy?.token === token && busy.until > Date.now(); waited += 25) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          const ready = await store.get(responseKey);
          if (ready !== undefined) return jsonTextReply(ready);
          current = await store.get(currentKey);
          busy = current === undefined ? undefined : parseBusy(current);
        }
        // The other delivery may have finished between the two reads above.
        const ready = await store.get(responseKey);
        if (ready !== undefined) return jsonTextReply(ready);
      }
      if (busy?.token !== token || busy.until > Date.now()) {
        logger.info?.('[callflow:vonage] stale webhook ignored: the call has moved on', { callId: call.callId });
        return emptyReply();
      }
    }
    const claim = busyMarker(token, Date.now() + busyLeaseMs);
    if (!(await store.compareAndSet(currentKey, current, claim, { ttlSeconds }))) return emptyReply();
    try {
      await afterClaim?.();
      const turn = position === orphaned ? await engine.resume(token, await outcome(), call) : await engine.resumeAt(position, await outcome(), call);
      const ncco = await deliver(turn, runHooks);
      const text = stringifyNcco(ncco);
      await store.set(responseKey, text, { ttlSeconds });
      return jsonTextReply(text);
    } catch (error) {
      // Put the position back so the provider's retry resumes it; if the store is down, the lease runs out instead.
      await store.compareAndSet(currentKey, claim, token, { ttlSeconds }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The verified position, or `orphaned` for an authentic token whose position a redeployed flow no longer has:
   * `resume` then gives the caller the apology instead of a refusal Vonage would answer with silence.
   */
  async function inspectOrOrphaned(token: string, call: CallInfo): Promise<CallPosition | typeof orphaned> {
    try {
      return await engine.inspect(token, call);
    } catch (error) {
      if (isCallFlowError(error, 'invalid-token') && error.reason === 'unknown-position') return orphaned;
      throw error;
    }
  }

  async function tokenHashOf(token: string): Promise<string> {
    return (await sha256Hex(token)).slice(0, 24);
  }

  async function waitForRecording(callId: string, tokenHash: string): Promise<Extract<Outcome, { type: 'recording' }> | undefined> {
    const limit = options.recordingWaitMs ?? 3000;
    for (let waited = 0; ; waited += 25) {
      const saved = await store.get(keys.recording(callId, tokenHash));
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

  async function route(request: WebhookRequest): Promise<Reply> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, '').split('/').pop() ?? '';
    if (!(Object.values(vonageWebhookPaths) as string[]).includes(path)) return textReply(404, 'unknown Vonage webhook path');
    const method = request.method.toUpperCase();
    const body = method === 'GET' || method === 'HEAD' ? '' : await request.text();
    if (verify) {
      const result = await verifyVonageSignature(
        { method, url: request.url, authorization: request.headers.get('authorization'), body },
        { signatureSecret: signatureSecret!, maxAgeSeconds: options.signatureMaxAgeSeconds, now },
      );
      if (!result.valid) {
        logger.warn(`[callflow:vonage] webhook refused: ${result.message}`, { path, reason: result.reason });
        return textReply(403, `signature refused: ${result.reason}`);
      }
    }
    let fields: Record<string, unknown>;
    if (method === 'GET') {
      fields = Object.fromEntries(url.searchParams);
    } else {
      try {
        const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        fields = parsed as Record<string, unknown>;
      } catch {
        return textReply(400, 'body is not a JSON object');
      }
    }
    const token = url.searchParams.get('t') ?? undefined;
    const callParam = url.searchParams.get('call') ?? undefined;
    const needsToken = path !== vonageWebhookPaths.answer && path !== vonageWebhookPaths.event;
    if (needsToken && (!token || !callParam)) return textReply(400, 'callback URL without its token');
    const callId = callParam ?? (typeof fields.uuid === 'string' ? fields.uuid : '');

    switch (path) {
      case vonageWebhookPaths.answer: {
        const call = parseVonageAnswer(fields);
        const cachedKey = keys.response(call.callId, 'answer');
        const cached = await store.get(cachedKey);
        if (cached !== undefined) return jsonTextReply(cached);
        await store.set(keys.call(call.callId), JSON.stringify({ from: call.from, to: call.to }), { ttlSeconds });
        const ncco = await deliver(await engine.start({ callId: call.callId, from: call.from, to: call.to, provider }));
        const text = stringifyNcco(ncco);
        await store.set(cachedKey, text, { ttlSeconds });
        return jsonTextReply(text);
      }
      case vonageWebhookPaths.event: {
        const event = parseVonageEvent(fields);
        if (event.callId && (event.status === 'completed' || event.status === 'failed' || event.status === 'rejected' || event.status === 'cancelled')) {
          const queue = await removeFromQueue(store, event.callId);
          if (queue) logger.info?.(`[callflow:vonage] caller left queue '${queue}' by hanging up`, { callId: event.callId });
          await store.set(keys.current(event.callId), ended, { ttlSeconds });
        }
        if (event.status === undefined && event.reason) logger.warn(`[callflow:vonage] Vonage reported an error: ${event.reason}`, { callId: event.callId });
        return emptyReply();
      }
      case vonageWebhookPaths.input: {
        const call = await callInfo(callId, { from: typeof fields.from === 'string' ? fields.from : undefined, to: typeof fields.to === 'string' ? fields.to : undefined });
        return resumeOnce(token!, body, call, () => parseVonageInput(fields));
      }
      case vonageWebhookPaths.connect: {
        const event = parseVonageConnectEvent(fields);
        if (event.kind === 'progress') return emptyReply();
        const call = await callInfo(callId);
        const position = await inspectOrOrphaned(token!, call);
        if (position !== orphaned && position.state.kind === 'enqueue') {
          // The agent did not take the call: back to the front of the queue, back on hold.
          const caller: QueuedCaller = { callId, token: token!, queue: (await queueOf(token!, call)) ?? '', enqueuedAt: now() };
          await addToQueue(store, caller, 'front');
          logger.warn(`[callflow:vonage] agent attempt ended '${event.outcome.raw}'; caller back at the front of '${caller.queue}'`, { callId });
          return jsonReply(holdNcco(caller));
        }
        return resumeOnce(token!, body, call, () => event.outcome);
      }
      case vonageWebhookPaths.record: {
        if (url.searchParams.get('async') === '1') return emptyReply();
        const outcome = parseVonageRecordEvent(fields);
        const call = await callInfo(callId);
        await engine.inspect(token!, call);
        const tokenHash = await tokenHashOf(token!);
        await store.set(keys.recording(callId, tokenHash), JSON.stringify(outcome), { ttlSeconds });
        if (await claimOnce(store, keys.recordingEffects(callId, tokenHash))) {
          // The record event is not a control point on Vonage; it only feeds the recording's hooks.
          const turn = await engine.resume(token!, outcome, call);
          await runEffects(turn.effects, options.hooks, logger);
        }
        return emptyReply();
      }
      case vonageWebhookPaths.notify: {
        const payload = fields.payload && typeof fields.payload === 'object' ? (fields.payload as Record<string, unknown>) : fields;
        const after = typeof payload.after === 'string' ? payload.after : '';
        const call = await callInfo(callId);
        switch (after) {
          case 'record': {
            const tokenHash = await tokenHashOf(token!);
            let recording: Extract<Outcome, { type: 'recording' }> = { type: 'recording' };
            const claim = async () => {
              recording = (await waitForRecording(callId, tokenHash)) ?? recording;
            };
            // The recording's hooks run once, from the record event; here only if that event never arrived.
            const runHooksHere = async (turn: Turn) => {
              if (await claimOnce(store, keys.recordingEffects(callId, tokenHash))) await runEffects(turn.effects, options.hooks, logger);
            };
            return resumeOnce(token!, body, call, () => recording, claim, runHooksHere);
          }
          case 'transfer':
            return resumeOnce(token!, body, call, () => ({ type: 'dial', status: 'completed', raw: 'completed' }));
          case 'conference':
            return resumeOnce(token!, body, call, () => ({ type: 'conference', status: 'ended' }));
          case 'enqueue':
          // The waiting room only ends when an agent who joined it (startOnEnter and endOnExit true) leaves.
          case 'bridged':
            await removeFromQueue(store, callId);
            return resumeOnce(token!, body, call, () => ({ type: 'queue', result: 'bridged' }));
          case 'timeout':
            return resumeOnce(token!, body, call, () => ({ type: 'queue', result: 'timeout' }));
          default:
            return textReply(400, `notify with unknown payload.after '${after}'`);
        }
      }
    }
    return textReply(404, 'unknown Vonage webhook path');
  }

  async function queueOf(token: string, call: CallInfo): Promise<string | undefined> {
    const { step } = await engine.inspect(token, call);
    return step?.type === 'enqueue' ? step.queue : undefined;
  }

  const handle = async (request: WebhookRequest): Promise<Reply> => {
    try {
      return await route(request);
    } catch (error) {
      if (isCallFlowError(error, 'invalid-token')) {
        logger.warn(`[callflow:vonage] ${error.message}`, { reason: error.reason });
        return textReply(403, 'invalid token');
      }
      if (isCallFlowError(error, 'invalid-webhook')) return textReply(400, error.message);
      if (isCallFlowError(error, 'unexpected-outcome')) {
        logger.info?.(`[callflow:vonage] ${error.message}; ignored`);
        return emptyReply();
      }
      if (isCallFlowError(error, 'store-unavailable')) {
        // Vonage retries a 503 once (then the fallback answer URL); an apology here would end a call the retry can save.
        logger.error(`[callflow:vonage] store unavailable; answering 503 so Vonage retries: ${error.message}`);
        return textReply(503, 'store unavailable, retry');
      }
      logger.error('[callflow:vonage] webhook failed; the caller hears the apology', { error: error instanceof Error ? error.message : String(error) });
      return jsonReply(apology());
    }
  };

  function clientOf(client: VonageVoiceClient | undefined): VonageVoiceClient {
    const chosen = client ?? options.voiceClient;
    if (!chosen) throw new CallFlowError('provider-request-failed', 'no Vonage client: pass one, or set voiceClient in the handler options', { provider });
    return chosen;
  }

  async function connectNextCaller(queue: string, target: QueueTarget, client?: VonageVoiceClient): Promise<QueuedCaller | undefined> {
    for (;;) {
      const caller = await connectFront(queue, target, client);
      if (caller !== 'gone') return caller;
    }
  }

  /** Connects the front caller; 'gone' when their call no longer exists (it ended without a hang-up event reaching us). */
  async function connectFront(queue: string, target: QueueTarget, client?: VonageVoiceClient): Promise<QueuedCaller | undefined | 'gone'> {
    const voice = clientOf(client);
    const caller = await takeFromQueue(store, queue);
    if (!caller) return undefined;
    const call = await callInfo(caller.callId);
    let ncco: Ncco;
    try {
      if ('node' in target) {
        const { state } = await engine.inspect(caller.token, call);
        ncco = await deliver(await engine.goTo(target.node, call, state.vars));
      } else {
        const warnings: string[] = [];
        const from = target.callerId ?? call.to;
        ncco = [
          ...(target.say ? [{ action: nccoActions.talk, text: target.say }] : []),
          {
            action: nccoActions.connect,
            endpoint: [toEndpoint(target.to, `queue ${queue}`, warnings)],
            ...(from ? { from: from.replace(/^\+/, '') } : { randomFromNumber: true }),
            eventType: synchronousEventType,
            timeout: target.ringSeconds ?? 30,
            eventUrl: [callbackUrl(base, vonageWebhookPaths.connect, caller.token, caller.callId)],
            eventMethod: 'POST',
          },
          { action: nccoActions.notify, payload: { after: 'bridged' }, eventUrl: [callbackUrl(base, vonageWebhookPaths.notify, caller.token, caller.callId)], eventMethod: 'POST' },
        ] as Ncco;
      }
      await transferCallToNcco(voice, caller.callId, ncco);
    } catch (error) {
      const status = (error instanceof Error ? (error.cause as { response?: { status?: number } } | undefined) : undefined)?.response?.status;
      if (status === 404) {
        // Back at the front, this caller would block the queue for good.
        logger.warn(`[callflow:vonage] queued call ${caller.callId} no longer exists (404); dropped from '${queue}'`, { callId: caller.callId });
        await confirmTaken(store, caller);
        return 'gone';
      }
      await addToQueue(store, caller, 'front');
      throw error;
    }
    await confirmTaken(store, caller);
    return caller;
  }

  async function sweepQueue(queue: string, client?: VonageVoiceClient): Promise<number> {
    const voice = clientOf(client);
    let moved = 0;
    for (const caller of await listQueue(store, queue)) {
      const call = await callInfo(caller.callId);
      const { step } = await engine.inspect(caller.token, call);
      const limit = step?.type === 'enqueue' ? step.maxWaitSeconds : undefined;
      if (limit === undefined || now() - caller.enqueuedAt < limit * 1000) continue;
      await removeFromQueue(store, caller.callId);
      const ncco: Ncco = [{ action: nccoActions.notify, payload: { after: 'timeout' }, eventUrl: [callbackUrl(base, vonageWebhookPaths.notify, caller.token, caller.callId)], eventMethod: 'POST' }];
      await transferCallToNcco(voice, caller.callId, ncco);
      moved++;
    }
    return moved;
  }

  async function transferToNode(callId: string, node: string, client?: VonageVoiceClient): Promise<void> {
    const voice = clientOf(client);
    const call = await callInfo(callId);
    const current = await store.get(keys.current(callId));
    let vars: Record<string, string> = {};
    if (current && current !== ended && !parseBusy(current)) vars = (await engine.inspect(current, call)).state.vars;
    await removeFromQueue(store, callId);
    await transferCallToNcco(voice, callId, await deliver(await engine.goTo(node, call, vars)));
  }

  return webHandler(handle, {
    engine,
    store,
    connectNextCaller,
    queuedCallers: (queue: string) => listQueue(store, queue),
    sweepQueue,
    transferToNode,
  });
}

