import { describe, expect, it } from 'vitest';
import { defaultRingbackUrl, defineFlow, hangup, play, say, transfer, type CallEvent, type Flow } from '@callflow/core';
import { createCallControlClient } from '../src/index.js';
import { decodeClientState } from '../src/client-state.js';
import { startRig, type ClientFactory } from './harness.js';

// A screened or spoken-whisper transfer on Telnyx: callflow dials the far leg itself (link_to the caller), plays the
// whisper and the screen on it, and bridges it to the caller once accepted; the caller hears callflow's ringback meanwhile.

const chime = 'https://audio.example.com/clinic-line.mp3';
const connectionId = '1684641123236054244';

function screenedFlow(options: { callerId?: string; sendDigits?: string; then?: boolean } = {}): Flow {
  return defineFlow({
    name: 'screened',
    start: 'main',
    nodes: {
      main: [
        say('Connecting you to the nurse.'),
        transfer('+14155550100', {
          whisper: [say('Call from the clinic line.'), play(chime)],
          screen: { prompt: [say('Press 1 to accept.')], timeoutSeconds: 7 },
          onNoAnswer: 'missed',
          ...(options.callerId ? { callerId: options.callerId } : {}),
          ...(options.sendDigits ? { sendDigits: options.sendDigits } : {}),
          ...(options.then ? { then: 'after' } : {}),
        }),
      ],
      missed: [say('The nurse is not available.'), hangup()],
      after: [say('Thank you for calling.'), hangup()],
    },
  });
}

const builtInClient: ClientFactory = (apiBaseUrl) => createCallControlClient({ apiKey: 'test-key', baseUrl: apiBaseUrl });

describe.each([
  ['the telnyx SDK', undefined],
  ['the built-in client', builtInClient],
] as const)('Telnyx screened transfer through %s', (_name, client) => {
  it('accepted: dial linked to the caller, whisper and screen on the far leg, then playback_stop and bridge on the caller', async () => {
    const rig = await startRig(screenedFlow({ sendDigits: 'ww204#' }), { handler: { connectionId }, ...(client ? { client } : {}) });
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee: 'accepts' }] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries).toEqual([
        { type: 'say', text: 'Connecting you to the nurse.' },
        {
          type: 'transfer',
          to: '+14155550100',
          status: 'completed',
          calleeHeard: ['Call from the clinic line.', chime, 'Press 1 to accept.'],
          calleePressed: '1',
          sentDigits: 'ww204#',
        },
        { type: 'hangup', by: 'flow' },
      ]);
      const sent = rig.emulator.requests.filter((request) => request.status === 200 && !request.duplicate);
      const dial = sent.find((request) => request.action === 'dial')!;
      const callerId = sent.find((request) => request.action === 'answer')!.target!;
      expect(dial.body).toMatchObject({
        connection_id: connectionId,
        to: '+14155550100',
        link_to: callerId,
        bridge_intent: true,
        timeout_secs: 30,
      });
      expect(decodeClientState(dial.body.client_state)).toMatchObject({ kind: 'far', callControlId: callerId, stage: 'dial' });
      // While the far leg rings and is screened, the caller hears callflow's ringback on its own leg (in the transcript's transfer entry).
      const ringback = sent.find((request) => request.action === 'playback_start' && request.target === callerId)!;
      expect(ringback.body).toMatchObject({ audio_url: defaultRingbackUrl, loop: 'infinity' });
      expect(sent.indexOf(ringback)).toBeLessThan(sent.indexOf(dial));
      const farId = sent.find((request) => request.action === 'gather_using_speak')!.target!;
      expect(farId).not.toBe(callerId);
      // On the far leg, one part at a time, then the one-key gather.
      expect(sent.filter((request) => request.target === farId).map((request) => request.action)).toEqual([
        'speak',
        'playback_start',
        'gather_using_speak',
        'send_dtmf',
      ]);
      const gather = sent.find((request) => request.action === 'gather_using_speak')!.body;
      expect(gather).toMatchObject({ payload: 'Press 1 to accept.', maximum_digits: 1, minimum_digits: 1, timeout_millis: 7000 });
      // On the caller's leg: the ringback while waiting, stopped before the bridge; no park (the flow ends with the call).
      expect(sent.filter((request) => request.target === callerId).map((request) => request.action)).toEqual([
        'answer',
        'speak',
        'playback_start',
        'playback_stop',
        'bridge',
      ]);
      const bridge = sent.find((request) => request.action === 'bridge')!.body;
      // On the wire the other leg is call_control_id, from both clients (the SDK renames call_control_id_to_bridge_with).
      expect(bridge.call_control_id).toBe(farId);
      expect(bridge.call_control_id_to_bridge_with).toBeUndefined();
      expect(bridge.park_after_unbridge).toBeUndefined();
      expect(sent.find((request) => request.action === 'send_dtmf')!.body.digits).toBe('ww204#');
    } finally {
      await rig.close();
    }
  });
});

