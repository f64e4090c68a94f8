import { describe, expect, it } from 'vitest';
import { base64UrlToText, signToken, textToBase64Url, verifyToken, type CallState } from '../src/index.js';

const secret = 'token-secret-0123456789';
const state: CallState = { node: 'menu', step: 2, kind: 'gather', tries: { 'menu:2': 1 }, vars: { account: '1234' }, promptOffset: 1, reask: 'invalid' };
const context = { callId: 'CA1', flowVersion: 'v1abc' };
const at = (ms: number) => () => ms;
const t0 = Date.parse('2026-11-21T12:00:00Z');

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    expect((error as { code?: string }).code).toBe('invalid-token');
    return (error as { reason?: string }).reason;
  }
  throw new Error('token was accepted');
}

describe('continuation tokens', () => {
  it('round-trips every field and stays compact', async () => {
    const token = await signToken(state, context, { secret, now: at(t0) });
    const content = await verifyToken(token, { callId: 'CA1' }, { secret, now: at(t0 + 1000) });
    expect(content).toEqual({ state, flowVersion: 'v1abc', issuedAt: t0 / 1000 });
    expect(token.length).toBeLessThan(160);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  });

  it('omits empty tries and vars', async () => {
    const token = await signToken({ ...state, tries: {}, vars: {}, reask: undefined, promptOffset: 0 }, context, { secret, now: at(t0) });
    const content = await verifyToken(token, { callId: 'CA1' }, { secret, now: at(t0) });
    expect(content.state).toEqual({ node: 'menu', step: 2, kind: 'gather', tries: {}, vars: {}, promptOffset: 0, reask: undefined });
  });

  it('refuses every kind of tampering', async () => {
    const token = await signToken(state, context, { secret, now: at(t0) });
    const [payload, mac] = token.split('.') as [string, string];
    const options = { secret, now: at(t0) };
    const forged = textToBase64Url(base64UrlToText(payload).replace('"menu"', '"admin"'));
    expect(await refusal(verifyToken(`${forged}.${mac}`, { callId: 'CA1' }, options))).toBe('bad-signature');
    const flippedMac = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
    expect(await refusal(verifyToken(`${payload}.${flippedMac}`, { callId: 'CA1' }, options))).toBe('bad-signature');
    expect(await refusal(verifyToken(token.slice(0, -3), { callId: 'CA1' }, options))).toBe('malformed');
    expect(await refusal(verifyToken(payload, { callId: 'CA1' }, options))).toBe('malformed');
    expect(await refusal(verifyToken('', { callId: 'CA1' }, options))).toBe('malformed');
    expect(await refusal(verifyToken(`${payload}.${mac}.x`, { callId: 'CA1' }, options))).toBe('malformed');
    expect(await refusal(verifyToken(`${payload}!.${mac}`, { callId: 'CA1' }, options))).toBe('malformed');
    expect(await refusal(verifyToken('a'.repeat(5000), { callId: 'CA1' }, options))).toBe('malformed');
  });

  it('refuses a token from another call or another secret', async () => {
    const token = await signToken(state, context, { secret, now: at(t0) });
    expect(await refusal(verifyToken(token, { callId: 'CA2' }, { secret, now: at(t0) }))).toBe('foreign-call');
    expect(await refusal(verifyToken(token, { callId: 'CA1' }, { secret: 'another-secret-0123456789', now: at(t0) }))).toBe('bad-signature');
  });

  it('refuses an expired token and one issued in the future', async () => {
    const token = await signToken(state, context, { secret, now: at(t0) });
    expect(await refusal(verifyToken(token, { callId: 'CA1' }, { secret, ttlSeconds: 60, now: at(t0 + 61_000) }))).toBe('expired');
    await expect(verifyToken(token, { callId: 'CA1' }, { secret, ttlSeconds: 60, now: at(t0 + 59_000) })).resolves.toBeDefined();
    expect(await refusal(verifyToken(token, { callId: 'CA1' }, { secret, now: at(t0 - 600_000) }))).toBe('expired');
  });

  it('refuses a correctly signed payload of the wrong shape or version', async () => {
    // Sign a hand-made payload with the real key to prove shape checks run after the MAC.
    const { subtle } = crypto;
    const key = await subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const signed = async (body: unknown) => {
      const payload = textToBase64Url(JSON.stringify(body));
      const mac = new Uint8Array(await subtle.sign('HMAC', key, new TextEncoder().encode(`CA1\n${payload}`)), 0, 16);
      return `${payload}.${btoa(String.fromCharCode(...mac)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
    };
    const options = { secret, now: at(t0) };
    expect(await refusal(verifyToken(await signed([2, 'v', 'menu', 0, 1, 0, 0, 0, 0, t0 / 1000]), { callId: 'CA1' }, options))).toBe('unsupported-version');
    expect(await refusal(verifyToken(await signed([1, 'v', 'menu', 'zero', 1, 0, 0, 0, 0, t0 / 1000]), { callId: 'CA1' }, options))).toBe('malformed');
    expect(await refusal(verifyToken(await signed([1, 'v', 'menu', 0, 99, 0, 0, 0, 0, t0 / 1000]), { callId: 'CA1' }, options))).toBe('malformed');
    expect(await refusal(verifyToken(await signed({ node: 'menu' }), { callId: 'CA1' }, options))).toBe('malformed');
    expect(await refusal(verifyToken(await signed([1, 'v', 'menu', 0, 1, 0, { a: 1 }, 0, 0, t0 / 1000]), { callId: 'CA1' }, options))).toBe('malformed');
  });

  it('verifies with any secret in a rotation list and signs with the first', async () => {
    const token = await signToken(state, context, { secret: ['old-secret-0123456789'], now: at(t0) });
    await expect(verifyToken(token, { callId: 'CA1' }, { secret: ['new-secret-0123456789', 'old-secret-0123456789'], now: at(t0) })).resolves.toBeDefined();
    const fresh = await signToken(state, context, { secret: ['new-secret-0123456789', 'old-secret-0123456789'], now: at(t0) });
    expect(await refusal(verifyToken(fresh, { callId: 'CA1' }, { secret: 'old-secret-0123456789', now: at(t0) }))).toBe('bad-signature');
  });
});

describe('HMAC implementations', () => {
  it('node:crypto and WebCrypto produce the same MAC', async () => {
    const { hmacSha256, webCryptoHmacSha256 } = await import('../src/token/hmac.js');
    for (const message of ['', 'CA1\npayload', 'ünïcødé ✓', 'x'.repeat(5000)]) {
      expect(await hmacSha256('secret-0123456789abcdef', message, 16)).toBe(await webCryptoHmacSha256('secret-0123456789abcdef', message, 16));
    }
  });
});
