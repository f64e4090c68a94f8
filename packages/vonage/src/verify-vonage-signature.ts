import { base64UrlToBytes, base64UrlToText, bytesToBase64Url, lazyNodeCrypto, textToBase64Url } from '@callflow/core';

/** Options for checking a Vonage signed webhook. */
export interface VerifyVonageSignatureOptions {
  /** The account's signature secret(s) (Dashboard → Settings); any of them verifies (rotation). */
  signatureSecret: string | readonly string[];
  /** Oldest `iat` accepted, in seconds; default 300. */
  maxAgeSeconds?: number;
  /** Clock skew tolerated for an `iat` in the future, in seconds; default 60. */
  clockSkewSeconds?: number;
  /** The clock in ms; default `Date.now`. */
  now?: () => number;
}

/** The claims of a Vonage webhook JWT. */
export interface VonageJwtClaims {
  iat: number;
  jti?: string;
  iss?: string;
  payload_hash?: string;
  api_key?: string;
  application_id?: string;
  [claim: string]: unknown;
}

/** The verdict, with the reason when refused. */
export type VonageSignatureResult =
  | { valid: true; claims: VonageJwtClaims }
  | { valid: false; reason: 'missing-header' | 'malformed' | 'algorithm' | 'bad-signature' | 'expired' | 'payload-hash' | 'no-secret'; message: string };

/** A webhook as the verifier needs it: method, URL, the Authorization header and the raw body text. */
export interface VonageSignedRequest {
  method: string;
  url: string;
  authorization: string | null;
  body: string;
}

const keyCache = new Map<string, Promise<CryptoKey>>();
const encoder = new TextEncoder();

// node:crypto on Node (see loadNodeCrypto): each webhook hashes and verifies a few hundred bytes, and WebCrypto's promise
// and thread-pool round trip costs far more than the hash itself; a webhook made three of them.
const nodeCrypto = lazyNodeCrypto();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keyCache.set(secret, key);
  }
  return key;
}

/** SHA-256 of a text, as lowercase hex (Vonage's `payload_hash`). */
export async function sha256Hex(text: string): Promise<string> {
  const node = nodeCrypto();
  if (node) return node.createHash('sha256').update(text).digest('hex');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** What Vonage hashes for a GET webhook: the query parameters as compact JSON, in their original order. */
export function queryPayload(url: string): string {
  const params = new URL(url).searchParams;
  const object: Record<string, string> = {};
  for (const [name, value] of params) object[name] = value;
  return JSON.stringify(object);
}

/**
 * Verifies a Vonage signed webhook: the `Authorization: Bearer` JWT (HS256 with the signature secret, WebCrypto),
 * its `payload_hash` against the raw body (the SDK skips this), and the `iat` window against replay. Fails closed.
 * @example const result = await verifyVonageSignature({ method: 'POST', url, authorization: request.headers.get('authorization'), body }, { signatureSecret });
 */
export async function verifyVonageSignature(request: VonageSignedRequest, options: VerifyVonageSignatureOptions): Promise<VonageSignatureResult> {
  const secrets = typeof options.signatureSecret === 'string' ? [options.signatureSecret] : [...options.signatureSecret];
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret === '')) {
    return { valid: false, reason: 'no-secret', message: 'no signature secret configured' };
  }
  const header = request.authorization;
  if (!header) return { valid: false, reason: 'missing-header', message: 'no Authorization header' };
  const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header.trim());
  if (!match) return { valid: false, reason: 'malformed', message: 'Authorization is not "Bearer <jwt>"' };
  const [, headerPart, claimsPart, signaturePart] = match as unknown as [string, string, string, string];
  let jwtHeader: { alg?: unknown };
  let claims: VonageJwtClaims;
  try {
    jwtHeader = JSON.parse(base64UrlToText(headerPart)) as { alg?: unknown };
    claims = JSON.parse(base64UrlToText(claimsPart)) as VonageJwtClaims;
  } catch {
    return { valid: false, reason: 'malformed', message: 'JWT header or claims are not JSON' };
  }
  if (jwtHeader.alg !== 'HS256') return { valid: false, reason: 'algorithm', message: `JWT alg ${String(jwtHeader.alg)} refused; only HS256` };
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = new Uint8Array(base64UrlToBytes(signaturePart));
  } catch {
    return { valid: false, reason: 'malformed', message: 'JWT signature is not base64url' };
  }
  let verified = false;
  const node = nodeCrypto();
  if (node) {
    for (const secret of secrets) {
      const expected = node.createHmac('sha256', secret).update(`${headerPart}.${claimsPart}`).digest();
      if (expected.length === signature.length && node.timingSafeEqual(expected, signature)) {
        verified = true;
        break;
      }
    }
  } else {
    const signed = encoder.encode(`${headerPart}.${claimsPart}`);
    for (const secret of secrets) {
      if (await crypto.subtle.verify('HMAC', await hmacKey(secret), signature, signed)) {
        verified = true;
        break;
      }
    }
  }
  if (!verified) return { valid: false, reason: 'bad-signature', message: 'JWT signature does not match the signature secret' };
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (typeof claims.iat !== 'number') return { valid: false, reason: 'malformed', message: 'JWT has no iat' };
  const age = nowSeconds - claims.iat;
  if (age > (options.maxAgeSeconds ?? 300)) return { valid: false, reason: 'expired', message: `JWT issued ${Math.round(age)} s ago` };
  if (-age > (options.clockSkewSeconds ?? 60)) return { valid: false, reason: 'expired', message: 'JWT issued in the future' };
  const payload = request.method.toUpperCase() === 'GET' ? queryPayload(request.url) : request.body;
  if (claims.payload_hash === undefined) {
    // A body without a hash could have been swapped; a GET carries its data in the signed-for URL only when hashed too.
    if (payload !== '' && payload !== '{}') return { valid: false, reason: 'payload-hash', message: 'JWT has no payload_hash for a request with a payload' };
  } else if (claims.payload_hash.toLowerCase() !== (await sha256Hex(payload))) {
    return { valid: false, reason: 'payload-hash', message: 'payload_hash does not match the body (tampered or re-encoded by a body parser)' };
  }
  return { valid: true, claims };
}

