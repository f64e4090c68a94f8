import assert from 'node:assert/strict';
import {
  CallFlowError,
  createMemoryStore,
  defineFlow,
  gather,
  hangup,
  replyHandlerOf,
  say,
  type CallEvent,
  type FetchHandler,
  type Flow,
  type Logger,
  type Store,
} from '@callflow/core';

/** The providers the conformance suite holds to the handler contract; a new one fails the type check until its driver and goldens exist. */
export type ConformanceProvider = 'twilio' | 'vonage' | 'telnyx';

/** One behaviour every provider handler must have; `run` throws (node:assert) when it does not. */
export interface HandlerConformanceCase {
  name: string;
  run(): Promise<void>;
}

const secret = 'conformance-secret-0123456789';
const credential = 'conformance-credential-6f1d2a9c';
const callId = 'conformance-call-0001';
const publicBaseUrl = 'https://ivr.example.com/hook';

/** The values a provider's driver builds its handler and webhooks with; the suite checks against the same ones. */
export const conformanceContext = { secret, credential, callId, publicBaseUrl } as const;
const apology = 'Sorry, we changed our menu.';

/** The flow every case runs: a menu; pressing 1 says goodbye. */
export const conformanceFlow: Flow = defineFlow({
  name: 'conformance',
  start: 'menu',
  defaults: { apology },
  nodes: {
    menu: [gather({ prompt: [say('Press 1.')], numDigits: 1, routes: { '1': 'bye' } })],
    bye: [say('Goodbye from the conformance flow.'), hangup()],
  },
});

/** The same flow after a redeploy that removed the menu: tokens of the old menu are authentic but orphaned. */
const redeployed: Flow = defineFlow({
  name: 'conformance',
  start: 'bye',
  defaults: { apology },
  nodes: { bye: [say('Goodbye from the conformance flow.'), hangup()] },
});

/** What a provider's handler says at each step of the conformance call, as text found in its reply or commands. */
export interface StepGoldens {
  /** The first turn: the menu prompt and the gather. */
  menu: readonly string[];
  /** After pressing 1. */
  bye: readonly string[];
  /** The apology for an orphaned position. */
  apology: readonly string[];
}

/** Step goldens, one entry per provider: reviewed by hand, in each provider's own words. */
export const handlerStepGoldens: Record<ConformanceProvider, StepGoldens> = {
  twilio: {
    menu: ['<Gather', 'numDigits="1"', '<Say>Press 1.</Say>'],
    bye: ['<Say>Goodbye from the conformance flow.</Say>', '<Hangup/>'],
    apology: [`<Say>${apology}</Say>`, '<Hangup/>'],
  },
  vonage: {
    menu: ['"action":"talk"', '"text":"Press 1."', '"action":"input"', '"maxDigits":1'],
    bye: ['"text":"Goodbye from the conformance flow."'],
    apology: [`"text":"${apology}"`],
  },
  telnyx: {
    menu: ['answer', 'gather_using_speak', 'Press 1.'],
    bye: ['speak', 'Goodbye from the conformance flow.'],
    apology: ['speak', apology],
  },
};

/** Asserts that an output holds every golden fragment of a step, in the provider's words. */
export function expectStepGolden(provider: ConformanceProvider, step: keyof StepGoldens, output: string): void {
  for (const fragment of handlerStepGoldens[provider][step])
    assert.ok(output.includes(fragment), `${provider} ${step}: expected ${JSON.stringify(fragment)} in ${output.slice(0, 400)}`);
}

/** A handler under test and how to read what it sent. */
export interface HandlerConformanceSubject {
  handler: FetchHandler;
  /** What the provider was sent since the last call: the reply body, plus the commands (Telnyx). */
  output(response: Response): Promise<string>;
  /** The token of the position the last output waits at. */
  lastToken(output: string): string;
  /**
   * An outbound call placed with the provider's `startCall` through a fake REST client that keeps the request, and
   * the signed answer webhook the provider then sends (the call answered by a human); `forged` alters the start's
   * token before the webhook is signed, as an attacker who can sign nothing else would.
   */
  outboundAnswer(options: { node: string; forged?: boolean }): Promise<Request>;
}

