import { describe, it } from 'vitest';
import { createMemoryStore } from '@callflow/core';
import { conformanceContext, conformanceFlow, handlerConformanceCases, type HandlerConformanceDriver } from '@callflow/testing';
import { createVonageHandler, signVonageRequest, startVonageCall, type VonageOutboundCallRequest } from '@callflow/vonage';

const { secret, credential, callId, publicBaseUrl } = conformanceContext;

const vonageDriver: HandlerConformanceDriver = {
  credentialOption: 'signatureSecret',
  unusableCredential: [''],
  create: ({ flow, store, logger }, overrides) => {
    const handler = createVonageHandler({
      flow: flow ?? conformanceFlow,
      secret,
      signatureSecret: credential,
      publicBaseUrl,
      logger,
      store: store ?? createMemoryStore(),
      ...overrides,
    });
    return {
      handler,
      async outboundAnswer({ node, forged }) {
        let placed: VonageOutboundCallRequest | undefined;
        const client = {
          voice: {
            createOutboundCall: async (call: never) => {
              placed = call as VonageOutboundCallRequest;
              return { uuid: callId };
            },
          },
        };
        await startVonageCall(client, handler, { to: '+15550002', from: '+15550001', node });
        const url = new URL(placed!.answerUrl[0]!);
        const start = url.searchParams.get('s')!;
        if (forged) url.searchParams.set('s', `${start.slice(0, -1)}${start.endsWith('A') ? 'B' : 'A'}`);
        // provider: the answer webhook of an outbound call carries uuid, conversation_uuid, from and to (webhook reference, "Answer webhook").
        return signVonageRequest({
          url: url.href,
          body: { uuid: callId, conversation_uuid: 'CON-1', from: '15550001', to: '15550002' },
          signatureSecret: credential,
        });
      },
      output: async (response) => (response.status === 204 ? '' : response.text()),
      lastToken: (output) => decodeURIComponent(/[?&]t=([^&"]+)/.exec(output)?.[1] ?? ''),
    };
  },
  start: () =>
    signVonageRequest({
      url: `${publicBaseUrl}/answer`,
      body: { uuid: callId, conversation_uuid: 'CON-1', from: '15550001', to: '15550002' },
      signatureSecret: credential,
    }),
  digits: (token, digits, body = '') =>
    signVonageRequest({
      url: `${publicBaseUrl}/input?t=${encodeURIComponent(token)}&call=${callId}`,
      body: {
        uuid: callId,
        conversation_uuid: 'CON-1',
        dtmf: { digits, timed_out: false },
        speech: { results: [] },
        timestamp: body || '2026-01-01T00:00:00.000Z',
      },
      signatureSecret: credential,
    }),
  // provider: the event webhook's final status completed, with duration in seconds (webhook reference, "Event webhook").
  callEnded: (_token, delivery) =>
    signVonageRequest({
      url: `${publicBaseUrl}/event`,
      body: { uuid: callId, conversation_uuid: 'CON-1', status: 'completed', duration: '12', timestamp: delivery, direction: 'inbound' },
      signatureSecret: credential,
    }),
  malformed: () => signVonageRequest({ url: `${publicBaseUrl}/answer`, body: '{"uuid":', signatureSecret: credential }),
  unsigned: async (request) =>
    new Request(request.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await request.text() }),
  acted: (output) => output.includes('"action"'),
};

// In order: the last case reads the log lines of the cases before it (a shuffled run would check an empty log).
describe('vonage handler conformance', { shuffle: false }, () => {
  for (const { name, run } of handlerConformanceCases('vonage', vonageDriver)) it(name, run);
});
