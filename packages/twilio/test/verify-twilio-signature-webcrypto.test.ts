import { afterEach, describe, expect, it, vi } from 'vitest';
import twilio from 'twilio';

// On Node the signature is computed with node:crypto (fast path, loaded on first use); on Workers and Deno with
// WebCrypto. This hides process.getBuiltinModule, as on those runtimes, loads fresh copies of the modules, and checks
// the WebCrypto path gives the answers of the twilio SDK's own validateRequest / validateRequestWithBody.

const authToken = '12345678901234567890123456789012';
const url = 'https://ivr.example.com/voice?t=abc.def';
const params = { CallSid: 'CA1', Digits: '3', SpeechResult: 'Ça va? 1+1=2 & "ok"', Empty: '' };
const processWithBuiltins = process as { getBuiltinModule?: unknown };
const original = processWithBuiltins.getBuiltinModule;

/** A fresh copy of the module on a runtime without node:crypto, until the test ends. */
async function loadWithoutNodeCrypto() {
  processWithBuiltins.getBuiltinModule = undefined;
  vi.resetModules();
  return import('../src/verify-twilio-signature.js');
}

afterEach(() => {
  processWithBuiltins.getBuiltinModule = original;
  vi.restoreAllMocks();
});

describe('X-Twilio-Signature without node:crypto (WebCrypto, as on Workers)', () => {
  it('signs form webhooks exactly as the twilio SDK does', async () => {
    const webCrypto = await loadWithoutNodeCrypto();
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const signature = await webCrypto.computeTwilioSignature(authToken, url, params);
    expect(sign).toHaveBeenCalledTimes(1);
    expect(signature).toBe(twilio.getExpectedTwilioSignature(authToken, url, params));
    expect(await webCrypto.verifyTwilioSignature({ authToken, url, params, signature })).toBe(true);
    expect(await webCrypto.verifyTwilioSignature({ authToken, url, params: { ...params, Digits: '4' }, signature })).toBe(false);
  });

  it('hashes JSON bodies for bodySHA256 exactly as the twilio SDK checks them', async () => {
    const webCrypto = await loadWithoutNodeCrypto();
    const body = JSON.stringify({ CallSid: 'CA1', Digits: '3' });
    const signedUrl = await webCrypto.withTwilioBodyHash(url, body);
    const signature = await webCrypto.signTwilioRequest({ authToken, url: signedUrl, body });
    expect(twilio.validateRequestWithBody(authToken, signature, signedUrl, body)).toBe(true);
    expect(await webCrypto.verifyTwilioSignature({ authToken, url: signedUrl, body, signature })).toBe(true);
    expect(await webCrypto.verifyTwilioSignature({ authToken, url: signedUrl, body: body.replace('3', '4'), signature })).toBe(false);
  });

  it('gives the same values as the node:crypto path', async () => {
    vi.resetModules();
    const fast = await import('../src/verify-twilio-signature.js');
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const fastSignature = await fast.computeTwilioSignature(authToken, url, params);
    const fastHash = await fast.twilioBodyHash('{"a":"é"}');
    expect(sign).not.toHaveBeenCalled();
    const webCrypto = await loadWithoutNodeCrypto();
    expect(await webCrypto.computeTwilioSignature(authToken, url, params)).toBe(fastSignature);
    expect(sign).toHaveBeenCalledTimes(1);
    expect(await webCrypto.twilioBodyHash('{"a":"é"}')).toBe(fastHash);
  });
});
