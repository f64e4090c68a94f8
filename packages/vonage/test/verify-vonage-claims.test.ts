// Vonage JWT claims checked as a careful verifier does, with @vonage/jwt's verifySignature (jsonwebtoken underneath) as the
// oracle for exp/nbf and claim types. provider: https://developer.vonage.com/en/getting-started/concepts/webhooks#decoding-signed-webhooks
// (iat, jti, payload_hash = SHA-256 of the body); node_modules/@vonage/jwt/dist/cjs/verifySignature.js (jsonwebtoken verify, HS256).
import { verifySignature } from '@vonage/jwt';
import { createMemoryStore, isCallFlowError, withKeyPrefix } from '@callflow/core';
import { describe, expect, it } from 'vitest';
import { createVonageJwt, jtiSeenIn, sha256Hex, signVonageRequest, verifyVonageSignature, vonageJtiKeyPrefix } from '@callflow/vonage';

const signatureSecret = 'vonage-signature-secret-claims';
const url = 'https://ivr.example.com/vonage/event';
const body = JSON.stringify({ uuid: 'uuid-1', status: 'answered', note: 'café ☎' });
// The oracle reads the real clock, so these tests sign with it too; only whole seconds matter.
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function tokenWith(claims: Record<string, unknown>) {
  return createVonageJwt({ iat: nowSeconds(), jti: crypto.randomUUID(), payload_hash: await sha256Hex(body), ...claims }, signatureSecret);
}
const verify = (token: string, options: Partial<Parameters<typeof verifyVonageSignature>[1]> = {}, payload: string | Uint8Array = body) =>
  verifyVonageSignature({ method: 'POST', url, authorization: `Bearer ${token}`, body: payload }, { signatureSecret, ...options });

describe('verifyVonageSignature: time claims, against @vonage/jwt', () => {
  it.each([
    ['exp an hour past', { exp: -3_600 }, 'expired'],
    ['exp 61 s past (over the 60 s skew)', { exp: -61 }, 'expired'],
    ['nbf an hour ahead', { nbf: 3_600 }, 'not-yet-valid'],
    ['nbf 61 s ahead', { nbf: 61 }, 'not-yet-valid'],
  ] as const)('refuses %s, as the SDK does', async (_name, offsets, reason) => {
    // The check runs at the instant the claims were written: on the real clock, 'nbf 61 s ahead' of a whole second passed
    // the 60 s skew once that second ended between writing and checking (a few ms, any time of the second).
    const atMs = Date.now();
    const claims = Object.fromEntries(Object.entries(offsets).map(([claim, offset]) => [claim, Math.floor(atMs / 1000) + offset]));
    const token = await tokenWith(claims);
    expect(verifySignature(token, signatureSecret), 'the SDK refuses it too').toBe(false);
    expect(await verify(token, { now: () => atMs })).toMatchObject({ valid: false, reason });
  });

  it('accepts exp ahead and nbf past, as the SDK does, and tolerates the stated 60 s skew where the SDK tolerates none', async () => {
    const fine = await tokenWith({ exp: nowSeconds() + 60, nbf: nowSeconds() - 5 });
    expect(verifySignature(fine, signatureSecret)).toBe(true);
    expect(await verify(fine)).toMatchObject({ valid: true });
    const skewed = await tokenWith({ exp: nowSeconds() - 30, nbf: nowSeconds() + 30, iat: nowSeconds() + 30 });
    expect(verifySignature(skewed, signatureSecret), 'jsonwebtoken has clockTolerance 0 by default').toBe(false);
    expect(await verify(skewed)).toMatchObject({ valid: true });
    expect(await verify(skewed, { clockSkewSeconds: 10 })).toMatchObject({ valid: false });
  });
});

describe('verifyVonageSignature: malformed claims are a refusal, never a throw', () => {
  it.each([
    ['payload_hash a number', { payload_hash: 12345 }, 'payload-hash'],
    ['payload_hash null', { payload_hash: null }, 'payload-hash'],
    ['payload_hash an object', { payload_hash: { sha: 'x' } }, 'payload-hash'],
    ['payload_hash not hex', { payload_hash: 'z'.repeat(64) }, 'payload-hash'],
    ['exp a string', { exp: String(nowSeconds() + 60) }, 'malformed'],
    ['nbf a string', { nbf: 'yesterday' }, 'malformed'],
    ['exp null', { exp: null }, 'malformed'],
    ['iat a string', { iat: String(nowSeconds()) }, 'malformed'],
    ['iat missing', { iat: undefined }, 'malformed'],
    ['jti a number', { jti: 42 }, 'malformed'],
    ['jti empty', { jti: '' }, 'malformed'],
  ] as const)('%s → refused (%s)', async (_name, claims, reason) => {
    const token = await tokenWith(claims);
    expect(await verify(token)).toMatchObject({ valid: false, reason });
  });

  it('the SDK also calls a string exp or nbf invalid', async () => {
    expect(verifySignature(await tokenWith({ exp: String(nowSeconds() + 60) }), signatureSecret)).toBe(false);
    expect(verifySignature(await tokenWith({ nbf: 'yesterday' }), signatureSecret)).toBe(false);
  });

  it('claims that are JSON but not an object (null, an array, a number) are malformed', async () => {
    for (const claims of ['null', '[1,2]', '42']) {
      const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(claims).toString('base64url');
      const { createHmac } = await import('node:crypto');
      const signature = createHmac('sha256', signatureSecret).update(`${head}.${payload}`).digest('base64url');
      expect(await verify(`${head}.${payload}.${signature}`)).toMatchObject({ valid: false, reason: 'malformed' });
    }
  });
});

