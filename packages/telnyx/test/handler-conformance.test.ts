import { describe, it } from 'vitest';
import { createMemoryStore } from '@callflow/core';
import {
  createTelnyxHandler,
  decodeClientState,
  encodeClientState,
  startTelnyxCall,
  type TelnyxClient,
  type TelnyxDialParams,
} from '@callflow/telnyx';
import {
  conformanceContext,
  conformanceFlow,
  createTelnyxWebhookSigner,
  handlerConformanceCases,
  type HandlerConformanceDriver,
} from '@callflow/testing';

const { secret, callId, publicBaseUrl } = conformanceContext;
const signer = await createTelnyxWebhookSigner();
let eventNumber = 0;

async function event(type: string, payload: Record<string, unknown>, id = `evt-${++eventNumber}`): Promise<Request> {
  const body = JSON.stringify({ data: { record_type: 'event', id, event_type: type, occurred_at: '2026-01-01T00:00:00.000Z', payload } });
  return new Request(`${publicBaseUrl}/telnyx`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await signer.sign(body)) },
    body,
  });
}

const callPayload = {
  call_control_id: callId,
  call_leg_id: 'leg-1',
  call_session_id: 'session-1',
  from: '+15550001',
  to: '+15550002',
  direction: 'incoming',
};

const telnyxDriver: HandlerConformanceDriver = {
  credentialOption: 'publicKey',
  unusableCredential: 'not base64!',
  create: ({ flow, store, logger }, overrides) => {
    const sent: string[] = [];
    const record = (action: string) => async (_id: string, body: unknown) => void sent.push(JSON.stringify({ action, body }));
    const actions = new Proxy({}, { get: (_target, name) => record(String(name)) });
    const client = {
      calls: { actions },
      conferences: { create: async () => ({ data: { id: 'conf-1' } }), actions: { join: async () => undefined } },
    } as unknown as TelnyxClient;
    const handler = createTelnyxHandler({
      flow: flow ?? conformanceFlow,
      secret,
      publicKey: signer.publicKey,
      client,
      logger,
      store: store ?? createMemoryStore(),
      retryDelayMs: 1,
      ...overrides,
    });
    return {
      handler,
      async outboundAnswer({ node, forged }) {
        let placed: TelnyxDialParams | undefined;
        const dialClient = {
          calls: {
            dial: async (body: TelnyxDialParams) => {
              placed = body;
              return { data: { call_control_id: callId } };
            },
          },
        };
        await startTelnyxCall(dialClient, handler, { connectionId: 'conn-1', to: '+15550002', from: '+15550001', node });
        let clientState = placed!.client_state!;
        if (forged) {
          const state = decodeClientState(clientState)!;
          clientState = encodeClientState({ ...state, token: `${state.token.slice(0, -1)}${state.token.endsWith('A') ? 'B' : 'A'}` });
        }
        // provider: the dialled leg's call.answered echoes the dial's client_state (telnyx SDK resources/webhooks.d.ts CallAnswered.Payload).
        return event('call.answered', {
          ...callPayload,
          from: '+15550001',
          to: '+15550002',
          direction: 'outgoing',
          client_state: clientState,
        });
      },
      output: async (response) => [await response.text(), ...sent.splice(0)].join('\n'),
      lastToken: (output) => {
        const states = [...output.matchAll(/"client_state":"([^"]+)"/g)].map((match) => decodeClientState(match[1]!));
        return states.at(-1)?.token ?? '';
      },
    };
  },
  start: () => event('call.initiated', { ...callPayload, state: 'parked' }),
  digits: (token, digits, body = '') => {
    const clientState = Buffer.from(`1 ${token}`).toString('base64');
    return event('call.gather.ended', {
      ...callPayload,
      client_state: clientState,
      digits,
      status: 'valid',
      ...(body ? { note: body } : {}),
    });
  },
  // provider: call.hangup with hangup_cause normal_clearing and start_time (telnyx SDK resources/webhooks.d.ts CallHangup.Payload); the event id names the delivery.
  callEnded: (token, delivery) =>
    event(
      'call.hangup',
      {
        ...callPayload,
        client_state: Buffer.from(`1 ${token}`).toString('base64'),
        hangup_cause: 'normal_clearing',
        hangup_source: 'caller',
        sip_hangup_cause: '200',
        start_time: '2025-12-31T23:59:48.000Z',
        state: 'hangup',
      },
      `hangup-${delivery}`,
    ),
  malformed: async () => {
    const body = '{"data": ';
    return new Request(`${publicBaseUrl}/telnyx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await signer.sign(body)) },
      body,
    });
  },
  unsigned: async (request) =>
    new Request(request.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await request.text() }),
  acted: (output) => output.includes('"action"'),
};

// In order: the last case reads the log lines of the cases before it (a shuffled run would check an empty log).
describe('telnyx handler conformance', { shuffle: false }, () => {
  for (const { name, run } of handlerConformanceCases('telnyx', telnyxDriver)) it(name, run);
});
