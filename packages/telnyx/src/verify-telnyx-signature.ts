import { CallFlowError, lazyNodeCrypto } from '@callflow/core';

/** Why a Telnyx signature was refused. */
export type TelnyxSignatureFailure = 'missing-key' | 'bad-key' | 'missing-header' | 'bad-timestamp' | 'stale-timestamp' | 'bad-signature';

/** The result of checking a Telnyx webhook signature, with a diagnostic reason when refused. */
export type TelnyxSignatureCheck = { ok: true } | { ok: false; reason: TelnyxSignatureFailure; message: string };

/** What `verifyTelnyxSignature` checks. */
export interface VerifyTelnyxSignatureInput {
  /** The account's Ed25519 public key, base64 of 32 bytes (Mission Control → Keys & Credentials → Public Key). */
  publicKey: string;
  /** The `telnyx-signature-ed25519` header: base64 of 64 bytes. */
  signature: string | null | undefined;
  /** The `telnyx-timestamp` header: Unix seconds. */
  timestamp: string | null | undefined;
  /**
   * The exact body as received: its bytes (preferred: they are checked as they are), or text, which is encoded as UTF-8
   * (right only when the bytes were valid UTF-8; a decoded body with invalid sequences no longer matches its signature).
   */
  rawBody: string | Uint8Array;
  /** Seconds the timestamp may differ from now; default 300, as the telnyx SDK. */
  toleranceSeconds?: number;
  /** The clock in ms; default `Date.now`. */
  now?: () => number;
}

/** The two headers Telnyx signs a webhook with. */
export const telnyxSignatureHeader = 'telnyx-signature-ed25519';
/** The timestamp header; the signed message is `${timestamp}|${rawBody}`. */
export const telnyxTimestampHeader = 'telnyx-timestamp';

