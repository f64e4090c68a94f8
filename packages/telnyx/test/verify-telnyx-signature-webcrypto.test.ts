import { afterEach, describe, expect, it, vi } from 'vitest';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { generateTelnyxKeyPair, signTelnyxEvent, verifyTelnyxSignature } from '../src/index.js';

// On Node the verifier checks Ed25519 with node:crypto and a cached KeyObject; on Workers, Deno and browsers with
// WebCrypto. This hides process.getBuiltinModule, as on those runtimes, loads a fresh copy of the module, and checks
// both paths give the same answers, with the telnyx SDK's verifier as the oracle.

const processWithBuiltins = process as { getBuiltinModule?: unknown };
const original = processWithBuiltins.getBuiltinModule;
const body = JSON.stringify({
  data: { record_type: 'event', event_type: 'call.initiated', id: 'e1', payload: { call_control_id: 'v3:abc', direction: 'incoming' } },
});

/** A fresh copy of the module on a runtime without node:crypto, until the test ends. */
async function loadWithoutNodeCrypto() {
  processWithBuiltins.getBuiltinModule = undefined;
  vi.resetModules();
  return import('../src/verify-telnyx-signature.js');
}

async function sdkAccepts(publicKey: string, rawBody: string, headers: Record<string, string>): Promise<boolean> {
  try {
    await new TelnyxWebhook(publicKey).verify(rawBody, headers);
    return true;
  } catch {
    return false;
  }
}

afterEach(() => {
  processWithBuiltins.getBuiltinModule = original;
  vi.restoreAllMocks();
});

describe('verifyTelnyxSignature on node:crypto and on WebCrypto', () => {
  it('both accept a valid event and refuse a tampered body, another key and a Uint8Array changed by one byte, as the SDK does', async () => {
    const keys = await generateTelnyxKeyPair();
    const other = await generateTelnyxKeyPair();
    const signed = await signTelnyxEvent(body, { privateKey: keys.privateKey });
    const bytes = new Uint8Array([...new TextEncoder().encode(body.slice(0, -2)), 0xe9, 0xff, ...new TextEncoder().encode('}}')]);
    const signedBytes = await signTelnyxEvent(bytes, { privateKey: keys.privateKey });
    const input = (publicKey: string, rawBody: string | Uint8Array, headers: Record<string, string>) => ({
      publicKey,
      rawBody,
      signature: headers['telnyx-signature-ed25519'],
      timestamp: headers['telnyx-timestamp'],
    });
    const tampered = bytes.slice();
    tampered[3] = tampered[3]! ^ 1;
    const cases = [
      { name: 'valid', input: input(keys.publicKey, body, signed), ok: true },
      { name: 'tampered', input: input(keys.publicKey, body.replace('e1', 'e2'), signed), ok: false },
      { name: 'another key', input: input(other.publicKey, body, signed), ok: false },
      { name: 'bytes as bytes', input: input(keys.publicKey, bytes, signedBytes), ok: true },
      { name: 'bytes with one bit flipped', input: input(keys.publicKey, tampered, signedBytes), ok: false },
    ];
    const nodeAnswers = [];
    for (const testCase of cases) nodeAnswers.push((await verifyTelnyxSignature(testCase.input)).ok);
    const web = await loadWithoutNodeCrypto();
    const subtleVerify = vi.spyOn(crypto.subtle, 'verify');
    const webAnswers = [];
    for (const testCase of cases) webAnswers.push((await web.verifyTelnyxSignature(testCase.input)).ok);
    expect(subtleVerify).toHaveBeenCalledTimes(cases.length);
    expect(nodeAnswers).toEqual(cases.map((testCase) => testCase.ok));
    expect(webAnswers).toEqual(nodeAnswers);
    expect(await sdkAccepts(keys.publicKey, body, signed)).toBe(true);
    expect(await sdkAccepts(other.publicKey, body, signed)).toBe(false);
  });

  it('node:crypto checks without WebCrypto on Node', async () => {
    const keys = await generateTelnyxKeyPair();
    const signed = await signTelnyxEvent(body, { privateKey: keys.privateKey });
    const subtleVerify = vi.spyOn(crypto.subtle, 'verify');
    const check = await verifyTelnyxSignature({
      publicKey: keys.publicKey,
      rawBody: body,
      signature: signed['telnyx-signature-ed25519'],
      timestamp: signed['telnyx-timestamp'],
    });
    expect(check).toEqual({ ok: true });
    expect(subtleVerify).not.toHaveBeenCalled();
  });
});
