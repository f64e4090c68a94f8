import { CallFlowError, defaultRingbackUrl, type TransferStep, type TransferTarget, type Turn } from '@callflow/core';
import { mp3Format, nccoActions, synchronousEventType, type Ncco, type NccoAction, type NccoConnect } from './ncco-types.js';
import {
  callbackUrl,
  checkRange,
  notifyAction,
  renderMedia,
  vonageLimits,
  vonageWebhookPaths,
  type RenderNccoContext,
} from './render-ncco.js';

// A transfer's NCCO (connect, its recording, the called party's whisper and screening) and the connect endpoints, in the
// transfer chunk (vonage-transfer-chunk.ts) that only a flow with a transfer step loads; the queue chunk connects agents
// with toEndpoint too, and the public renderNcco (render-ncco-complete.ts) reaches renderTransfer.

const provider = 'vonage';

/** A transfer step's actions: the recording of the call when asked, connect (synchronous events), then notify after it. */
export function renderTransfer(step: TransferStep, turn: Turn, context: RenderNccoContext, warnings: string[]): NccoAction[] {
  const token = turn.token!;
  const callId = turn.call.callId;
  const actions: NccoAction[] = [];
  if (step.record)
    actions.push({
      action: nccoActions.record,
      format: mp3Format,
      eventUrl: [callbackUrl(context.eventUrl, vonageWebhookPaths.record, token, callId, { async: '1' })],
      eventMethod: 'POST',
    });
  actions.push(
    renderConnect(
      step,
      turn,
      callbackUrl(context.eventUrl, vonageWebhookPaths.connect, token, callId),
      turn.node,
      warnings,
      callbackUrl(context.eventUrl, vonageWebhookPaths.callee, token, callId),
    ),
    notifyAction('transfer', context.eventUrl, token, callId),
  );
  return actions;
}

function renderConnect(step: TransferStep, turn: Turn, eventUrl: string, node: string, warnings: string[], calleeUrl: string): NccoConnect {
  const timeout = step.ringSeconds ?? 30;
  checkRange(timeout, vonageLimits.connectTimeoutSeconds, 'transfer.ringSeconds', node);
  if (step.maxSeconds !== undefined) checkRange(step.maxSeconds, vonageLimits.connectLimitSeconds, 'transfer.maxSeconds', node);
  // provider: `from` must be a Vonage number, so the default caller id is the number that was called, not the caller's.
  const from = step.callerId ?? turn.call.to;
  return {
    action: nccoActions.connect,
    endpoint: [withCallee(withDigits(toEndpoint(step.to, node, warnings), step, node), step, node, calleeUrl)],
    ...(from ? { from: phoneDigits(from) } : { randomFromNumber: true }),
    eventType: synchronousEventType,
    timeout,
    ...(step.maxSeconds !== undefined ? { limit: step.maxSeconds } : {}),
    eventUrl: [eventUrl],
    eventMethod: 'POST',
  };
}

/** A transfer target as a Vonage connect endpoint. */
export function toEndpoint(target: TransferTarget, node: string, warnings: string[]): NccoConnect['endpoint'][number] {
  if (typeof target === 'string') {
    if (target.startsWith('sip:') || target.startsWith('sips:')) return { type: 'sip', uri: target };
    const number = phoneDigits(target);
    if (!/^[0-9]{6,15}$/.test(number))
      throw new CallFlowError('unsupported-step', `${node}: '${target}' is not an E.164 number Vonage can connect to`, { provider, node });
    return { type: 'phone', number };
  }
  if (target.username !== undefined || target.password !== undefined)
    warnings.push(
      `${node}: Vonage SIP endpoints take no digest credentials; username/password are not sent (authenticate the trunk by IP or headers)`,
    );
  return { type: 'sip', uri: target.sip };
}

/** The endpoint with the transfer's DTMF: Vonage's `dtmfAnswer` is sent as the call is answered, `p` a 500 ms pause. */
function withDigits(endpoint: NccoConnect['endpoint'][number], step: TransferStep, node: string): NccoConnect['endpoint'][number] {
  if (step.sendDigits === undefined) return endpoint;
  if (endpoint.type !== 'phone') {
    // provider: only the phone endpoint documents dtmfAnswer (@vonage/voice types/Endpoint/PhoneEndpoint.d.ts; SIPEndpoint.d.ts has none).
    throw new CallFlowError(
      'unsupported-step',
      `${node}: transfer.sendDigits to a SIP address is not available on Vonage (only phone endpoints take dtmfAnswer)`,
      { provider, node },
    );
  }
  // provider: dtmfAnswer digits, 'p' = 500 ms pause (https://developer.vonage.com/en/voice/voice-api/ncco-reference#phone-endpoint).
  return { ...endpoint, dtmfAnswer: step.sendDigits.replace(/w/g, 'p') };
}

/** The endpoint with the NCCO the called party runs before it joins (whisper, screening), when the transfer has one. */
function withCallee(
  endpoint: NccoConnect['endpoint'][number],
  step: TransferStep,
  node: string,
  calleeUrl: string,
): NccoConnect['endpoint'][number] {
  if (!step.whisper?.length && !step.screen) return endpoint;
  if (endpoint.type !== 'phone') {
    // provider: onAnswer is documented for the phone endpoint only (https://developer.vonage.com/en/voice/voice-api/ncco-reference#phone-endpoint).
    throw new CallFlowError(
      'unsupported-step',
      `${node}: transfer whisper/screen to a SIP address is not available on Vonage (only phone endpoints take onAnswer)`,
      { provider, node },
    );
  }
  // provider: onAnswer.url serves an NCCO run on the called party before it is joined to the conversation; its ringbackTone
  // is "played back on repeat to the caller, so they do not hear just silence" until the call is fully connected
  // (https://developer.vonage.com/en/voice/voice-api/ncco-reference#phone-endpoint): callflow's ringback, as on Twilio.
  return { ...endpoint, onAnswer: { url: calleeUrl, ringbackTone: defaultRingbackUrl } };
}

/**
 * The NCCO the called party runs before it joins the caller: the whisper as talk/stream, then the screening prompt
 * with a one-key input whose eventUrl is `screenUrl`. Nothing plays to the caller.
 */
export function renderCalleeNcco(step: TransferStep, node: string, screenUrl: string): Ncco {
  const ncco: Ncco = (step.whisper ?? []).map((media) => renderMedia(media, false, node));
  if (step.screen) {
    for (const media of step.screen.prompt) ncco.push(renderMedia(media, true, node));
    const timeOut = step.screen.timeoutSeconds ?? 5;
    checkRange(timeOut, vonageLimits.dtmfTimeoutSeconds, 'transfer.screen.timeoutSeconds', node);
    ncco.push({
      action: nccoActions.input,
      type: ['dtmf'],
      dtmf: { maxDigits: 1, timeOut, submitOnHash: false },
      eventUrl: [screenUrl],
      eventMethod: 'POST',
    });
  }
  return ncco;
}

function phoneDigits(number: string): string {
  return number.replace(/^\+/, '').replace(/[\s()-]/g, '');
}
