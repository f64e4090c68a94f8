import {
  CallFlowError,
  endedPosition,
  isCallFlowError,
  type CallInfo,
  type CallPosition,
  type Engine,
  type Logger,
  type ReplyOnce,
  type Store,
  type TransferTarget,
  type Turn,
} from '@callflow/core';
import { nccoActions, synchronousEventType, type Ncco } from './ncco-types.js';
import { callbackUrl, vonageWebhookPaths } from './render-ncco.js';
import { toEndpoint } from './render-ncco-transfer.js';
import { renderQueueRoom, usesHoldLoop } from './render-ncco-queue.js';
import { transferCallToNcco, vonageStatusOf, type VonageVoiceClient } from './vonage-live-call.js';
import { vonageCallInfo, vonageKeys, type VonageHandlerOptions } from './vonage-provider.js';
import {
  addToQueue,
  claimQueueExit,
  confirmTaken,
  listQueue,
  markQueueExitUnknown,
  moveLeaseSeconds,
  noteQueueExitConversation,
  queuedCaller,
  releaseQueueExit,
  removeFromQueue,
  takeFromQueue,
  type QueueExitClaim,
  type QueuedCaller,
} from './vonage-queue.js';

/** What became of an earlier move of a queued caller, as far as can be told. */
type EarlierMove = 'in-flight' | 'not-applied' | 'applied' | 'ended' | 'unknown';

/** provider: the call statuses of a call that is over (@vonage/voice enums/CallStatus: completed, busy, cancelled, failed, rejected, timeout, unanswered). */
const endedCallStatuses = new Set(['completed', 'busy', 'cancelled', 'failed', 'rejected', 'timeout', 'unanswered']);

/** Where `connectNextCaller` sends the caller at the front of a queue. */
export type QueueTarget =
  | { to: TransferTarget; callerId?: string; ringSeconds?: number /** Said to the caller before connecting. */; say?: string }
  | { node: string }
  /**
   * Into the caller's own waiting room (`queueConversationName`, startOnEnter false, the hold music) for an agent the app
   * brings into it (`conversation` with startOnEnter and endOnExit true): the caller hears the music, not a ringback, until
   * the agent is there, and goes on to the step's `then` when the agent leaves.
   */
  | { room: true };

