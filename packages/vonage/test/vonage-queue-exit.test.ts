import { describe, expect, it } from 'vitest';
import { createMemoryStore, defineFlow, enqueue, hangup, say, type Store } from '@callflow/core';
import { createVonageEmulator, createVonageRestClient } from '@callflow/testing';
import { createVonageHandler, signVonageRequest, type VonageVoiceClient } from '@callflow/vonage';
import { serve } from './serve.js';

// One way out of the emulated Vonage queue per wait: an agent move (connectNextCaller's REST transfer), the escape key
// or the longest wait, whichever claims it first; and a move is never transferred twice, even when its transfer got no
// answer and Vonage's transfer event is lost.

const signatureSecret = 'queue-exit-signature-secret';
const secret = 'queue-exit-test-secret-0123456789';
const hold = 'https://audio.example.com/hold.mp3';
const agent = '+447700900123';
const otherAgent = '+447700900456';

const flow = defineFlow({
  name: 'queue-exit',
  start: 'main',
  nodes: {
    main: [enqueue('support', { holdMusic: hold, escape: { digit: '0', to: 'away' }, then: 'bye' })],
    away: [say('You left the queue.'), hangup()],
    bye: [say('Goodbye.')],
  },
});

type Handler = ReturnType<typeof createVonageHandler>;

/** The app on 127.0.0.1 behind `intercept`, the Vonage emulator pointed at it. */
async function startRig(
  options: {
    intercept?: (request: Request, handler: Handler) => Promise<Response>;
    onAgentFree?: (handler: Handler, queue: string) => Promise<void>;
    transferEvents?: boolean;
  } = {},
) {
  let handler: Handler | undefined;
  const server = await serve((request) => (options.intercept ? options.intercept(request, handler!) : handler!(request)));
  const publicBaseUrl = `${server.url}/vonage`;
  const vonage = await createVonageEmulator({
    answerUrl: `${publicBaseUrl}/answer`,
    eventUrl: `${publicBaseUrl}/event`,
    signatureSecret,
    ...(options.transferEvents === false ? { transferEvents: false } : {}),
    ...(options.onAgentFree ? { onAgentFree: ({ queue }: { queue: string }) => options.onAgentFree!(handler!, queue) } : {}),
  });
  handler = createVonageHandler({ flow, secret, publicBaseUrl, signatureSecret, voiceClient: createVonageRestClient(vonage.apiUrl) });
  return {
    vonage,
    handler,
    async close() {
      await vonage.close();
      await server.close();
    },
  };
}

/** Whether a webhook is a hold break whose input carries `digit`. */
async function pressedAtBreak(request: Request, digit: string): Promise<boolean> {
  if (request.method !== 'POST' || !new URL(request.url).searchParams.has('hold')) return false;
  const body = (await request.clone().json()) as { dtmf?: { digits?: string } };
  return body.dtmf?.digits === digit;
}

