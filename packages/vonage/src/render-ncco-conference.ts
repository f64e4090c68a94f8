import { CallFlowError, type ConferenceStep, type Turn } from '@callflow/core';
import { nccoActions, type NccoAction } from './ncco-types.js';
import { notifyAction, vonageConversationLimits, type RenderNccoContext } from './render-ncco.js';

// A conference step's NCCO, in the record and conference chunk (vonage-record-conference-chunk.ts) that only a flow with
// either step loads; the public renderNcco (render-ncco-complete.ts) reaches it too.

const provider = 'vonage';

/** A conference step's actions: the conversation, then notify when the caller leaves it. */
export function renderConference(step: ConferenceStep, turn: Turn, context: RenderNccoContext): NccoAction[] {
  return [renderConversation(step, turn.node), notifyAction('conference', context.eventUrl, turn.token!, turn.call.callId)];
}

function renderConversation(step: ConferenceStep, node: string): NccoAction {
  // provider: the conversation action has no beep and no size option (https://developer.vonage.com/en/voice/voice-api/ncco-reference#conversation);
  // both are refused when the handler is created (vonageCapabilities), and here for dynamic nodes.
  if (step.beep === true)
    throw new CallFlowError(
      'unsupported-step',
      `${node} conference: beep: true is not supported on vonage: ${vonageConversationLimits.beep}`,
      { provider, node },
    );
  if (step.maxParticipants !== undefined)
    throw new CallFlowError(
      'unsupported-step',
      `${node} conference: maxParticipants is not supported on vonage: ${vonageConversationLimits.maxParticipants}`,
      { provider, node },
    );
  return {
    action: nccoActions.conversation,
    name: step.room,
    ...(step.holdMusic ? { musicOnHoldUrl: [step.holdMusic] } : {}),
    startOnEnter: step.startOnEnter ?? true,
    endOnExit: step.endOnExit ?? false,
    ...(step.muted ? { mute: true } : {}),
  };
}
