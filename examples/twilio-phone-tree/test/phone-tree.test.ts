import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Effect } from '@callflow/core';
import { createTwilioEmulator, spoken, type TwilioEmulator } from '@callflow/testing';
import { startPhoneTree, type RunningPhoneTree } from '../src/app.js';

const authToken = 'test-auth-token-0123456789abcdef';
const greeting = 'Hello, and welcome to ACME, Inc.';
const menu =
  'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.';
const hours =
  'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.';
const invalid = 'Sorry, that is not a valid option.';
const goodbye = 'Thank you for calling ACME. Goodbye.';
const salesPrompt =
  'All our sales representatives are busy. Please leave a message after the beep, and press the pound key when you are done.';
const quietLogger = { warn() {}, error() {}, info() {} };

let app: RunningPhoneTree;
let twilio: TwilioEmulator;
const voicemails: Effect[] = [];

beforeAll(async () => {
  app = await startPhoneTree({
    authToken,
    secret: 'phone-tree-test-secret-0123456789',
    receptionNumber: '+15005550006',
    onVoicemail: (effect) => {
      voicemails.push(effect);
    },
    logger: quietLogger,
  });
  twilio = createTwilioEmulator({ voiceUrl: app.voiceUrl, authToken });
});

afterAll(async () => {
  await twilio.close();
  await app.close();
});

describe('phone tree on the Twilio emulator', () => {
  it('1 → sales: voicemail, SMS hook with the recording, thanks, hang up', async () => {
    voicemails.length = 0;
    const transcript = await twilio.call({ from: '+15551110001', input: ['1'], recordings: [{ durationSeconds: 12 }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([greeting, menu, salesPrompt, 'Thank you for your message. Goodbye.']);
    expect(transcript.entries.find((entry) => entry.type === 'record')).toMatchObject({ type: 'record', durationSeconds: 12 });
    expect(transcript.endedBy).toBe('flow');
    expect(voicemails).toHaveLength(1);
    expect(voicemails[0]!.call.from).toBe('+15551110001');
    expect(voicemails[0]!.recording?.url).toMatch(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC0+\/Recordings\/RE[0-9a-f]{32}$/);
    expect(voicemails[0]!.recording?.durationSeconds).toBe(12);
  });

  it('1 → sales: a caller who hangs up during the recording still leaves a voicemail', async () => {
    voicemails.length = 0;
    const transcript = await twilio.call({ input: ['1'], recordings: [{ hangup: true }] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.endedBy).toBe('caller');
    expect(spoken(transcript)).toEqual([greeting, menu, salesPrompt]);
    expect(voicemails).toHaveLength(1);
  });

  it('2 → support: queue with hold music and position, then goodbye after the agent', async () => {
    const transcript = await twilio.call({ input: ['2'], queues: [{ result: 'bridged', waitSeconds: 40 }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([
      greeting,
      menu,
      'Please hold while we connect you with a support agent.',
      'You are number 1 in line.',
      goodbye,
    ]);
    expect(transcript.entries.filter((entry) => entry.type === 'play')).toEqual([
      { type: 'play', url: 'https://audio.example.com/hold-music.mp3' },
      { type: 'play', url: 'https://audio.example.com/hold-music.mp3' },
    ]);
    expect(transcript.entries).toContainEqual({ type: 'enqueue', queue: 'support', result: 'bridged' });
    expect(transcript.endedBy).toBe('flow');
  });

  it('2 → support: a caller who hangs up in the queue ends the call', async () => {
    const transcript = await twilio.call({ input: ['2'], queues: [{ result: 'hangup', waitSeconds: 10 }] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.endedBy).toBe('caller');
    expect(transcript.entries.at(-2)).toEqual({ type: 'enqueue', queue: 'support', result: 'hangup' });
  });

  it('3 → hours: 1 repeats the hours, any other key goes back to the menu', async () => {
    const transcript = await twilio.call({ input: ['3', '1', '5', { hangup: true }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([greeting, menu, hours, hours, menu]);
    expect(transcript.endedBy).toBe('caller');
  });

  it('3 → hours: silence goes back to the menu', async () => {
    const transcript = await twilio.call({ input: ['3', { silence: true }, { hangup: true }] });
    expect(spoken(transcript)).toEqual([greeting, menu, hours, menu]);
  });

  it('0 → reception: dial the reception number, goodbye after the call', async () => {
    const transcript = await twilio.call({ input: ['0'], transfers: [{ status: 'completed', durationSeconds: 42 }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([greeting, menu, 'Connecting you to reception.', goodbye]);
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: '+15005550006', status: 'completed' });
    expect(transcript.endedBy).toBe('flow');
  });

  it.each(['busy', 'no-answer', 'failed', 'canceled'] as const)(
    '0 → reception %s: unavailable, then the sales voicemail',
    async (status) => {
      const transcript = await twilio.call({ input: ['0'], transfers: [status] });
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual([
        greeting,
        menu,
        'Connecting you to reception.',
        'Reception is not available right now.',
        salesPrompt,
        'Thank you for your message. Goodbye.',
      ]);
    },
  );

  it('9 repeats the menu', async () => {
    const transcript = await twilio.call({ input: ['9', { hangup: true }] });
    expect(spoken(transcript)).toEqual([greeting, menu, menu]);
  });

  it('an invalid key plays the error, then the menu again', async () => {
    const transcript = await twilio.call({ input: ['7', '0'], transfers: ['completed'] });
    expect(spoken(transcript)).toEqual([greeting, menu, invalid, menu, 'Connecting you to reception.', goodbye]);
  });

  it('three silences: error twice, then goodbye', async () => {
    const transcript = await twilio.call({ input: [] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([greeting, menu, invalid, menu, invalid, menu, goodbye]);
    expect(transcript.entries.filter((entry) => entry.type === 'input')).toHaveLength(3);
    expect(transcript.endedBy).toBe('flow');
  });

  it('every request was signed and every document was accepted', async () => {
    await twilio.call({ input: ['1'] });
    expect(twilio.requests.every((request) => request.status === 200)).toBe(true);
    expect(twilio.documents.every((document) => document.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response>'))).toBe(true);
  });
});

describe('phone tree refuses what is not Twilio', () => {
  it('an emulator with the wrong auth token gets 403 and the call fails', async () => {
    const impostor = createTwilioEmulator({ voiceUrl: app.voiceUrl, authToken: 'wrong-token-0123456789abcdef0000' });
    const transcript = await impostor.call({ input: ['1'] });
    expect(transcript.endedBy).toBe('error');
    expect(transcript.errors[0]).toMatch(/^HTTP 403/);
    expect(transcript.entries).toEqual([]);
  });

  it('a forged continuation token is refused with 403', async () => {
    await twilio.call({ input: ['9', { hangup: true }] });
    const action = twilio.requests[1]!;
    const token = new URL(action.url).searchParams.get('t')!;
    const forged = token.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    const url = action.url.replace(token, forged);
    const { createHmac } = await import('node:crypto');
    let data = url;
    for (const name of Object.keys(action.params).sort()) data += name + action.params[name];
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': createHmac('sha1', authToken).update(data).digest('base64'),
      },
      body: new URLSearchParams(action.params).toString(),
    });
    expect(response.status).toBe(403);
  });
});
