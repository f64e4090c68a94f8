import { CallFlowError, type CallPosition, type Outcome, type PositionAnswer, type Store, type TransferStep } from '@callflow/core';
import type { Ncco } from './ncco-types.js';
import { parseVonageConnectEvent } from './parse-vonage-connect-event.js';
import { parseVonageInput } from './parse-vonage-webhook.js';
import { callbackUrl, vonageWebhookPaths, type WaitRenderer } from './render-ncco.js';
import { renderCalleeNcco, renderTransfer } from './render-ncco-transfer.js';
import type { VonageVoiceClient } from './vonage-live-call.js';
import { vonageKeys } from './vonage-provider.js';

// A transfer on Vonage, in a chunk of its own: its NCCO (connect, the whisper and screening the called party hears),
// the called party's webhooks, and the connect action's events (a queued caller's agent is connected with one too). A
// handler loads it when its flow has a transfer step, a dynamic node's at the first turn that transfers, and a connect,
// callee, screen or transfer-notify webhook (on any instance) awaits it; a flow that connects nobody never loads it.

export { parseVonageConnectEvent };

/**
 * The handler's transfer renderer: `renderTransfer`, refusing a screened transfer when the handler has no client to hang
 * up a called party who declines.
 */
export function transferRendererFor(voiceClient: VonageVoiceClient | undefined): WaitRenderer<TransferStep> {
  return (step, turn, context, warnings) => {
    if (step.screen && !voiceClient?.voice.hangupCall)
      throw new CallFlowError(
        'unsupported-step',
        `${turn.node}: transfer.screen on Vonage needs the handler's voiceClient (voice.hangupCall) to hang up a called party who declines`,
        { provider: 'vonage', node: turn.node },
      );
    return renderTransfer(step, turn, context, warnings);
  };
}

/** What the transfer chunk is handed by its handler. */
export interface TransferContext {
  store: Store;
  /** The handler's public URL without a trailing slash. */
  base: string;
  /** The client that hangs up a called party who declines a screened transfer. */
  voiceClient: VonageVoiceClient | undefined;
}

/** A webhook of the called party's leg of a screened or whispered transfer (`callee`: its NCCO; `screen`: its key). */
export interface CalleeWebhook {
  path: typeof vonageWebhookPaths.callee | typeof vonageWebhookPaths.screen;
  fields: Record<string, unknown>;
  token: string;
  callId: string;
  /** The token's short hash, which keys the called party's acceptance. */
  tokenHash: string;
}

const ttlSeconds = 86_400;

function malformed(message: string): CallFlowError {
  return new CallFlowError('invalid-webhook', message, { provider: 'vonage' });
}

/** The answer to a called party's webhook, at the caller's position: never a move of the caller's call. */
export async function calleeAnswer(
  context: TransferContext,
  webhook: CalleeWebhook,
  position: CallPosition | undefined,
): Promise<PositionAnswer<Ncco>> {
  const step = position?.step;
  if (step?.type !== 'transfer') return { done: 'not a transfer any more' };
  const { path, fields, token, callId } = webhook;
  if (path === vonageWebhookPaths.callee)
    return {
      answer: renderCalleeNcco(step, position!.state.node, callbackUrl(context.base, vonageWebhookPaths.screen, token, callId)),
    };
  const outcome = parseVonageInput(fields);
  if (outcome.type === 'digits' && outcome.digits === (step.screen?.acceptKey ?? '1')) {
    await context.store.set(vonageKeys.screenAccepted(callId, webhook.tokenHash), '1', { ttlSeconds });
    // An empty reply lets the called party's NCCO end, and Vonage joins it to the caller.
    return { done: 'screen accepted' };
  }
  // provider: no NCCO action ends a leg, so a declined called party is hung up over REST (PUT /v1/calls/{uuid} hangup, SDK voice.hangupCall).
  const calleeUuid = typeof fields.uuid === 'string' ? fields.uuid : undefined;
  if (!calleeUuid) throw malformed('screen input without uuid');
  await hangUpCallee(context.voiceClient, calleeUuid);
  return { done: 'screen declined' };
}

/** The outcome of a transfer's notify (the connect ended with the caller still on): a screened one counts only if accepted. */
export async function transferEnded(
  store: Store,
  position: CallPosition | undefined,
  callId: string,
  tokenHash: () => Promise<string>,
): Promise<Extract<Outcome, { type: 'dial' }>> {
  const step = position?.step;
  if (step?.type === 'transfer' && step.screen && (await store.get(vonageKeys.screenAccepted(callId, await tokenHash()))) === undefined) {
    // The called party answered but never pressed the accept key: declined, silent, or a voicemail.
    return { type: 'dial', status: 'no-answer', raw: 'completed:screen-not-accepted' };
  }
  return { type: 'dial', status: 'completed', raw: 'completed' };
}

async function hangUpCallee(client: VonageVoiceClient | undefined, calleeUuid: string): Promise<void> {
  if (!client?.voice.hangupCall)
    throw new CallFlowError(
      'invalid-options',
      'a screened transfer on Vonage needs voiceClient (with voice.hangupCall) to hang up a called party who declines',
      { provider: 'vonage' },
    );
  try {
    await client.voice.hangupCall(calleeUuid);
  } catch (error) {
    throw new CallFlowError(
      'provider-request-failed',
      `hanging up the declined called party ${calleeUuid} failed: ${error instanceof Error ? error.message : String(error)}`,
      { provider: 'vonage', cause: error },
    );
  }
}
