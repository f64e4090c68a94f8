import { CallFlowError } from '@callflow/core';
import type { Engine } from '@callflow/core';
import { callbackUrl } from './render-twiml.js';
import { element, textElement } from './xml.js';

/**
 * The slice of the `twilio` client the live-call helpers use; a real `twilio(accountSid, authToken)` client fits,
 * and so does a recording fake in tests.
 */
export interface TwilioLiveClient {
  calls: {
    (
      callSid: string,
    ): { update(options: { url?: string; method?: 'GET' | 'POST'; twiml?: string; status?: 'completed' | 'canceled' }): Promise<unknown> };
    create(options: {
      to: string;
      from: string;
      twiml?: string;
      url?: string;
      method?: 'GET' | 'POST';
      timeout?: number;
    }): Promise<{ sid: string }>;
  };
  queues: (queueSid: string) => {
    members: (callSidOrFront: string) => { update(options: { url: string; method?: 'GET' | 'POST' }): Promise<unknown> };
  };
}

/** What the helpers need from a handler: its engine and public URL (a `TwilioHandler` fits). */
export interface TwilioFlowEndpoint {
  readonly engine: Engine;
  readonly actionUrl: string;
}

const refusedRetryDelaysMs = [200, 400, 800];

/**
 * Runs a REST request, again after a 429 or 503 (refused, so not applied; Twilio answers 429 over the account's
 * concurrency, https://www.twilio.com/docs/api/errors/20429), up to three times with backoff. Other failures (a timeout
 * above all: the update may have been applied) throw `provider-request-failed`; the call stays where it was.
 */
async function request<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const status = (error as { status?: unknown } | undefined)?.status;
        if (attempt >= refusedRetryDelaysMs.length || (status !== 429 && status !== 503)) throw error;
        await new Promise((resolve) => setTimeout(resolve, refusedRetryDelaysMs[attempt]));
      }
    }
  } catch (error) {
    throw new CallFlowError('provider-request-failed', `${what} failed: ${error instanceof Error ? error.message : String(error)}`, {
      provider: 'twilio',
      cause: error,
    });
  }
}

/**
 * A signed handler URL that starts `callSid` at `node` when Twilio fetches it (for `calls.update` or a queue member update).
 * @example const url = await twilioNodeUrl(handler, { callSid: 'CA…', node: 'support' });
 */
export async function twilioNodeUrl(
  endpoint: TwilioFlowEndpoint,
  target: { callSid: string; node: string; vars?: Record<string, string> },
): Promise<string> {
  if (!(target.node in endpoint.engine.flow.nodes))
    throw new CallFlowError('flow-failed', `unknown node '${target.node}'`, { provider: 'twilio', node: target.node });
  const token = await endpoint.engine.sign(
    { node: target.node, step: 0, kind: 'media', tries: {}, vars: { ...(target.vars ?? {}) }, promptOffset: 0 },
    { callId: target.callSid, provider: 'twilio' },
  );
  return callbackUrl(endpoint.actionUrl, token);
}

/**
 * Moves a live call to a node of the flow: Twilio leaves the current verb and fetches the node's TwiML from the handler.
 * @example await moveTwilioCall(twilio(accountSid, authToken), handler, { callSid, node: 'goodbye' });
 */
export async function moveTwilioCall(
  client: TwilioLiveClient,
  endpoint: TwilioFlowEndpoint,
  target: { callSid: string; node: string; vars?: Record<string, string> },
): Promise<void> {
  const url = await twilioNodeUrl(endpoint, target);
  await request(`moving call ${target.callSid} to '${target.node}'`, () => client.calls(target.callSid).update({ url, method: 'POST' }));
}

/**
 * Calls an agent and, when they answer, bridges them to the caller at the front of `queue`
 * (`<Dial><Queue>`); the caller's `<Enqueue action>` then reports `bridged` once the conversation ends.
 * @example await connectAgentToQueue(client, { queue: 'support', agent: '+15551230000', from: '+15559870000' });
 */
export async function connectAgentToQueue(
  client: TwilioLiveClient,
  options: { queue: string; agent: string; from: string; ringSeconds?: number },
): Promise<{ agentCallSid: string }> {
  const twiml = `<?xml version="1.0" encoding="UTF-8"?>${element('Response', {}, element('Dial', {}, textElement('Queue', {}, options.queue)))}`;
  const call = await request(`calling agent ${options.agent} for queue '${options.queue}'`, () =>
    client.calls.create({ to: options.agent, from: options.from, twiml, timeout: options.ringSeconds }),
  );
  return { agentCallSid: call.sid };
}

/**
 * Takes one given caller out of a queue and runs a node of the flow for them (e.g. a node that transfers to a free agent).
 * @example await dequeueTwilioCaller(client, handler, { queueSid: 'QU…', callSid: 'CA…', node: 'agent_ready' });
 */
export async function dequeueTwilioCaller(
  client: TwilioLiveClient,
  endpoint: TwilioFlowEndpoint,
  target: { queueSid: string; callSid: string; node: string; vars?: Record<string, string> },
): Promise<void> {
  const url = await twilioNodeUrl(endpoint, target);
  await request(`dequeuing ${target.callSid} from ${target.queueSid}`, () =>
    client.queues(target.queueSid).members(target.callSid).update({ url, method: 'POST' }),
  );
}
