import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineFlow, gather, hangup, say, transfer, type Outcome } from '@callflow/core';
import {
  createVonageHandler,
  parseVonageAnswer,
  parseVonageConnectEvent,
  parseVonageEvent,
  parseVonageInput,
  parseVonageRecordEvent,
  signVonageRequest,
} from '@callflow/vonage';

// The corpus: Vonage's documented webhooks (fixtures/provider-docs/*.json, each naming its source), fed through the
// public parsers and, for a connect leg's events, through the handler.
const folder = new URL('./fixtures/provider-docs/', import.meta.url);
type Fixture = { _source: string[]; _webhook: string; body?: Record<string, unknown>; query?: string };
const fixtures = new Map(
  readdirSync(folder)
    .filter((name) => name.endsWith('.json') && name !== 'enums.json')
    .map((name) => [name.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(name, folder), 'utf8')) as Fixture] as const),
);
const enums = JSON.parse(readFileSync(new URL('enums.json', folder), 'utf8')) as Record<string, string[]>;
const eventFixtures = [...fixtures].filter(([name]) => name.startsWith('event-'));
/** The documented status of an event; the transfer event says it in `type` instead. */
const statusOf = (body: Record<string, unknown>) => (body.status ?? body.type) as string;
const bodyFor = (status: string) =>
  eventFixtures.find(([, fixture]) => statusOf(fixture.body!) === status)?.[1].body ?? {
    uuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
    status,
    timestamp: '2020-01-01T12:00:00.000Z',
  };

// What each documented status means on a connect leg: the failed attempt's outcome, or progress to ignore.
const connectOutcome: Record<string, Outcome['type'] | 'progress'> = {
  started: 'progress',
  ringing: 'progress',
  answered: 'progress',
  human: 'progress',
  machine: 'progress',
  completed: 'progress',
  disconnected: 'progress',
  transfer: 'progress',
  record: 'progress',
  input: 'progress',
  busy: 'dial',
  cancelled: 'dial',
  unanswered: 'dial',
  rejected: 'dial',
  failed: 'dial',
  timeout: 'dial',
};
const dialStatus: Record<string, string> = {
  busy: 'busy',
  cancelled: 'canceled',
  unanswered: 'no-answer',
  timeout: 'no-answer',
  rejected: 'failed',
  failed: 'failed',
};

describe('Vonage documented webhooks through the parsers', () => {
  it('every documented event status has a payload in the corpus or its own webhook, each naming its source', () => {
    const statuses = eventFixtures.map(([, fixture]) => statusOf(fixture.body!));
    for (const status of enums['event status']!)
      expect(statuses.includes(status) || ['record', 'input'].includes(status), status).toBe(true);
    for (const [name, fixture] of fixtures) expect(fixture._source.length, name).toBeGreaterThan(0);
  });

  it.each(enums['event status']!)('connect event %s', (status) => {
    expect(connectOutcome[status], `no expectation for documented status ${status}`).toBeDefined();
    const body = bodyFor(status);
    const event = parseVonageConnectEvent(body);
    if (connectOutcome[status] === 'progress') expect(event).toEqual({ kind: 'progress', status });
    else expect(event).toEqual({ kind: 'outcome', outcome: { type: 'dial', status: dialStatus[status], raw: status } });
  });

  it.each(eventFixtures.map(([name, fixture]) => [name, fixture] as const))('%s on the event_url names its call', (_, fixture) => {
    expect(parseVonageEvent(fixture.body).callId).toBe('aaaaaaaa-bbbb-cccc-dddd-0123456789ab');
  });

  it("captured events from Vonage's PHP SDK tests: a failure with its detail, an error event", () => {
    expect(parseVonageConnectEvent(fixtures.get('sdk-event-failed-detail')!.body)).toEqual({
      kind: 'outcome',
      outcome: { type: 'dial', status: 'failed', raw: 'failed:cannot_route' },
    });
    expect(parseVonageConnectEvent(fixtures.get('sdk-error')!.body)).toEqual({ kind: 'progress', status: 'error' });
  });

  it('the answer webhook, GET and POST', () => {
    const query = Object.fromEntries(new URLSearchParams(fixtures.get('answer-get')!.query));
    for (const fields of [query, fixtures.get('answer-post')!.body!] as Array<Record<string, unknown>>) {
      expect(parseVonageAnswer(fields)).toEqual({
        callId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
        from: fields.from,
        to: fields.to,
        provider: 'vonage',
        conversationId: 'CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
      });
    }
  });

  it.each([
    ['input-dtmf', { type: 'digits', digits: '42' }],
    ['input-dtmf-legacy', { type: 'digits', digits: '42' }],
    ['input-timeout', { type: 'no-input' }],
    ['input-speech', { type: 'speech', text: 'sales', confidence: 0.9405097 }],
  ] as const)('%s → %j', (name, outcome) => {
    expect(parseVonageInput(fixtures.get(name)!.body)).toEqual(outcome);
  });

  it.each(enums['speech timeout_reason']!)('speech that timed out (%s) without results is no input', (reason) => {
    expect(parseVonageInput({ uuid: 'u', speech: { timeout_reason: reason, results: [] } })).toEqual({ type: 'no-input' });
  });

  it('the record event', () => {
    expect(parseVonageRecordEvent(fixtures.get('record')!.body)).toEqual({
      type: 'recording',
      url: 'https://api.nexmo.com/v1/files/bbbbbbbb-aaaa-cccc-dddd-0123456789ab',
      durationSeconds: 14,
    });
  });
});

describe("through the handler: every documented status on a connect leg's eventUrl is answered, never a 400", () => {
  const signatureSecret = 'corpus-signature-secret';
  const base = 'https://ivr.example.com/vonage';
  const flow = defineFlow({
    name: 'corpus',
    start: 'menu',
    nodes: {
      menu: [gather({ prompt: [say('Press 1 for sales.')], numDigits: 1, routes: { '1': 'sales' } })],
      sales: [transfer('+15005550006', { then: 'after', onBusy: 'fallback', onNoAnswer: 'fallback', onFailed: 'fallback' })],
      fallback: [say('Nobody is free.'), hangup()],
      after: [say('Thank you.'), hangup()],
    },
  });

  async function connectUrl() {
    const handler = createVonageHandler({ flow, secret: 'corpus-secret-0123456789', publicBaseUrl: base, signatureSecret });
    const post = async (url: string, body: unknown) => handler(await signVonageRequest({ url, body, signatureSecret }));
    const answer = fixtures.get('answer-get')!.query!;
    const first = (await (
      await handler(await signVonageRequest({ url: `${base}/answer?${answer}`, method: 'GET', signatureSecret }))
    ).json()) as Array<Record<string, unknown>>;
    const inputUrl = (first.find((action) => action.action === 'input')!.eventUrl as string[])[0]!;
    const second = (await (
      await post(inputUrl, { ...fixtures.get('input-dtmf')!.body, dtmf: { digits: '1', timed_out: false } })
    ).json()) as Array<Record<string, unknown>>;
    const connect = second.find((action) => action.action === 'connect')!;
    return { post, url: (connect.eventUrl as string[])[0]! };
  }

  it.each(enums['event status']!)('%s', async (status) => {
    const { post, url } = await connectUrl();
    const body = bodyFor(status);
    const response = await post(url, body);
    expect(response.status, `${status}: ${await response.clone().text()}`).toBeLessThan(300);
    if (connectOutcome[status] === 'dial') expect(JSON.stringify(await response.json())).toContain('Nobody is free.');
  });
});