describe('Vonage queue: the escape key pressed while an agent move is in flight', () => {
  it('the move wins: the caller holds on and is moved to the agent, not sent to the escape route as well', async () => {
    let gateOpen = () => {};
    const gate = new Promise<void>((resolve) => (gateOpen = resolve));
    let moving: Promise<unknown> | undefined;
    const rig = await startRig({
      async intercept(request, handler) {
        if (!moving && (await pressedAtBreak(request, '0'))) {
          // An agent frees up just as the caller presses 0: the move has claimed the caller, its REST transfer is on the way.
          let sending = () => {};
          const sent = new Promise<void>((resolve) => (sending = resolve));
          const rest = createVonageRestClient(rig.vonage.apiUrl);
          const slow: VonageVoiceClient = {
            voice: {
              ...rest.voice,
              transferCallWithNCCO: async (uuid, ncco) => {
                sending();
                await gate;
                return rest.voice.transferCallWithNCCO(uuid, ncco);
              },
            },
          };
          moving = handler.connectNextCaller('support', { to: agent }, slow);
          await sent;
          const answer = await handler(request);
          // The transfer reaches Vonage once the key's webhook has been answered.
          setImmediate(gateOpen);
          return answer;
        }
        return handler(request);
      },
    });
    try {
      const transcript = await rig.vonage.call({ queues: [{ result: 'left', digit: '0', waitSeconds: 20 }], transfers: ['completed'] });
      expect(await moving).toMatchObject({ queue: 'support' });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries.filter((entry) => entry.type !== 'play' && entry.type !== 'pause')).toEqual([
        { type: 'enqueue', queue: 'support', result: 'bridged' },
        { type: 'transfer', to: agent, status: 'completed' },
        { type: 'say', text: 'Goodbye.' },
        { type: 'hangup', by: 'flow' },
      ]);
      expect(await rig.handler.queuedCallers('support')).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it('the key wins when it comes first: a move started after it finds the caller gone and moves nobody', async () => {
    let second: Promise<unknown> | undefined;
    const rig = await startRig({
      async intercept(request, handler) {
        const pressed = !second && (await pressedAtBreak(request, '0'));
        const answer = await handler(request);
        if (pressed) second = handler.connectNextCaller('support', { to: agent });
        return answer;
      },
    });
    try {
      const transcript = await rig.vonage.call({ queues: [{ result: 'left', digit: '0', waitSeconds: 20 }] });
      expect(transcript.errors).toEqual([]);
      expect(await second).toBeUndefined();
      expect(transcript.entries.filter((entry) => entry.type !== 'play' && entry.type !== 'pause')).toEqual([
        { type: 'enqueue', queue: 'support', result: 'left' },
        { type: 'say', text: 'You left the queue.' },
        { type: 'hangup', by: 'flow' },
      ]);
    } finally {
      await rig.close();
    }
  });
});

describe('Vonage queue: a move whose transfer got no answer, with the transfer event lost', () => {
  it('is not transferred twice: the next free agent gets nobody, the caller stays with the first agent', async () => {
    let retried: unknown = 'not tried';
    const rig = await startRig({
      transferEvents: false,
      async onAgentFree(handler, queue) {
        const rest = createVonageRestClient(rig.vonage.apiUrl);
        // Vonage applies the transfer, but its answer never reaches the app (the request times out).
        const timingOut: VonageVoiceClient = {
          voice: {
            ...rest.voice,
            transferCallWithNCCO: async (uuid, ncco) => {
              await rest.voice.transferCallWithNCCO(uuid, ncco);
              throw new Error('The operation was aborted due to timeout');
            },
          },
        };
        await expect(handler.connectNextCaller(queue, { to: agent }, timingOut)).rejects.toThrow(/timeout/);
        // Another agent frees up at once: the caller must not be moved again.
        retried = await handler.connectNextCaller(queue, { to: otherAgent });
      },
    });
    try {
      const transcript = await rig.vonage.call({ queues: [{ result: 'bridged', waitSeconds: 20 }], transfers: ['completed'] });
      expect(retried).toBeUndefined();
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries.filter((entry) => entry.type === 'transfer')).toEqual([
        { type: 'transfer', to: agent, status: 'completed' },
      ]);
      // The call's end takes the caller out of the queue for good.
      expect(await rig.handler.queuedCallers('support')).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});

describe('Vonage queue: a move whose transfer got no answer and was not applied', () => {
  it("the caller's next hold break shows it never happened: back at the front, and the next agent gets them", async () => {
    const base = 'https://ivr.example.com/vonage';
    const moved: string[] = [];
    const healthy: VonageVoiceClient = {
      voice: { transferCallWithNCCO: async (uuid) => void moved.push(uuid), transferCallWithURL: async () => undefined },
    };
    const lost: VonageVoiceClient = {
      voice: {
        transferCallWithNCCO: async () => {
          throw new Error('socket hang up');
        },
        transferCallWithURL: async () => undefined,
      },
    };
    const handler = createVonageHandler({
      flow,
      secret,
      publicBaseUrl: base,
      signatureSecret,
      store: createMemoryStore(),
      voiceClient: healthy,
    });
    const first = (await (
      await handler(
        await signVonageRequest({
          url: `${base}/answer?to=447700900000&from=447700900001&uuid=call-x&conversation_uuid=CON-x`,
          signatureSecret,
        }),
      )
    ).json()) as Array<{ action: string; eventUrl?: string[] }>;
    await expect(handler.connectNextCaller('support', { to: agent }, lost)).rejects.toThrow(/socket hang up/);
    expect(await handler.connectNextCaller('support', { to: agent }), 'an unknown outcome is not moved again').toBeUndefined();
    const url = first.find((action) => action.action === 'input')!.eventUrl![0]!;
    const heldOn = {
      uuid: 'call-x',
      conversation_uuid: 'CON-x',
      timestamp: new Date().toISOString(),
      dtmf: { digits: '', timed_out: true },
    };
    const next = (await (await handler(await signVonageRequest({ url, body: heldOn, signatureSecret }))).json()) as Array<{
      action: string;
    }>;
    expect(next.map((action) => action.action)).toEqual(['stream', 'input']);
    expect((await handler.connectNextCaller('support', { to: agent }))?.callId).toBe('call-x');
    expect(moved).toEqual(['call-x']);
  });
});

describe('Vonage queue: a store that lost everything (a Redis restart without persistence)', () => {
  it("a caller on hold is queued again at their next break, not cut off when the loop's NCCO runs out", async () => {
    const base = 'https://ivr.example.com/vonage';
    let inner: Store = createMemoryStore();
    const store: Store = {
      get: (key) => inner.get(key),
      set: (key, value, options) => inner.set(key, value, options),
      increment: (key, by, options) => inner.increment(key, by, options),
      compareAndSet: (key, expected, value, options) => inner.compareAndSet(key, expected, value, options),
      delete: (key) => inner.delete(key),
    };
    const moved: string[] = [];
    const voiceClient: VonageVoiceClient = {
      voice: { transferCallWithNCCO: async (uuid) => void moved.push(uuid), transferCallWithURL: async () => undefined },
    };
    const handler = createVonageHandler({ flow, secret, publicBaseUrl: base, signatureSecret, store, voiceClient });
    const first = (await (
      await handler(
        await signVonageRequest({
          url: `${base}/answer?to=447700900000&from=447700900001&uuid=call-y&conversation_uuid=CON-y`,
          signatureSecret,
        }),
      )
    ).json()) as Array<{ action: string; eventUrl?: string[] }>;
    inner = createMemoryStore();
    expect(await handler.queuedCallers('support')).toEqual([]);
    const url = first.find((action) => action.action === 'input')!.eventUrl![0]!;
    const heldOn = {
      uuid: 'call-y',
      conversation_uuid: 'CON-y',
      timestamp: new Date().toISOString(),
      dtmf: { digits: '', timed_out: true },
    };
    const response = await handler(await signVonageRequest({ url, body: heldOn, signatureSecret }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as Array<{ action: string }>).map((action) => action.action)).toEqual(['stream', 'input']);
    expect((await handler.queuedCallers('support')).map((caller) => caller.callId)).toEqual(['call-y']);
    expect((await handler.connectNextCaller('support', { to: agent }))?.callId).toBe('call-y');
    expect(moved).toEqual(['call-y']);
  });
});
