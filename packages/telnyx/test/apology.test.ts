import { describe, expect, it } from 'vitest';
import { createMemoryStore, defineFlow, hangup, say } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { createCallControlClient, createTelnyxHandler, generateTelnyxKeyPair, signTelnyxEvent } from '../src/index.js';

const secret = 'telnyx-test-secret-0123456789';
const callControlId = 'v3:redeploy-call';

/** A Call Control API in-process: records each command (action and body) and answers as Telnyx does. */
function recordingApi() {
  const sent: Array<{ action: string; body: Record<string, unknown> }> = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    const action = /\/actions\/([^/]+)$/.exec(new URL(String(url)).pathname)?.[1] ?? 'unknown';
    sent.push({ action, body: JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown> });
    return new Response('{"data":{"result":"ok"}}', { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { sent, client: createCallControlClient({ apiKey: 'test-key', baseUrl: 'http://127.0.0.1:9/v2', fetch }) };
}

describe('the apology on Telnyx: spoken once, then the call is hung up', () => {
  it('an authentic client_state from before: the caller hears the apology, then the call is hung up; no 403', async () => {
    const keys = await generateTelnyxKeyPair();
    const store = createMemoryStore();
    const before = recordingApi();
    const handlerBefore = createTelnyxHandler({ flow: phoneTree, secret, publicKey: keys.publicKey, client: before.client, store });
    const post = async (handler: typeof handlerBefore, data: Record<string, unknown>) => {
      const body = JSON.stringify({ data: { record_type: 'event', occurred_at: new Date().toISOString(), ...data } });
      return handler(
        new Request('http://localhost/telnyx', {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...(await signTelnyxEvent(body, { privateKey: keys.privateKey })) },
        }),
      );
    };
    expect(
      (
        await post(handlerBefore, {
          event_type: 'call.initiated',
          id: 'e1',
          payload: { call_control_id: callControlId, direction: 'incoming', from: '+15551230000', to: '+15559870000' },
        })
      ).status,
    ).toBe(200);
    const greeting = before.sent.find((command) => command.action === 'speak');
    expect(before.sent.map((command) => command.action)).toEqual(['answer', 'speak']);
    await post(handlerBefore, {
      event_type: 'call.speak.ended',
      id: 'e1b',
      payload: { call_control_id: callControlId, client_state: greeting!.body.client_state, status: 'completed' },
    });
    const gather = before.sent.find((command) => command.action === 'gather_using_speak');
    expect(gather?.body.client_state).toBeTypeOf('string');

    // The same store (as with Redis across a redeploy), a flow without the menu.
    const after = recordingApi();
    const redeployed = defineFlow({
      name: 'acme',
      start: 'welcome',
      defaults: { apology: 'Sorry, we changed our menu.' },
      nodes: { welcome: [say('New menu.'), hangup()] },
    });
    const handlerAfter = createTelnyxHandler({ flow: redeployed, secret, publicKey: keys.publicKey, client: after.client, store });
    const response = await post(handlerAfter, {
      event_type: 'call.gather.ended',
      id: 'e2',
      payload: { call_control_id: callControlId, client_state: gather!.body.client_state, status: 'valid', digits: '1' },
    });
    expect(response.status).toBe(200);
    expect(after.sent.map((command) => command.action)).toEqual(['speak']);
    expect(after.sent[0]!.body.payload).toBe('Sorry, we changed our menu.');
    // Once the apology has played, the call is hung up.
    await post(handlerAfter, {
      event_type: 'call.speak.ended',
      id: 'e3',
      payload: { call_control_id: callControlId, client_state: after.sent[0]!.body.client_state, status: 'completed' },
    });
    expect(after.sent.map((command) => command.action)).toEqual(['speak', 'hangup']);
  });

  it('a dynamic node that throws: the apology plays once, then hangup (the continuation never re-enters the node)', async () => {
    const keys = await generateTelnyxKeyPair();
    const api = recordingApi();
    let attempts = 0;
    const flow = defineFlow({
      name: 'broken',
      start: 'start',
      defaults: { apology: 'Sorry, our phone system is having trouble.' },
      nodes: {
        start: () => {
          attempts++;
          throw new Error('database down');
        },
      },
    });
    const handler = createTelnyxHandler({ flow, secret, publicKey: keys.publicKey, client: api.client });
    const post = async (data: Record<string, unknown>) => {
      const body = JSON.stringify({ data: { record_type: 'event', occurred_at: new Date().toISOString(), ...data } });
      return handler(
        new Request('http://localhost/telnyx', {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...(await signTelnyxEvent(body, { privateKey: keys.privateKey })) },
        }),
      );
    };
    expect(
      (await post({ event_type: 'call.initiated', id: 'f1', payload: { call_control_id: callControlId, direction: 'incoming' } })).status,
    ).toBe(200);
    expect(api.sent.map((command) => command.action)).toEqual(['answer', 'speak']);
    expect(api.sent[1]!.body.payload).toBe('Sorry, our phone system is having trouble.');
    await post({
      event_type: 'call.speak.ended',
      id: 'f2',
      payload: { call_control_id: callControlId, client_state: api.sent[1]!.body.client_state, status: 'completed' },
    });
    expect(api.sent.map((command) => command.action)).toEqual(['answer', 'speak', 'hangup']);
    expect(attempts).toBe(1);
  });
});
