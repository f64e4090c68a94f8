import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { defineFlow, enqueue, gather, hangup, record, say, transfer, type Outcome } from '@callflow/core';
import {
  createTwilioHandler,
  dialStatusOf,
  isTwilioCallEnded,
  parseTwilioWebhook,
  queueResultOf,
  twilioCallInfo,
  verifyTwilioSignature,
  type TwilioWebhookKind,
} from '../src/index.js';

// The corpus: Twilio's documented webhooks (fixtures/provider-docs/*.json, each naming its source), fed through the public
// parser and the handler, signed with the twilio SDK's own getExpectedTwilioSignature.
const folder = new URL('./fixtures/provider-docs/', import.meta.url);
const read = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, folder), 'utf8')) as T;
type Fixture = { _source: string[]; _kind: TwilioWebhookKind | 'start' | 'wait'; params: Record<string, string> };
const fixtures = new Map(
  readdirSync(folder)
    .filter((name) => name.endsWith('.json') && !['enums.json', 'signature-cases.json'].includes(name))
    .map((name) => [name.replace(/\.json$/, ''), read<Fixture>(name)] as const),
);
const enums = read<Record<string, string[]>>('enums.json');

const expected: Record<string, Outcome | 'start' | 'wait'> = {
  'voice-request': 'start',
  'gather-digits': { type: 'digits', digits: '1234' },
  'gather-speech': { type: 'speech', text: 'I would like to speak to sales.', confidence: 0.9335543 },
  'gather-empty': { type: 'no-input' },
  'record-action': { type: 'recording', url: fixtures.get('record-action')!.params.RecordingUrl, durationSeconds: 14 },
  'record-hangup': { type: 'recording', url: fixtures.get('record-hangup')!.params.RecordingUrl, durationSeconds: 9 },
  'dial-action': { type: 'dial', status: 'completed', raw: 'completed', durationSeconds: 42 },
  'enqueue-action': { type: 'queue', result: 'bridged', waitSeconds: 37 },
  'enqueue-wait': 'wait',
  'status-callback': { type: 'hangup', cause: 'completed' },
};

describe('Twilio documented webhooks through parseTwilioWebhook', () => {
  it('the corpus has every webhook the adapter handles, each naming its source', () => {
    expect([...fixtures.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, fixture] of fixtures) expect(fixture._source.length, name).toBeGreaterThan(0);
  });

  it.each([...fixtures].map(([name, fixture]) => [name, fixture] as const))('%s', (name, fixture) => {
    expect(twilioCallInfo(fixture.params)).toMatchObject({
      callId: fixture.params.CallSid,
      from: fixture.params.From,
      to: fixture.params.To,
    });
    const outcome = expected[name]!;
    if (outcome === 'start' || outcome === 'wait') return;
    expect(parseTwilioWebhook(fixture.params, fixture._kind as TwilioWebhookKind)).toEqual(outcome);
  });
});

