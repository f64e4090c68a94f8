import { CallFlowError, checkStartCall, signOutboundStart, type Engine, type StartCallOptions } from '@callflow/core';
import { vonageWebhookPaths } from './render-ncco.js';

/**
 * The slice of a `@vonage/server-sdk` client `startVonageCall` uses: `voice.createOutboundCall`, camelCase as the SDK
 * takes it (it sends snake_case; @vonage/voice dist/cjs/types/CommonOutboundCall.d.ts, CallWithAnswerURL.d.ts,
 * AdvancedMachineDetection.d.ts).
 */
export interface VonageCallsClient {
  voice: {
    /** Takes a `VonageOutboundCallRequest`; typed `never` so the SDK's method (its request typed with enums) fits. */
    createOutboundCall(call: never): Promise<{ uuid?: string }>;
  };
}

/** The request `startVonageCall` passes to `createOutboundCall`: fields of the SDK's `CallWithAnswerURL`. */
export interface VonageOutboundCallRequest {
  to: Array<{ type: 'phone'; number: string } | { type: 'sip'; uri: string }>;
  from: { type: 'phone'; number: string };
  answerUrl: string[];
  answerMethod?: 'GET' | 'POST';
  eventUrl?: string[];
  eventMethod?: 'GET' | 'POST';
  ringingTimer?: number;
  advancedMachineDetection?: { behavior: 'continue' | 'hangup'; mode: 'default' | 'detect' | 'detect_beep'; beepTimeout?: number };
}

/** What `startVonageCall` needs from a handler: its engine and public URL (a `VonageHandler` fits). */
export interface VonageFlowEndpoint {
  readonly engine: Engine;
  readonly publicBaseUrl: string;
}

/**
 * Places an outbound call that runs the flow once answered: `createOutboundCall` with answer and event URLs carrying
 * the signed start. With machine detection (advanced, `detect_beep` unless the flow's `waitForBeep` is false) the
 * human route starts on answer; a `machine` event (after `beep_start` when waiting for the beep) moves the call to the
 * machine route by REST transfer, through the handler's `voiceClient`.
 * @example const { callId } = await startVonageCall(vonage, handler, { to: '+447700900001', from: '+447700900000', node: 'reminder' });
 */
export async function startVonageCall(
  client: VonageCallsClient,
  endpoint: VonageFlowEndpoint,
  options: StartCallOptions,
): Promise<{ callId: string }> {
  const checked = checkStartCall(endpoint.engine, options, 'vonage');
  const start = await signOutboundStart(endpoint.engine, options, 'vonage');
  const detection = !checked.machineDetection ? undefined : checked.waitForBeep ? 'beep' : 'detect';
  const query = `o=${start.nonce}&s=${encodeURIComponent(start.token)}${detection ? `&d=${detection}` : ''}`;
  const base = endpoint.publicBaseUrl.replace(/\/+$/, '');
  const request: VonageOutboundCallRequest = {
    // provider: Vonage numbers are E.164 without the leading + (webhook reference, answer webhook `to`/`from`).
    to: ['phone' in checked.to ? { type: 'phone', number: checked.to.phone.slice(1) } : { type: 'sip', uri: checked.to.sip }],
    from: { type: 'phone', number: options.from.replace(/^\+/, '') },
    answerUrl: [`${base}/${vonageWebhookPaths.answer}?${query}`],
    answerMethod: 'POST',
    eventUrl: [`${base}/${vonageWebhookPaths.event}?${query}`],
    eventMethod: 'POST',
    // provider: ringing_timer, seconds of ringing before `timeout` (CommonOutboundCall.d.ts `ringingTimer`); the Voice API reference allows 1-120.
    ringingTimer: Math.min(120, checked.ringSeconds),
  };
  // provider: advanced machine detection with behavior `continue` reports `human`/`machine` on the event URL, and with
  // `detect_beep` a further `machine` event with `sub_state: beep_start` (developer.vonage.com voice-api concepts advanced-machine-detection).
  if (detection)
    request.advancedMachineDetection = {
      behavior: 'continue',
      mode: detection === 'beep' ? 'detect_beep' : 'detect',
      ...(detection === 'beep' ? { beepTimeout: 45 } : {}),
    };
  let created: { uuid?: string };
  try {
    created = await client.voice.createOutboundCall(request as never);
  } catch (error) {
    throw new CallFlowError(
      'provider-request-failed',
      `createOutboundCall failed: ${error instanceof Error ? error.message : String(error)}`,
      { provider: 'vonage', cause: error },
    );
  }
  if (typeof created?.uuid !== 'string')
    throw new CallFlowError('provider-request-failed', 'createOutboundCall answered without a uuid', { provider: 'vonage' });
  return { callId: created.uuid };
}
