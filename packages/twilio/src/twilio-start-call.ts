import { CallFlowError, checkStartCall, signOutboundStart, type AnsweredBy, type StartCallOptions } from '@callflow/core';
import type { TwilioFlowEndpoint } from './twilio-live-call.js';

/**
 * The slice of the `twilio` client `startTwilioCall` uses (`client.calls.create`); a real `twilio(accountSid, authToken)`
 * client fits, and so does the emulator's. Parameter names as in the twilio SDK's lib/rest/api/v2010/account/call.d.ts
 * `CallListInstanceCreateOptions`.
 */
export interface TwilioCallsClient {
  calls: {
    create(options: {
      to: string;
      from: string;
      url?: string;
      method?: string;
      timeout?: number;
      statusCallback?: string;
      statusCallbackMethod?: string;
      statusCallbackEvent?: string[];
      machineDetection?: string;
      machineDetectionTimeout?: number;
    }): Promise<{ sid: string }>;
  };
}

/**
 * Every documented `AnsweredBy` (provider: https://www.twilio.com/docs/voice/answering-machine-detection, "AnsweredBy"
 * values: human, machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax, unknown). A fax cannot
 * take a message or press a key: it counts as a machine.
 */
export function twilioAnsweredBy(value: string | undefined): AnsweredBy | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'human') return 'human';
  if (value === 'unknown') return 'unknown';
  if (value === 'fax' || value.startsWith('machine_')) return 'machine';
  return 'unknown';
}

function withQuery(actionUrl: string, query: string): string {
  return `${actionUrl}${actionUrl.includes('?') ? '&' : '?'}${query}`;
}

/**
 * Places an outbound call that runs the flow once answered: `calls.create` with the handler's URL carrying a signed
 * start (node and variables) and status callbacks for the lifecycle hooks. With machine detection (the flow's
 * `machineDetection`), Twilio holds the answer webhook until the greeting ends (`DetectMessageEnd`) and reports
 * `AnsweredBy` on it.
 * @example const { callId } = await startTwilioCall(twilio(sid, token), handler, { to: '+15551230000', from: '+15559870000', node: 'reminder', vars: { name: 'Ada' } });
 */
export async function startTwilioCall(
  client: TwilioCallsClient,
  endpoint: TwilioFlowEndpoint,
  options: StartCallOptions,
): Promise<{ callId: string }> {
  const checked = checkStartCall(endpoint.engine, options, 'twilio');
  const start = await signOutboundStart(endpoint.engine, options, 'twilio');
  const request: Parameters<TwilioCallsClient['calls']['create']>[0] = {
    // provider: `to` is a phone number, SIP address or client (call.d.ts `to`); a SIP address is written `sip:…`.
    to: 'phone' in checked.to ? checked.to.phone : checked.to.sip,
    from: options.from,
    url: withQuery(endpoint.actionUrl, `s=${encodeURIComponent(start.token)}&o=${start.nonce}`),
    method: 'POST',
    // provider: `timeout` is the seconds Twilio lets the phone ring before `no-answer` (default 60).
    timeout: checked.ringSeconds,
    statusCallback: withQuery(endpoint.actionUrl, 'e=status'),
    statusCallbackMethod: 'POST',
    // provider: each event is its own `StatusCallbackEvent` value: initiated, ringing, answered, completed.
    statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
  };
  if (checked.machineDetection) {
    // provider: `Enable` answers as soon as the party is identified; `DetectMessageEnd` waits for the end of a greeting (to leave a message).
    request.machineDetection = checked.waitForBeep ? 'DetectMessageEnd' : 'Enable';
  }
  try {
    const call = await client.calls.create(request);
    return { callId: call.sid };
  } catch (error) {
    throw new CallFlowError(
      'provider-request-failed',
      `calls.create to ${request.to} failed: ${error instanceof Error ? error.message : String(error)}`,
      { provider: 'twilio', cause: error },
    );
  }
}
