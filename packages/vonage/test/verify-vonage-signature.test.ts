import { verifySignature } from '@vonage/jwt';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createVonageJwt, sha256Hex, signVonageRequest, verifyVonageSignature } from '@callflow/vonage';

// jsonwebtoken (what @vonage/jwt uses) ships no types; only sign() is needed, as an independent HS256 implementation.
const jsonwebtoken = createRequire(import.meta.url)('jsonwebtoken') as {
  sign(payload: object, secret: string, options: { algorithm: 'HS256' }): string;
};
const signatureSecret = 'vonage-signature-secret-1';
const now = () => 1_800_000_000_000;
const iat = now() / 1000;
const url = 'https://ivr.example.com/vonage/input?t=abc.def&call=uuid-1';
const body = JSON.stringify({ uuid: 'uuid-1', dtmf: { digits: '1', timed_out: false } });

async function check(request: Request, options: Partial<Parameters<typeof verifyVonageSignature>[1]> = {}) {
  const text = request.method === 'GET' ? '' : await request.text();
  return verifyVonageSignature(
    { method: request.method, url: request.url, authorization: request.headers.get('authorization'), body: text },
    { signatureSecret, now, ...options },
  );
}

describe('verifyVonageSignature', () => {
  it('accepts a request signed like Vonage, and @vonage/jwt agrees on the signature', async () => {
    const request = await signVonageRequest({ url, body, signatureSecret, issuedAt: iat, applicationId: 'app-1' });
    const result = await check(request);
    expect(result).toMatchObject({ valid: true, claims: { iss: 'Vonage', application_id: 'app-1' } });
    const token = request.headers.get('authorization')!.replace(/^Bearer /, '');
    expect(verifySignature(token, signatureSecret)).toBe(true);
    expect(verifySignature(token, 'another-secret')).toBe(false);
  });

  it('accepts a JWT made by jsonwebtoken (the SDK dependency) with payload_hash over the raw body', async () => {
    const token = jsonwebtoken.sign({ iat, jti: 'j-1', iss: 'Vonage', payload_hash: await sha256Hex(body) }, signatureSecret, {
      algorithm: 'HS256',
    });
    const result = await verifyVonageSignature({ method: 'POST', url, authorization: `Bearer ${token}`, body }, { signatureSecret, now });
    expect(result.valid).toBe(true);
  });

  it('refuses a tampered body even though the JWT itself verifies (the SDK would accept it)', async () => {
    const request = await signVonageRequest({ url, body, signatureSecret, issuedAt: iat });
    const token = request.headers.get('authorization')!.replace(/^Bearer /, '');
    const tampered = body.replace('"1"', '"9"');
    expect(verifySignature(token, signatureSecret)).toBe(true);
    const result = await verifyVonageSignature(
      { method: 'POST', url, authorization: `Bearer ${token}`, body: tampered },
      { signatureSecret, now },
    );
    expect(result).toMatchObject({ valid: false, reason: 'payload-hash' });
  });

  it('refuses a replay outside the iat window and a JWT from the future', async () => {
    const old = await signVonageRequest({ url, body, signatureSecret, issuedAt: iat - 301 });
    expect(await check(old)).toMatchObject({ valid: false, reason: 'expired' });
    const future = await signVonageRequest({ url, body, signatureSecret, issuedAt: iat + 120 });
    expect(await check(future)).toMatchObject({ valid: false, reason: 'not-yet-valid' });
    const recent = await signVonageRequest({ url, body, signatureSecret, issuedAt: iat - 299 });
    expect((await check(recent)).valid).toBe(true);
  });

  it('refuses a wrong secret, a missing header, alg none and a body without payload_hash', async () => {
    expect(await check(await signVonageRequest({ url, body, signatureSecret: 'wrong', issuedAt: iat }))).toMatchObject({
      valid: false,
      reason: 'bad-signature',
    });
    expect(await check(new Request(url, { method: 'POST', body }))).toMatchObject({ valid: false, reason: 'missing-header' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iat })).toString('base64url')}.x`;
    expect(
      await verifyVonageSignature({ method: 'POST', url, authorization: `Bearer ${none}`, body }, { signatureSecret, now }),
    ).toMatchObject({ valid: false, reason: 'algorithm' });
    const unhashed = await createVonageJwt({ iat, iss: 'Vonage' }, signatureSecret);
    expect(
      await verifyVonageSignature({ method: 'POST', url, authorization: `Bearer ${unhashed}`, body }, { signatureSecret, now }),
    ).toMatchObject({ valid: false, reason: 'payload-hash' });
  });

  it('accepts any of several secrets (rotation) and fails closed without one', async () => {
    const request = await signVonageRequest({ url, body, signatureSecret, issuedAt: iat });
    expect((await check(request.clone(), { signatureSecret: ['old-secret', signatureSecret] })).valid).toBe(true);
    expect(await check(request, { signatureSecret: [] })).toMatchObject({ valid: false, reason: 'no-secret' });
  });

  it('hashes a GET webhook over its query parameters as compact JSON, and refuses an edited query', async () => {
    const answer = 'https://ivr.example.com/vonage/answer?to=447700900000&from=447700900001&uuid=u-1&conversation_uuid=CON-1';
    const request = await signVonageRequest({ url: answer, method: 'GET', signatureSecret, issuedAt: iat });
    expect((await check(request)).valid).toBe(true);
    const edited = new Request(answer.replace('u-1', 'u-2'), { headers: request.headers });
    expect(await check(edited)).toMatchObject({ valid: false, reason: 'payload-hash' });
  });
});
