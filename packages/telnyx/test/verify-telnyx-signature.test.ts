import { describe, expect, it } from 'vitest';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import { phoneTree } from '@callflow/example-flows';
import { Telnyx } from 'telnyx';
import { createTelnyxHandler, generateTelnyxKeyPair, signTelnyxEvent, verifyTelnyxSignature } from '../src/index.js';

const body = JSON.stringify({
  data: { record_type: 'event', event_type: 'call.initiated', id: 'e1', payload: { call_control_id: 'v3:abc', direction: 'incoming' } },
});

async function oracle(publicKey: string, rawBody: string, headers: Record<string, string>): Promise<boolean> {
  try {
    await new TelnyxWebhook(publicKey).verify(rawBody, headers);
    return true;
  } catch {
    return false;
  }
}

async function ours(publicKey: string, rawBody: string, headers: Record<string, string>): Promise<boolean> {
  const check = await verifyTelnyxSignature({
    publicKey,
    rawBody,
    signature: headers['telnyx-signature-ed25519'],
    timestamp: headers['telnyx-timestamp'],
  });
  return check.ok;
}

describe('verifyTelnyxSignature agrees with the telnyx SDK verifier', async () => {
  const keys = await generateTelnyxKeyPair();
  const other = await generateTelnyxKeyPair();
  const now = Math.floor(Date.now() / 1000);
  // Signed at `now` itself: signing at its own clock could land a second later, and then the "changed" timestamp below
  // would be the signed one (CI caught that race on a slow machine).
  const signed = await signTelnyxEvent(body, { privateKey: keys.privateKey, timestamp: now });

  const cases: Array<{ name: string; key: string; body: string; headers: Record<string, string>; expected: boolean }> = [
    { name: 'a valid signature', key: keys.publicKey, body, headers: signed, expected: true },
    { name: 'one byte of the body changed', key: keys.publicKey, body: body.replace('e1', 'e2'), headers: signed, expected: false },
    {
      name: 're-encoded JSON (spaces)',
      key: keys.publicKey,
      body: JSON.stringify(JSON.parse(body), null, 1),
      headers: signed,
      expected: false,
    },
    { name: 'another key', key: other.publicKey, body, headers: signed, expected: false },
    {
      name: 'timestamp changed after signing',
      key: keys.publicKey,
      body,
      headers: { ...signed, 'telnyx-timestamp': String(Number(signed['telnyx-timestamp']) + 1) },
      expected: false,
    },
    // 330 s, not 301: the cases run seconds after `now` is read on a busy machine, and the SDK reads its own clock.
    {
      name: 'stale timestamp (330 s old)',
      key: keys.publicKey,
      body,
      headers: await signTelnyxEvent(body, { privateKey: keys.privateKey, timestamp: now - 330 }),
      expected: false,
    },
    {
      name: 'future timestamp (330 s ahead)',
      key: keys.publicKey,
      body,
      headers: await signTelnyxEvent(body, { privateKey: keys.privateKey, timestamp: now + 330 }),
      expected: false,
    },
    {
      name: 'old but inside the window (250 s)',
      key: keys.publicKey,
      body,
      headers: await signTelnyxEvent(body, { privateKey: keys.privateKey, timestamp: now - 250 }),
      expected: true,
    },
    {
      name: 'signature header missing',
      key: keys.publicKey,
      body,
      headers: { 'telnyx-timestamp': signed['telnyx-timestamp']! },
      expected: false,
    },
    {
      name: 'timestamp header missing',
      key: keys.publicKey,
      body,
      headers: { 'telnyx-signature-ed25519': signed['telnyx-signature-ed25519']! },
      expected: false,
    },
    {
      name: 'signature truncated',
      key: keys.publicKey,
      body,
      headers: { ...signed, 'telnyx-signature-ed25519': signed['telnyx-signature-ed25519']!.slice(0, 40) },
      expected: false,
    },
    { name: 'timestamp not digits', key: keys.publicKey, body, headers: { ...signed, 'telnyx-timestamp': `${now}.5` }, expected: false },
  ];

  for (const testCase of cases) {
    it(`${testCase.name}: ${testCase.expected ? 'accepted' : 'refused'} by both`, async () => {
      expect(await oracle(testCase.key, testCase.body, testCase.headers)).toBe(testCase.expected);
      expect(await ours(testCase.key, testCase.body, testCase.headers)).toBe(testCase.expected);
    });
  }

  it('reports why it refused', async () => {
    const stale = await signTelnyxEvent(body, { privateKey: keys.privateKey, timestamp: now - 600 });
    expect(
      await verifyTelnyxSignature({
        publicKey: keys.publicKey,
        rawBody: body,
        signature: stale['telnyx-signature-ed25519'],
        timestamp: stale['telnyx-timestamp'],
      }),
    ).toMatchObject({ ok: false, reason: 'stale-timestamp' });
    expect(
      await verifyTelnyxSignature({
        publicKey: '',
        rawBody: body,
        signature: signed['telnyx-signature-ed25519'],
        timestamp: signed['telnyx-timestamp'],
      }),
    ).toMatchObject({ ok: false, reason: 'missing-key' });
    expect(
      await verifyTelnyxSignature({
        publicKey: 'AAAA',
        rawBody: body,
        signature: signed['telnyx-signature-ed25519'],
        timestamp: signed['telnyx-timestamp'],
      }),
    ).toMatchObject({ ok: false, reason: 'bad-key' });
  });
});

