import {
  base64UrlToBytes,
  base64UrlToTextUnchecked,
  bytesToBase64Url,
  claimOnce,
  lazyNodeCrypto,
  loadOnce,
  syncHmac,
  textToBase64Url,
  type Store,
} from '@callflow/core';

/** Options for checking a Vonage signed webhook. */
export interface VerifyVonageSignatureOptions {
  /** The account's signature secret(s) (Dashboard → Settings); any of them verifies (rotation). */
  signatureSecret: string | readonly string[];
  /** Oldest `iat` accepted, in seconds; default 300. */
  maxAgeSeconds?: number;
  /** Clock skew tolerated on every time claim (`iat` in the future, `nbf` ahead, `exp` just past), in seconds; default 60. */
  clockSkewSeconds?: number;
  /**
   * Replay guard: called with the token's `jti` once everything else verified, and with how long the token could still be
   * accepted (its window plus the skew); answers true when that `jti` was seen before, and the request is then refused.
   * Back it with the shared store so it holds across instances: `seen: jtiSeenIn(store)`. A token without `jti` is refused
   * when a guard is set. Errors it throws (e.g. `store-unavailable`) propagate, so the handler can answer 503.
   */
  seen?: (jti: string, ttlSeconds: number) => Promise<boolean>;
  /** The clock in ms; default `Date.now`. */
  now?: () => number;
}