const encoder = new TextEncoder();
const verifyKeys = new Map<string, Promise<CryptoKey>>();
// node:crypto on Node, with one KeyObject per public key: a synchronous check there is ~20% faster than WebCrypto's
// (63 against 78 µs, bench/telnyx.ts), which adds a promise and a thread-pool job. With many checks in flight WebCrypto's
// thread pool answers sooner and holds the main thread ~6 µs a check instead of ~60, but costs more CPU in all (bench/telnyx.ts,
// "16 in flight"); on a host whose cores are already busy that is a loss, so the synchronous check stays. WebCrypto elsewhere.
const nodeCrypto = lazyNodeCrypto();
const nodeKeys = new Map<string, object>();
// An Ed25519 SubjectPublicKeyInfo is this fixed DER prefix and the 32 key bytes (RFC 8410, section 4).
const ed25519SpkiPrefix = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/** The check through node:crypto, or `undefined` where the runtime has none (or refuses the key: WebCrypto then says why). */
function verifyWithNode(publicKey: string, keyBytes: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | undefined {
  const node = nodeCrypto();
  if (!node) return undefined;
  let key = nodeKeys.get(publicKey);
  if (!key) {
    try {
      key = node.createPublicKey({ key: new Uint8Array([...ed25519SpkiPrefix, ...keyBytes]), format: 'der', type: 'spki' });
    } catch {
      return undefined;
    }
    if (nodeKeys.size > 16) nodeKeys.clear();
    nodeKeys.set(publicKey, key);
  }
  try {
    return node.verify(null, message, key, signature);
  } catch {
    return undefined;
  }
}

const decodedKeys = new Map<string, Uint8Array<ArrayBuffer>>();

/** The 32 bytes of a base64 public key, decoded once per key (every event of an account carries the same one). */
function publicKeyBytes(publicKey: string): Uint8Array<ArrayBuffer> | undefined {
  let bytes = decodedKeys.get(publicKey);
  if (bytes === undefined) {
    bytes = strictBase64(publicKey);
    if (bytes?.length !== 32) return undefined;
    if (decodedKeys.size > 16) decodedKeys.clear();
    decodedKeys.set(publicKey, bytes);
  }
  return bytes;
}

function strictBase64(value: string): Uint8Array<ArrayBuffer> | undefined {
  if (value.length === 0 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  const binary = atob(value);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index++) binary += String.fromCharCode(bytes[index]!);
  return btoa(binary);
}

// provider: the signed message is `${telnyx-timestamp}|${raw body}`, over "the exact bytes Telnyx sent, ... rather than re-serializing
// parsed JSON" (https://developers.telnyx.com/docs/development/api-fundamentals/webhooks, .../sdk/python/webhooks; telnyx-node
// lib/webhooks.js verify() encodes `${timestampHeader}|${payload}` from the payload string it is given).
function signedMessage(timestamp: string, rawBody: string | Uint8Array): Uint8Array<ArrayBuffer> {
  // Text: one encoding of the whole message (the prefix is ASCII, so this is the prefix's bytes and then the body's).
  if (typeof rawBody === 'string') return encoder.encode(`${timestamp}|${rawBody}`);
  // Bytes: the prefix written directly (the timestamp was checked to be ASCII digits), then the body's bytes as they came.
  const message = new Uint8Array(timestamp.length + 1 + rawBody.length);
  for (let index = 0; index < timestamp.length; index++) message[index] = timestamp.charCodeAt(index) & 0x7f;
  message[timestamp.length] = 0x7c;
  message.set(rawBody, timestamp.length + 1);
  return message;
}

function refuse(reason: TelnyxSignatureFailure, message: string): TelnyxSignatureCheck {
  return { ok: false, reason, message };
}

/**
 * Checks a Telnyx webhook's Ed25519 signature over `timestamp|rawBody` and its timestamp window, with node:crypto on
 * Node and WebCrypto elsewhere (no SDK). Fails closed: a missing key or header is a refusal, never a pass.
 * @example
 * const check = await verifyTelnyxSignature({ publicKey, signature: request.headers.get('telnyx-signature-ed25519'), timestamp: request.headers.get('telnyx-timestamp'), rawBody });
 */
export async function verifyTelnyxSignature(input: VerifyTelnyxSignatureInput): Promise<TelnyxSignatureCheck> {
  return checkTelnyxSignature(input);
}

/** `verifyTelnyxSignature`, answered without a promise where node:crypto checks it (Node), for the webhook pipeline. */
export function checkTelnyxSignature(input: VerifyTelnyxSignatureInput): TelnyxSignatureCheck | Promise<TelnyxSignatureCheck> {
  if (!input.publicKey) return refuse('missing-key', 'no public key configured');
  const keyBytes = publicKeyBytes(input.publicKey);
  if (keyBytes === undefined) return refuse('bad-key', 'public key is not base64 of 32 bytes');
  if (!input.signature || !input.timestamp)
    return refuse('missing-header', `missing ${!input.signature ? telnyxSignatureHeader : telnyxTimestampHeader} header`);
  if (!/^\d{1,15}$/.test(input.timestamp))
    return refuse('bad-timestamp', `timestamp '${input.timestamp.slice(0, 20)}' is not Unix seconds`);
  const skew = Math.abs(Math.floor((input.now ?? Date.now)() / 1000) - Number(input.timestamp));
  const tolerance = input.toleranceSeconds ?? 300;
  if (skew > tolerance)
    return refuse('stale-timestamp', `timestamp is ${skew} s away from now, over ${tolerance} s (replay, or an unsynced clock)`);
  const signature = strictBase64(input.signature);
  if (signature?.length !== 64) return refuse('bad-signature', 'signature is not base64 of 64 bytes');
  const message = signedMessage(input.timestamp, input.rawBody);
  const checked = verifyWithNode(input.publicKey, keyBytes, message, signature);
  if (checked !== undefined) return checked ? { ok: true } : mismatch();
  return verifyWithWebCrypto(input.publicKey, keyBytes, message, signature);
}

async function verifyWithWebCrypto(
  publicKey: string,
  keyBytes: Uint8Array<ArrayBuffer>,
  message: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
): Promise<TelnyxSignatureCheck> {
  let valid: boolean;
  try {
    valid = await crypto.subtle.verify('Ed25519', await webCryptoKey(publicKey, keyBytes), signature, message);
  } catch {
    return refuse('bad-key', 'public key was refused by WebCrypto Ed25519');
  }
  return valid ? { ok: true } : mismatch();
}

function webCryptoKey(publicKey: string, keyBytes: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  let key = verifyKeys.get(publicKey);
  if (!key) {
    key = crypto.subtle.importKey('raw', keyBytes, { name: 'Ed25519' }, false, ['verify']);
    verifyKeys.set(publicKey, key);
    key.catch(() => verifyKeys.delete(publicKey));
  }
  return key;
}

function mismatch(): TelnyxSignatureCheck {
  return refuse('bad-signature', 'signature does not match the timestamp and body (tampered, re-encoded body, or another key)');
}

/** An Ed25519 key pair for signing test events: the public key as Telnyx shows it, the private key as base64 PKCS#8. */
export interface TelnyxKeyPair {
  publicKey: string;
  privateKey: string;
}

/** Generates an Ed25519 key pair like the one Telnyx signs webhooks with, for tests and emulators. */
export async function generateTelnyxKeyPair(): Promise<TelnyxKeyPair> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const privateKey = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  return { publicKey: bytesToBase64(publicKey), privateKey: bytesToBase64(privateKey) };
}

const signKeys = new Map<string, Promise<CryptoKey>>();

/**
 * Signs a webhook body the way Telnyx does, for tests: returns the two headers to send with it.
 * @example
 * const headers = await signTelnyxEvent(body, { privateKey: keys.privateKey });
 */
export async function signTelnyxEvent(
  rawBody: string | Uint8Array,
  options: { privateKey: string; timestamp?: number },
): Promise<Record<string, string>> {
  let key = signKeys.get(options.privateKey);
  if (!key) {
    const bytes = strictBase64(options.privateKey);
    if (!bytes) throw new CallFlowError('signature-mismatch', 'private key is not base64 PKCS#8', { provider: 'telnyx' });
    key = crypto.subtle.importKey('pkcs8', bytes, { name: 'Ed25519' }, false, ['sign']);
    signKeys.set(options.privateKey, key);
  }
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', await key, signedMessage(timestamp, rawBody)));
  return { [telnyxSignatureHeader]: bytesToBase64(signature), [telnyxTimestampHeader]: timestamp };
}
