import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { computeTwilioSignature, signTwilioRequest, twilioBodyHash, verifyTwilioSignature, withTwilioBodyHash } from '../src/index.js';

const authToken = '12345678901234567890123456789012';
const params = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
  Empty: '',
};

interface Case {
  name: string;
  signedUrl: string;
  checkedUrl: string;
  signedParams?: Record<string, string>;
  checkedParams?: Record<string, string>;
  token?: string;
}

const base = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const cases: Case[] = [
  { name: 'exact URL and fields', signedUrl: base, checkedUrl: base },
  {
    name: 'Twilio signed without the port, the server knows it with :443',
    signedUrl: base,
    checkedUrl: 'https://mycompany.com:443/myapp.php?foo=1&bar=2',
  },
  {
    name: 'Twilio signed with :443 (status callbacks), the server knows it without',
    signedUrl: 'https://mycompany.com:443/myapp.php?foo=1&bar=2',
    checkedUrl: base,
  },
  {
    name: 'a non-default port signed and checked',
    signedUrl: 'https://mycompany.com:8443/voice?t=a.b',
    checkedUrl: 'https://mycompany.com:8443/voice?t=a.b',
  },
  {
    name: 'a non-default port signed, checked without it (refused)',
    signedUrl: 'https://mycompany.com:8443/voice',
    checkedUrl: 'https://mycompany.com/voice',
  },
  {
    name: 'proxy rewrote https to http (the request URL, not the public one)',
    signedUrl: base,
    checkedUrl: 'http://mycompany.com/myapp.php?foo=1&bar=2',
  },
  { name: 'proxy host instead of the public host', signedUrl: base, checkedUrl: 'https://10.0.0.5/myapp.php?foo=1&bar=2' },
  { name: 'query string dropped', signedUrl: base, checkedUrl: 'https://mycompany.com/myapp.php' },
  { name: 'path prefix stripped by the proxy', signedUrl: 'https://mycompany.com/api/voice', checkedUrl: 'https://mycompany.com/voice' },
  { name: 'a field changed', signedUrl: base, checkedUrl: base, checkedParams: { ...params, Digits: '9' } },
  { name: 'a field added', signedUrl: base, checkedUrl: base, checkedParams: { ...params, Extra: 'x' } },
  {
    name: 'an empty field dropped',
    signedUrl: base,
    checkedUrl: base,
    checkedParams: Object.fromEntries(Object.entries(params).filter(([name]) => name !== 'Empty')),
  },
  { name: 'another auth token', signedUrl: base, checkedUrl: base, token: 'another-token-000000000000000000' },
  {
    name: 'unicode and reserved characters in fields',
    signedUrl: base,
    checkedUrl: base,
    signedParams: { SpeechResult: 'Ça va? 1+1=2 & "ok"', CallSid: 'CA1' },
  },
  {
    name: 'an apostrophe in the query, as Twilio sent it',
    signedUrl: "https://mycompany.com/voice?name=O'Brien",
    checkedUrl: "https://mycompany.com/voice?name=O'Brien",
  },
];

describe('verifyTwilioSignature agrees with twilio.validateRequest', () => {
  it.each(cases.map((testCase) => [testCase.name, testCase] as const))('%s', async (_, testCase) => {
    const signedParams = testCase.signedParams ?? params;
    const checkedParams = testCase.checkedParams ?? signedParams;
    const signature = twilio.getExpectedTwilioSignature(authToken, testCase.signedUrl, signedParams);
    const ours = await verifyTwilioSignature({
      authToken: testCase.token ?? authToken,
      signature,
      url: testCase.checkedUrl,
      params: checkedParams,
    });
    const oracle = twilio.validateRequest(testCase.token ?? authToken, signature, testCase.checkedUrl, checkedParams);
    expect(ours).toBe(oracle);
  });

  it('accepts and rejects as expected (not just agreeing on false)', async () => {
    const results = await Promise.all(
      cases.map(async (testCase) => {
        const signedParams = testCase.signedParams ?? params;
        const signature = twilio.getExpectedTwilioSignature(authToken, testCase.signedUrl, signedParams);
        return verifyTwilioSignature({
          authToken: testCase.token ?? authToken,
          signature,
          url: testCase.checkedUrl,
          params: testCase.checkedParams ?? signedParams,
        });
      }),
    );
    expect(results).toEqual([true, true, true, true, false, false, false, false, false, false, false, false, false, true, true]);
  });

  it('computes the same signature as the SDK, including repeated fields', async () => {
    const repeated = { To: '+1', Tags: ['b', 'a', 'b'] };
    expect(await computeTwilioSignature(authToken, base, repeated)).toBe(twilio.getExpectedTwilioSignature(authToken, base, repeated));
    expect(await signTwilioRequest({ authToken, url: base, params })).toBe(twilio.getExpectedTwilioSignature(authToken, base, params));
  });

  it('fails closed: no token, no header, empty header', async () => {
    const signature = twilio.getExpectedTwilioSignature(authToken, base, params);
    expect(await verifyTwilioSignature({ authToken: '', signature, url: base, params })).toBe(false);
    expect(await verifyTwilioSignature({ authToken, signature: null, url: base, params })).toBe(false);
    expect(await verifyTwilioSignature({ authToken, signature: '', url: base, params })).toBe(false);
  });
});

describe('JSON bodies (bodySHA256) agree with twilio.validateRequestWithBody', () => {
  const body = JSON.stringify({ CallSid: 'CA1', Digits: '5', note: 'ünïcode & "quotes"' });

  it('hashes the body like the SDK', async () => {
    expect(await twilioBodyHash(body)).toBe(twilio.getExpectedBodyHash(body));
  });

  it.each([
    ['the signed body', body, true],
    ['a tampered body', body.replace('"5"', '"6"'), false],
    ['an empty body', '', false],
  ] as const)('%s', async (_, checkedBody, expected) => {
    const url = await withTwilioBodyHash('https://mycompany.com/studio?x=1', body);
    const signature = await signTwilioRequest({ authToken, url, body });
    expect(signature).toBe(twilio.getExpectedTwilioSignature(authToken, url, {}));
    const ours = await verifyTwilioSignature({ authToken, signature, url, body: checkedBody });
    expect(ours).toBe(twilio.validateRequestWithBody(authToken, signature, url, checkedBody));
    expect(ours).toBe(expected);
  });

  it('rejects a URL without bodySHA256 for a JSON body', async () => {
    const url = 'https://mycompany.com/studio';
    const signature = await signTwilioRequest({ authToken, url, body });
    expect(await verifyTwilioSignature({ authToken, signature, url, body })).toBe(false);
    expect(twilio.validateRequestWithBody(authToken, signature, url, body)).toBe(false);
  });
});