/** The claims of a Vonage webhook JWT. */
export interface VonageJwtClaims {
  iat: number;
  exp?: number;
  nbf?: number;
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
  | {
      valid: false;
      reason:
        | 'missing-header'
        | 'malformed'
        | 'algorithm'
        | 'bad-signature'
        | 'expired'
        | 'not-yet-valid'
        | 'payload-hash'
        | 'replayed'
        | 'no-secret';
      message: string;
    };

/** A webhook as the verifier needs it: method, URL, the Authorization header and the raw body. */
export interface VonageSignedRequest {
  method: string;
  url: string;
  authorization: string | null;
  /** The body as received: its bytes (hashed as they are), or text (hashed as UTF-8, right only when it was decoded losslessly). */
  body: string | Uint8Array;
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

/** node:crypto's one-shot digest (Node ≥ 20.12): no Hash object per call. */
type OneShotHash = (algorithm: 'sha256', data: string | Uint8Array, outputEncoding: 'hex') => string;

/** `sha256Hex` answered synchronously on node:crypto (no promise per hash); `undefined` elsewhere. */
export function sha256HexNow(input: string | Uint8Array): string | undefined {
  const node = nodeCrypto();
  if (!node) return undefined;
  const hash = (node as { hash?: OneShotHash }).hash;
  if (typeof hash === 'function') return hash('sha256', input, 'hex');
  // node:crypto's update takes bytes as well (the lazy loader's type only spells out strings).
  return node
    .createHash('sha256')
    .update(input as string)
    .digest('hex');
}

/** SHA-256 of a text (as UTF-8) or of bytes, as lowercase hex (Vonage's `payload_hash`). */
export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const now = sha256HexNow(input);
  if (now !== undefined) return now;
  const bytes = typeof input === 'string' ? encoder.encode(input) : new Uint8Array(input);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
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
export async function verifyVonageSignature(
  request: VonageSignedRequest,
  options: VerifyVonageSignatureOptions,
): Promise<VonageSignatureResult> {
  return checkVonageSignature(request, options, undefined);
}

/**
 * `verifyVonageSignature`, given the body's SHA-256 (lowercase hex of `request.body`'s bytes) when the caller has already
 * hashed it (the handler hashes the body once, for its replay fingerprint and for `payload_hash`). Internal to the package.
 */
export async function checkVonageSignature(
  request: VonageSignedRequest,
  options: VerifyVonageSignatureOptions,
  bodySha256Hex: string | undefined,
): Promise<VonageSignatureResult> {
  const secrets: readonly string[] = typeof options.signatureSecret === 'string' ? [options.signatureSecret] : options.signatureSecret;
  let configured = secrets.length > 0;
  for (let index = 0; configured && index < secrets.length; index++)
    configured = typeof secrets[index] === 'string' && secrets[index] !== '';
  if (!configured) return refused('no-secret', 'noSecret');
  const header = request.authorization;
  if (!header) return refused('missing-header', 'noHeader');
  const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header.trim());
  if (!match) return refused('malformed', 'notBearer');
  const [, headerPart, claimsPart, signaturePart] = match as unknown as [string, string, string, string];
  let jwtHeader: { alg?: unknown } | undefined;
  let claims: VonageJwtClaims;
  try {
    // Every webhook of an account carries the same JWT header: one already found to say HS256 is not decoded again.
    // The parts are base64url already (the pattern above): decoded without checking the alphabet again.
    if (!acceptedHeaders.has(headerPart)) jwtHeader = JSON.parse(base64UrlToTextUnchecked(headerPart)) as { alg?: unknown };
    claims = JSON.parse(base64UrlToTextUnchecked(claimsPart)) as VonageJwtClaims;
  } catch {
    return refused('malformed', 'notJson');
  }
  if ((jwtHeader !== undefined && !isObject(jwtHeader)) || !isObject(claims)) return refused('malformed', 'notObjects');
  if (jwtHeader !== undefined) {
    if (jwtHeader.alg !== 'HS256') return refused('algorithm', 'algorithm', jwtHeader.alg);
    if (acceptedHeaders.size >= 16) acceptedHeaders.clear();
    acceptedHeaders.add(headerPart);
  }
  let verified = false;
  const hmac = syncHmac();
  if (hmac) {
    // The base64url text compared as it came, as jsonwebtoken (jws) does: a signature in another spelling is refused.
    const signed = `${headerPart}.${claimsPart}`;
    for (const secret of secrets) {
      if (constantTimeEqual(hmac('sha256', secret, signed, 'base64url'), signaturePart)) {
        verified = true;
        break;
      }
    }
  } else {
    let signature: Uint8Array<ArrayBuffer>;
    try {
      signature = new Uint8Array(base64UrlToBytes(signaturePart));
    } catch {
      return refused('malformed', 'signatureNotBase64Url');
    }
    const signed = encoder.encode(`${headerPart}.${claimsPart}`);
    for (const secret of secrets) {
      if (await crypto.subtle.verify('HMAC', await hmacKey(secret), signature, signed)) {
        verified = true;
        break;
      }
    }
  }
  if (!verified) return refused('bad-signature', 'badSignature');
  // provider: the claims of a Vonage signed webhook (iat, jti, iss, payload_hash, api_key, application_id) and the payload hash
  // rule come from https://developer.vonage.com/en/getting-started/concepts/webhooks#decoding-signed-webhooks and
  // https://api.support.vonage.com/hc/en-us/articles/19033783342876; the docs are silent on exp, nbf and replay, so those
  // follow RFC 7519 §4.1.4-4.1.7 as jsonwebtoken (what @vonage/jwt verifySignature calls) applies them: a claim of the wrong
  // type is invalid, exp past and nbf ahead are refused. Every type is checked before use, so bad claims are a verdict, never a throw.
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  const skew = options.clockSkewSeconds ?? 60;
  const maxAge = options.maxAgeSeconds ?? 300;
  if (!isTime(claims.iat)) return refused('malformed', 'iat');
  if (claims.exp !== undefined && !isTime(claims.exp)) return refused('malformed', 'exp');
  if (claims.nbf !== undefined && !isTime(claims.nbf)) return refused('malformed', 'nbf');
  if (claims.jti !== undefined && (typeof claims.jti !== 'string' || claims.jti === '' || claims.jti.length > 256))
    return refused('malformed', 'jti');
  if (claims.payload_hash !== undefined && (typeof claims.payload_hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(claims.payload_hash)))
    return refused('payload-hash', 'payloadHashShape');
  const age = nowSeconds - claims.iat;
  if (age > maxAge) return refused('expired', 'tooOld', age, maxAge);
  if (-age > skew) return refused('not-yet-valid', 'future', -age, skew);
  if (claims.exp !== undefined && nowSeconds >= claims.exp + skew) return refused('expired', 'expired', nowSeconds - claims.exp);
  if (claims.nbf !== undefined && claims.nbf > nowSeconds + skew) return refused('not-yet-valid', 'notYetValid', claims.nbf - nowSeconds);
  const isGet = request.method.toUpperCase() === 'GET';
  const payload: string | Uint8Array = isGet ? queryPayload(request.url) : request.body;
  if (claims.payload_hash === undefined) {
    // A body without a hash could have been swapped; a GET carries its data in the signed-for URL only when hashed too.
    if (!isEmptyPayload(payload)) return refused('payload-hash', 'noPayloadHash');
  } else if (
    claims.payload_hash.toLowerCase() !== ((isGet ? undefined : bodySha256Hex) ?? sha256HexNow(payload) ?? (await sha256Hex(payload)))
  ) {
    return refused('payload-hash', 'payloadHash');
  }
  if (options.seen) {
    if (claims.jti === undefined) return refused('replayed', 'noJti');
    // Long enough to cover every moment the token could still pass the checks above.
    const lastAccepted = Math.min(claims.iat + maxAge, claims.exp === undefined ? Infinity : claims.exp + skew);
    const ttlSeconds = Math.max(1, Math.ceil(lastAccepted - nowSeconds + skew));
    if (await options.seen(claims.jti, ttlSeconds)) return refused('replayed', 'replayed', claims.jti);
  }
  return { valid: true, claims };
}

/** JWT header parts already decoded and found to name HS256 (a few per account at most). */
const acceptedHeaders = new Set<string>();

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

type SignatureMessages = typeof import('./vonage-signature-messages.js').signatureMessages;
type Refusal = Extract<VonageSignatureResult, { valid: false }>;

/** The words of a refusal, in a chunk of their own (vonage-signature-messages.ts) that only a refused webhook loads. */
const loadSignatureMessages = loadOnce(() => import('./vonage-signature-messages.js'));

/** A refusal with its message (from the messages chunk; a failed load is tried again by the next refusal, and throws). */
async function refused<Key extends keyof SignatureMessages>(
  reason: Refusal['reason'],
  key: Key,
  ...facts: Parameters<SignatureMessages[Key]>
): Promise<Refusal> {
  const messages = (await loadSignatureMessages()).signatureMessages;
  return { valid: false, reason, message: (messages[key] as (...values: unknown[]) => string)(...facts) };
}
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const emptyObject = encoder.encode('{}');
function isEmptyPayload(payload: string | Uint8Array): boolean {
  if (typeof payload === 'string') return payload === '' || payload === '{}';
  return payload.length === 0 || (payload.length === 2 && payload[0] === emptyObject[0] && payload[1] === emptyObject[1]);
}

/** The key prefix `jtiSeenIn` records a token id under. */
export const vonageJtiKeyPrefix = 'vonage:jti:';

/**
 * A `seen` replay guard for `verifyVonageSignature` on a shared `Store`: the first use of a `jti` is recorded (atomic
 * compare-and-set, so exactly one of two instances receiving the same token at once accepts it) until the token could no
 * longer verify; every later use answers true.
 * @example verifyVonageSignature(request, { signatureSecret, seen: jtiSeenIn(store) })
 */
export function jtiSeenIn(store: Store): (jti: string, ttlSeconds: number) => Promise<boolean> {
  return async (jti, ttlSeconds) => !(await claimOnce(store, `${vonageJtiKeyPrefix}${jti}`, ttlSeconds));
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