/** The emulated queue's control and the live-call moves a Vonage handler carries. */
export interface VonageQueueControl {
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

/** What the queue control works over: the handler's options, engine, store and reply tracking. */
export interface QueueControlContext {
  options: VonageHandlerOptions;
  engine: Engine;
  store: Store;
  logger: Logger;
  now: () => number;
  /** Hooks, render and the call's new position, as for a webhook. */
  playTurn(turn: Turn): Promise<Ncco>;
  base: string;
  queuePrefix: string;
  positions: ReplyOnce;
}

/** Builds the queue control over the handler's store and engine: REST transfers move queued callers on. */
export function createQueueControl(context: QueueControlContext): VonageQueueControl {
  const { options, engine, store, logger, now, playTurn, base, positions } = context;

  function clientOf(client: VonageVoiceClient | undefined): VonageVoiceClient {
    const chosen = client ?? options.voiceClient;
    if (!chosen)
      throw new CallFlowError('provider-request-failed', 'no Vonage client: pass one, or set voiceClient in the handler options', {
        provider: 'vonage',
      });
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
    const call = await vonageCallInfo(store, caller.callId);
    const step = await stepOf(caller, call);
    // A caller in a queue's conversation sends no hold breaks: only Vonage can say where their leg is.
    const inConversation = !(step?.type === 'enqueue' && usesHoldLoop(step));
    // One way out per wait: this move, or the escape key / the longest wait the caller's hold loop reached first.
    let earlier: EarlierMove | undefined;
    const held = await claimQueueExit(
      store,
      caller.callId,
      caller.token,
      'move',
      now(),
      async (claim) => (earlier = await earlierMove(claim, inConversation, caller.callId, voice)) === 'not-applied',
    );
    if (held) {
      if (held.by !== 'move') {
        // The caller left by the escape key or the longest wait meanwhile: they leave the queue, the agent gets the next one.
        await confirmTaken(store, caller);
        return 'gone';
      }
      if (earlier === 'applied' || earlier === 'ended') {
        // The earlier move went through (the leg is in another conversation now), or the call is over: never moved again.
        await confirmTaken(store, caller);
        logger.info?.(
          `[callflow:vonage] an earlier move of queued call ${caller.callId} ${earlier === 'applied' ? 'was applied (Vonage shows the leg in another conversation)' : 'ended with the call'}; it leaves '${queue}'`,
          { callId: caller.callId },
        );
        return 'gone';
      }
      // An earlier move of this caller whose outcome is unknown (its instance stopped, or its transfer got no answer):
      // never transferred twice; the hold loop's next break puts them back if they are still waiting, and in a
      // conversation a move after the lease asks Vonage (or asks again, when reading the call failed).
      logger.warn(
        `[callflow:vonage] an earlier move of queued call ${caller.callId} is unconfirmed; not transferred again (${inConversation ? 'a move after its 30 s lease asks Vonage where the call is' : 'its next hold break puts it back if it still waits'})`,
        { callId: caller.callId },
      );
      return 'gone';
    }
    if (inConversation && voice.voice.getCall) {
      // Where the leg is before the transfer: if its answer is lost (and the transfer event too), a later move compares.
      let conversation: string | undefined;
      try {
        conversation = (await voice.voice.getCall(caller.callId)).conversationUUID;
      } catch (error) {
        if (vonageStatusOf(error) === 404) {
          logger.warn(`[callflow:vonage] queued call ${caller.callId} no longer exists (404); dropped from '${queue}'`, {
            callId: caller.callId,
          });
          await confirmTaken(store, caller);
          return 'gone';
        }
        // Nothing was sent: the caller waits at the front again.
        await releaseQueueExit(store, caller.callId, caller.token);
        await addToQueue(store, caller, 'front');
        throw new CallFlowError('provider-request-failed', `reading call ${caller.callId} before moving it failed: ${String(error)}`, {
          provider: 'vonage',
          cause: error,
        });
      }
      if (conversation !== undefined && !(await noteQueueExitConversation(store, caller.callId, caller.token, conversation))) {
        // The claim is no longer this move's (another instance took the wait over after a stall): leave it to that one.
        return 'gone';
      }
    }
    // Vonage's transfer event confirms this move if this instance dies before `confirmTaken` (see the event webhook).
    await store.set(vonageKeys.moving(caller.callId), JSON.stringify({ token: caller.token, enqueuedAt: caller.enqueuedAt }), {
      ttlSeconds: 3_600,
    });
    let ncco: Ncco;
    try {
      if ('node' in target) {
        const { state } = await engine.inspect(caller.token, call);
        ncco = await playTurn(await engine.goTo(target.node, call, state.vars));
      } else if ('room' in target) {
        const { step } = await engine.inspect(caller.token, call);
        const holdMusic = step?.type === 'enqueue' ? step.holdMusic : undefined;
        ncco = renderQueueRoom(queue, holdMusic, base, caller.token, caller.callId, context.queuePrefix);
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
          {
            action: nccoActions.notify,
            payload: { after: 'bridged' },
            eventUrl: [callbackUrl(base, vonageWebhookPaths.notify, caller.token, caller.callId)],
            eventMethod: 'POST',
          },
        ] as Ncco;
      }
      await transferCallToNcco(voice, caller.callId, ncco);
    } catch (error) {
      const status = (error instanceof Error ? (error.cause as { response?: { status?: number } } | undefined) : undefined)?.response
        ?.status;
      if (status === 404) {
        // Back at the front, this caller would block the queue for good.
        logger.warn(`[callflow:vonage] queued call ${caller.callId} no longer exists (404); dropped from '${queue}'`, {
          callId: caller.callId,
        });
        await confirmTaken(store, caller);
        return 'gone';
      }
      if (status === undefined && isCallFlowError(error, 'provider-request-failed')) {
        // No answer from Vonage (a timeout, a lost connection): the transfer may have been applied, so the caller is not
        // offered again at once; they stay taken until their hold break or the lease says otherwise.
        await markQueueExitUnknown(store, caller.callId, caller.token);
        throw error;
      }
      // Vonage refused it (an HTTP status): not applied, so the caller waits at the front again and may leave any way.
      await releaseQueueExit(store, caller.callId, caller.token);
      await addToQueue(store, caller, 'front');
      throw error;
    }
    await confirmTaken(store, caller);
    return caller;
  }

