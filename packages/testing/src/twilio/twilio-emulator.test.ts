import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { spoken } from '../script.js';
import { createTwilioEmulator } from './create-twilio-emulator.js';
import { twilioSignatureOf } from './sign-twilio-webhook.js';
import { parseXml, XmlSyntaxError } from './parse-xml.js';
import { validateTwiml } from './validate-twiml.js';

const authToken = 'emulator-token-0123456789abcdef';
type Route = (params: URLSearchParams, url: URL) => { status?: number; type?: string; body: string };
const routes = new Map<string, Route>();
const seen: Array<{ path: string; params: URLSearchParams; valid: boolean }> = [];
let server: http.Server;
let base: string;

const xml = (body: string) => ({ body: `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>` });

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', base);
      const params = new URLSearchParams(Buffer.concat(chunks).toString());
      const valid = twilio.validateRequest(
        authToken,
        String(request.headers['x-twilio-signature'] ?? ''),
        url.toString(),
        Object.fromEntries(params),
      );
      seen.push({ path: url.pathname + url.search, params, valid });
      const route = routes.get(url.pathname);
      const answer = route ? route(params, url) : { status: 404, body: 'no route' };
      response.statusCode = answer.status ?? 200;
      response.setHeader('content-type', answer.type ?? 'text/xml');
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function emulator(path = '/voice') {
  seen.length = 0;
  return createTwilioEmulator({ voiceUrl: `${base}${path}`, authToken });
}

