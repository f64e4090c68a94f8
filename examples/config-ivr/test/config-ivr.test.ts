import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioEmulator, spoken, type TwilioEmulator } from '@callflow/testing';
import { startConfigIvr, type RunningConfigIvr, type SmsClient } from '../src/app.js';

const authToken = 'config-ivr-auth-token-0123456789';
const welcome = 'Thank you for calling Example Limited.';
const menu =
  'For sales, press 1. For support, press 2. To leave a message, press 3. To hear the menu again, press 4. To end this call, press 0.';
const voicemailPrompt = 'Please leave a message after the tone. Press the hash key when you are done.';
const voicemailEnd = 'Thank you. We will call you back. Goodbye.';
const closed = 'Our office is closed. We are open weekdays 9 to 12:30 and 1:30 to 5:30, and Saturdays 10 to 2.';
const unavailable = 'Sorry, nobody can take your call right now.';

/** London wall-clock time: GMT in January, BST in July. */
const at = (iso: string) => Date.parse(iso);
let clock = at('2026-01-12T10:00:00Z');
const sms: Array<{ from: string; to: string; body: string }> = [];
const smsClient: SmsClient = {
  messages: {
    async create(message) {
      sms.push(message);
      return { sid: `SM${sms.length}` };
    },
  },
};

let app: RunningConfigIvr;
let twilio: TwilioEmulator;

beforeAll(async () => {
  app = await startConfigIvr({
    authToken,
    secret: 'config-ivr-secret-0123456789abcdef',
    smsClient,
    alertFrom: '+441632960000',
    alertTo: '+447700900123',
    now: () => clock,
    logger: { warn() {}, error() {} },
  });
  twilio = createTwilioEmulator({ voiceUrl: app.voiceUrl, authToken });
});

afterAll(async () => {
  await twilio.close();
  await app.close();
});

async function callAt(iso: string, script: Parameters<TwilioEmulator['call']>[0]) {
  clock = at(iso);
  sms.length = 0;
  const transcript = await twilio.call(script);
  expect(transcript.errors).toEqual([]);
  return transcript;
}

describe('config IVR (seed 003) on the Twilio emulator, office open (Monday 10:00 London)', () => {
  const open = '2026-01-12T10:00:00Z';

  it('1 → forward to sales, answered: the call ends after the conversation', async () => {
    const transcript = await callAt(open, { input: ['1'], transfers: ['completed'] });
    expect(spoken(transcript)).toEqual([welcome, menu, 'Connecting you to our sales team.']);
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: '+441632960001', status: 'completed' });
    expect(transcript.endedBy).toBe('flow');
    expect(sms).toEqual([]);
  });

  it.each(['busy', 'no-answer'] as const)(
    '1 → sales %s: voicemail, and the SMS alert goes out through the twilio client',
    async (status) => {
      const transcript = await callAt(open, {
        from: '+447700900555',
        input: ['1'],
        transfers: [status],
        recordings: [{ durationSeconds: 21 }],
      });
      expect(spoken(transcript)).toEqual([welcome, menu, 'Connecting you to our sales team.', voicemailPrompt, voicemailEnd]);
      expect(sms).toHaveLength(1);
      expect(sms[0]).toMatchObject({ from: '+441632960000', to: '+447700900123' });
      expect(sms[0]!.body).toMatch(
        /^New voicemail from \+447700900555 \(21 s\): https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC0+\/Recordings\/RE[0-9a-f]{32}\.mp3$/,
      );
    },
  );

  it.each(['failed', 'canceled'] as const)('1 → sales %s: sorry, then voicemail', async (status) => {
    const transcript = await callAt(open, { input: ['1'], transfers: [status] });
    expect(spoken(transcript)).toEqual([welcome, menu, 'Connecting you to our sales team.', unavailable, voicemailPrompt, voicemailEnd]);
    expect(sms).toHaveLength(1);
  });

  it('2 → support (all-day on weekdays): SIP forward', async () => {
    const supported = await callAt(open, { input: ['2'], transfers: ['completed'] });
    expect(spoken(supported)).toEqual([welcome, menu, 'Connecting you to support.']);
    expect(supported.entries).toContainEqual({ type: 'transfer', to: 'sip:support@pbx.example.com', status: 'completed' });
  });

  it('3 → voicemail directly', async () => {
    const transcript = await callAt(open, { input: ['3'] });
    expect(spoken(transcript)).toEqual([welcome, menu, voicemailPrompt, voicemailEnd]);
    expect(sms).toHaveLength(1);
  });

  it('4 → redirect back to the menu; 0 → hang up with the goodbye sample', async () => {
    const transcript = await callAt(open, { input: ['4', '0'] });
    expect(spoken(transcript)).toEqual([welcome, menu, menu, 'Thank you for calling. Goodbye.']);
    expect(transcript.endedBy).toBe('flow');
  });

  it('no input loops the menu with the no-input sample, then the max-loops action (voicemail)', async () => {
    const transcript = await callAt(open, { input: [{ silence: true }, { silence: true }, { silence: true }] });
    expect(spoken(transcript)).toEqual([
      welcome,
      menu,
      'Sorry, we did not hear a choice.',
      menu,
      'Sorry, we did not hear a choice.',
      menu,
      voicemailPrompt,
      voicemailEnd,
    ]);
  });

  it('an unused option is invalid: the invalid sample, then the menu again', async () => {
    const transcript = await callAt(open, { input: ['7', '0'] });
    expect(spoken(transcript)).toEqual([welcome, menu, 'That is not one of the options.', menu, 'Thank you for calling. Goodbye.']);
  });
});