/** Options for signing a test request the way Vonage does. */
export interface SignVonageRequestOptions {
  url: string;
  method?: 'GET' | 'POST';
  /** A JSON value (serialised compactly) or the raw body text, for POST. */
  body?: unknown;
  signatureSecret: string;
  /** Seconds since the epoch for `iat`; default now. */
  issuedAt?: number;
  applicationId?: string;
  apiKey?: string;
  /** Claims to add or override (e.g. a wrong `payload_hash` for a test). */
  claims?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Creates an HS256 JWT over `claims` with WebCrypto. */
export async function createVonageJwt(claims: Record<string, unknown>, signatureSecret: string): Promise<string> {
  const head = textToBase64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = textToBase64Url(JSON.stringify(claims));
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(signatureSecret), encoder.encode(`${head}.${body}`)));
  return `${head}.${body}.${bytesToBase64Url(signature)}`;
}

/**
 * Builds a `Request` signed like a Vonage webhook (for tests and local tools): JWT with `payload_hash`, `iat`, `jti`.
 * @example const request = await signVonageRequest({ url: 'http://127.0.0.1/vonage/input?t=…', body: { dtmf: { digits: '1' } }, signatureSecret });
 */
export async function signVonageRequest(options: SignVonageRequestOptions): Promise<Request> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const body = method === 'GET' ? '' : typeof options.body === 'string' ? options.body : JSON.stringify(options.body ?? {});
  const payload = method === 'GET' ? queryPayload(options.url) : body;
  const claims: Record<string, unknown> = {
    iat: options.issuedAt ?? Math.floor(Date.now() / 1000),
    jti: crypto.randomUUID(),
    iss: 'Vonage',
    payload_hash: await sha256Hex(payload),
    ...(options.apiKey ? { api_key: options.apiKey } : {}),
    ...(options.applicationId ? { application_id: options.applicationId } : {}),
    ...options.claims,
  };
  const headers = new Headers(options.headers);
  headers.set('authorization', `Bearer ${await createVonageJwt(claims, options.signatureSecret)}`);
  if (method !== 'GET') headers.set('content-type', 'application/json');
  return new Request(options.url, method === 'GET' ? { method, headers } : { method, headers, body });
}