describe('the Twilio emulator runs any valid TwiML', () => {
  it("signs every request so that twilio.validateRequest accepts it, with Twilio's call fields", async () => {
    routes.set('/signed', () => xml('<Say>Hi</Say><Redirect>/signed-2?x=1&amp;y=2</Redirect>'));
    routes.set('/signed-2', () => xml('<Hangup/>'));
    const transcript = await emulator('/signed').call({ from: '+15550001111', to: '+15550002222' });
    expect(transcript.errors).toEqual([]);
    expect(seen.map((request) => [request.path, request.valid])).toEqual([
      ['/signed', true],
      ['/signed-2?x=1&y=2', true],
    ]);
    expect(Object.fromEntries(seen[0]!.params)).toMatchObject({
      From: '+15550001111',
      To: '+15550002222',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    });
    expect(seen[0]!.params.get('CallSid')).toMatch(/^CA[0-9a-f]{32}$/);
    expect(seen[1]!.params.get('CallSid')).toBe(seen[0]!.params.get('CallSid'));
  });

  it('Gather without action posts to the current document URL; without actionOnEmptyResult silence falls through', async () => {
    routes.set('/menu', (params) =>
      params.has('Digits')
        ? xml(`<Say>You pressed ${params.get('Digits')}</Say>`)
        : xml('<Gather numDigits="1"><Say>Press a key</Say></Gather><Say>We did not get that</Say><Hangup/>'),
    );
    const pressed = await emulator('/menu').call({ input: ['42'] });
    expect(spoken(pressed)).toEqual(['Press a key', 'You pressed 4']);
    expect(pressed.endedBy).toBe('flow');
    const silent = await emulator('/menu').call({ input: [{ silence: true }] });
    expect(spoken(silent)).toEqual(['Press a key', 'We did not get that']);
    expect(silent.webhooks).toBe(1);
  });

  it('finishOnKey ends digit entry and is not reported; speech is ignored by a dtmf-only Gather', async () => {
    routes.set('/pin', (params, url) =>
      url.searchParams.has('done')
        ? xml(`<Say>${params.get('Digits') ?? ''}|${params.get('SpeechResult') ?? ''}|${params.get('Confidence') ?? ''}</Say>`)
        : xml('<Gather input="dtmf speech" actionOnEmptyResult="true" action="/pin?done=1"/>'),
    );
    expect(spoken(await emulator('/pin').call({ input: ['1234#9'] }))).toEqual(['1234||']);
    expect(spoken(await emulator('/pin').call({ input: [{ speech: 'my pin', confidence: 0.5 }] }))).toEqual(['|my pin|0.5']);
    expect(spoken(await emulator('/pin').call({ input: [{ silence: true }] }))).toEqual(['||']);
    routes.set('/dtmf-only', (params) => (params.has('Digits') ? xml('<Say>digits</Say>') : xml('<Gather/><Say>nothing</Say>')));
    expect(spoken(await emulator('/dtmf-only').call({ input: [{ speech: 'hello' }] }))).toEqual(['nothing']);
  });

  it('Dial reports DialCallStatus to its action, or goes on with the next verb without one', async () => {
    routes.set('/dial', (params) =>
      params.has('DialCallStatus')
        ? xml(`<Say>${params.get('DialCallStatus')} after ${params.get('DialCallDuration')}</Say>`)
        : xml('<Dial action="/dial" timeout="10">+15551112222</Dial>'),
    );
    const busy = await emulator('/dial').call({ transfers: ['busy'] });
    expect(busy.entries).toContainEqual({ type: 'transfer', to: '+15551112222', status: 'busy' });
    expect(spoken(busy)).toEqual(['busy after 0']);
    expect(spoken(await emulator('/dial').call({ transfers: [{ status: 'completed', durationSeconds: 17 }] }))).toEqual([
      'completed after 17',
    ]);
    routes.set('/dial-plain', () => xml('<Dial><Sip>sip:a@example.com</Sip></Dial><Say>after the call</Say>'));
    const plain = await emulator('/dial-plain').call();
    expect(plain.entries.slice(0, 2)).toEqual([
      { type: 'transfer', to: 'sip:a@example.com', status: 'completed' },
      { type: 'say', text: 'after the call' },
    ]);
  });

  it('Record posts RecordingUrl and RecordingDuration; an empty recording falls through', async () => {
    routes.set('/vm', (params) =>
      params.has('RecordingUrl')
        ? xml(`<Say>${params.get('RecordingDuration')} seconds</Say>`)
        : xml('<Record maxLength="30"/><Say>no message</Say>'),
    );
    const left = await emulator('/vm').call({ recordings: [{ durationSeconds: 8 }] });
    expect(spoken(left)).toEqual(['8 seconds']);
    expect(seen[1]!.params.get('RecordingUrl')).toMatch(/\/Recordings\/RE[0-9a-f]{32}$/);
    expect(spoken(await emulator('/vm').call({ recordings: [{ durationSeconds: 0 }] }))).toEqual(['no message']);
  });

  it('Enqueue runs the wait URL with QueuePosition and QueueTime, and reports QueueResult', async () => {
    routes.set('/queue', (params) =>
      params.has('QueueResult')
        ? xml(`<Say>${params.get('QueueResult')}</Say>`)
        : xml('<Enqueue waitUrl="/hold" action="/queue">help</Enqueue>'),
    );
    routes.set('/hold', (params) =>
      xml(`<Say>position ${params.get('QueuePosition')} at ${params.get('QueueTime')}</Say><Pause length="20"/>`),
    );
    const bridged = await emulator('/queue').call({ queues: [{ result: 'bridged', waitSeconds: 30 }] });
    expect(spoken(bridged)).toEqual(['position 1 at 0', 'position 1 at 21', 'bridged']);
    routes.set('/hold', (params) => (Number(params.get('QueueTime')) >= 20 ? xml('<Leave/>') : xml('<Pause length="25"/>')));
    const left = await emulator('/queue').call({ queues: [{ result: 'timeout', waitSeconds: 100 }] });
    expect(left.entries).toContainEqual({ type: 'enqueue', queue: 'help', result: 'timeout' });
    expect(spoken(left)).toEqual(['leave']);
  });

  it('Conference joins the room and reports to the Dial action when it ends', async () => {
    routes.set('/conf', (params) =>
      params.has('DialCallStatus')
        ? xml('<Say>conference over</Say>')
        : xml('<Dial action="/conf"><Conference beep="onEnter">room-1</Conference></Dial>'),
    );
    const transcript = await emulator('/conf').call();
    expect(transcript.entries.slice(0, 2)).toEqual([
      { type: 'conference', room: 'room-1' },
      { type: 'say', text: 'conference over' },
    ]);
  });

  it('Conference waitUrl: a static MP3 is requested with GET only (Twilio error 13234), TwiML there is fetched and played', async () => {
    const room = (attributes: string) =>
      xml(`<Dial action="/conf-wait-done"><Conference startConferenceOnEnter="false" ${attributes}>room-2</Conference></Dial>`);
    routes.set('/conf-wait-done', () => xml('<Say>done</Say>'));
    routes.set('/conf-post', () => room('waitUrl="https://cdn.example.com/hold.mp3"'));
    const posted = await emulator('/conf-post').call();
    expect(posted.endedBy).toBe('error');
    expect(posted.errors.join('\n')).toMatch(/static audio file requested with POST: set waitMethod="GET" \(Twilio error 13234\)/);
    routes.set('/conf-get', () => room('waitUrl="https://cdn.example.com/hold.mp3" waitMethod="GET"'));
    const fetched = await emulator('/conf-get').call();
    expect(fetched.errors).toEqual([]);
    expect(spoken(fetched)).toEqual(['done']);
    routes.set('/conf-twiml', () => room('waitUrl="/hold-twiml"'));
    routes.set('/hold-twiml', () => xml('<Say>please hold</Say>'));
    const twiml = await emulator('/conf-twiml').call();
    expect(twiml.errors).toEqual([]);
    expect(spoken(twiml)).toEqual(['please hold', 'done']);
    expect(seen.find((request) => request.path === '/hold-twiml')?.valid).toBe(true);
  });

  it("signs the voice URL as configured, so a ' in its query is signed as Twilio signs it", async () => {
    routes.set('/quoted', () => xml('<Hangup/>'));
    seen.length = 0;
    const transcript = await createTwilioEmulator({ voiceUrl: `${base}/quoted?name=O'Brien`, authToken }).call();
    expect(transcript.errors).toEqual([]);
    expect(seen[0]!.valid).toBe(true);
  });

  it('the caller hanging up ends the call with endedBy caller; a status callback reports completed', async () => {
    routes.set('/hang', () => xml('<Gather><Say>Press</Say></Gather>'));
    routes.set('/status', () => xml(''));
    seen.length = 0;
    const transcript = await createTwilioEmulator({ voiceUrl: `${base}/hang`, authToken, statusCallbackUrl: `${base}/status` }).call({
      input: [{ hangup: true }],
    });
    expect(transcript.endedBy).toBe('caller');
    expect(transcript.entries.at(-1)).toEqual({ type: 'hangup', by: 'caller' });
    expect(seen.at(-1)).toMatchObject({ path: '/status', valid: true });
    expect(seen.at(-1)!.params.get('CallStatus')).toBe('completed');
  });
});

