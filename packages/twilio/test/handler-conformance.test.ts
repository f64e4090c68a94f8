import { describe, it } from 'vitest';
import { createMemoryStore } from '@callflow/core';
import { conformanceContext, conformanceFlow, handlerConformanceCases, type HandlerConformanceDriver } from '@callflow/testing';
import { createTwilioHandler, signTwilioRequest, startTwilioCall, type TwilioCallsClient } from '@callflow/twilio';

const { secret, credential, callId, publicBaseUrl } = conformanceContext;
const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const twilioCall = {
  CallSid: callId,
  AccountSid: 'AC0',
  From: '+15550001',
  To: '+15550002',
  CallStatus: 'in-progress',
  Direction: 'inbound',
};

async function twilioRequest(query: string, params: Record<string, string>, raw?: string): Promise<Request> {
  const url = `${publicBaseUrl}${query}`;
  const signature = await signTwilioRequest({ authToken: credential, url, params });
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: raw ?? form(params),
  });
}

const twilioDriver: HandlerConformanceDriver = {
  credentialOption: 'authToken',
  unusableCredential: '',
  create: ({ flow, store, logger }, overrides) => {
    const handler = createTwilioHandler({
      flow: flow ?? conformanceFlow,
      secret,
      authToken: credential,
      publicBaseUrl,
      logger,
      store: store ?? createMemoryStore(),
      ...overrides,
    });
    return {
      handler,
      async outboundAnswer({ node, forged }) {
        let placed: Parameters<TwilioCallsClient['calls']['create']>[0] | undefined;
        const client: TwilioCallsClient = {
          calls: {
            create: async (params) => {
              placed = params;
              return { sid: callId };
            },
          },
        };
        await startTwilioCall(client, handler, { to: '+15550002', from: '+15550001', node });
        // provider: Twilio requests the call's Url with the call's parameters once answered, Direction outbound-api
        // (https://www.twilio.com/docs/voice/twiml#request-parameters).
        const url = new URL(placed!.url!);
        const start = url.searchParams.get('s')!;
        if (forged) url.searchParams.set('s', `${start.slice(0, -1)}${start.endsWith('A') ? 'B' : 'A'}`);
        return twilioRequest(url.href.slice(publicBaseUrl.length), {
          ...twilioCall,
          From: '+15550001',
          To: '+15550002',
          Direction: 'outbound-api',
        });
      },
      output: (response) => response.text(),
      lastToken: (output) => decodeURIComponent(/[?&]t=([^&"]+)/.exec(output.replace(/&amp;/g, '&'))?.[1] ?? ''),
    };
  },
  start: () => twilioRequest('', twilioCall),
  digits: (token, digits, body = '') =>
    twilioRequest(`?t=${encodeURIComponent(token)}`, { ...twilioCall, Digits: digits, ...(body ? { Note: body } : {}) }),
  // provider: the status callback's final CallStatus completed with CallDuration (https://www.twilio.com/docs/voice/api/call-resource#statuscallback).
  callEnded: (_token, delivery) =>
    twilioRequest('?e=status', { ...twilioCall, CallStatus: 'completed', CallDuration: '12', Timestamp: delivery }),
  malformed: async () =>
    new Request(publicBaseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
      body: 'CallSid=%zz',
    }),
  unsigned: async (request) =>
    new Request(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: await request.text(),
    }),
  acted: (output) => output.includes('<Say') || output.includes('<Gather'),
};

// In order: the last case reads the log lines of the cases before it (a shuffled run would check an empty log).
describe('twilio handler conformance', { shuffle: false }, () => {
  for (const { name, run } of handlerConformanceCases('twilio', twilioDriver)) it(name, run);
});
