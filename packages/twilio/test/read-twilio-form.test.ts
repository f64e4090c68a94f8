import { describe, expect, it } from 'vitest';
import type { RawWebhook } from '@callflow/core';
import { readTwilioFields } from '../src/index.js';
import { seededRandom as random } from '../../../test/seeded-random.js';

// The form reader decodes ASCII escapes itself and leaves every other escape to decodeURIComponent. The oracles: the
// WHATWG URLSearchParams parser (what Twilio's form encoding is decoded by everywhere else) for well-formed forms, and
// decodeURIComponent for what a malformed escape does (it throws: the handler answers 400, as for any malformed body).

function formWebhook(text: string): RawWebhook {
  return {
    method: 'POST',
    url: new URL('https://ivr.example.com/voice'),
    headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded' }),
    bytes: new TextEncoder().encode(text),
    text,
  };
}

// What a Twilio field can hold: letters, digits, the punctuation of numbers, URLs and speech, and characters outside
// ASCII (accented, CJK, an emoji: a surrogate pair), each escaped differently by the two encoders below.
const alphabet = [
  'a',
  'Z',
  '0',
  '9',
  ' ',
  '+',
  '%',
  '&',
  '=',
  ':',
  '/',
  '?',
  '#',
  '.',
  '-',
  '_',
  '~',
  '"',
  'é',
  'Ça',
  '漢',
  '😀',
  '\u007f',
];

function text(next: () => number, maxLength: number): string {
  let out = '';
  const length = Math.floor(next() * maxLength);
  for (let index = 0; index < length; index++) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}

describe('readTwilioFields: the form decoding', () => {
  it('reads what URLSearchParams reads from 2,000 generated forms, encoded as URLSearchParams and as encodeURIComponent do', () => {
    for (let seed = 1; seed <= 1000; seed++) {
      const next = random(seed);
      const fields = Array.from({ length: 1 + Math.floor(next() * 8) }, () => [text(next, 6) || 'Name', text(next, 12)] as const);
      // URLSearchParams writes a space as '+' and escapes in upper case; encodeURIComponent writes %20 and leaves more unescaped.
      const bodies = [
        new URLSearchParams(fields as Array<[string, string]>).toString(),
        fields.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&'),
      ];
      for (const body of bodies) {
        const expected = Object.fromEntries(new URLSearchParams(body));
        expect({ ...readTwilioFields(formWebhook(body)).params }, `seed ${seed}: ${body}`).toEqual(expected);
      }
    }
  });

  it('decodes lower-case escapes, an escaped plus, and ASCII escapes beside a multi-byte character', () => {
    const { params } = readTwilioFields(
      formWebhook('From=%2b15551230000&Url=https%3a%2F%2Fa.example%2Fb&Mixed=1%2B1%3D2+%C3%A9t%C3%A9&Plus=a%2B+b'),
    );
    expect({ ...params }).toEqual({ From: '+15551230000', Url: 'https://a.example/b', Mixed: '1+1=2 été', Plus: 'a+ b' });
  });

  it('refuses a malformed escape as decodeURIComponent does, wherever it sits in the part', () => {
    for (const part of ['%', '%2', '%G1', '%2G', 'ok%', 'a%2Bb%', '%2B%E0%A4%A', '%FF', '%C3', '%80']) {
      expect(() => decodeURIComponent(part), part).toThrow(URIError);
      expect(() => readTwilioFields(formWebhook(`CallSid=CA1&Digits=${part}`)), part).toThrow(/bad escape/);
    }
  });
});