describe('every documented enum value', () => {
  const dialByStatus: Record<string, string> = {
    completed: 'completed',
    answered: 'completed',
    busy: 'busy',
    'no-answer': 'no-answer',
    failed: 'failed',
    canceled: 'canceled',
  };
  it.each(enums.DialCallStatus!)('DialCallStatus %s', (status) => {
    expect(dialByStatus[status], `no expectation for ${status}`).toBeDefined();
    expect(dialStatusOf(status)).toBe(dialByStatus[status]);
  });

  const queueByResult: Record<string, string> = {
    bridged: 'bridged',
    'bridging-in-process': 'bridged',
    'redirected-from-bridged': 'bridged',
    error: 'error',
    'queue-full': 'error',
    'system-error': 'error',
    hangup: 'hangup',
    leave: 'left',
    redirected: 'left',
  };
  it.each(enums.QueueResult!)('QueueResult %s', (result) => {
    expect(queueByResult[result], `no expectation for ${result}`).toBeDefined();
    expect(queueResultOf(result)).toBe(queueByResult[result]);
  });

  it.each(enums.CallStatus!)('CallStatus %s: over or not', (status) => {
    expect(isTwilioCallEnded({ CallStatus: status })).toBe(['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(status));
  });

  it.each(enums.RecordingStatus!)('RecordingStatus %s beside a Record action still gives the recording', (status) => {
    const params: Record<string, string> = { ...fixtures.get('record-action')!.params, RecordingStatus: status };
    expect(parseTwilioWebhook(params, 'record')).toEqual({ type: 'recording', url: params.RecordingUrl, durationSeconds: 14 });
  });

  it('an undocumented value is still a clear invalid-webhook error', () => {
    expect(() => queueResultOf('teleported')).toThrow(/unknown QueueResult 'teleported'/);
    expect(() => dialStatusOf('maybe')).toThrow(/unknown DialCallStatus 'maybe'/);
  });
});

describe('through the handler: every documented value is a TwiML answer, never a 400', () => {
  const authToken = 'corpus-auth-token-0123456789abcdef';
  const publicBaseUrl = 'https://ivr.example.com/voice';
  const flow = defineFlow({
    name: 'corpus',
    start: 'menu',
    nodes: {
      menu: [
        gather({
          prompt: [say('Press 1 for the queue, 2 for sales, 3 for voicemail.')],
          numDigits: 1,
          routes: { '1': 'queue', '2': 'sales', '3': 'voicemail' },
        }),
      ],
      queue: [enqueue('support', { then: 'after' })],
      sales: [transfer('+15005550006', { then: 'after', onBusy: 'after', onNoAnswer: 'after', onFailed: 'after' })],
      voicemail: [record({ maxSeconds: 30, then: 'after' })],
      after: [say('Thank you.'), hangup()],
    },
  });
  const handler = createTwilioHandler({ flow, secret: 'corpus-secret-0123456789abcdef', authToken, publicBaseUrl });

  async function post(query: string, params: Record<string, string>): Promise<Response> {
    const signature = twilio.getExpectedTwilioSignature(authToken, `${publicBaseUrl}${query}`, params);
    return handler(
      new Request(`http://10.0.0.7:3000/voice${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      }),
    );
  }

  async function actionAfter(digit: string): Promise<string> {
    const start = fixtures.get('voice-request')!.params;
    const menu = await (await post('', start)).text();
    const menuQuery = /action="https:\/\/ivr\.example\.com\/voice(\?t=[^"&]+)"/.exec(menu)![1]!;
    const next = await (await post(menuQuery, { ...fixtures.get('gather-digits')!.params, Digits: digit })).text();
    return /(?:Enqueue|Dial|Record) action="https:\/\/ivr\.example\.com\/voice(\?t=[^"&]+)"/.exec(next)![1]!;
  }

  it.each(enums.QueueResult!)('Enqueue action with QueueResult %s', async (result) => {
    const query = await actionAfter('1');
    const response = await post(query, { ...fixtures.get('enqueue-action')!.params, QueueResult: result });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^<\?xml/);
  });

  it.each(enums.DialCallStatus!)('Dial action with DialCallStatus %s', async (status) => {
    const query = await actionAfter('2');
    const response = await post(query, { ...fixtures.get('dial-action')!.params, DialCallStatus: status });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Thank you.');
  });

  it.each(['record-action', 'record-hangup'])('Record action %s', async (name) => {
    const query = await actionAfter('3');
    const response = await post(query, fixtures.get(name)!.params);
    expect(response.status).toBe(200);
  });

  it.each(enums.CallStatus!)('status callback with CallStatus %s', async (status) => {
    const response = await post('?e=status', { ...fixtures.get('status-callback')!.params, CallStatus: status });
    expect(response.status).toBe(200);
  });
});

describe("twilio-node's own validateRequest cases", () => {
  const vectors = read<{ authToken: string; cases: Array<{ signed: string; checked: string; valid: boolean }> }>('signature-cases.json');
  it.each(vectors.cases.map((testCase) => [testCase.signed, testCase.checked, testCase] as const))(
    'signed %s, checked %s',
    async (_, __, testCase) => {
      const signature = twilio.getExpectedTwilioSignature(vectors.authToken, testCase.signed, {});
      expect(twilio.validateRequest(vectors.authToken, signature, testCase.checked, {})).toBe(testCase.valid);
      expect(await verifyTwilioSignature({ authToken: vectors.authToken, signature, url: testCase.checked, params: {} })).toBe(
        testCase.valid,
      );
      // What the handler sees of the checked URL: its WHATWG form.
      expect(
        await verifyTwilioSignature({ authToken: vectors.authToken, signature, url: new URL(testCase.checked).toString(), params: {} }),
      ).toBe(testCase.valid);
    },
  );
});
