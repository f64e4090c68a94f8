import type http from 'node:http';
import { toNodeListener, type CallEvent, type FetchHandler, type Logger, type Store } from '@callflow/core';
import { createTelnyxHandler, startTelnyxCall, type TelnyxClient } from '@callflow/telnyx';
import { createTwilioHandler, startTwilioCall, type TwilioCallsClient } from '@callflow/twilio';
import { createVonageHandler, startVonageCall, type VonageCallsClient, type VonageVoiceClient } from '@callflow/vonage';
import { createReminderFlow, type ReminderChoice } from './reminder-flow.js';

/** One reminder to place. */
export interface Reminder {
  name: string;
  /** E.164 number to call. */
  phone: string;
  /** The appointment, as it is spoken. */
  date: string;
}

/** How one reminder ended: the person's choice, a voicemail left, or why nobody took it. */
export type ReminderOutcome = 'confirmed' | 'reschedule' | 'voicemail' | 'no-reply' | 'busy' | 'no-answer' | 'failed';

/** The record of one reminder call, filled by the lifecycle hooks and the flow. */
export interface ReminderRecord extends Reminder {
  callId: string;
  outcome: ReminderOutcome;
  /** Every lifecycle event of the call, in order. */
  events: CallEvent[];
}

/** The provider and its credentials and client (a real SDK client in production, the emulator's in tests). */
export type ReminderProvider =
  | { name: 'twilio'; authToken: string; client: TwilioCallsClient }
  | { name: 'vonage'; signatureSecret: string; client: VonageCallsClient & VonageVoiceClient }
  | { name: 'telnyx'; publicKey: string; client: TelnyxClient; connectionId: string };

/** Settings of the reminder service. */
export interface ReminderAppOptions {
  provider: ReminderProvider;
  /** The public URL of the webhook (Twilio voice URL, Vonage base URL; Telnyx uses its application's webhook URL). */
  publicUrl: string;
  secret: string;
  /** The clinic's number, shown as caller id. */
  from: string;
  store?: Store;
  logger?: Logger;
}

/** The reminder service: one webhook handler and a campaign that calls a list one call at a time. */
export interface ReminderApp {
  listener: http.RequestListener;
  /** Calls each reminder in turn (the next once the last has ended) and resolves with every record. */
  remindAll(list: readonly Reminder[]): Promise<ReminderRecord[]>;
}

/**
 * Builds the service on one provider. The outcome of each call comes from the lifecycle hooks (`onCallEvent`: who
 * answered, busy, no answer, ended) and from the flow (what was pressed).
 * @example const app = createReminderApp({ provider: { name: 'twilio', authToken, client: twilio(sid, authToken) }, publicUrl, secret, from });
 */
export function createReminderApp(options: ReminderAppOptions): ReminderApp {
  const records = new Map<string, ReminderRecord>();
  const choices = new Map<string, ReminderChoice>();
  const pending = new Map<string, CallEvent[]>();
  const ended = new Map<string, () => void>();

  function onCallEvent(event: CallEvent): void {
    const record = records.get(event.callId);
    if (!record) {
      // An event may come before calls.create has answered with the call's id.
      pending.set(event.callId, [...(pending.get(event.callId) ?? []), event]);
      return;
    }
    apply(record, event);
  }

  function apply(record: ReminderRecord, event: CallEvent): void {
    record.events.push(event);
    if (event.type === 'call-answered' && event.answeredBy === 'machine') record.outcome = 'voicemail';
    if (event.type !== 'call-ended') return;
    if (event.status !== 'completed')
      record.outcome = event.status === 'busy' ? 'busy' : event.status === 'no-answer' ? 'no-answer' : 'failed';
    else if (record.outcome !== 'voicemail') record.outcome = choices.get(record.callId) ?? 'no-reply';
    ended.get(record.callId)?.();
  }

  const flow = createReminderFlow((callId, choice) => void choices.set(callId, choice));
  const common = { flow, secret: options.secret, store: options.store, logger: options.logger, onCallEvent };
  const { provider } = options;
  let handler: FetchHandler;
  let place: (reminder: Reminder) => Promise<{ callId: string }>;
  const call = (reminder: Reminder) => ({ to: reminder.phone, from: options.from, vars: { name: reminder.name, date: reminder.date } });
  if (provider.name === 'twilio') {
    const twilio = createTwilioHandler({ ...common, publicBaseUrl: options.publicUrl, authToken: provider.authToken });
    handler = twilio;
    place = (reminder) => startTwilioCall(provider.client, twilio, call(reminder));
  } else if (provider.name === 'vonage') {
    const vonage = createVonageHandler({
      ...common,
      publicBaseUrl: options.publicUrl,
      signatureSecret: provider.signatureSecret,
      voiceClient: provider.client,
    });
    handler = vonage;
    place = (reminder) => startVonageCall(provider.client, vonage, call(reminder));
  } else {
    const telnyx = createTelnyxHandler({ ...common, publicKey: provider.publicKey, client: provider.client });
    handler = telnyx;
    place = (reminder) => startTelnyxCall(provider.client, telnyx, { ...call(reminder), connectionId: provider.connectionId });
  }

  async function remind(reminder: Reminder): Promise<ReminderRecord> {
    let done!: () => void;
    const over = new Promise<void>((resolve) => (done = resolve));
    const { callId } = await place(reminder);
    const record: ReminderRecord = { ...reminder, callId, outcome: 'no-reply', events: [] };
    records.set(callId, record);
    ended.set(callId, done);
    for (const event of pending.get(callId) ?? []) apply(record, event);
    pending.delete(callId);
    await over;
    return record;
  }

  return {
    listener: toNodeListener(handler),
    async remindAll(list) {
      const out: ReminderRecord[] = [];
      for (const reminder of list) out.push(await remind(reminder));
      return out;
    },
  };
}
