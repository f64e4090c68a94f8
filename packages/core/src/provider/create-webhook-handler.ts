import { CallFlowError, isCallFlowError } from '../errors.js';
import type { Logger, Rendered } from '../engine/adapter.js';
import { createEngine, type CallPosition, type Engine } from '../engine/create-engine.js';
import type { CallInfo, Outcome, Turn } from '../engine/types.js';
import { runEffects } from '../http/handler-options.js';
import { textReply, webHandler, type FetchHandler, type Reply, type WebhookRequest } from '../http/reply.js';
import { createMemoryStore } from '../store/memory-store.js';
import { claimKey, claimOnce, type StoreWrite } from '../store/store.js';
import { createCallEvents } from './call-events.js';
import { checkHandlerOptions } from './check-handler-options.js';
import { assertProviderSupport, assertStepSupported } from './check-provider-support.js';
import { answerRoute, outboundCallId } from './outbound-start.js';
import {
  retryLaterReason,
  type CommandDelivery,
  type PositionAnswer,
  type Provider,
  type ProviderHandlerOptions,
  type ProviderInstance,
  type RawWebhook,
  type RefusalReason,
  type ReplyDelivery,
  type WebhookEvent,
} from './provider.js';
import { countFormFields, readWebhookBody } from './read-webhook-body.js';
import { endedPosition, type PositionClaim, type ReplyWork } from './reply-once.js';
import { consoleLogger, redactingLogger, refusalLogger } from './webhook-logger.js';

/** Provider webhooks are a few KB; 64 KiB leaves room for long speech results and custom headers. */
export const defaultMaxBodyBytes = 65_536;
/** Twilio sends about 30 form fields. */
export const defaultMaxFormFields = 1_000;

const refusalStatus: Record<RefusalReason, number> = { 'unknown-path': 404, 'wrong-method': 405, 'missing-token': 400 };

/** A handler made by `createWebhookHandler`: web-standard, with the engine and the provider's extras beside it. */
export type WebhookHandler<Extras extends object> = FetchHandler & { readonly engine: Engine } & Extras;

const utf8 = new TextDecoder();

/** A failure the provider's redelivery can fix: the store is down, or a provider API is still failing. */
function isRetryLater(error: unknown): boolean {
  return isCallFlowError(error, 'store-unavailable') || (isCallFlowError(error) && error.reason === retryLaterReason);
}
const noBytes = new Uint8Array(0);
const noContinuations: string[] = [];

/**
 * The one webhook pipeline: body limit → signature (on the raw bytes, before parsing) → neutral event → token →
 * position → resume → hooks → render → deliver, and every failure mapped to its status here and nowhere else.
 * Options are checked at creation, the same way for every provider.
 * @example export const createTwilioHandler = (options) => createWebhookHandler(twilioProvider, options);
 */
