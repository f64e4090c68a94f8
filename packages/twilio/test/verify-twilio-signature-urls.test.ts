import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { phoneTree } from '@callflow/example-flows';
import { createTwilioHandler, verifyTwilioSignature } from '../src/index.js';
import { seededRandom as random } from '../../../test/seeded-random.js';

// The oracle is the twilio SDK: twilio.getExpectedTwilioSignature signs as Twilio does, twilio.validateRequest is what
// a server using the SDK accepts (provider: twilio-node lib/webhooks/webhooks.js, twilio 6.2.0).
const authToken = '12345678901234567890123456789012';

// Characters a configured voice URL may hold, among them those WHATWG parsing re-encodes (' " < > ` { }), escapes
// Node's legacy querystring writes differently (%27, +, %20), reserved sub-delims and non-ASCII.
const pathPieces = [
  'voice',
  'a',
  "O'Brien",
  '%27',
  '%20',
  '~x',
  '!',
  '*',
  '(1)',
  ';v=1',
  ':',
  '@',
  ',',
  '$',
  'é',
  '%C3%A9',
  '{id}',
  '`',
  '"q"',
  '<x>',
  '-',
  '_',
  '.',
];
const queryPieces = [...pathPieces, '+', 'a+b', '%2B', '=', '%3D', '&amp', '?', '/', '%zz', '%', ''];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function word(next: () => number, pieces: readonly string[], most: number): string {
  let out = '';
  const count = 1 + Math.floor(next() * most);
  for (let index = 0; index < count; index++) out += pick(next, pieces);
  return out;
}

function generatedUrl(next: () => number): string {
  const scheme = next() < 0.8 ? 'https' : 'http';
  const port = pick(next, ['', '', '', scheme === 'https' ? ':443' : ':80', ':8443']);
  const path = Array.from({ length: 1 + Math.floor(next() * 3) }, () => word(next, pathPieces, 3)).join('/');
  const pairs = Array.from({ length: Math.floor(next() * 4) }, () => {
    const name = word(next, ['t', 'name', 'e', 'x', "O'", 'a b'.replace(' ', '+')], 1);
    return next() < 0.15 ? name : `${name}=${word(next, queryPieces, 4)}`;
  });
  if (pairs.length > 1 && next() < 0.3) pairs.push(pairs[0]!);
  return `${scheme}://ivr.example.com${port}/${path}${pairs.length ? `?${pairs.join('&')}` : ''}`;
}

function generatedParams(next: () => number): Record<string, string> {
  const params: Record<string, string> = { CallSid: 'CA1234567890ABCDE', From: '+12349013030' };
  if (next() < 0.5) params.SpeechResult = word(next, ['Ça va', '? ', '1+1=2', ' & ', '"ok"', "it's", ''], 3);
  if (next() < 0.5) params.Digits = word(next, ['1', '2', '#', '*'], 4);
  return params;
}

/**
 * Whether the URL Twilio requested can be recovered from its WHATWG form: no `.`/`..` segments, at most 4 re-encoded
 * characters, and non-ASCII either all raw or all escaped (a mix of `é` and `%C3%A9` reads the same once normalised).
 */
function recoverable(url: string): boolean {
  if (/[^\x00-\x7f]/.test(url) && /%[C-F][0-9A-F]/i.test(url)) return false;
  const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]!;
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return false;
  return (normalised(url).match(/%(22|27|3C|3E|60|7B|7D)/gi) ?? []).length <= 4;
}

/** The URL a web-standard Request reports for a raw request target (what the handler sees). */
const normalised = (url: string) => new URL(url).toString();

describe('verifyTwilioSignature accepts every URL twilio.validateRequest accepts', () => {
  const next = random(20261201);
  const samples = Array.from({ length: 400 }, () => ({
    url: generatedUrl(next),
    params: generatedParams(next),
    signs: pick(next, ['raw', 'normalised'] as const),
  }));

  it('for the URL as Twilio sent it, and for the same URL after WHATWG normalisation (a web Request)', async () => {
    const disagreements: string[] = [];
    let accepted = 0;
    for (const sample of samples) {
      const signedUrl = sample.signs === 'raw' ? sample.url : normalised(sample.url);
      const signature = twilio.getExpectedTwilioSignature(authToken, signedUrl, sample.params);
      for (const checkedUrl of [sample.url, normalised(sample.url)]) {
        const oracle = twilio.validateRequest(authToken, signature, checkedUrl, sample.params);
        const ours = await verifyTwilioSignature({ authToken, signature, url: checkedUrl, params: sample.params });
        if (oracle) accepted++;
        if (oracle && !ours) disagreements.push(`${signedUrl} signed, ${checkedUrl} checked`);
      }
      // The handler only ever sees the normalised URL: what the SDK accepts with the raw one, it must accept, where the
      // raw form can be told from the normalised one (no dot segments, at most 4 re-encoded characters).
      if (
        recoverable(sample.url) &&
        twilio.validateRequest(authToken, signature, sample.url, sample.params) &&
        !(await verifyTwilioSignature({ authToken, signature, url: normalised(sample.url), params: sample.params }))
      ) {
        disagreements.push(`${signedUrl} signed, raw accepted by the SDK, normalised ${normalised(sample.url)} refused`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(accepted).toBeGreaterThan(samples.length);
  });

  it('and refuses, as the SDK does, when a field or the URL was changed', async () => {
    const wrong: string[] = [];
    for (const sample of samples.slice(0, 150)) {
      const signature = twilio.getExpectedTwilioSignature(authToken, sample.url, sample.params);
      const tampered = { ...sample.params, From: '+19999999999' };
      const otherPath = sample.url.replace(/^(https?:\/\/[^/]+\/)/, '$1x');
      for (const [url, params] of [
        [sample.url, tampered],
        [otherPath, sample.params],
        [normalised(otherPath), sample.params],
      ] as const) {
        const ours = await verifyTwilioSignature({ authToken, signature, url, params });
        const oracle = twilio.validateRequest(authToken, signature, url, params);
        if (ours || oracle) wrong.push(`${url}: ours ${ours}, SDK ${oracle}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("a voice URL with ' in its query (WHATWG sends %27 to the handler)", () => {
  it('is accepted by the handler, as twilio.validateRequest accepts the request Twilio signed', async () => {
    const configured = "https://ivr.example.com/voice?campaign=O'Brien";
    const params = {
      CallSid: 'CA11111111111111111111111111111111',
      From: '+15551230000',
      To: '+15559870000',
      CallStatus: 'ringing',
      AccountSid: 'AC1',
      Direction: 'inbound',
    };
    const signature = twilio.getExpectedTwilioSignature(authToken, configured, params);
    expect(twilio.validateRequest(authToken, signature, configured, params)).toBe(true);
    const handler = createTwilioHandler({
      flow: phoneTree,
      secret: 'handler-secret-0123456789abcdef',
      authToken,
      publicBaseUrl: 'https://ivr.example.com/voice',
    });
    const request = new Request("http://10.0.0.7:3000/voice?campaign=O'Brien", {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    expect(request.url).toContain('O%27Brien');
    const response = await handler(request);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<Gather');
  });
});
