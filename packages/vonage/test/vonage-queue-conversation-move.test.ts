import { describe, expect, it } from 'vitest';
import { createMemoryStore, defineFlow, enqueue, say, type Store } from '@callflow/core';
import { createVonageEmulator, createVonageRestClient } from '@callflow/testing';
import { createVonageHandler, type VonageVoiceClient } from '@callflow/vonage';
import { serve } from './serve.js';

// The queue's conversation path (no escape key, no longest wait, no repeated announcement: the caller waits in a named
// conversation and sends no hold breaks). An agent move is one REST transfer of the caller's leg; when its answer is
// lost and Vonage's transfer event is lost too, the next move asks Vonage where the leg is (GET /v1/calls/{uuid}) instead
// of moving the caller a second time.

const signatureSecret = 'conversation-move-signature-secret';
const secret = 'conversation-move-test-secret-0123456789';
const hold = 'https://audio.example.com/hold.mp3';
const agent = '+447700900123';
const otherAgent = '+447700900456';

const flow = defineFlow({
  name: 'conversation-move',
  start: 'main',
  nodes: {
    main: [enqueue('support', { holdMusic: hold, then: 'bye' })],
    bye: [say('Goodbye.')],
  },
});

type Handler = ReturnType<typeof createVonageHandler>;

/** The app on 127.0.0.1 with a clock the test moves, the emulator pointed at it, the transfer event lost. */
async function startRig(onHold: (handler: Handler, rest: ReturnType<typeof createVonageRestClient>) => Promise<void>, store?: Store) {
  let nowMs = Date.now();
  const now = () => nowMs;
  let handler: Handler | undefined;
  const server = await serve((request) => handler!(request));
  const publicBaseUrl = `${server.url}/vonage`;
  const vonage = await createVonageEmulator({
    answerUrl: `${publicBaseUrl}/answer`,
    eventUrl: `${publicBaseUrl}/event`,
    signatureSecret,
    transferEvents: false,
    onHold: async ({ queue }) => {
      if (queue !== undefined) await onHold(handler!, rest);
    },
  });
  const rest = createVonageRestClient(vonage.apiUrl);
  handler = createVonageHandler({
    flow,
    secret,
    publicBaseUrl,
    signatureSecret,
    now,
    store: store ?? createMemoryStore({ now }),
    voiceClient: rest,
  });
  return {
    vonage,
    handler,
    advanceSeconds: (seconds: number) => void (nowMs += seconds * 1000),
    async close() {
      await vonage.close();
      await server.close();
    },
  };
}

/** A client whose transfer reaches Vonage (or not) and whose answer never comes back: the request times out. */
function timingOut(rest: ReturnType<typeof createVonageRestClient>, applied: boolean): VonageVoiceClient {
  return {
    voice: {
      ...rest.voice,
      transferCallWithNCCO: async (uuid, ncco) => {
        if (applied) await rest.voice.transferCallWithNCCO(uuid, ncco);
        throw new Error('The operation was aborted due to timeout');
      },
    },
  };
}

const transfersOf = (vonage: Awaited<ReturnType<typeof startRig>>['vonage']) =>
  vonage.restRequests.filter((request) => request.method === 'PUT').map((request) => request.status);

describe('Vonage queue, conversation path: a move whose answer and transfer event were both lost', () => {
  it('was applied: once its lease is over, the next agent gets nobody, and the caller stays with the first agent', async () => {
    let retried: unknown = 'not tried';
    const rig = await startRig(async (handler, rest) => {
      await expect(handler.connectNextCaller('support', { to: agent }, timingOut(rest, true))).rejects.toThrow(/timeout/);
      rig.advanceSeconds(31);
      retried = await handler.connectNextCaller('support', { to: otherAgent });
    });
    try {
      const transcript = await rig.vonage.call({ transfers: ['completed'] });
      expect(transcript.errors).toEqual([]);
      expect(retried).toBeUndefined();
      expect(transfersOf(rig.vonage), 'one transfer reached Vonage').toEqual([204]);
      expect(transcript.entries.filter((entry) => entry.type !== 'play')).toEqual([
        { type: 'enqueue', queue: 'support', result: 'bridged' },
        { type: 'transfer', to: agent, status: 'completed' },
        { type: 'say', text: 'Goodbye.' },
        { type: 'hangup', by: 'flow' },
      ]);
      // Vonage was asked where the leg was before the move, and again before the second one.
      expect(rig.vonage.restRequests.map((request) => request.method)).toEqual(['GET', 'PUT', 'GET']);
      expect(await rig.handler.queuedCallers('support')).toEqual([]);
    } finally {
      await rig.close();
    }
  });

  it('was not applied: once its lease is over, the next agent gets the caller, moved exactly once', async () => {
    let retried: { callId: string } | undefined;
    const rig = await startRig(async (handler, rest) => {
      await expect(handler.connectNextCaller('support', { to: agent }, timingOut(rest, false))).rejects.toThrow(/timeout/);
      expect(await handler.connectNextCaller('support', { to: otherAgent }), 'not within the lease').toBeUndefined();
      rig.advanceSeconds(31);
      retried = await handler.connectNextCaller('support', { to: otherAgent });
    });
    try {
      const transcript = await rig.vonage.call({ transfers: ['completed'] });
      expect(transcript.errors).toEqual([]);
      expect(retried?.callId).toBeDefined();
      expect(transfersOf(rig.vonage)).toEqual([204]);
      expect(transcript.entries.filter((entry) => entry.type === 'transfer')).toEqual([
        { type: 'transfer', to: otherAgent, status: 'completed' },
      ]);
    } finally {
      await rig.close();
    }
  });
});

describe('Vonage queue, conversation path: an agent who does not answer', () => {
  it('puts the caller back in their room at the front, and the next agent can move them at once', async () => {
    const moved: unknown[] = [];
    const rig = await startRig(async (handler) => {
      moved.push(await handler.connectNextCaller('support', { to: moved.length === 0 ? agent : otherAgent }));
    });
    try {
      const transcript = await rig.vonage.call({ transfers: ['no-answer', 'completed'] });
      expect(transcript.errors).toEqual([]);
      expect(moved.map((caller) => (caller as { callId: string } | undefined)?.callId !== undefined)).toEqual([true, true]);
      expect(transcript.entries.filter((entry) => entry.type === 'transfer')).toEqual([
        { type: 'transfer', to: agent, status: 'no-answer' },
        { type: 'transfer', to: otherAgent, status: 'completed' },
      ]);
      expect(transcript.entries.at(-2)).toEqual({ type: 'say', text: 'Goodbye.' });
    } finally {
      await rig.close();
    }
  });
});