export function createWebhookHandler<Options extends ProviderHandlerOptions, Output, Extras extends object, Handle>(
  provider: Provider<Options, Output, Extras, Handle>,
  options: Options,
): WebhookHandler<Extras> {
  checkHandlerOptions(provider as Provider<Options, unknown, object, unknown>, options);
  const name = provider.name;
  const prefix = `[callflow:${name}]`;
  const now = options.now ?? Date.now;
  const tokenSecrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret];
  const logger: Logger = redactingLogger(options.logger ?? consoleLogger, [...tokenSecrets, ...(provider.secretsOf?.(options) ?? [])]);
  const refuse = refusalLogger(logger, now);
  const engine = createEngine(options.flow, {
    secret: options.secret,
    now,
    tokenTtlSeconds: options.tokenTtlSeconds,
    onError: (error, call) =>
      logger.error(`${prefix} flow failed; the caller hears the apology: ${error.message}`, { callId: call.callId, node: error.node }),
  });
  assertProviderSupport(engine.flow, name, provider.capabilities);
  const store = options.store ?? createMemoryStore({ now });
  const verify = options.verifySignatures ?? true;
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const maxFormFields = options.maxFormFields ?? defaultMaxFormFields;

  const events = createCallEvents({ provider: name, store, logger, hook: options.onCallEvent });
  // `playTurn` reaches `instance` only when called, after `create` returned.
  const instance: ProviderInstance<Output, Extras, Handle> = provider.create({
    options,
    engine,
    store,
    logger,
    now,
    callEvents: events,
    playTurn: (turn) => playTurn(turn),
  });
  const delivery = instance.deliver;
  const replies = delivery.kind === 'reply' ? delivery.once : undefined;

  function refusal(status: number, reason: string, message: string, callId?: string): Reply {
    refuse(reason, `${prefix} webhook refused (${status}): ${message}`, { callId });
    return textReply(status, `${prefix} ${message}`);
  }

  async function render(turn: Turn, planning?: unknown): Promise<Rendered<Output>> {
    const states = instance.continuationStates?.(turn) ?? [];
    const continuations = states.length ? await Promise.all(states.map((state) => engine.sign(state, turn.call))) : [];
    assertTurnSupported(turn);
    const prepared = instance.prepare ? await instance.prepare(turn) : planning;
    return renderNow(turn, continuations, prepared);
  }

  /** Every step a turn plays (and the one it waits on) is one the provider supports; throws `unsupported-step`. */
  function assertTurnSupported(turn: Turn): void {
    for (const planned of turn.steps) assertStepSupported(planned.step, turn.node, name, provider.capabilities);
    if (turn.wait) assertStepSupported(turn.wait.step, turn.node, name, provider.capabilities);
  }

  /** The fast path of `render` for a provider without continuations or preparation: the support check, then render. */
  function renderSupported(turn: Turn): Rendered<Output> {
    assertTurnSupported(turn);
    return renderNow(turn, noContinuations, undefined);
  }

  function renderNow(turn: Turn, continuations: string[], prepared: unknown): Rendered<Output> {
    const rendered = instance.render(turn, { continuations, prepared });
    for (const warning of rendered.warnings) logger.info?.(`${prefix} ${warning}`, { callId: turn.call.callId, node: turn.node });
    return rendered;
  }

  /** A turn's hooks, `once` per key when given. */
  async function runHooks(turn: Turn, once?: string): Promise<void> {
    if (turn.effects.length === 0) return;
    if (once !== undefined && !(await claimOnce(store, once))) return;
    await runEffects(turn.effects, options.hooks, logger);
  }

  /** Hooks, render, and (for a tracked delivery, unless the caller records it with the document) the call's new position; the document. */
  async function playTurn(turn: Turn, hooksOnce?: string, outcome?: Outcome, recordPosition = true): Promise<Output> {
    if (turn.effects.length !== 0) await runHooks(turn, hooksOnce);
    // A turn that goes on (most of them) has no end to note: no promise for it.
    if (turn.ended) await noteEnd(turn, outcome);
    // A provider that signs nothing extra and prepares nothing renders at once: no promise per step of the way.
    const { output } = instance.continuationStates || instance.prepare ? await render(turn) : renderSupported(turn);
    if (replies && recordPosition) await replies.moveTo(turn.call.callId, turn.token ?? endedPosition);
    return output;
  }

  /** A turn that ends the call ends it by the flow (unless the caller hung up first), for `call-ended`. */
  async function noteEnd(turn: Turn, outcome: Outcome | undefined): Promise<void> {
    if (turn.ended && outcome?.type !== 'hangup') await events.flowEnded(turn.call.callId);
  }

  /** The first turn of a call: the flow's start, or an outbound call's signed start and its machine-detection route. */
  async function startTurn(event: Extract<WebhookEvent<Output>, { type: 'start' }>): Promise<Turn> {
    const { call, outbound } = event;
    if (!outbound) {
      await events.report(call.callId, { type: 'started', direction: 'inbound', from: call.from, to: call.to });
      await events.answered(call.callId, 'inbound');
      return engine.start(call);
    }
    const { state } = await engine.inspect(outbound.token, { callId: outboundCallId(outbound.nonce), provider: name });
    if (!outbound.detectionPending) await events.answered(call.callId, 'outbound', outbound.answeredBy);
    return engine.goTo(answerRoute(engine, state.node, outbound.detectionPending ? 'human' : outbound.answeredBy), call, state.vars);
  }

  /** A detection result for a call already running the human route (Vonage): moved when its route differs. */
  async function moveOutbound(event: Extract<WebhookEvent<Output>, { type: 'start' }>): Promise<Reply> {
    const { call, outbound } = event;
    const { state } = await engine.inspect(outbound!.token, { callId: outboundCallId(outbound!.nonce), provider: name });
    await events.answered(call.callId, 'outbound', outbound!.answeredBy);
    const route = answerRoute(engine, state.node, outbound!.answeredBy);
    if (route === answerRoute(engine, state.node, 'human')) return acknowledge('the route already running');
    if (!instance.moveLiveCall || !(await claimOnce(store, `callflow:outbound-move:${call.callId}`))) return acknowledge('already moved');
    const output = await playTurn(await engine.goTo(route, call, state.vars));
    await instance.moveLiveCall(call, output);
    return acknowledge();
  }

  function replyDelivery(): ReplyDelivery<Output> {
    return delivery as ReplyDelivery<Output>;
  }

  /** A reply provider's answer to a start or a resume, once per delivery when the delivery tracks positions. */
  async function replyWith(
    callId: string,
    deliveryId: string | undefined,
    position: string | undefined,
    makeTurn: () => Promise<Turn>,
    hooksOnce?: string,
    outcome?: Outcome,
    positionClaim?: PositionClaim,
  ): Promise<Reply> {
    const documents = replyDelivery();
    if (!replies || deliveryId === undefined)
      return documents.reply(documents.serialize(await playTurn(await makeTurn(), hooksOnce, outcome)));
    // The new position is recorded with the document, in one store step.
    const work = async (): Promise<ReplyWork> => {
      const turn = await makeTurn();
      return { document: documents.serialize(await playTurn(turn, hooksOnce, outcome, false)), moveTo: turn.token ?? endedPosition };
    };
    if (position === undefined) {
      const cached = await replies.cached(callId, deliveryId);
      if (cached !== undefined) return documents.reply(cached);
      const { document, moveTo } = await work();
      await replies.remember(callId, deliveryId, document, moveTo);
      return documents.reply(document);
    }
    const document = await replies.run(callId, position, deliveryId, work, positionClaim);
    return document === 'stale' ? documents.acknowledge() : documents.reply(document);
  }

  /** A command provider's work for an event: claimed by delivery id, run now or handed to `waitUntil`. */
  async function commandWork(
    commands: CommandDelivery<Output, Handle>,
    deliveryId: string | undefined,
    callId: string,
    stateKeys: readonly string[] | undefined,
    work: (read: Array<string | undefined> | undefined, done: StoreWrite | undefined) => Promise<unknown>,
  ): Promise<Reply> {
    const eventKey = deliveryId === undefined ? undefined : `${name}:event:${deliveryId}`;
    // The claim reads the delivery's state keys in the same store step.
    const claim =
      eventKey === undefined
        ? undefined
        : await claimKey(store, { key: eventKey, value: 'handling', ttlSeconds: commands.leaseSeconds, read: stateKeys });
    if (claim && !claim.claimed) {
      // Claimed for a lease while handled, then for a day: a repeat meanwhile is asked to come back, since the
      // instance handling it may die; after the lease it takes over.
      if (claim.previous === 'handling') return textReply(503, `${prefix} this event is being handled; try again`);
      return commands.acknowledge('duplicate');
    }
    let storeFailure = false;
    // The done marker, which the delivery may write in its own last store step (then it answers 'done').
    const done = eventKey === undefined ? undefined : { key: eventKey, value: 'done', ttlSeconds: 86_400 };
    const running = work(stateKeys?.length ? claim?.values : undefined, done)
      .then((written) => (done && written !== 'done' ? store.set(done.key, done.value, done) : undefined))
      .catch(async (error: unknown) => {
        if (isRetryLater(error)) {
          storeFailure = true;
          // Free the event id (if the store lets us; else the lease runs out) so the redelivery finishes the work.
          if (eventKey) await store.delete(eventKey).catch(() => undefined);
        } else if (eventKey) await store.set(eventKey, 'done', { ttlSeconds: 86_400 }).catch(() => undefined);
        logger.error(`${prefix} handling the event failed: ${error instanceof Error ? error.message : String(error)}`, { callId });
      });
    if (commands.waitUntil) {
      commands.waitUntil(running);
      return commands.acknowledge();
    }
    await running;
    return storeFailure ? textReply(503, `${prefix} temporarily unavailable; try again`) : commands.acknowledge();
  }

  function isOutcome<T>(answer: PositionAnswer<T>): answer is Outcome {
    return 'type' in answer;
  }

  async function act(event: WebhookEvent<Output>): Promise<Reply> {
    switch (event.type) {
      case 'refuse':
        return refusal(refusalStatus[event.reason], event.reason, event.message);
      case 'ignore':
        logger.info?.(`${prefix} ignored: ${event.reason}`);
        return acknowledge(event.reason);
      case 'status':
        if (event.note) logger.info?.(`${prefix} ${event.note}`, { callId: event.callId });
        if (delivery.kind === 'commands') {
          return commandWork(delivery, event.deliveryId, event.callId ?? '', undefined, async () => {
            if (event.callEvent && event.callId) await events.report(event.callId, event.callEvent);
            await event.apply?.();
          });
        }
        if (event.callEvent && event.callId) await events.report(event.callId, event.callEvent);
        await event.apply?.();
        return acknowledge();
      case 'start': {
        const { call } = event;
        if (event.outbound?.liveCall) return moveOutbound(event);
        if (delivery.kind === 'reply') return replyWith(call.callId, event.deliveryId, undefined, () => startTurn(event));
        const commands = delivery;
        // A forged outbound start is refused (403) before the event is claimed, as a forged continuation token is.
        if (event.outbound) await engine.inspect(event.outbound.token, { callId: outboundCallId(event.outbound.nonce), provider: name });
        return commandWork(commands, event.deliveryId, call.callId, commands.stateKeys?.(call.callId), async (read, done) => {
          const handle = await commands.open(event, undefined, undefined, read);
          if (handle === 'stale') return;
          const turn = await startTurn(event);
          await runHooks(turn);
          await noteEnd(turn, undefined);
          return commands.send(handle, turn, (planning) => render(turn, planning), done);
        });
      }
      case 'outcome':
        return resume(event);
    }
  }

  async function resume(event: Extract<WebhookEvent<Output>, { type: 'outcome' }>): Promise<Reply> {
    const { call, token } = event;
    if (event.callEvent) await events.report(call.callId, event.callEvent);
    let position: CallPosition | undefined;
    let orphaned: CallFlowError | undefined;
    try {
      position = await engine.inspect(token, call);
    } catch (error) {
      // An authentic token whose position a redeployed flow no longer has: the caller hears the apology (below).
      if (!isCallFlowError(error, 'invalid-token') || error.reason !== 'unknown-position') throw error;
      orphaned = error;
      logger.warn(`${prefix} ${error.message}; the caller hears the apology`, { callId: call.callId, reason: error.reason });
    }
    let answer = typeof event.outcome === 'function' ? event.outcome(position) : event.outcome;
    if (answer instanceof Promise) answer = await answer;
    if (!isOutcome(answer)) {
      if ('done' in answer) return acknowledge(answer.done);
      return replyDelivery().reply(replyDelivery().serialize(answer.answer));
    }
    const outcome = answer;
    if (outcome.type === 'dial') await events.transferEnded(call.callId, event.position ?? token, outcome);
    const makeTurn = (): Promise<Turn> =>
      position ? engine.resumeAt(position, outcome, call) : engine.refusedTurn(orphaned, call, { hungUp: outcome.type === 'hangup' });
    if (event.effectsOnly) {
      await runHooks(await makeTurn(), event.hooksOnce);
      return acknowledge();
    }
    if (delivery.kind === 'reply')
      return replyWith(call.callId, event.deliveryId, event.position ?? token, makeTurn, event.hooksOnce, outcome, event.positionClaim);
    const commands = delivery;
    return commandWork(commands, event.deliveryId, call.callId, commands.stateKeys?.(call.callId), async (read, done) => {
      const handle = await commands.open(event, outcome, position, read);
      if (handle === 'stale') return;
      let turn: Turn;
      try {
        turn = await makeTurn();
      } catch (error) {
        if (!isCallFlowError(error, 'unexpected-outcome')) throw error;
        logger.info?.(`${prefix} ${error.message}; ignored`, { callId: call.callId });
        return;
      }
      await runHooks(turn, event.hooksOnce);
      await noteEnd(turn, outcome);
      return commands.send(handle, turn, (planning) => render(turn, planning), done);
    });
  }

  function acknowledge(note?: string): Reply {
    return delivery.kind === 'reply' ? delivery.acknowledge() : delivery.acknowledge(note);
  }

  /** The one table from a failure to what the provider gets back. */
  async function failure(error: unknown, call: CallInfo | undefined): Promise<Reply> {
    const callId = call?.callId;
    if (isCallFlowError(error, 'invalid-token'))
      return refusal(403, `token-${error.reason ?? 'refused'}`, `invalid continuation token (${error.reason ?? 'refused'})`, callId);
    if (isCallFlowError(error, 'invalid-webhook'))
      return refusal(400, 'malformed', error.message.replace(/^\[callflow(:\w+)?\] /, ''), callId);
    if (isCallFlowError(error, 'unexpected-outcome')) {
      logger.info?.(`${prefix} ignored: ${error.message}`, { callId });
      return acknowledge();
    }
    if (isRetryLater(error) || delivery.kind === 'commands' || call === undefined) {
      // The provider redelivers on a 503 (Vonage once, Telnyx with backoff); an apology would end a call the retry can save.
      logger.error(
        `${prefix} webhook failed; answering 503 so the provider retries: ${error instanceof Error ? error.message : String(error)}`,
        { callId },
      );
      return textReply(503, `${prefix} temporarily unavailable; try again`);
    }
    const failed = isCallFlowError(error)
      ? error
      : new CallFlowError('flow-failed', `webhook failed: ${error instanceof Error ? error.message : String(error)}`, {
          provider: name,
          cause: error,
        });
    try {
      const { output } = await render(engine.apology(call, failed));
      return replyDelivery().reply(replyDelivery().serialize(output));
    } catch (renderError) {
      logger.error(
        `${prefix} the apology could not be rendered: ${renderError instanceof Error ? renderError.message : String(renderError)}`,
        { callId },
      );
      return textReply(503, `${prefix} temporarily unavailable; try again`);
    }
  }

  async function handle(request: WebhookRequest): Promise<Reply> {
    const verified: { release?: () => Promise<void> } = {};
    const reply = await handleVerified(request, verified);
    if (reply.status >= 500 && verified.release) {
      // The provider retries a 5xx: what the signature check recorded (a JWT's jti) must not refuse that retry.
      await verified
        .release()
        .catch((error: unknown) =>
          logger.warn(
            `${prefix} could not release the signature's replay record: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
    }
    return reply;
  }

  async function handleVerified(request: WebhookRequest, verified: { release?: () => Promise<void> }): Promise<Reply> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return refusal(400, 'malformed-url', 'malformed request URL or Host header');
    }
    const method = request.method.toUpperCase();
    let bytes: Uint8Array = noBytes;
    if (method !== 'GET' && method !== 'HEAD') {
      let read;
      try {
        read = await readWebhookBody(request, maxBodyBytes);
      } catch {
        return refusal(400, 'unreadable-body', 'the body could not be read');
      }
      if (read === 'too-large') return refusal(413, 'body-too-large', `body larger than ${maxBodyBytes} bytes (maxBodyBytes)`);
      if (read === 'timeout') return refusal(408, 'body-timeout', 'the client stopped sending the body');
      bytes = read;
    }
    const text = bytes.length === 0 ? '' : utf8.decode(bytes);
    if (
      (request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded') &&
      countFormFields(text, maxFormFields) > maxFormFields
    ) {
      return refusal(413, 'too-many-fields', `form with more than ${maxFormFields} fields (maxFormFields)`);
    }
    const webhook: RawWebhook = { method, url, headers: request.headers, bytes, text };
    if (verify) {
      let verdict;
      try {
        verdict = instance.verify(webhook);
        if (verdict instanceof Promise) verdict = await verdict;
      } catch (error) {
        // A body the signature cannot even be computed over (a form with a bad escape): malformed, never a flow turn.
        if (isCallFlowError(error, 'invalid-webhook')) return refusal(400, 'malformed', error.message.replace(/^\[callflow(:\w+)?\] /, ''));
        // A check that needs the store (a replay guard) while the store is down: the provider's retry can pass it.
        if (isRetryLater(error)) {
          logger.error(`${prefix} the signature check needs the store, which is unavailable; answering 503 so the provider retries`);
          return textReply(503, `${prefix} temporarily unavailable; try again`);
        }
        verdict = { ok: false as const, reason: 'verifier-error', message: error instanceof Error ? error.message : String(error) };
      }
      if (!verdict.ok) {
        refuse(`signature-${verdict.reason}`, `${prefix} webhook refused (403): ${verdict.message}`, { path: url.pathname });
        return textReply(403, `${prefix} signature refused (${verdict.reason})`);
      }
      verified.release = verdict.release;
    }
    let event: WebhookEvent<Output>;
    try {
      const parsed = instance.parse(webhook);
      event = parsed instanceof Promise ? await parsed : parsed;
    } catch (error) {
      if (isCallFlowError(error) && error.code !== 'invalid-webhook') return failure(error, undefined);
      return refusal(400, 'malformed', error instanceof Error ? error.message.replace(/^\[callflow(:\w+)?\] /, '') : 'malformed webhook');
    }
    const call = event.type === 'start' || event.type === 'outcome' ? event.call : undefined;
    try {
      // A resume (most webhooks) goes straight there, without act's promise around it.
      return await (event.type === 'outcome' ? resume(event) : act(event));
    } catch (error) {
      return failure(error, call);
    }
  }

  return webHandler(handle, { engine, ...(instance.extras ?? ({} as Extras)) }) as WebhookHandler<Extras>;
}
