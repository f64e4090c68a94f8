import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  base64UrlToText,
  createEngine,
  defineFlow,
  gather,
  goto,
  hangup,
  say,
  signToken,
  textToBase64Url,
  verifyToken,
  type CallState,
} from '../src/index.js';

const secret = 'token-secret-0123456789';
const state: CallState = {
  node: 'menu',
  step: 2,
  kind: 'gather',
  tries: { 'menu:2': 1 },
  vars: { account: '1234' },
  promptOffset: 1,
  reask: 'invalid',
};
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
    expect(await refusal(verifyToken(token, { callId: 'CA1' }, { secret: 'another-secret-0123456789', now: at(t0) }))).toBe(
      'bad-signature',
    );
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
      return `${payload}.${btoa(String.fromCharCode(...mac))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '')}`;
    };
    const options = { secret, now: at(t0) };
    expect(await refusal(verifyToken(await signed([2, 'v', 'menu', 0, 1, 0, 0, 0, 0, t0 / 1000]), { callId: 'CA1' }, options))).toBe(
      'unsupported-version',
    );
    expect(await refusal(verifyToken(await signed([1, 'v', 'menu', 'zero', 1, 0, 0, 0, 0, t0 / 1000]), { callId: 'CA1' }, options))).toBe(
      'malformed',
    );
    expect(await refusal(verifyToken(await signed([1, 'v', 'menu', 0, 99, 0, 0, 0, 0, t0 / 1000]), { callId: 'CA1' }, options))).toBe(
      'malformed',
    );
    expect(await refusal(verifyToken(await signed({ node: 'menu' }), { callId: 'CA1' }, options))).toBe('malformed');
    expect(await refusal(verifyToken(await signed([1, 'v', 'menu', 0, 1, 0, { a: 1 }, 0, 0, t0 / 1000]), { callId: 'CA1' }, options))).toBe(
      'malformed',
    );
  });

  it('verifies with any secret in a rotation list and signs with the first', async () => {
    const token = await signToken(state, context, { secret: ['old-secret-0123456789'], now: at(t0) });
    await expect(
      verifyToken(token, { callId: 'CA1' }, { secret: ['new-secret-0123456789', 'old-secret-0123456789'], now: at(t0) }),
    ).resolves.toBeDefined();
    const fresh = await signToken(state, context, { secret: ['new-secret-0123456789', 'old-secret-0123456789'], now: at(t0) });
    expect(await refusal(verifyToken(fresh, { callId: 'CA1' }, { secret: 'old-secret-0123456789', now: at(t0) }))).toBe('bad-signature');
  });
});

describe('HMAC implementations', () => {
  it('node:crypto and WebCrypto produce the same MAC', async () => {
    const { hmacSha256, webCryptoHmacSha256 } = await import('../src/token/hmac.js');
    for (const message of ['', 'CA1\npayload', 'ünïcødé ✓', 'x'.repeat(5000)]) {
      expect(await hmacSha256('secret-0123456789abcdef', message, 16)).toBe(
        await webCryptoHmacSha256('secret-0123456789abcdef', message, 16),
      );
    }
  });

  it('agree on every message length around the block size, long and non-ASCII keys, and any output length', async () => {
    const { hmacSha256, webCryptoHmacSha256 } = await import('../src/token/hmac.js');
    const secrets = ['secret-0123456789abcdef', 'k'.repeat(64), 'long-key-'.repeat(12), 'clé-secrète-ünïcødé-🔑'];
    const messages = Array.from({ length: 200 }, (_, length) =>
      'CA1\n'.concat('é✓'.repeat(length % 7), 'a'.repeat(length)).slice(0, length),
    );
    messages.push('\ud800 lone surrogate', 'y'.repeat(70_000));
    for (const secret of secrets) {
      for (const message of messages) {
        for (const length of [16, 32])
          expect(await hmacSha256(secret, message, length)).toBe(await webCryptoHmacSha256(secret, message, length));
      }
    }
  });
});

describe('syncHmac (node:crypto, two one-shot hashes over cached pads)', () => {
  it('equals createHmac for SHA-256 and SHA-1, both encodings, short, block-sized, long and non-ASCII keys and messages', async () => {
    const { syncHmac } = await import('../src/token/hmac.js');
    const { createHmac } = await import('node:crypto');
    const hmac = syncHmac()!;
    const secrets = ['twilio-auth-token', 'k'.repeat(64), 'long-key-'.repeat(12), 'clé-secrète-🔑'];
    // Lengths around the block size, then long enough to make the scratch space grow, then back to short (reused).
    const messages = [...Array.from({ length: 140 }, (_, length) => 'é✓a'.repeat(length).slice(0, length)), 'z'.repeat(9_000), 'short'];
    messages.push('\ud800 lone surrogate');
    for (const algorithm of ['sha256', 'sha1'] as const)
      for (const secret of secrets)
        for (const message of messages)
          for (const encoding of ['base64', 'base64url'] as const)
            expect(hmac(algorithm, secret, message, encoding)).toBe(createHmac(algorithm, secret).update(message).digest(encoding));
  });

  it('tokens truncate the MAC to any byte length as WebCrypto does', async () => {
    const { hmacSha256, webCryptoHmacSha256 } = await import('../src/token/hmac.js');
    for (let length = 1; length <= 32; length++)
      expect(await hmacSha256('secret-0123456789abcdef', 'CA1\npayload', length)).toBe(
        await webCryptoHmacSha256('secret-0123456789abcdef', 'CA1\npayload', length),
      );
  });
});