describe('verifyVonageSignature: jti replay through the Store', () => {
  it('the second use of a jti is refused on any instance sharing the store; another jti passes', async () => {
    const store = createMemoryStore();
    const first = { seen: jtiSeenIn(store) };
    const second = { seen: jtiSeenIn(store) };
    const token = await tokenWith({});
    expect(await verify(token, first)).toMatchObject({ valid: true });
    expect(await verify(token, second)).toMatchObject({ valid: false, reason: 'replayed' });
    expect(await verify(token, first)).toMatchObject({ valid: false, reason: 'replayed' });
    expect(await verify(await tokenWith({}), second)).toMatchObject({ valid: true });
  });

  it('of 20 instances receiving one token at the same moment, exactly one accepts it', async () => {
    const store = createMemoryStore();
    const token = await tokenWith({});
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => verify(token, { seen: jtiSeenIn(store) })));
    expect(verdicts.filter((verdict) => verdict.valid)).toHaveLength(1);
  });

  it('records the jti for the rest of the token window plus the skew, and no longer', async () => {
    let nowMs = 1_800_000_000_000;
    const store = createMemoryStore({ now: () => nowMs });
    const iat = nowMs / 1000 - 100;
    const token = await createVonageJwt({ iat, jti: 'jti-window', payload_hash: await sha256Hex(body) }, signatureSecret);
    const ttls: number[] = [];
    const guard = jtiSeenIn(store);
    const seen = async (jti: string, ttlSeconds: number) => {
      ttls.push(ttlSeconds);
      return guard(jti, ttlSeconds);
    };
    expect(await verify(token, { seen, now: () => nowMs })).toMatchObject({ valid: true });
    expect(ttls).toEqual([300 - 100 + 60]);
    expect(await store.get(`${vonageJtiKeyPrefix}jti-window`)).toBe('1');
    nowMs += 199_000;
    expect(await verify(token, { seen, now: () => nowMs })).toMatchObject({ valid: false, reason: 'replayed' });
    nowMs += 2_000;
    expect(await verify(token, { seen, now: () => nowMs }), 'past its window the token is refused as expired anyway').toMatchObject({
      valid: false,
      reason: 'expired',
    });
    nowMs += 60_000;
    expect(await store.get(`${vonageJtiKeyPrefix}jti-window`), 'the record expired after the window and the skew').toBeUndefined();
  });

  it('with a guard, a token without jti is refused; a refused signature never reaches the guard', async () => {
    const calls: string[] = [];
    const seen = async (jti: string) => {
      calls.push(jti);
      return false;
    };
    expect(await verify(await tokenWith({ jti: undefined }), { seen })).toMatchObject({ valid: false, reason: 'replayed' });
    const forged = await createVonageJwt({ iat: nowSeconds(), jti: 'forged', payload_hash: await sha256Hex(body) }, 'another-secret');
    expect(await verify(forged, { seen })).toMatchObject({ valid: false, reason: 'bad-signature' });
    expect(await verify(await tokenWith({ jti: 'tampered' }), { seen }, body.replace('answered', 'completed'))).toMatchObject({
      valid: false,
      reason: 'payload-hash',
    });
    expect(calls).toEqual([]);
  });

  it('a store that is down makes the guard throw store-unavailable (a 503 for the handler), not a verdict', async () => {
    const down = withKeyPrefix(createMemoryStore(), 'x:');
    const failing = {
      ...down,
      compareAndSet: async () => Promise.reject(new (await import('@callflow/core')).CallFlowError('store-unavailable', 'redis down')),
    };
    const error = await verify(await tokenWith({}), { seen: jtiSeenIn(failing) }).catch((caught: unknown) => caught);
    expect(isCallFlowError(error, 'store-unavailable')).toBe(true);
  });
});

describe('verifyVonageSignature: payload_hash over the raw bytes', () => {
  it('a Uint8Array body is hashed as its bytes: the same JSON as text and as bytes verify alike', async () => {
    const token = await tokenWith({});
    expect(await verify(token, {}, new TextEncoder().encode(body))).toMatchObject({ valid: true });
    expect(await verify(token, {}, body)).toMatchObject({ valid: true });
  });

  it('bytes that are not valid UTF-8 verify as bytes, and fail once decoded and re-encoded', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"uuid":"u-1","name":"'), 0xe9, 0xff, ...new TextEncoder().encode('"}')]);
    const token = await createVonageJwt({ iat: nowSeconds(), jti: 'bytes', payload_hash: await sha256Hex(bytes) }, signatureSecret);
    expect(await verify(token, {}, bytes)).toMatchObject({ valid: true });
    const decoded = new TextDecoder().decode(bytes);
    expect(await verify(token, {}, decoded)).toMatchObject({ valid: false, reason: 'payload-hash' });
  });

  it('a request signed by signVonageRequest still verifies with a byte body', async () => {
    const request = await signVonageRequest({ url, body, signatureSecret });
    const bytes = new Uint8Array(await request.arrayBuffer());
    const result = await verifyVonageSignature(
      { method: 'POST', url, authorization: request.headers.get('authorization'), body: bytes },
      { signatureSecret },
    );
    expect(result.valid).toBe(true);
  });
});
