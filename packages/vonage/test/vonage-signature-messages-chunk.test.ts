import { afterEach, describe, expect, it, vi } from 'vitest';

// The words of a refused signature are a chunk of their own (src/vonage-signature-messages.ts), loaded by the first
// refusal. Each test starts from a fresh module state, so that refusal is the one that loads it.

const signatureSecret = 'messages-chunk-signature-secret';
const url = 'https://ivr.example.com/vonage/answer?uuid=call-1&to=447700900000&from=447700900001';

describe('the Vonage signature messages chunk, from a cold start', () => {
  afterEach(() => {
    vi.doUnmock('../src/vonage-signature-messages.js');
    vi.resetModules();
  });

  it('a forged, a stale and an unsigned webhook are refused with their messages on the first refusal', async () => {
    vi.resetModules();
    const vonage = await import('../src/index.js');
    const nowSeconds = Math.floor(Date.now() / 1000);
    const forged = await vonage.signVonageRequest({ url, signatureSecret: 'another-secret', method: 'GET' });
    expect(
      await vonage.verifyVonageSignature(
        { method: 'GET', url, authorization: forged.headers.get('authorization'), body: '' },
        { signatureSecret },
      ),
    ).toEqual({ valid: false, reason: 'bad-signature', message: 'JWT signature does not match the signature secret' });
    const stale = await vonage.signVonageRequest({ url, signatureSecret, method: 'GET', issuedAt: nowSeconds - 900 });
    const staleResult = await vonage.verifyVonageSignature(
      { method: 'GET', url, authorization: stale.headers.get('authorization'), body: '' },
      { signatureSecret },
    );
    expect(staleResult).toMatchObject({ valid: false, reason: 'expired' });
    expect(staleResult.valid ? '' : staleResult.message).toMatch(/^JWT issued 9\d\d s ago, over 300 s$/);
    expect(await vonage.verifyVonageSignature({ method: 'GET', url, authorization: null, body: '' }, { signatureSecret })).toEqual({
      valid: false,
      reason: 'missing-header',
      message: 'no Authorization header',
    });
  });

  it('through the handler: a forged webhook is answered 403, and one signed right is answered', async () => {
    vi.resetModules();
    const vonage = await import('../src/index.js');
    const core = await import('@callflow/core');
    const warnings: string[] = [];
    const handler = vonage.createVonageHandler({
      flow: core.defineFlow({ name: 'hello', start: 'main', nodes: { main: [core.say('Hello.')] } }),
      secret: 'messages-chunk-test-secret-0123456789',
      publicBaseUrl: 'https://ivr.example.com/vonage',
      signatureSecret,
      logger: { info() {}, warn: (message: string) => void warnings.push(message), error() {} },
    });
    const forged = await handler(await vonage.signVonageRequest({ url, signatureSecret: 'another-secret', method: 'GET' }));
    expect(forged.status).toBe(403);
    expect(warnings.join('\n')).toContain('JWT signature does not match the signature secret');
    const signed = await handler(await vonage.signVonageRequest({ url, signatureSecret, method: 'GET' }));
    expect(signed.status).toBe(200);
    expect(await signed.json()).toEqual([{ action: 'talk', text: 'Hello.' }]);
  });

  it('a messages chunk that cannot load: the webhook is still refused (403), never let through', async () => {
    vi.doMock('../src/vonage-signature-messages.js', () => {
      throw new Error('chunk missing');
    });
    vi.resetModules();
    const vonage = await import('../src/index.js');
    const core = await import('@callflow/core');
    const handler = vonage.createVonageHandler({
      flow: core.defineFlow({ name: 'hello', start: 'main', nodes: { main: [core.say('Hello.')] } }),
      secret: 'messages-chunk-test-secret-0123456789',
      publicBaseUrl: 'https://ivr.example.com/vonage',
      signatureSecret,
      logger: { info() {}, warn() {}, error() {} },
    });
    const forged = await handler(await vonage.signVonageRequest({ url, signatureSecret: 'another-secret', method: 'GET' }));
    expect(forged.status).toBe(403);
    await expect(vonage.verifyVonageSignature({ method: 'GET', url, authorization: null, body: '' }, { signatureSecret })).rejects.toThrow(
      /chunk missing|error when mocking/,
    );
  });
});
