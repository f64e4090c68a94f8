import type { AnsweredBy, CallInfo, WebhookEvent } from '@callflow/core';
import type { ClientState } from './client-state.js';
import type { TelnyxEvent } from './parse-telnyx-event.js';
import type { TelnyxCommand } from './plan-commands.js';
import type { TelnyxFeatureContext } from './telnyx-features.js';

// The events of an outbound leg before its flow runs (startTelnyxCall), in a chunk of their own that a handler loads at
// its first such event. It imports no code: what it uses comes in `context` (telnyx-features.ts).

/** The outbound legs of one handler. */
export function createOutboundFeature(context: TelnyxFeatureContext) {
  const { hangupReport } = context;

  /**
   * An event of an outbound leg before the flow runs: its start (answered, or machine detection's verdict), or a
   * lifecycle report (initiated; a hang-up before answer: busy, no answer).
   */
  function outboundEvent(event: TelnyxEvent, state: Extract<ClientState, { kind: 'outbound' }>): WebhookEvent<TelnyxCommand[]> {
    const call: CallInfo = { callId: event.callControlId!, from: event.from, to: event.to, provider: 'telnyx' };
    const start = (answeredBy?: AnsweredBy): WebhookEvent<TelnyxCommand[]> => ({
      type: 'start',
      deliveryId: event.id,
      call,
      outbound: { token: state.token, nonce: state.nonce, ...(answeredBy ? { answeredBy } : {}) },
    });
    const result = typeof event.payload.result === 'string' ? event.payload.result : undefined;
    switch (event.type) {
      case 'call.initiated':
        return {
          type: 'status',
          callId: call.callId,
          deliveryId: event.id,
          callEvent: { type: 'started', direction: 'outbound', from: event.from, to: event.to },
        };
      case 'call.answered':
        return state.detection === 'off' ? start() : { type: 'ignore', reason: 'answered; waiting for machine detection' };
      // provider: telnyx SDK resources/webhooks.d.ts CallMachineDetectionEnded.Payload.result: human, machine, not_sure.
      case 'call.machine.detection.ended':
        if (result === 'human') return start('human');
        if (result === 'machine')
          return state.detection === 'beep' ? { type: 'ignore', reason: 'machine; waiting for the end of its greeting' } : start('machine');
        return start('unknown');
      // provider: CallMachineGreetingEnded.Payload.result: beep_detected, ended, not_sure; each means the greeting is over.
      case 'call.machine.greeting.ended':
        return start('machine');
      case 'call.hangup':
        return {
          type: 'status',
          callId: call.callId,
          deliveryId: event.id,
          callEvent: { ...hangupReport(event), direction: 'outbound' },
        };
      default:
        return { type: 'ignore', reason: `${event.type} before the flow started` };
    }
  }

  return { outboundEvent };
}
