import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultRingbackUrl } from '@callflow/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelnyxEmulator, type TelnyxEmulator } from './create-telnyx-emulator.js';

// What the Telnyx emulator records the caller hearing while a transfer rings, as Telnyx documents it: transfer passes
// the far end's early media (its ringback) unless early_media is false; a far leg dialled apart sends the caller
// nothing, so the caller hears what the application plays on its own leg, or silence.

type Plan = (event: { type: string; id: string; payload: Record<string, unknown> }) => Array<[string, string, Record<string, unknown>]>;

let plan: Plan = () => [];
let server: http.Server;
let emulator: TelnyxEmulator;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      response.end();
      const { data } = JSON.parse(Buffer.concat(chunks).toString()) as { data: { event_type: string; payload: Record<string, unknown> } };
      const event = { type: data.event_type, id: String(data.payload.call_control_id), payload: data.payload };
      for (const [target, action, body] of plan(event)) {
        const path = action === 'dial' ? '/calls' : `/calls/${encodeURIComponent(target)}/actions/${action}`;
        await fetch(`${emulator.apiBaseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
          body: JSON.stringify(body),
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  emulator = await createTelnyxEmulator({ webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/telnyx` });
});

afterAll(async () => {
  await emulator.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let caller = '';

/** A transfer with `extra` fields: answer, transfer, hang up once the far leg's call.hangup comes back. */
const transferring =
  (extra: Record<string, unknown>): Plan =>
  (event) => {
    if (event.type === 'call.initiated' && event.payload.direction === 'incoming') {
      caller = event.id;
      return [[event.id, 'answer', {}]];
    }
    if (event.type === 'call.answered' && event.id === caller) return [[caller, 'transfer', { to: '+14155550100', ...extra }]];
    if (event.type === 'call.hangup' && event.id !== caller) return [[caller, 'hangup', {}]];
    return [];
  };

/** A far leg dialled apart (busy, so no bridge is needed), with `waiting` played on the caller's leg first, if any. */
const dialling =
  (waiting: string | undefined): Plan =>
  (event) => {
    if (event.type === 'call.initiated' && event.payload.direction === 'incoming') {
      caller = event.id;
      return [[event.id, 'answer', {}]];
    }
    if (event.type === 'call.answered' && event.id === caller) {
      const dial = {
        connection_id: emulator.connectionId,
        to: '+14155550100',
        from: '+15005550001',
        link_to: caller,
        client_state: 'ZmFy',
      };
      return [
        ...(waiting
          ? [[caller, 'playback_start', { audio_url: waiting, loop: 'infinity' }] as [string, string, Record<string, unknown>]]
          : []),
        [caller, 'dial', dial],
      ];
    }
    if (event.type === 'call.hangup' && event.id !== caller)
      return [...(waiting ? [[caller, 'playback_stop', {}] as [string, string, Record<string, unknown>]] : []), [caller, 'hangup', {}]];
    return [];
  };

describe('Telnyx emulator: what the caller hears while the called party rings', () => {
  it("transfer: the far end's early media (a ringback) by default, nothing recorded", async () => {
    plan = transferring({});
    const transcript = await emulator.call({ transfers: ['busy'] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries).toEqual([
      { type: 'transfer', to: '+14155550100', status: 'busy' },
      { type: 'hangup', by: 'flow' },
    ]);
  });

  it('transfer with early_media false: silence', async () => {
    plan = transferring({ early_media: false });
    const transcript = await emulator.call({ transfers: ['busy'] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries[0]).toEqual({ type: 'transfer', to: '+14155550100', status: 'busy', callerHeardWhileRinging: 'silence' });
  });

  it.each([
    ['nothing played on the caller leg: silence', undefined, { callerHeardWhileRinging: 'silence' }],
    [
      'the hold music: that file, in the transfer entry, not a play of its own',
      'https://audio.example.com/music.mp3',
      { callerHeardWhileRinging: 'https://audio.example.com/music.mp3' },
    ],
    ["callflow's ringback: nothing recorded", defaultRingbackUrl, {}],
  ] as const)('dialled apart, %s', async (_name, waiting, heard) => {
    plan = dialling(waiting);
    const transcript = await emulator.call({ transfers: ['busy'] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries).toEqual([
      { type: 'transfer', to: '+14155550100', status: 'busy', ...heard },
      { type: 'hangup', by: 'flow' },
    ]);
  });
});