describe('the Twilio emulator rejects what Twilio would reject', () => {
  it.each([
    ['an unknown verb', xml('<Speak>hi</Speak>').body, /unknown verb <Speak>/],
    ['Dial inside Gather', xml('<Gather><Dial>+1555</Dial></Gather>').body, /<Dial> is not allowed in <Gather>/],
    ['Gather inside Gather', xml('<Gather><Gather/></Gather>').body, /<Gather> is not allowed in <Gather>/],
    ['a wrong root', '<?xml version="1.0"?><Document><Say>hi</Say></Document>', /root element is <Document>/],
    ['non-XML', 'Hello there', /not valid XML/],
    ['an unescaped ampersand', xml('<Say>Tom & Jerry</Say>').body, /not valid XML.*bare '&'/],
    ['an unclosed element', '<Response><Say>hi</Response>', /not valid XML/],
    ['a bad attribute value', xml('<Gather numDigits="one"/>').body, /numDigits="one" is not a whole number/],
    ['Leave outside a wait URL', xml('<Leave/>').body, /<Leave> outside an Enqueue waitUrl/],
    ['Conference with another noun', xml('<Dial><Conference>a</Conference><Number>+1</Number></Dial>').body, /must be the only noun/],
  ])('%s', async (_, body, expected) => {
    routes.set('/bad', () => ({ body }));
    const transcript = await emulator('/bad').call();
    expect(transcript.endedBy).toBe('error');
    expect(transcript.errors.join('\n')).toMatch(expected);
  });

  it('an HTTP error or a non-XML content type fails the call', async () => {
    routes.set('/boom', () => ({ status: 500, body: 'oops' }));
    const failed = await emulator('/boom').call();
    expect(failed).toMatchObject({ endedBy: 'error', errors: [expect.stringMatching(/^HTTP 500/)] });
    routes.set('/json', () => ({ type: 'application/json', body: '{}' }));
    expect((await emulator('/json').call()).errors[0]).toMatch(/not XML/);
  });

  it('stops a redirect loop at maxWebhooks', async () => {
    routes.set('/loop', () => xml('<Redirect>/loop</Redirect>'));
    const transcript = await emulator('/loop').call({ maxWebhooks: 5 });
    expect(transcript.endedBy).toBe('error');
    expect(transcript.errors[0]).toMatch(/more than 5 webhooks/);
    expect(transcript.webhooks).toBe(6);
  });
});