describe('config IVR business hours in Europe/London', () => {
  it.each([
    ['Monday 09:00 GMT, the first range opens', '2026-01-12T09:00:00Z', true],
    ['Monday 12:45 GMT, between the two ranges (lunch)', '2026-01-12T12:45:00Z', false],
    ['Monday 13:30 GMT, the second range opens', '2026-01-12T13:30:00Z', true],
    ['Monday 17:30 GMT, closing time', '2026-01-12T17:30:00Z', false],
    ['Monday 08:30 UTC in July = 09:30 BST, open', '2026-07-06T08:30:00Z', true],
    ['Monday 16:45 UTC in July = 17:45 BST, closed', '2026-07-06T16:45:00Z', false],
    ['Saturday 11:00, the Saturday range', '2026-01-17T11:00:00Z', true],
    ['Saturday 15:00, after the Saturday range', '2026-01-17T15:00:00Z', false],
    ['Sunday noon, closed all day', '2026-01-18T12:00:00Z', false],
  ])('%s', async (_, iso, isOpen) => {
    const transcript = await callAt(iso, { input: ['0'] });
    expect(spoken(transcript)[0]).toBe(isOpen ? welcome : closed);
    if (!isOpen) expect(spoken(transcript)).toEqual([closed, voicemailPrompt, voicemailEnd]);
  });

  it.each([
    ['Christmas Day', '2026-12-25T10:00:00Z'],
    ['New Year range, day one', '2026-12-31T10:00:00Z'],
    ['New Year range, last day', '2027-01-01T10:00:00Z'],
  ])('%s plays the holiday message, then voicemail', async (_, iso) => {
    const transcript = await callAt(iso, {});
    expect(spoken(transcript)).toEqual(['Our office is closed for the holiday.', voicemailPrompt, voicemailEnd]);
  });

  it('support has its own hours: Saturday 10:30 the office is open but support is not, so 2 goes to voicemail', async () => {
    const transcript = await callAt('2026-01-17T10:30:00Z', { input: ['2'] });
    expect(spoken(transcript)).toEqual([welcome, menu, voicemailPrompt, voicemailEnd]);
  });
});
