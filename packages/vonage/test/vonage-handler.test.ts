import { describe, expect, it } from 'vitest';
import { defineFlow, gather, say, type Flow } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { createVonageHandler, signVonageRequest } from '@callflow/vonage';

const signatureSecret = 'handler-signature-secret';
const base = 'https://ivr.example.com/vonage';
const uuid = '11111111-2222-4333-8444-555555555555';

function setup(flow: Flow = phoneTree) {
  const handler = createVonageHandler({ flow, secret: 'handler-secret-0123456789', publicBaseUrl: base, signatureSecret });
  const post = async (url: string, body: unknown) => handler(await signVonageRequest({ url, body, signatureSecret }));
  const answer = async () => {
    const response = await handler(
      await signVonageRequest({
        url: `${base}/answer?to=447700900000&from=447700900001&uuid=${uuid}&conversation_uuid=CON-1`,
        method: 'GET',
        signatureSecret,
      }),
    );
    return (await response.json()) as Array<Record<string, unknown>>;
  };
  const inputUrlOf = (ncco: Array<Record<string, unknown>>) => (ncco.find((action) => action.action === 'input')!.eventUrl as string[])[0]!;
  return { handler, post, answer, inputUrlOf };
}

describe('createVonageHandler', () => {
  it('answers with application/json NCCO and resumes on the input webhook', async () => {
    const { post, answer, inputUrlOf } = setup();
    const ncco = await answer();
    const response = await post(inputUrlOf(ncco), { uuid, dtmf: { digits: '3', timed_out: false } });
    expect(response.headers.get('content-type')).toBe('application/json');
    const next = (await response.json()) as Array<Record<string, unknown>>;
    expect(next[0]).toMatchObject({ action: 'talk', text: expect.stringMatching(/^We are open Monday to Friday/) });
  });

  it('returns the same NCCO to a repeated delivery, and ignores a stale input once the call moved on', async () => {
    const { post, answer, inputUrlOf } = setup();
    const menuUrl = inputUrlOf(await answer());
    const body = { uuid, dtmf: { digits: '3', timed_out: false }, timestamp: '2026-03-10T11:00:00.000Z' };
    const first = await (await post(menuUrl, body)).text();
    const again = await post(menuUrl, body);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(first);
    // The caller is now in the hours menu; a late, different result for the main menu must not move the call back.
    const late = await post(menuUrl, { uuid, dtmf: { digits: '1', timed_out: false }, timestamp: '2026-03-10T11:00:05.000Z' });
    expect(late.status).toBe(204);
    const hoursUrl = inputUrlOf(JSON.parse(first) as Array<Record<string, unknown>>);
    const onward = await post(hoursUrl, { uuid, dtmf: { digits: '1', timed_out: false } });
    expect(onward.status).toBe(200);
  });

  it('treats late started/ringing events after an input result as no-ops', async () => {
    const { post, answer, inputUrlOf } = setup();
    const menuUrl = inputUrlOf(await answer());
    const next = await (await post(menuUrl, { uuid, dtmf: { digits: '3', timed_out: false } })).json();
    for (const status of ['ringing', 'started', 'answered']) {
      const response = await post(`${base}/event`, { uuid, status, direction: 'inbound' });
      expect(response.status).toBe(204);
    }
    const hoursUrl = inputUrlOf(next as Array<Record<string, unknown>>);
    expect((await post(hoursUrl, { uuid, dtmf: { digits: '5', timed_out: false } })).status).toBe(200);
  });

  it('refuses a forged or foreign token with 403 and a callback without its token with 400', async () => {
    const { post, answer, inputUrlOf } = setup();
    const menuUrl = inputUrlOf(await answer());
    const forged = menuUrl.replace(/t=[^&]+/, 't=WzEsImEiXQ.AAAAAAAAAAAAAAAAAAAAAA');
    expect((await post(forged, { uuid, dtmf: { digits: '1' } })).status).toBe(403);
    const foreign = menuUrl.replace(uuid, '99999999-2222-4333-8444-555555555555');
    expect((await post(foreign, { uuid, dtmf: { digits: '1' } })).status).toBe(403);
    expect((await post(`${base}/input`, { uuid, dtmf: { digits: '1' } })).status).toBe(400);
  });

  it('an authentic token for a position a redeploy removed: the caller hears the apology, not a 403', async () => {
    const before = setup();
    const menuUrl = before.inputUrlOf(await before.answer());
    const redeployed = defineFlow({
      name: 'acme',
      start: 'welcome',
      defaults: { apology: 'Sorry, we changed our menu.' },
      nodes: { welcome: [say('New menu.')] },
    });
    const after = setup(redeployed);
    const response = await after.post(menuUrl, { uuid, dtmf: { digits: '1', timed_out: false } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ action: 'talk', text: 'Sorry, we changed our menu.' }]);
  });

  it('ends a stale call: an input arriving after the completed event is a no-op', async () => {
    const { post, answer, inputUrlOf } = setup();
    const menuUrl = inputUrlOf(await answer());
    expect((await post(`${base}/event`, { uuid, status: 'completed' })).status).toBe(204);
    expect((await post(menuUrl, { uuid, dtmf: { digits: '1', timed_out: false } })).status).toBe(204);
  });

  it('plays the apology and ends when a dynamic node throws', async () => {
    const flow = defineFlow({
      name: 'broken',
      start: 'menu',
      defaults: { apology: 'Sorry, our phone system failed. Goodbye.' },
      nodes: {
        menu: [gather({ prompt: 'Press 1.', numDigits: 1, routes: { '1': 'boom' } })],
        boom: () => {
          throw new Error('database down');
        },
      },
    });
    const { post, answer, inputUrlOf } = setup(flow);
    const response = await post(inputUrlOf(await answer()), { uuid, dtmf: { digits: '1', timed_out: false } });
    expect(await response.json()).toEqual([{ action: 'talk', text: 'Sorry, our phone system failed. Goodbye.' }]);
  });

  it('plays the apology when the flow breaks a Vonage limit at render time', async () => {
    const flow = defineFlow({ name: 'long', start: 'main', nodes: { main: [say('x'.repeat(1501))] } });
    const { answer } = setup(flow);
    expect(await answer()).toEqual([{ action: 'talk', text: 'We are sorry, something went wrong. Goodbye.' }]);
  });

  it('fails closed without a signature secret', () => {
    expect(() => createVonageHandler({ flow: phoneTree, secret: 'handler-secret-0123456789', publicBaseUrl: base })).toThrow(
      /\[callflow:vonage\] invalid handler options: signatureSecret is required/,
    );
  });
});