describe("the emulator's own signer agrees with the twilio SDK", () => {
  it('for URLs with every kind of character and for repeated fields', () => {
    const urls = [
      'https://a.example.com/voice',
      "https://a.example.com/v?name=O'Brien&x=%27",
      'http://a.example.com:8080/v/é?q=a+b&q=c',
      'https://a.example.com/p;x=1?e=%zz&f',
      'https://a.example.com/{id}?"q"=<x>',
    ];
    const params: Array<Record<string, string | string[]>> = [
      {},
      { CallSid: 'CA1', Digits: '1#', SpeechResult: 'Ça va? 1+1=2 & "ok"' },
      { To: '+1', Tags: ['b', 'a', 'b'] },
      { Empty: '' },
    ];
    for (const url of urls)
      for (const fields of params)
        expect(twilioSignatureOf(authToken, url, fields), `${url} ${JSON.stringify(fields)}`).toBe(
          twilio.getExpectedTwilioSignature(authToken, url, fields),
        );
  });
});

describe('parseXml and validateTwiml', () => {
  it('decodes entities, CDATA and character references', () => {
    const root = parseXml(
      '<?xml version="1.0"?><!-- c --><Response><Say a="x &amp; &quot;y&quot;">&lt;b&gt; &#65;&#x42; <![CDATA[<raw>]]></Say></Response>',
    );
    expect(root.children[0]).toEqual({
      type: 'element',
      name: 'Say',
      attributes: { a: 'x & "y"' },
      children: [{ type: 'text', text: '<b> AB <raw>' }],
    });
  });

  it('throws XmlSyntaxError on duplicate attributes and trailing content', () => {
    expect(() => parseXml('<Response a="1" a="2"/>')).toThrow(XmlSyntaxError);
    expect(() => parseXml('<Response/><Response/>')).toThrow(/content after the root/);
  });

  it('accepts what the SDK builds for every verb it supports here', () => {
    const response = new twilio.twiml.VoiceResponse();
    response.say({ voice: 'Polly.Amy' }, 'hi');
    response.gather({ input: ['speech', 'dtmf'], numDigits: 2 }).play('https://x/y.mp3');
    response.dial({ callerId: '+1' }).client('alice');
    response.enqueue({ waitUrl: '/w' }, 'q');
    response.record({ playBeep: false });
    response.reject({ reason: 'busy' });
    expect(validateTwiml(parseXml(response.toString()))).toEqual([]);
  });
});