/** What the suite passes when it builds a handler. */
export interface HandlerConformanceSubjectOptions {
  flow?: Flow;
  store?: Store;
  logger: Logger;
}

/**
 * How the suite drives one provider's handler: build it, sign its webhooks, read its answers. Each provider package
 * writes its own driver beside its test, so @callflow/testing imports no adapter.
 */
export interface HandlerConformanceDriver {
  credentialOption: string;
  /** A credential that looks set but can never verify a webhook, refused at creation. */
  unusableCredential: unknown;
  create(options: HandlerConformanceSubjectOptions, overrides?: Record<string, unknown>): HandlerConformanceSubject;
  start(): Promise<Request>;
  /** The webhook reporting `digits` for the position in `token`; `body` varies to tell a new visit from a repeat. */
  digits(token: string, digits: string, body?: string): Promise<Request>;
  /** A signed webhook whose body cannot be read. */
  malformed(): Promise<Request>;
  /**
   * The signed lifecycle webhook saying the call (at the position of `token`) ended, completed after some seconds:
   * the same `delivery` gives the same webhook, as a provider's redelivery does.
   */
  callEnded(token: string, delivery: string): Promise<Request>;
  /** The same webhook without its signature. */
  unsigned(request: Request): Promise<Request>;
  /** Whether an output moved the call (a document with content, or commands sent). */
  acted(output: string): boolean;
}

