import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Flow } from '@callflow/core';
import { validateNcco } from '@callflow/testing';

// The emulated queue is a chunk of its own (src/vonage-queue-chunk.ts), loaded by a handler whose flow may enqueue when it
// is created, and otherwise at the first use of its queue control. Each test here starts from a fresh module state (the
// chunk not loaded), so the first webhook of the call races the load the handler started.

const signatureSecret = 'queue-chunk-signature-secret';
const secret = 'queue-chunk-test-secret-0123456789';
const base = 'https://ivr.example.com/vonage';

type Action = Record<string, unknown> & { action: string };

/** @callflow/vonage and @callflow/core as a fresh process would load them: no chunk loaded yet. */
async function coldModules() {
  vi.resetModules();
  const vonage = await import('@callflow/vonage');
  const core = await import('@callflow/core');
  return { vonage, core };
}

async function rig(makeFlow: (core: typeof import('@callflow/core')) => Flow) {
  const { vonage, core } = await coldModules();
  const store = core.createMemoryStore();
  const handler = vonage.createVonageHandler({ flow: makeFlow(core), secret, publicBaseUrl: base, signatureSecret, store });
  const send = async (url: string, body?: unknown) => {
    return handler(await vonage.signVonageRequest({ ...(body === undefined ? { url, method: 'GET' } : { url, body }), signatureSecret }));
  };
  const answer = async (uuid: string) => {
    const response = await send(`${base}/answer?to=447700900000&from=447700900001&uuid=${uuid}&conversation_uuid=CON-${uuid}`);
    expect(response.status).toBe(200);
    return (await response.json()) as Action[];
  };
  return { vonage, core, store, handler, send, answer };
}

describe('the Vonage queue chunk, from a cold start', () => {
  beforeEach(() => {
    vi.resetModules();
  });

  it('a flow that starts in a queue: its first webhook puts the caller in the waiting room and in the queue', async () => {
    const { vonage, store, answer } = await rig((core) =>
      core.defineFlow({
        name: 'queue-first',
        start: 'main',
        nodes: {
          main: [core.enqueue('support', { announce: { template: 'You are caller {position}.' }, then: 'bye' })],
          bye: [core.hangup()],
        },
      }),
    );
    const ncco = await answer('call-first');
    expect(validateNcco(ncco)).toEqual([]);
    expect(ncco.map((action) => action.action)).toEqual(['talk', 'conversation', 'notify']);
    expect(ncco[0]!.text).toBe('You are caller 1.');
    expect(ncco[1]).toMatchObject({ name: vonage.queueConversationName('support', 'call-first'), startOnEnter: false });
    expect((await vonage.listQueue(store, 'support')).map((caller) => caller.callId)).toEqual(['call-first']);
  });

  it('a hold loop reached from a menu: the press answers the first stretch, and the hang-up takes the caller out', async () => {
    const { vonage, store, answer, send } = await rig((core) =>
      core.defineFlow({
        name: 'menu-queue',
        start: 'menu',
        nodes: {
          menu: [core.gather({ prompt: [core.say('Press 1 for support.')], numDigits: 1, routes: { '1': 'wait' } })],
          wait: [core.enqueue('support', { escape: { digit: '0', to: 'bye' }, then: 'bye' })],
          bye: [core.hangup()],
        },
      }),
    );
    const menu = await answer('call-menu');
    const input = menu.find((action) => action.action === 'input')!;
    const pressed = await send((input.eventUrl as string[])[0]!, {
      uuid: 'call-menu',
      conversation_uuid: 'CON-call-menu',
      dtmf: { digits: '1', timed_out: false },
    });
    expect(pressed.status).toBe(200);
    const stretch = (await pressed.json()) as Action[];
    expect(validateNcco(stretch)).toEqual([]);
    expect(stretch.map((action) => action.action)).toEqual(['stream', 'input']);
    expect(new URL((stretch[1]!.eventUrl as string[])[0]!).searchParams.get('hold')).toBe('support');
    expect((await vonage.listQueue(store, 'support')).map((caller) => caller.callId)).toEqual(['call-menu']);
    const ended = await send(`${base}/event`, { uuid: 'call-menu', status: 'completed', duration: '12' });
    expect(ended.status).toBe(204);
    expect(await vonage.listQueue(store, 'support')).toEqual([]);
  });

  it('a flow without a queue still has its queue control: the first call loads the chunk', async () => {
    const { handler, answer } = await rig((core) =>
      core.defineFlow({ name: 'no-queue', start: 'main', nodes: { main: [core.say('Hello.'), core.hangup()] } }),
    );
    expect((await answer('call-plain')).map((action) => action.action)).toEqual(['talk']);
    expect(await handler.queuedCallers('support')).toEqual([]);
    expect(await handler.connectNextCaller('support', { node: 'main' }, { voice: {} } as never)).toBeUndefined();
  });

  it('the public queue functions load the chunk at their first call', async () => {
    const { vonage, core } = await coldModules();
    const store = core.createMemoryStore();
    expect(await vonage.addToQueue(store, { callId: 'a', token: 't-a', queue: 'sales', enqueuedAt: 1 })).toBe(1);
    expect(await vonage.addToQueue(store, { callId: 'b', token: 't-b', queue: 'sales', enqueuedAt: 2 })).toBe(2);
    expect((await vonage.takeFromQueue(store, 'sales'))?.callId).toBe('a');
    expect(await vonage.removeFromQueue(store, 'b')).toBe('sales');
    expect(await vonage.listQueue(store, 'sales')).toEqual([]);
  });
});
