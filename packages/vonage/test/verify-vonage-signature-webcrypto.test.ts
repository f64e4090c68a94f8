import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';

// On Node the verifier hashes and checks HMACs with node:crypto (fast path); on Workers, Deno and browsers it uses
// WebCrypto. This hides process.getBuiltinModule, as on those runtimes, loads a fresh copy of the module,
// and checks the WebCrypto path gives the same answers (jsonwebtoken and node:crypto as independent oracles).

const jsonwebtoken = createRequire(import.meta.url)('jsonwebtoken') as {
  sign(payload: object, secret: string, options: { algorithm: 'HS256' }): string;
};
const signatureSecret = 'vonage-signature-secret-1';
const now = () => 1_800_000_000_000;
const url = 'https://ivr.example.com/vonage/input?t=abc.def&call=uuid-1';
const body = JSON.stringify({ uuid: 'uuid-1', dtmf: { digits: '1', timed_out: false } });
const processWithBuiltins = process as { getBuiltinModule?: unknown };
const original = processWithBuiltins.getBuiltinModule;

/** A fresh copy of the module on a runtime without node:crypto, until the test ends. */
async function loadWithoutNodeCrypto() {
  processWithBuiltins.getBuiltinModule = undefined;
  vi.resetModules();
  return import('../src/verify-vonage-signature.js');
}

afterEach(() => {
  processWithBuiltins.getBuiltinModule = original;
  vi.restoreAllMocks();
});

describe('verifyVonageSignature through WebCrypto (no node:crypto)', () => {
  it('hashes like node:crypto and verifies a jsonwebtoken JWT, refusing a wrong secret and a tampered body', async () => {
    const web = await loadWithoutNodeCrypto();
    const verify = vi.spyOn(crypto.subtle, 'verify');
    const digest = vi.spyOn(crypto.subtle, 'digest');
    expect(await web.sha256Hex(body)).toBe(createHash('sha256').update(body).digest('hex'));
    const token = jsonwebtoken.sign(
      { iat: now() / 1000, jti: 'j-1', iss: 'Vonage', payload_hash: createHash('sha256').update(body).digest('hex') },
      signatureSecret,
      { algorithm: 'HS256' },
    );
    const request = { method: 'POST', url, authorization: `Bearer ${token}`, body };
    expect(await web.verifyVonageSignature(request, { signatureSecret, now })).toMatchObject({ valid: true });
    expect(await web.verifyVonageSignature(request, { signatureSecret: 'another-secret', now })).toMatchObject({
      valid: false,
      reason: 'bad-signature',
    });
    expect(await web.verifyVonageSignature({ ...request, body: body.replace('"1"', '"9"') }, { signatureSecret, now })).toMatchObject({
      valid: false,
      reason: 'payload-hash',
    });
    expect(verify).toHaveBeenCalled();
    expect(digest).toHaveBeenCalled();
  });

  it('hashes a byte body as its bytes through WebCrypto too (invalid UTF-8 included)', async () => {
    const web = await loadWithoutNodeCrypto();
    const bytes = new Uint8Array([...new TextEncoder().encode('{"uuid":"u-1","name":"'), 0xe9, 0xff, ...new TextEncoder().encode('"}')]);
    const hash = createHash('sha256').update(bytes).digest('hex');
    expect(await web.sha256Hex(bytes)).toBe(hash);
    const token = jsonwebtoken.sign({ iat: now() / 1000, jti: 'j-bytes', payload_hash: hash }, signatureSecret, { algorithm: 'HS256' });
    const request = { method: 'POST', url, authorization: `Bearer ${token}`, body: bytes };
    expect(await web.verifyVonageSignature(request, { signatureSecret, now })).toMatchObject({ valid: true });
    expect(await web.verifyVonageSignature({ ...request, body: new TextDecoder().decode(bytes) }, { signatureSecret, now })).toMatchObject({
      valid: false,
      reason: 'payload-hash',
    });
  });

  it('uses node:crypto on Node (no WebCrypto round trip) and agrees with the WebCrypto copy', async () => {
    const web = await loadWithoutNodeCrypto();
    const token = await web.createVonageJwt({ iat: now() / 1000, payload_hash: await web.sha256Hex(body) }, signatureSecret);
    const emptyHash = await web.sha256Hex('');
    // Back on Node: a fresh copy takes node:crypto on its first use.
    processWithBuiltins.getBuiltinModule = original;
    vi.resetModules();
    const fast = await import('../src/verify-vonage-signature.js');
    const verify = vi.spyOn(crypto.subtle, 'verify');
    const digest = vi.spyOn(crypto.subtle, 'digest');
    const request = { method: 'POST', url, authorization: `Bearer ${token}`, body };
    expect(await fast.verifyVonageSignature(request, { signatureSecret: ['old-secret', signatureSecret], now })).toMatchObject({
      valid: true,
    });
    expect(await fast.verifyVonageSignature(request, { signatureSecret: 'old-secret', now })).toMatchObject({
      valid: false,
      reason: 'bad-signature',
    });
    expect(await fast.sha256Hex('')).toBe(emptyHash);
    expect(verify).not.toHaveBeenCalled();
    expect(digest).not.toHaveBeenCalled();
  });
});