describe('the handler fails closed', async () => {
  const keys = await generateTelnyxKeyPair();
  const client = new Telnyx({ apiKey: 'unused', baseURL: 'http://127.0.0.1:9/v2' });
  const handler = createTelnyxHandler({ flow: phoneTree, secret: 'telnyx-test-secret-0123456789', publicKey: keys.publicKey, client });
  const post = (rawBody: string, headers: Record<string, string>) =>
    handler(new Request('http://localhost/telnyx', { method: 'POST', body: rawBody, headers }));
  const hangupBody = JSON.stringify({
    data: {
      record_type: 'event',
      event_type: 'call.hangup',
      id: 'h1',
      payload: { call_control_id: 'v3:x', hangup_cause: 'normal_clearing' },
    },
  });

  it('refuses unsigned, tampered and stale webhooks with 403', async () => {
    expect((await post(hangupBody, {})).status).toBe(403);
    const signed = await signTelnyxEvent(hangupBody, { privateKey: keys.privateKey });
    expect((await post(hangupBody.replace('h1', 'h2'), signed)).status).toBe(403);
    const stale = await signTelnyxEvent(hangupBody, { privateKey: keys.privateKey, timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await post(hangupBody, stale)).status).toBe(403);
    expect((await post(hangupBody, signed)).status).toBe(200);
  });

  it('answers 400 to a signed body that is not an event', async () => {
    const junk = '{"nope":true}';
    expect((await post(junk, await signTelnyxEvent(junk, { privateKey: keys.privateKey }))).status).toBe(400);
  });

  it('answers 403 to a signed event whose client_state carries a forged token', async () => {
    const forged = Buffer.from('1 eyJmb3JnZWQiOnRydWV9.AAAAAAAAAAAAAAAAAAAAAA').toString('base64');
    const event = JSON.stringify({
      data: {
        record_type: 'event',
        event_type: 'call.gather.ended',
        id: 'g1',
        payload: { call_control_id: 'v3:x', client_state: forged, status: 'valid', digits: '1' },
      },
    });
    expect((await post(event, await signTelnyxEvent(event, { privateKey: keys.privateKey }))).status).toBe(403);
  });

  it('refuses to start without a public key unless verification is explicitly off', () => {
    expect(() => createTelnyxHandler({ flow: phoneTree, secret: 'telnyx-test-secret-0123456789', client })).toThrow(
      /publicKey is required/,
    );
    expect(() =>
      createTelnyxHandler({ flow: phoneTree, secret: 'telnyx-test-secret-0123456789', client, verifySignatures: false }),
    ).not.toThrow();
  });
});

describe('verifyTelnyxSignature over the raw bytes', async () => {
  const keys = await generateTelnyxKeyPair();

  it('a Uint8Array body is checked as its bytes; the same UTF-8 text verifies alike, and the SDK agrees on the text', async () => {
    const bytes = new TextEncoder().encode(body);
    const signed = await signTelnyxEvent(bytes, { privateKey: keys.privateKey });
    const check = await verifyTelnyxSignature({
      publicKey: keys.publicKey,
      rawBody: bytes,
      signature: signed['telnyx-signature-ed25519'],
      timestamp: signed['telnyx-timestamp'],
    });
    expect(check).toEqual({ ok: true });
    expect(await ours(keys.publicKey, body, signed)).toBe(true);
    expect(await oracle(keys.publicKey, body, signed)).toBe(true);
  });

  it('bytes that are not valid UTF-8 verify as bytes and fail once decoded to text (what a UTF-8 re-decoding did)', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"data":{"note":"'), 0xe9, 0xff, ...new TextEncoder().encode('"}}')]);
    const signed = await signTelnyxEvent(bytes, { privateKey: keys.privateKey });
    const headers = { signature: signed['telnyx-signature-ed25519'], timestamp: signed['telnyx-timestamp'] };
    expect(await verifyTelnyxSignature({ publicKey: keys.publicKey, rawBody: bytes, ...headers })).toEqual({ ok: true });
    const decoded = new TextDecoder().decode(bytes);
    expect(await verifyTelnyxSignature({ publicKey: keys.publicKey, rawBody: decoded, ...headers })).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    expect(await oracle(keys.publicKey, decoded, signed), 'the SDK, given the decoded text, refuses it too').toBe(false);
  });
});
