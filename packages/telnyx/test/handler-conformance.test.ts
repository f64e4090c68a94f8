import { describe, it } from 'vitest';
import { createMemoryStore } from '@callflow/core';
import { createTelnyxHandler, decodeClientState, type TelnyxClient } from '@callflow/telnyx';
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

describe('telnyx handler conformance', () => {
  for (const { name, run } of handlerConformanceCases('telnyx', telnyxDriver)) it(name, run);
});