describe('Telnyx screened transfer outcomes', () => {
  it.each([
    ['declines', '2'],
    ['times-out', ''],
  ] as const)('the called party %s: its leg is hung up, never bridged, and the caller takes onNoAnswer', async (callee, pressed) => {
    const rig = await startRig(screenedFlow(), { handler: { connectionId } });
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee }] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries.slice(1)).toEqual([
        {
          type: 'transfer',
          to: '+14155550100',
          status: 'no-answer',
          calleeHeard: ['Call from the clinic line.', chime, 'Press 1 to accept.'],
          calleePressed: pressed,
        },
        { type: 'say', text: 'The nurse is not available.' },
        { type: 'hangup', by: 'flow' },
      ]);
      const sent = rig.emulator.requests.filter((request) => request.status === 200 && !request.duplicate);
      expect(sent.some((request) => request.action === 'bridge')).toBe(false);
      const farId = sent.find((request) => request.action === 'gather_using_speak')!.target!;
      const hangupOfFar = sent.find((request) => request.action === 'hangup' && request.target === farId)!;
      expect(decodeClientState(hangupOfFar.body.client_state)).toMatchObject({ kind: 'far', stage: 'declined' });
      // The fallback turn stops the ringback before it speaks.
      const callerActions = sent
        .filter((request) => request.target !== farId && request.action !== 'dial')
        .map((request) => request.action);
      expect(callerActions.slice(-3)).toEqual(['playback_stop', 'speak', 'hangup']);
    } finally {
      await rig.close();
    }
  });

  it('a voicemail picks up: machine detection on the far leg hangs it up before the whisper, as no answer', async () => {
    const rig = await startRig(screenedFlow(), { handler: { connectionId } });
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee: 'voicemail' }] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries.slice(1)).toEqual([
        { type: 'transfer', to: '+14155550100', status: 'no-answer', calleeHeard: [] },
        { type: 'say', text: 'The nurse is not available.' },
        { type: 'hangup', by: 'flow' },
      ]);
      const sent = rig.emulator.requests.filter((request) => request.status === 200 && !request.duplicate);
      expect(sent.find((request) => request.action === 'dial')!.body.answering_machine_detection).toBe('detect');
      const farId = sent.find((request) => request.action === 'hangup' && request.target !== sent[0]!.target)!.target;
      expect(sent.filter((request) => request.target === farId).map((request) => request.action)).toEqual(['hangup']);
    } finally {
      await rig.close();
    }
  });

  it('a whisper without a screen is dialled without machine detection and bridged once it is heard', async () => {
    const flow = defineFlow({
      name: 'whisper-only',
      start: 'main',
      nodes: { main: [transfer('+14155550100', { whisper: [say('Call from the clinic line.')] })] },
    });
    const rig = await startRig(flow, { handler: { connectionId } });
    try {
      const transcript = await rig.emulator.call({ transfers: ['completed'] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries).toEqual([
        { type: 'transfer', to: '+14155550100', status: 'completed', calleeHeard: ['Call from the clinic line.'] },
        { type: 'hangup', by: 'flow' },
      ]);
      const dial = rig.emulator.requests.find((request) => request.action === 'dial')!.body;
      expect(dial.answering_machine_detection).toBeUndefined();
    } finally {
      await rig.close();
    }
  });

  it('a busy far leg: its call.hangup cause (user_busy) is the transfer status; nothing is played to it', async () => {
    const flow = defineFlow({
      name: 'busy',
      start: 'main',
      nodes: {
        main: [transfer('+14155550100', { whisper: [say('Call from the clinic line.')], onBusy: 'missed' })],
        missed: [say('The line is busy.'), hangup()],
      },
    });
    const rig = await startRig(flow, { handler: { connectionId } });
    try {
      const transcript = await rig.emulator.call({ transfers: ['busy'] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries).toEqual([
        { type: 'transfer', to: '+14155550100', status: 'busy' },
        { type: 'say', text: 'The line is busy.' },
        { type: 'hangup', by: 'flow' },
      ]);
    } finally {
      await rig.close();
    }
  });

  it('with then: the caller is parked after the bridge (park_after_unbridge self) and the flow goes on', async () => {
    const rig = await startRig(screenedFlow({ then: true, callerId: '+15005550006' }), { handler: { connectionId } });
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee: 'accepts' }] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries.slice(-2)).toEqual([
        { type: 'say', text: 'Thank you for calling.' },
        { type: 'hangup', by: 'flow' },
      ]);
      const sent = rig.emulator.requests.filter((request) => request.status === 200 && !request.duplicate);
      expect(sent.find((request) => request.action === 'bridge')!.body.park_after_unbridge).toBe('self');
      // A callerId is presented as it is: no bridge_intent.
      const dial = sent.find((request) => request.action === 'dial')!.body;
      expect(dial.from).toBe('+15005550006');
      expect(dial.bridge_intent).toBeUndefined();
    } finally {
      await rig.close();
    }
  });

  it('every event delivered twice: one dial, one bridge, the same call', async () => {
    const rig = await startRig(screenedFlow(), { handler: { connectionId }, emulator: { deliveries: { duplicate: true } } });
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee: 'accepts' }] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries.map((entry) => entry.type)).toEqual(['say', 'transfer', 'hangup']);
      const accepted = (action: string) =>
        rig.emulator.requests.filter((request) => request.action === action && request.status === 200 && !request.duplicate);
      expect(accepted('dial')).toHaveLength(1);
      expect(accepted('bridge')).toHaveLength(1);
      expect(accepted('gather_using_speak')).toHaveLength(1);
    } finally {
      await rig.close();
    }
  });

  it('a decline is one transfer-ended (no-answer) lifecycle event, even with every event delivered twice', async () => {
    const events: CallEvent[] = [];
    const rig = await startRig(screenedFlow(), {
      handler: { connectionId, onCallEvent: (event) => void events.push(event) },
      emulator: { deliveries: { duplicate: true } },
    });
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee: 'declines' }] });
      expect(transcript.errors).toEqual([]);
      const transfers = events.filter((event) => event.type === 'transfer-ended');
      expect(transfers).toHaveLength(1);
      expect(transfers[0]).toMatchObject({ type: 'transfer-ended', status: 'no-answer' });
      expect(events.filter((event) => event.type === 'call-ended')).toHaveLength(1);
    } finally {
      await rig.close();
    }
  });

  it('in a dynamic node it is an unsupported-step error (its far leg cannot read the step again): the caller hears the apology', async () => {
    const flow = defineFlow({
      name: 'dynamic-screen',
      start: 'main',
      nodes: {
        main: async () => [transfer('+14155550100', { screen: { prompt: [say('Press 1 to accept.')] } })],
      },
    });
    const rig = await startRig(flow, { handler: { connectionId } });
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee: 'accepts' }] });
      expect(transcript.entries.some((entry) => entry.type === 'transfer')).toBe(false);
      expect(rig.logger.lines.some((line) => /must be in a static node/.test(line.message))).toBe(true);
      expect(rig.emulator.requests.some((request) => request.action === 'dial')).toBe(false);
    } finally {
      await rig.close();
    }
  });

  it.each(['accepts', 'declines'] as const)(
    'the called party %s with every event delivered twice and stale events replayed: the same call',
    async (callee) => {
      const rig = await startRig(screenedFlow({ sendDigits: '12' }), {
        handler: { connectionId },
        emulator: { deliveries: { duplicate: true, replayStale: true } },
      });
      try {
        const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee }] });
        expect(transcript.errors).toEqual([]);
        const accepted = callee === 'accepts';
        expect(transcript.entries.slice(1)).toEqual([
          {
            type: 'transfer',
            to: '+14155550100',
            status: accepted ? 'completed' : 'no-answer',
            calleeHeard: ['Call from the clinic line.', chime, 'Press 1 to accept.'],
            calleePressed: accepted ? '1' : '2',
            ...(accepted ? { sentDigits: '12' } : {}),
          },
          ...(accepted ? [] : [{ type: 'say', text: 'The nurse is not available.' }]),
          { type: 'hangup', by: 'flow' },
        ]);
      } finally {
        await rig.close();
      }
    },
  );

  it("without the handler's connectionId the caller hears the apology and the log names the option", async () => {
    const rig = await startRig(screenedFlow());
    try {
      const transcript = await rig.emulator.call({ transfers: [{ status: 'completed', callee: 'accepts' }] });
      expect(transcript.entries.at(-1)).toEqual({ type: 'hangup', by: 'flow' });
      expect(transcript.entries.some((entry) => entry.type === 'transfer')).toBe(false);
      expect(rig.logger.lines.some((line) => line.level === 'error' && /connectionId/.test(line.message))).toBe(true);
    } finally {
      await rig.close();
    }
  });
});

