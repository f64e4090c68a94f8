import { CallFlowError, checkStartCall, signOutboundStart, type Engine, type StartCallOptions } from '@callflow/core';
import { encodeClientState } from './client-state.js';
import type { TelnyxDialParams, TelnyxRequestOptions } from './execute-commands.js';

/** The slice of a Telnyx client `startTelnyxCall` uses: `calls.dial`, as the telnyx SDK and `createCallControlClient` have it. */
export interface TelnyxDialClient {
  calls: { dial?(body: TelnyxDialParams, options?: TelnyxRequestOptions): Promise<unknown> };
}

/** Telnyx settings of an outbound call beside the neutral ones. */
export interface TelnyxStartCallOptions extends StartCallOptions {
  /** The Call Control application (connection) whose webhook URL is the handler's. */
  connectionId: string;
}

/**
 * Places an outbound call that runs the flow once answered: `calls.dial` with a `client_state` carrying the signed start
 * (node and variables), so the leg's `call.answered` (or, with machine detection, `call.machine.detection.ended` /
 * `call.machine.greeting.ended`) starts the flow at the handler, and its `call.initiated` / `call.hangup` feed the lifecycle hooks.
 * @example const { callId } = await startTelnyxCall(client, handler, { connectionId, to: '+15551230000', from: '+15559870000', node: 'reminder' });
 */
export async function startTelnyxCall(
  client: TelnyxDialClient,
  endpoint: { readonly engine: Engine },
  options: TelnyxStartCallOptions,
): Promise<{ callId: string }> {
  const checked = checkStartCall(endpoint.engine, options, 'telnyx');
  if (typeof options.connectionId !== 'string' || options.connectionId === '')
    throw new CallFlowError('invalid-options', 'startCall connectionId is required (the Call Control application id)', {
      provider: 'telnyx',
    });
  if (typeof client.calls?.dial !== 'function')
    throw new CallFlowError('invalid-options', 'the Telnyx client has no calls.dial', { provider: 'telnyx' });
  const start = await signOutboundStart(endpoint.engine, options, 'telnyx');
  const detection = !checked.machineDetection ? 'off' : checked.waitForBeep ? 'beep' : 'detect';
  const body: TelnyxDialParams = {
    connection_id: options.connectionId,
    // provider: `to` is a number or a SIP URI (calls.d.ts `CallDialParams.to`).
    to: 'phone' in checked.to ? checked.to.phone : checked.to.sip,
    from: options.from,
    // provider: `timeout_secs` (5-600, default 30) then `call.hangup` with hangup_cause `timeout`.
    timeout_secs: checked.ringSeconds,
    client_state: encodeClientState({ kind: 'outbound', nonce: start.nonce, detection, sequence: 0, token: start.token }),
    command_id: `cf-dial-${start.nonce}`,
  };
  // provider: `detect_beep` also sends call.machine.greeting.ended once a machine's greeting ends (calls.d.ts `answering_machine_detection`).
  if (detection !== 'off') body.answering_machine_detection = detection === 'beep' ? 'detect_beep' : 'detect';
  let response: unknown;
  try {
    response = await client.calls.dial(body);
  } catch (error) {
    throw new CallFlowError(
      'provider-request-failed',
      `calls.dial to ${body.to} failed: ${error instanceof Error ? error.message : String(error)}`,
      { provider: 'telnyx', cause: error },
    );
  }
  const callId = (response as { data?: { call_control_id?: unknown } } | undefined)?.data?.call_control_id;
  if (typeof callId !== 'string')
    throw new CallFlowError('provider-request-failed', 'calls.dial answered without data.call_control_id', { provider: 'telnyx' });
  return { callId };
}
