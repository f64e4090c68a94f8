import { describe, expect, it } from 'vitest';
import { defineFlow, hangup, say, transfer, type CallEvent, type TransferStep } from '@callflow/core';
import { createCallControlClient } from '../src/index.js';
import { sdkClient, startRig, type ClientFactory } from './harness.js';

// A transfer Telnyx refuses (a number it cannot call: the API answers 422 to transfer or calls.dial, and no call.hangup
// follows): the caller takes the flow's onFailed route, as on Twilio (<Dial> failed) and Vonage (connect failed).

const connectionId = '1684641123236054244';
const builtInClient: ClientFactory = (apiBaseUrl) => createCallControlClient({ apiKey: 'test-key', baseUrl: apiBaseUrl });

function flowTo(to: string, options: TransferOptions = {}) {
  return defineFlow({
    name: 'refused',
    start: 'main',
    nodes: {
      main: [say('Connecting you to the nurse.'), transfer(to, { onFailed: 'failed', ...options })],
      failed: [say('We could not connect you.'), hangup()],
    },
  });
}

type TransferOptions = Partial<Pick<TransferStep, 'whisper' | 'screen'>>;

const screened: TransferOptions = { whisper: [say('Call from the clinic line.')], screen: { prompt: [say('Press 1 to accept.')] } };

describe.each([
  ['the telnyx SDK', sdkClient],
  ['the built-in client', builtInClient],
] as const)('Telnyx: a transfer the API refuses, through %s', (_name, client) => {
  it.each([
    ['a plain transfer (transfer), no + (10016)', '14155550100', {}, 'transfer', '10016'],
    ['a plain transfer (transfer), no E.164 number (10002)', '+0123', {}, 'transfer', '10002'],
    ['a screened transfer (calls.dial), no + (10016)', '14155550100', screened, 'dial', '10016'],
  ] as const)('%s: the caller takes onFailed', async (_case, to, options, action, code) => {
    const rig = await startRig(flowTo(to, options), { handler: { connectionId }, client });
    try {
      const transcript = await rig.emulator.call({});
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries).toEqual([
        { type: 'say', text: 'Connecting you to the nurse.' },
        { type: 'transfer', to, status: 'failed' },
        { type: 'say', text: 'We could not connect you.' },
        { type: 'hangup', by: 'flow' },
      ]);
      const refused = rig.emulator.requests.find((request) => request.action === action)!;
      expect(refused.status).toBe(422);
      const callerId = rig.emulator.requests.find((request) => request.action === 'answer')!.target!;
      const afterRefusal = rig.emulator.requests
        .slice(rig.emulator.requests.indexOf(refused) + 1)
        .filter((request) => request.target === callerId)
        .map((request) => request.action);
      // A dialled transfer's ringback is stopped before the onFailed route speaks.
      expect(afterRefusal).toEqual([...(action === 'dial' ? ['playback_stop'] : []), 'speak', 'hangup']);
      expect(rig.logger.lines.some((line) => line.level === 'warn' && line.message.includes(code))).toBe(true);
    } finally {
      await rig.close();
    }
  });
});

describe('Telnyx: a refused transfer without onFailed', () => {
  it('goes on to the step after the transfer, as a failed transfer does on Twilio and Vonage', async () => {
    const flow = defineFlow({
      name: 'refused-next',
      start: 'main',
      nodes: { main: [transfer('14155550100', screened), say('Sorry, nobody could take your call.'), hangup()] },
    });
    const rig = await startRig(flow, { handler: { connectionId } });
    try {
      const transcript = await rig.emulator.call({});
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries).toEqual([
        { type: 'transfer', to: '14155550100', status: 'failed' },
        { type: 'say', text: 'Sorry, nobody could take your call.' },
        { type: 'hangup', by: 'flow' },
      ]);
    } finally {
      await rig.close();
    }
  });

  it('an onFailed route that is another screened transfer dials it, presenting the caller’s number', async () => {
    const flow = defineFlow({
      name: 'refused-backup',
      start: 'main',
      nodes: {
        // After a say: the event that resumes the flow (call.speak.ended) carries no from.
        main: [say('Connecting you.'), transfer('14155550100', { ...screened, onFailed: 'backup' })],
        backup: [transfer('+14155550199', screened)],
      },
    });
    const rig = await startRig(flow, { handler: { connectionId } });
    try {
      const transcript = await rig.emulator.call({ from: '+15551230000', transfers: [{ status: 'completed', callee: 'accepts' }] });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries).toEqual([
        { type: 'say', text: 'Connecting you.' },
        { type: 'transfer', to: '14155550100', status: 'failed' },
        {
          type: 'transfer',
          to: '+14155550199',
          status: 'completed',
          calleeHeard: ['Call from the clinic line.', 'Press 1 to accept.'],
          calleePressed: '1',
        },
        { type: 'hangup', by: 'flow' },
      ]);
      const dials = rig.emulator.requests.filter((request) => request.action === 'dial');
      expect(dials.map((request) => [request.body.to, request.body.from, request.status])).toEqual([
        ['14155550100', '+15551230000', 422],
        ['+14155550199', '+15551230000', 200],
      ]);
    } finally {
      await rig.close();
    }
  });

  it('every event delivered twice: one refused dial, the onFailed route once', async () => {
    const rig = await startRig(flowTo('14155550100', screened), {
      handler: { connectionId },
      emulator: { deliveries: { duplicate: true } },
    });
    try {
      const transcript = await rig.emulator.call({});
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries.map((entry) => entry.type)).toEqual(['say', 'transfer', 'say', 'hangup']);
      const spoken = rig.emulator.requests.filter(
        (request) =>
          request.action === 'speak' &&
          request.status === 200 &&
          !request.duplicate &&
          request.body.payload === 'We could not connect you.',
      );
      expect(spoken).toHaveLength(1);
    } finally {
      await rig.close();
    }
  });
});

describe('Telnyx: a refused transfer in the lifecycle events', () => {
  const hangsUpAtOnce = defineFlow({
    name: 'refused-hangup',
    start: 'main',
    nodes: { main: [transfer('14155550100', { onFailed: 'failed' })], failed: [hangup()] },
  });
  it.each([
    ['a plain transfer (transfer)', flowTo('14155550100'), 'transfer'],
    ['a screened transfer (calls.dial)', flowTo('14155550100', screened), 'dial'],
    ['a transfer whose onFailed route only hangs up', hangsUpAtOnce, 'transfer'],
  ] as const)(
    '%s: one transfer-ended, failed, with the refusal as its cause, and the flow ends the call (every event delivered twice)',
    async (_case, flow, action) => {
      const events: CallEvent[] = [];
      const rig = await startRig(flow, {
        handler: { connectionId, onCallEvent: (event) => void events.push(event) },
        emulator: { deliveries: { duplicate: true } },
      });
      try {
        const transcript = await rig.emulator.call({});
        expect(transcript.errors).toEqual([]);
        expect(events.map((event) => event.type)).toEqual(['call-started', 'call-answered', 'transfer-ended', 'call-ended']);
        const ended = events.find((event) => event.type === 'transfer-ended')!;
        expect(ended).toMatchObject({ type: 'transfer-ended', status: 'failed', provider: 'telnyx' });
        expect(ended.type === 'transfer-ended' && ended.cause).toMatch(new RegExp(`^${action} refused: .*10016`));
        // The onFailed route hangs up: the flow ended the call, not the caller.
        expect(events.at(-1)).toMatchObject({ type: 'call-ended', status: 'completed', endedBy: 'flow' });
      } finally {
        await rig.close();
      }
    },
  );
});
