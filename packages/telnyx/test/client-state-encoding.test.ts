import { describe, expect, it } from 'vitest';
import type { GatherStep } from '@callflow/core';
import { commandIdOf, decodeClientState, encodeClientState, nativeGatherRetries, type ClientState } from '../src/index.js';

const token = 'eyJhIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA';

/** cyrb53 and `Number#toString(36)`, written out here as the ids were first defined: ids must not change between versions. */
function referenceCommandId(callControlId: string, seed: string, index: number, action: string): string {
  const text = `${callControlId}\n${seed}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let position = 0; position < text.length; position++) {
    const code = text.charCodeAt(position);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `cf-${(4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)}-${index}-${action}`;
}

/** A seeded generator, so a failure names a case that can be run again. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('command ids', () => {
  it('are the same text as cyrb53 printed in base 36, for 5,000 seeded calls and positions', () => {
    const random = seeded(17);
    for (let index = 0; index < 5_000; index++) {
      const callControlId = `v3:${Math.floor(random() * 2 ** 52).toString(16)}`;
      const seed = `${Math.floor(random() * 1000)} ${Math.floor(random() * 2 ** 50).toString(36)}.${index}`;
      expect(commandIdOf(callControlId, seed, index % 5, 'speak')).toBe(referenceCommandId(callControlId, seed, index % 5, 'speak'));
    }
    // Short seeds, an empty one, and non-ASCII text.
    for (const [callControlId, seed] of [
      ['', ''],
      ['v3:a', '1'],
      ['v3:ü', 'apology 3 tök.x'],
    ] as const)
      expect(commandIdOf(callControlId, seed, 0, 'hangup')).toBe(referenceCommandId(callControlId, seed, 0, 'hangup'));
  });
});

describe('client_state encoding', () => {
  const states: ClientState[] = [
    { kind: 'position', sequence: 1, token },
    { kind: 'position', sequence: 2, token, callControlId: 'v3:leg-1' },
    { kind: 'peer', sequence: 12, token, callControlId: 'v3:abc-DEF_123' },
    { kind: 'far', sequence: 3, token, callControlId: 'v3:caller', stage: 'prompt', part: 2 },
    { kind: 'left-queue', sequence: 4, token, digit: '#' },
    { kind: 'outbound', sequence: 1, token, nonce: '0123456789abcdef', detection: 'beep' },
    { kind: 'hold', sequence: 5, token, segment: 3, announcedAt: 120 },
    { kind: 'hold', sequence: 5, token, segment: 1 },
    // Not an id Telnyx issues, but the encoding must hold for any text: its UTF-8, then base64.
    { kind: 'peer', sequence: 7, token, callControlId: 'v3:légende-☎' },
  ];

  it('is standard base64 of the UTF-8 text, and decodes back to the same state', () => {
    for (const state of states) {
      const encoded = encodeClientState(state);
      const text = Buffer.from(encoded, 'base64').toString('utf8');
      expect(Buffer.from(text, 'utf8').toString('base64')).toBe(encoded);
      expect(text.endsWith(`${state.sequence} ${token}`)).toBe(true);
      expect(decodeClientState(encoded)).toEqual(state);
    }
  });

  it('decodes the state without its padding, and refuses what is not whole bytes of UTF-8', () => {
    const encoded = encodeClientState({ kind: 'peer', sequence: 12, token, callControlId: 'v3:ab' });
    expect(encoded.endsWith('=')).toBe(true);
    expect(decodeClientState(encoded.replace(/=+$/, ''))).toEqual({ kind: 'peer', sequence: 12, token, callControlId: 'v3:ab' });
    // One character over whole bytes.
    expect(decodeClientState(`${encoded.replace(/=+$/, '')}AAAAA`)).toBeUndefined();
    // Invalid UTF-8 (a lone continuation byte) in front of a well-formed position.
    const invalid = Buffer.concat([Buffer.from([0x80, 0x20]), Buffer.from(`1 ${token}`)]).toString('base64');
    expect(decodeClientState(invalid)).toBeUndefined();
    // Another application's state, whitespace atob would skip, and the URL-safe alphabet.
    expect(decodeClientState(Buffer.from('hello world').toString('base64'))).toBeUndefined();
    expect(decodeClientState(` ${encoded}`)).toBeUndefined();
    expect(decodeClientState(`${encoded.slice(0, 4)}-${encoded.slice(5)}`)).toBeUndefined();
  });
});

describe('nativeGatherRetries', () => {
  const step: GatherStep = {
    type: 'gather',
    prompt: [{ type: 'say', text: 'Press 1 or 2.' }],
    numDigits: 1,
    routes: { '2': 'b', '1': 'a' },
    attempts: 3,
    invalidPrompt: [{ type: 'say', text: 'Not an option.' }],
  };
  const state = { node: 'menu', step: 0, kind: 'gather' as const, tries: {}, vars: {}, promptOffset: 0 };

  it('answers from the call state each time, for the same step asked again', () => {
    const first = nativeGatherRetries(step, state, { voice: 'alice' });
    expect(first).toEqual({
      maximumTries: 3,
      validDigits: '12',
      minimumDigits: 1,
      maximumDigits: 1,
      invalidPrompt: { type: 'say', text: 'Not an option.', voice: 'alice', language: undefined },
    });
    expect(nativeGatherRetries(step, { ...state, tries: { 'menu:0': 2 } }, { voice: 'alice' })?.maximumTries).toBe(1);
    expect(nativeGatherRetries(step, { ...state, reask: 'invalid' })).toBeUndefined();
    expect(nativeGatherRetries(step, { ...state, promptOffset: 1 })).toBeUndefined();
    // Other defaults: the invalid prompt takes their voice.
    expect(nativeGatherRetries(step, state, { voice: 'man' })?.invalidPrompt).toMatchObject({ voice: 'man' });
    expect(nativeGatherRetries(step, state)?.invalidPrompt).toEqual({ type: 'say', text: 'Not an option.' });
    // A step that cannot run natively stays so.
    expect(nativeGatherRetries({ ...step, onInvalid: 'help' }, state)).toBeUndefined();
  });
});