describe("Telnyx screened transfer: the far leg's hang-up before it was connected", () => {
  it('a far leg that answered and hung up before the whisper (normal_clearing, stage dial) is no answer, not completed', async () => {
    const { createMemoryStore } = await import('@callflow/core');
    const { createTelnyxWebhookSigner } = await import('@callflow/testing');
    const { createTelnyxHandler } = await import('../src/index.js');
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
      conferences: { create: async () => ({ data: { id: 'conf-1' } }), actions: { join: async () => undefined } },
    };
    const flow = defineFlow({
      name: 'screen-first',
      start: 'main',
      nodes: {
        main: [transfer('+14155550100', { screen: { prompt: [say('Press 1 to accept.')] }, onNoAnswer: 'missed' })],
        missed: [say('The nurse is not available.'), hangup()],
      },
    });
    const handler = createTelnyxHandler({
      flow,
      secret: 'telnyx-test-secret-0123456789',
      publicKey: signer.publicKey,
      client: client as never,
      connectionId,
      store: createMemoryStore(),
    });
    const post = async (type: string, payload: Record<string, unknown>, id: string) => {
      const body = JSON.stringify({ data: { record_type: 'event', id, event_type: type, occurred_at: new Date().toISOString(), payload } });
      return handler(
        new Request('https://ivr.example.com/telnyx', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await signer.sign(body)) },
          body,
        }),
      );
    };
    const caller = { call_control_id: 'caller-1', call_leg_id: 'leg-1', call_session_id: 'session-1', from: '+15550001', to: '+15550002' };
    expect((await post('call.initiated', { ...caller, direction: 'incoming', state: 'parked' }, 'e1')).status).toBe(200);
    const dial = sent.find((command) => command.action === 'dial')!;
    expect(dial.body.link_to).toBe('caller-1');
    const far = { ...caller, call_control_id: 'far-1', call_leg_id: 'leg-2', from: '+15550001', to: '+14155550100' };
    // Answered (machine detection pending, so nothing is played), then hung up by the called party.
    expect((await post('call.answered', { ...far, client_state: dial.body.client_state }, 'e2')).status).toBe(200);
    expect(sent.filter((command) => command.target === 'far-1')).toEqual([]);
    const farHangup = { ...far, client_state: dial.body.client_state, hangup_cause: 'normal_clearing', hangup_source: 'callee' };
    expect((await post('call.hangup', farHangup, 'e3')).status).toBe(200);
    const after = sent.slice(sent.indexOf(dial) + 1).filter((command) => command.target === 'caller-1');
    expect(after.map((command) => command.action)).toEqual(['stopPlayback', 'speak']);
    expect(after[1]!.body.payload).toBe('The nurse is not available.');
  });
});