// On Node the MAC comes from node:crypto; on Workers and Deno from WebCrypto. These load fresh copies of the modules
// with process.getBuiltinModule hidden (or answering a node:crypto without the one-shot `hash`), as on those runtimes.
const processWithBuiltins = process as { getBuiltinModule?: unknown };
const originalGetBuiltinModule = processWithBuiltins.getBuiltinModule;

async function loadWith(getBuiltinModule: unknown) {
  processWithBuiltins.getBuiltinModule = getBuiltinModule;
  vi.resetModules();
  try {
    return { token: await import('../src/token/call-token.js'), engine: await import('../src/engine/create-engine.js') };
  } finally {
    processWithBuiltins.getBuiltinModule = originalGetBuiltinModule;
  }
}

afterEach(() => {
  processWithBuiltins.getBuiltinModule = originalGetBuiltinModule;
  vi.restoreAllMocks();
});

describe('tokens without node:crypto (WebCrypto, as on Workers)', () => {
  it('signs and verifies through crypto.subtle, interchangeably with the node:crypto path', async () => {
    const webCrypto = await loadWith(undefined);
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const options = { secret, now: at(t0) };
    const token = await webCrypto.token.signToken(state, context, options);
    expect(sign).toHaveBeenCalledTimes(1);
    expect(token).toBe(await signToken(state, context, options));
    expect(await webCrypto.token.verifyToken(token, { callId: 'CA1' }, options)).toEqual(
      await verifyToken(token, { callId: 'CA1' }, options),
    );
    expect(sign).toHaveBeenCalledTimes(2);
    expect(await refusal(webCrypto.token.verifyToken(token, { callId: 'CA2' }, options))).toBe('foreign-call');
    const rotated = { secret: ['new-secret-0123456789', 'another-secret-0123456789', secret], now: at(t0) };
    await expect(webCrypto.token.verifyToken(token, { callId: 'CA1' }, rotated)).resolves.toEqual(
      await verifyToken(token, { callId: 'CA1' }, rotated),
    );
    expect(await refusal(webCrypto.token.verifyToken(token, { callId: 'CA1' }, { secret: ['new-secret-0123456789'], now: at(t0) }))).toBe(
      'bad-signature',
    );
  });

  it('runs the engine with asynchronous MACs: turns and tokens match the node:crypto engine', async () => {
    const flow = defineFlow({
      name: 'webcrypto',
      start: 'greeting',
      nodes: {
        greeting: [say('Hello.'), goto('menu')],
        menu: [gather({ prompt: 'Press 1.', numDigits: 1, routes: { '1': 'bye' }, onExhausted: 'bye' })],
        bye: [say('Bye.'), hangup()],
      },
    });
    const options = { secret, now: at(t0) };
    const webCrypto = await loadWith(undefined);
    const web = webCrypto.engine.createEngine(flow, options);
    const node = createEngine(flow, options);
    const sign = vi.spyOn(crypto.subtle, 'sign');
    const call = { callId: 'CA1' };
    const started = await node.start(call);
    expect(await web.start(call)).toEqual(started);
    for (const outcome of [{ type: 'digits', digits: '7' }, { type: 'no-input' }, { type: 'digits', digits: '1' }] as const) {
      expect(await web.resume(started.token!, outcome, call)).toEqual(await node.resume(started.token!, outcome, call));
    }
    expect(sign).toHaveBeenCalled();
    expect(await web.inspect(started.token!, call)).toEqual(await node.inspect(started.token!, call));
  });
});

describe('tokens on a node:crypto without the one-shot hash', () => {
  it('falls back to createHmac with the same MACs', async () => {
    const nodeCrypto = await import('node:crypto');
    const createHmac = vi.fn(nodeCrypto.createHmac);
    const older = await loadWith((name: string) => (name === 'node:crypto' ? { createHmac } : undefined));
    const options = { secret, now: at(t0) };
    const token = await older.token.signToken(state, context, options);
    expect(createHmac).toHaveBeenCalledTimes(1);
    expect(token).toBe(await signToken(state, context, options));
    expect(await older.token.verifyToken(token, { callId: 'CA1' }, options)).toEqual(await verifyToken(token, { callId: 'CA1' }, options));
  });
});