/** A store whose every call fails as a lost Redis does. */
function downStore(): Store {
  const fail = async (): Promise<never> => {
    throw new CallFlowError('store-unavailable', 'conformance store is down');
  };
  return { get: fail, set: fail, delete: fail, compareAndSet: fail } as unknown as Store;
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${fields ? JSON.stringify(fields) : ''}`);
  return { lines, info: push('info'), warn: push('warn'), error: push('error') };
}

/**
 * The handler contract every provider package runs in one line, with the driver it writes for its protocol:
 * @example for (const { name, run } of handlerConformanceCases('twilio', twilioDriver)) it(name, run);
 */
export function handlerConformanceCases(provider: ConformanceProvider, driver: HandlerConformanceDriver): HandlerConformanceCase[] {
  const logs: string[] = [];
  const subject = (options: Partial<HandlerConformanceSubjectOptions> = {}, overrides?: Record<string, unknown>) => {
    const logger = recordingLogger();
    const made = driver.create({ logger, ...options }, overrides);
    return { ...made, logger, lines: logger.lines, done: () => logs.push(...logger.lines) };
  };
  /** Starts a call: the output of the first turn and the menu's token. */
  const startCall = async (made: ReturnType<typeof subject>) => {
    const response = await made.handler(await driver.start());
    assert.equal(response.status, 200, `${provider}: start answers 200`);
    const output = await made.output(response);
    return { output, token: made.lastToken(output) };
  };
  const cases: HandlerConformanceCase[] = [
    {
      name: 'options are checked at creation, naming the option',
      async run() {
        const logger = recordingLogger();
        assert.throws(
          () => driver.create({ logger }, { [driver.credentialOption]: undefined }),
          new RegExp(`invalid handler options: ${driver.credentialOption}`),
        );
        assert.throws(
          () => driver.create({ logger }, { [driver.credentialOption]: driver.unusableCredential }),
          new RegExp(`invalid handler options: ${driver.credentialOption}`),
        );
        assert.throws(() => driver.create({ logger }, { secret: undefined }), /invalid handler options: secret/);
        assert.throws(() => driver.create({ logger }, { secret: 'short' }), /secret every secret must be/);
        assert.throws(
          () => driver.create({ logger }, { publicBaseUrl: 'ivr.example.com/hook' }),
          /publicBaseUrl '.*' is not an absolute URL/,
        );
        assert.throws(() => driver.create({ logger }, { maxBodyBytes: -1 }), /maxBodyBytes must be a positive integer/);
        // The explicit local switch still works without credentials.
        driver.create({ logger }, { [driver.credentialOption]: undefined, verifySignatures: false });
      },
    },
    {
      name: 'the first turn renders the menu (step golden)',
      async run() {
        const made = subject();
        const { output, token } = await startCall(made);
        expectStepGolden(provider, 'menu', output);
        assert.ok(token.length > 20, `${provider}: the menu carries a continuation token`);
        made.done();
      },
    },
    {
      name: 'a missing or bad signature is 403 and never a flow turn',
      async run() {
        const made = subject();
        const unsigned = await made.handler(await driver.unsigned(await driver.start()));
        assert.equal(unsigned.status, 403);
        const tampered = await driver.start();
        const bad = new Request(tampered.url, { method: 'POST', headers: tampered.headers, body: `${await tampered.text()} ` });
        const response = await made.handler(bad);
        assert.equal(response.status, 403);
        assert.ok(!driver.acted(await made.output(response)), 'no flow turn for an unauthenticated request');
        assert.ok(
          made.lines.some((line) => line.includes('webhook refused (403)')),
          'the refusal is logged',
        );
        made.done();
      },
    },
    {
      name: 'a forged or foreign token is 403',
      async run() {
        const made = subject();
        const { token } = await startCall(made);
        const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
        const response = await made.handler(await driver.digits(forged, '1'));
        assert.equal(response.status, 403);
        assert.ok(!driver.acted(await made.output(response)));
        const other = subject();
        const foreign = await other.handler(await driver.digits('eyJmb3JlaWduIjp0cnVlfQ.AAAAAAAAAAAAAAAAAAAAAA', '1'));
        assert.equal(foreign.status, 403);
        made.done();
        other.done();
      },
    },
    {
      name: 'pressing 1 moves the call on (step golden); a repeated delivery is acted on once; a stale one not at all',
      async run() {
        const made = subject();
        const { token } = await startCall(made);
        const delivery = await driver.digits(token, '1', 'first');
        const first = await made.handler(delivery.clone());
        assert.equal(first.status, 200);
        const firstOutput = await made.output(first);
        expectStepGolden(provider, 'bye', firstOutput);
        // The very same delivery again (a provider retry): the same document back, or an acknowledgement with nothing sent.
        const repeat = await made.handler(delivery.clone());
        assert.ok(repeat.status === 200 || repeat.status === 204, `${provider}: a repeat is not refused (${repeat.status})`);
        const repeatOutput = await made.output(repeat);
        if (driver.acted(repeatOutput)) assert.equal(repeatOutput, firstOutput, 'a repeat gets the same document, nothing new');
        const stale = await made.handler(await driver.digits(token, '1', 'later'));
        assert.ok(stale.status === 200 || stale.status === 204, `${provider}: a stale delivery is acknowledged (${stale.status})`);
        assert.ok(!driver.acted(await made.output(stale)), 'a stale delivery does not move the call');
        made.done();
      },
    },
    {
      name: 'an orphaned position (flow redeployed) gets the apology, not a 403',
      async run() {
        const store = createMemoryStore();
        const before = subject({ store });
        const { token } = await startCall(before);
        const after = subject({ store, flow: redeployed });
        const response = await after.handler(await driver.digits(token, '1'));
        assert.equal(response.status, 200);
        expectStepGolden(provider, 'apology', await after.output(response));
        before.done();
        after.done();
      },
    },
    {
      name: 'a store that is down is 503 (the provider retries), never an apology',
      async run() {
        const made = subject({ store: downStore() });
        const response = await made.handler(await driver.start());
        assert.equal(response.status, 503);
        made.done();
      },
    },
    {
      name: 'an oversized body is 413, before its signature is checked',
      async run() {
        const made = subject({}, { maxBodyBytes: 2048 });
        const big = 'x'.repeat(4096);
        const response = await made.handler(
          new Request(`${publicBaseUrl}/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big }),
        );
        assert.equal(response.status, 413);
        const fields = await made.handler(
          new Request(publicBaseUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: Array.from({ length: 1500 }, (_, index) => `f${index}=1`).join('&'),
          }),
        );
        assert.equal(fields.status, 413);
        made.done();
      },
    },
    {
      name: 'a malformed Host or URL is 400',
      async run() {
        const made = subject();
        const reply = replyHandlerOf(made.handler);
        assert.ok(reply, 'the handler has a reply form');
        const result = await reply({
          method: 'POST',
          url: 'http://bad host:x/hook',
          headers: { get: () => null, has: () => false },
          text: async () => '',
        });
        assert.equal(result.status, 400);
        made.done();
      },
    },
    {
      name: 'a malformed body is 400',
      async run() {
        const made = subject();
        const response = await made.handler(await driver.malformed());
        assert.equal(response.status, 400);
        assert.ok(!driver.acted(await made.output(response)));
        made.done();
      },
    },
    {
      name: 'a signed outbound start runs the flow from its node',
      async run() {
        const made = subject();
        const response = await made.handler(await made.outboundAnswer({ node: 'bye' }));
        assert.equal(response.status, 200, `${provider}: a signed outbound answer is 200`);
        expectStepGolden(provider, 'bye', await made.output(response));
        made.done();
      },
    },
    {
      name: 'a forged outbound start is 403 and never a flow turn',
      async run() {
        const made = subject();
        const response = await made.handler(await made.outboundAnswer({ node: 'bye', forged: true }));
        assert.equal(response.status, 403, `${provider}: a forged start token is refused (${response.status})`);
        assert.ok(!driver.acted(await made.output(response)), 'no flow turn for a forged start');
        made.done();
      },
    },
    {
      name: 'a lifecycle event delivered twice is reported once',
      async run() {
        const events: CallEvent[] = [];
        const made = subject({}, { onCallEvent: (event: CallEvent) => void events.push(event) });
        const { token } = await startCall(made);
        const ended = await driver.callEnded(token, 'end-1');
        const first = await made.handler(ended.clone());
        const again = await made.handler(ended.clone());
        for (const response of [first, again])
          assert.ok(response.status >= 200 && response.status <= 299, `${provider}: the call's end is acknowledged (${response.status})`);
        await made.output(again);
        const endings = events.filter((event) => event.type === 'call-ended');
        assert.equal(endings.length, 1, `${provider}: call-ended once, got ${JSON.stringify(endings)}`);
        assert.equal(endings[0]!.callId, callId);
        assert.deepEqual(
          events.filter((event) => event.type === 'call-started').map((event) => event.callId),
          [callId],
        );
        made.done();
      },
    },
    {
      name: 'a lifecycle event with a bad signature is 403 and reports nothing',
      async run() {
        const events: CallEvent[] = [];
        const made = subject({}, { onCallEvent: (event: CallEvent) => void events.push(event) });
        const { token } = await startCall(made);
        const ended = await driver.callEnded(token, 'end-2');
        const unsigned = await made.handler(await driver.unsigned(ended.clone()));
        assert.equal(unsigned.status, 403);
        const tampered = new Request(ended.url, { method: 'POST', headers: ended.headers, body: `${await ended.text()} ` });
        assert.equal((await made.handler(tampered)).status, 403);
        assert.deepEqual(
          events.filter((event) => event.type === 'call-ended'),
          [],
          `${provider}: nothing reported for a refused webhook`,
        );
        made.done();
      },
    },
    {
      name: 'no secret, credential or token in any log line',
      async run() {
        assert.ok(logs.length > 0, 'the cases above logged something');
        for (const line of logs) {
          assert.ok(!line.includes(secret), `token secret in: ${line}`);
          assert.ok(!line.includes(credential), `credential in: ${line}`);
          assert.ok(!/[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/.test(line), `token in: ${line}`);
        }
      },
    },
  ];
  return cases;
}