  /** The enqueue step a queued caller waits at (undefined when their token no longer reads). */
  function stepOf(caller: QueuedCaller, call: CallInfo): Promise<CallPosition['step'] | undefined> {
    return engine.inspect(caller.token, call).then(
      (position) => position.step,
      () => undefined,
    );
  }

  /**
   * What became of an earlier move that holds this wait's claim: a move may replace it only once its lease is over, and
   * only for a caller in a conversation (a hold-loop caller still waiting says so at its next break). There Vonage tells:
   * the leg still in the conversation it was in before the transfer (`GET /v1/calls/{uuid}`) means it was never applied;
   * another conversation, that it was ("Call transfer moves an active leg into a new conversation context",
   * https://developer.vonage.com/en/voice/voice-api/concepts/in-app-calling/call-transfer; the transfer event's
   * conversation_uuid_from and conversation_uuid_to). Without that record (a client without `getCall`, or an instance
   * stopped before its transfer went out) it is taken as not applied.
   */
  async function earlierMove(
    claim: QueueExitClaim,
    inConversation: boolean,
    callId: string,
    voice: VonageVoiceClient,
  ): Promise<EarlierMove> {
    if (claim.by !== 'move' || now() - claim.atMs < moveLeaseSeconds * 1000 || !inConversation) return 'in-flight';
    if (claim.conversation === undefined || !voice.voice.getCall) return 'not-applied';
    try {
      const leg = await voice.voice.getCall(callId);
      if (leg.status !== undefined && endedCallStatuses.has(leg.status)) return 'ended';
      return leg.conversationUUID === claim.conversation ? 'not-applied' : 'applied';
    } catch (error) {
      return vonageStatusOf(error) === 404 ? 'ended' : 'unknown';
    }
  }

  async function sweepQueue(queue: string, client?: VonageVoiceClient): Promise<number> {
    const voice = clientOf(client);
    let moved = 0;
    for (const caller of await listQueue(store, queue)) {
      const call = await vonageCallInfo(store, caller.callId);
      const { step } = await engine.inspect(caller.token, call);
      const limit = step?.type === 'enqueue' ? step.maxWaitSeconds : undefined;
      if (limit === undefined || now() - caller.enqueuedAt < limit * 1000) continue;
      // An agent move or the escape key claimed this wait first: it is theirs.
      if (await claimQueueExit(store, caller.callId, caller.token, 'timeout', now())) continue;
      if (!(await removeFromQueue(store, caller.callId))) continue;
      const ncco: Ncco = [
        {
          action: nccoActions.notify,
          payload: { after: 'timeout' },
          eventUrl: [callbackUrl(base, vonageWebhookPaths.notify, caller.token, caller.callId)],
          eventMethod: 'POST',
        },
      ];
      try {
        await transferCallToNcco(voice, caller.callId, ncco);
      } catch (error) {
        // Still on hold: back in the queue (at the front, where they were), so a later sweep or an agent still gets them.
        await releaseQueueExit(store, caller.callId, caller.token);
        await addToQueue(store, caller, 'front');
        throw error;
      }
      moved++;
    }
    return moved;
  }

  async function transferToNode(callId: string, node: string, client?: VonageVoiceClient): Promise<void> {
    const voice = clientOf(client);
    const call = await vonageCallInfo(store, callId);
    const current = await positions.current(callId);
    let vars: Record<string, string> = {};
    if (current && current !== endedPosition) vars = (await engine.inspect(current, call)).state.vars;
    const queued = await queuedCaller(store, callId);
    const ncco = await playTurn(await engine.goTo(node, call, vars));
    if (queued) await removeFromQueue(store, callId);
    try {
      await transferCallToNcco(voice, callId, ncco);
    } catch (error) {
      // The move failed: a caller taken out of a queue for it waits there again instead of on hold for nobody.
      if (queued) await addToQueue(store, queued, 'front');
      throw error;
    }
  }

  return { store, connectNextCaller, queuedCallers: (queue) => listQueue(store, queue), sweepQueue, transferToNode };
}
