import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Vonage } from '@vonage/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallControlClient } from '@callflow/telnyx';
import {
  createTelnyxEmulator,
  createTwilioEmulator,
  createVonageEmulator,
  type CallScript,
  type CallTranscript,
  type TelnyxEmulator,
  type VonageEmulator,
} from '@callflow/testing';
import { createReminderApp, type Reminder, type ReminderApp, type ReminderRecord } from '../src/app.js';

const secret = 'reminder-secret-0123456789abcdef';
const clinic = '+15559870000';
const list: Reminder[] = [
  { name: 'Ada', phone: '+15551230001', date: 'Monday at 9' },
  { name: 'Grace', phone: '+15551230002', date: 'Tuesday at 10' },
  { name: 'Alan', phone: '+15551230003', date: 'Wednesday at 11' },
  { name: 'Edsger', phone: '+15551230004', date: 'Thursday at 12' },
  { name: 'Barbara', phone: '+15551230005', date: 'Friday at 1' },
];
/** Human confirms, human reschedules, a machine, nobody answers, busy. */
const scripts: CallScript[] = [{ input: ['1'] }, { input: ['2'] }, { pickup: 'machine' }, { pickup: 'no-answer' }, { pickup: 'busy' }];

interface Run {
  records: ReminderRecord[];
  transcripts: CallTranscript[];
}

const servers: Server[] = [];
const closers: Array<() => Promise<void>> = [];

async function serve(app: () => ReminderApp): Promise<string> {
  const server = createServer((request, response) => app().listener(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function onTwilio(): Promise<Run> {
  let app!: ReminderApp;
  const url = `${await serve(() => app)}/twilio`;
  const authToken = 'reminder-twilio-auth-token-0123';
  const twilio = createTwilioEmulator({ voiceUrl: url, authToken });
  app = createReminderApp({ provider: { name: 'twilio', authToken, client: twilio.client }, publicUrl: url, secret, from: clinic });
  twilio.scriptOutbound(...scripts);
  const records = await app.remindAll(list);
  return { records, transcripts: await Promise.all(twilio.outboundCalls.map((placed) => placed.transcript)) };
}

async function onVonage(): Promise<Run> {
  let app!: ReminderApp;
  const url = `${await serve(() => app)}/vonage`;
  const signatureSecret = 'reminder-vonage-signature-secret';
  const vonage: VonageEmulator = await createVonageEmulator({ answerUrl: `${url}/answer`, eventUrl: `${url}/event`, signatureSecret });
  closers.push(() => vonage.close());
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const client = new Vonage({ applicationId: 'app-1', privateKey }, { apiHost: vonage.apiUrl });
  app = createReminderApp({ provider: { name: 'vonage', signatureSecret, client }, publicUrl: url, secret, from: clinic });
  vonage.scriptOutbound(...scripts);
  const records = await app.remindAll(list);
  return { records, transcripts: await Promise.all(vonage.outboundCalls.map((placed) => placed.transcript)) };
}

async function onTelnyx(): Promise<Run> {
  let app!: ReminderApp;
  const url = `${await serve(() => app)}/telnyx`;
  const telnyx: TelnyxEmulator = await createTelnyxEmulator({ webhookUrl: url });
  closers.push(() => telnyx.close());
  const client = createCallControlClient({ apiKey: 'KEY-reminder', baseUrl: telnyx.apiBaseUrl });
  app = createReminderApp({
    provider: { name: 'telnyx', publicKey: telnyx.publicKey, client, connectionId: 'reminders' },
    publicUrl: url,
    secret,
    from: clinic,
  });
  telnyx.scriptOutbound(...scripts);
  const records = await app.remindAll(list);
  return { records, transcripts: await Promise.all(telnyx.outboundCalls.map((placed) => placed.transcript)) };
}

const runs: Record<'twilio' | 'vonage' | 'telnyx', Run> = {} as never;

beforeAll(async () => {
  runs.twilio = await onTwilio();
  runs.vonage = await onVonage();
  runs.telnyx = await onTelnyx();
}, 60_000);

afterAll(async () => {
  for (const close of closers) await close();
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The lifecycle events without what differs by nature between providers (ids, the provider's own cause, durations). */
const lifecycle = (record: ReminderRecord) =>
  record.events.map((event) => {
    const { callId: _id, provider: _provider, ...rest } = event;
    if (rest.type === 'call-ended') return { type: rest.type, status: rest.status, endedBy: rest.endedBy };
    return rest;
  });

describe('appointment reminders through the emulators', () => {
  it.each(['twilio', 'vonage', 'telnyx'] as const)(
    '%s: every reminder gets its outcome from the lifecycle hooks and the keypress',
    (provider) => {
      const { records, transcripts } = runs[provider];
      expect(transcripts.flatMap((transcript) => transcript.errors)).toEqual([]);
      expect(records.map((record) => [record.name, record.outcome])).toEqual([
        ['Ada', 'confirmed'],
        ['Grace', 'reschedule'],
        ['Alan', 'voicemail'],
        ['Edsger', 'no-answer'],
        ['Barbara', 'busy'],
      ]);
      expect(transcripts[0]!.entries).toEqual([
        { type: 'answered', by: 'human' },
        { type: 'say', text: 'Hello Ada, this is Riverside Clinic with a reminder of your appointment on Monday at 9.' },
        { type: 'say', text: 'Press 1 to confirm, or 2 to reschedule.' },
        { type: 'input', digits: '1' },
        { type: 'say', text: 'Thank you, your appointment is confirmed. Goodbye.' },
        { type: 'hangup', by: 'flow' },
      ]);
      expect(
        transcripts[2]!.entries.filter((entry) => entry.type === 'say').map((entry) => (entry.type === 'say' ? entry.text : '')),
      ).toEqual([
        'Hello Alan, this is Riverside Clinic with a reminder of your appointment on Wednesday at 11.',
        'Please call us back on 0 1 2 3 4 5 6 7 8 9 to confirm. Goodbye.',
      ]);
      expect(lifecycle(records[2]!)).toEqual([
        { type: 'call-started', direction: 'outbound', from: clinic, to: '+15551230003' },
        { type: 'call-answered', direction: 'outbound', answeredBy: 'machine' },
        { type: 'call-ended', status: 'completed', endedBy: 'flow' },
      ]);
      expect(lifecycle(records[4]!)).toEqual([
        { type: 'call-started', direction: 'outbound', from: clinic, to: '+15551230005' },
        { type: 'call-ended', status: 'busy', endedBy: 'far-end' },
      ]);
    },
  );

  it('gives identical transcripts and identical lifecycle events on the three providers', () => {
    const entries = (run: Run) => run.transcripts.map((transcript) => transcript.entries);
    const events = (run: Run) => run.records.map(lifecycle);
    expect(entries(runs.vonage)).toEqual(entries(runs.twilio));
    expect(entries(runs.telnyx)).toEqual(entries(runs.twilio));
    expect(events(runs.vonage)).toEqual(events(runs.twilio));
    expect(events(runs.telnyx)).toEqual(events(runs.twilio));
  });
});
