import { describe, expect, it } from 'vitest';
import { createMemoryStore, defineFlow, hangup, say, transfer, type Flow } from '@callflow/core';
import { createTelnyxWebhookSigner } from '@callflow/testing';
import { decodeClientState } from '../src/client-state.js';
import { createTelnyxHandler } from '../src/index.js';
import { startRig } from './harness.js';

// A caller who hangs up while callflow dials, or screens, the far leg of a transfer itself: the far leg is hung up at
// once (on the caller's call.hangup), not left ringing or hearing the whisper until its own next event.

const connectionId = '1684641123236054244';

function screenedFlow(): Flow {
  return defineFlow({
    name: 'screened',
    start: 'main',
    nodes: {
      main: [
        say('Connecting you to the nurse.'),
        transfer('+14155550100', {
          whisper: [say('Call from the clinic line.')],
          screen: { prompt: [say('Press 1 to accept.')], timeoutSeconds: 7 },
          onNoAnswer: 'missed',
        }),
      ],
      missed: [say('The nurse is not available.'), hangup()],
    },
  });
}

describe('Telnyx: the caller hangs up before the far leg of a dialled transfer is connected', () => {
  it.each([
    ['ringing', undefined],
    ['screening', []],
  ] as const)('while it is %s: the far leg is hung up on the caller’s call.hangup', async (when, calleeHeard) => {
    const rig = await startRig(screenedFlow(), { handler: { connectionId } });
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee: 'accepts', callerHangsUp: when }] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries).toEqual([
        { type: 'say', text: 'Connecting you to the nurse.' },
        { type: 'transfer', to: '+14155550100', status: 'canceled', ...(calleeHeard ? { calleeHeard } : {}) },
        { type: 'hangup', by: 'caller' },
      ]);
      const sent = rig.emulator.requests.filter((request) => request.status === 200 && !request.duplicate);
      const callerId = sent.find((request) => request.action === 'answer')!.target!;
      const farHangups = sent.filter((request) => request.action === 'hangup' && request.target !== callerId);
      expect(farHangups).toHaveLength(1);
      expect(decodeClientState(farHangups[0]!.body.client_state)).toMatchObject({
        kind: 'far',
        stage: 'declined',
        callControlId: callerId,
      });
      // Nothing is bridged, and the caller's flow does not go on to onNoAnswer once the far leg's hang-up comes back.
      expect(sent.some((request) => request.action === 'bridge')).toBe(false);
      expect(sent.filter((request) => request.target === callerId).map((request) => request.action)).toEqual([
        'answer',
        'speak',
        'playback_start',
      ]);
    } finally {
      await rig.close();
    }
  });

  it('with every event delivered twice: one hangup of the far leg reaches Telnyx (the same command_id), the caller ends once', async () => {
    const rig = await startRig(screenedFlow(), { handler: { connectionId }, emulator: { deliveries: { duplicate: true } } });
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callerHangsUp: 'ringing' }] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries.map((entry) => entry.type)).toEqual(['say', 'transfer', 'hangup']);
      const callerId = rig.emulator.requests.find((request) => request.action === 'answer')!.target!;
      const farHangups = rig.emulator.requests.filter((request) => request.action === 'hangup' && request.target !== callerId);
      expect(farHangups.filter((request) => request.status === 200 && !request.duplicate)).toHaveLength(1);
      const commandIds = new Set(farHangups.map((request) => request.body.command_id));
      expect(commandIds.size).toBe(1);
    } finally {
      await rig.close();
    }
  });

  it("the caller's hang-up arrives before the far leg's call.initiated: the far leg is hung up on that event instead", async () => {
    const signer = await createTelnyxWebhookSigner();
    const sent: Array<{ action: string; target: string; body: Record<string, unknown> }> = [];
    const record = (action: string) => async (target: string, body: Record<string, unknown>) => void sent.push({ action, target, body });
    const client = {
      calls: {
        actions: new Proxy({}, { get: (_target, name) => record(String(name)) }),
        dial: async (body: Record<string, unknown>) => {
          sent.push({ action: 'dial', target: '', body });
          return { data: { call_control_id: 'far-1' } };
        },
      },
    };
    const handler = createTelnyxHandler({
      flow: screenedFlow(),
      secret: 'telnyx-test-secret-0123456789',
      publicKey: signer.publicKey,
      client: client as never,
      connectionId,
      store: createMemoryStore(),
    });
    const post = async (type: string, payload: Record<string, unknown>, id: string) => {
      const body = JSON.stringify({ data: { record_type: 'event', id, event_type: type, occurred_at: new Date().toISOString(), payload } });
      const response = await handler(
        new Request('https://ivr.example.com/telnyx', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await signer.sign(body)) },
          body,
        }),
      );
      return response.status;
    };
    const caller = { call_control_id: 'caller-1', call_leg_id: 'leg-1', call_session_id: 'session-1', from: '+15550001', to: '+15550002' };
    expect(await post('call.initiated', { ...caller, direction: 'incoming', state: 'parked' }, 'e1')).toBe(200);
    const speak = sent.find((command) => command.action === 'speak')!;
    expect(await post('call.speak.ended', { ...caller, client_state: speak.body.client_state, status: 'completed' }, 'e2')).toBe(200);
    const dial = sent.find((command) => command.action === 'dial')!;
    const ringback = sent.find((command) => command.action === 'startPlayback')!;
    // The caller's leg carries the ringback's client_state (the last one set on it) when it hangs up.
    const callerHangup = { ...caller, client_state: ringback.body.client_state, hangup_cause: 'normal_clearing', hangup_source: 'caller' };
    expect(await post('call.hangup', callerHangup, 'e3')).toBe(200);
    expect(sent.filter((command) => command.target === 'far-1')).toEqual([]);
    const far = { ...caller, call_control_id: 'far-1', call_leg_id: 'leg-2', to: '+14155550100', client_state: dial.body.client_state };
    expect(await post('call.initiated', { ...far, direction: 'outgoing', state: 'bridging' }, 'e4')).toBe(200);
    const farCommands = sent.filter((command) => command.target === 'far-1');
    expect(farCommands.map((command) => command.action)).toEqual(['hangup']);
    expect(decodeClientState(farCommands[0]!.body.client_state as string)).toMatchObject({ kind: 'far', stage: 'declined' });
  });
});
