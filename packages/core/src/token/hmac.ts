import { bytesToBase64Url, utf8 } from './base64url.js';

/** HMAC-SHA256 of `message`, first `length` bytes, as base64url. */
export type HmacFunction = (secret: string, message: string, length: number) => string | Promise<string>;

/** A hash node:crypto's one-shot HMAC can use, and how its whole digest is written out. */
export type HmacAlgorithm = 'sha256' | 'sha1';
export type HmacEncoding = 'base64' | 'base64url';

/** A synchronous HMAC of a text (UTF-8), the whole digest in `encoding`. */
export type SyncHmac = (algorithm: HmacAlgorithm, secret: string, message: string, encoding: HmacEncoding) => string;

/** node:crypto's one-shot digest (Node ≥ 20.12); a string out ('latin1' is the digest's bytes, one character each). */
type OneShotHash = (algorithm: HmacAlgorithm, data: Uint8Array, outputEncoding: 'latin1' | HmacEncoding) => string;
type NodeBuffer = Uint8Array & { write(text: string, offset: number, encoding: 'utf8' | 'latin1'): number };
type NodeCrypto = {
  createHmac(algorithm: string, key: string): { update(data: string): { digest(encoding: HmacEncoding): string } };
  hash?: OneShotHash;
};

// process.getBuiltinModule (Node ≥ 20.16) loads node:crypto without a static import, so bundles for Workers stay clean.
// Looked up at import (tests hide it to exercise the WebCrypto path), called on the first MAC: loading node:crypto
// costs a few ms that importing the package should not pay.
const processLike = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
const getBuiltinModule = typeof processLike?.getBuiltinModule === 'function' ? processLike.getBuiltinModule.bind(processLike) : undefined;

function nodeCrypto(): NodeCrypto | undefined {
  try {
    return getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
}

const keyCache = new Map<string, Promise<CryptoKey>>();

const webCryptoHmac: HmacFunction = async (secret, message, length) => {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keyCache.set(secret, key);
  }
  const signature = await crypto.subtle.sign('HMAC', await key, utf8(message));
  return bytesToBase64Url(new Uint8Array(signature, 0, length));
};

const blockBytes = 64;
const digestBytes: Record<HmacAlgorithm, number> = { sha256: 32, sha1: 20 };

/**
 * One key's scratch space (RFC 2104): the inner pad followed by room for the message, and the outer pad followed by
 * room for the inner digest; the pads are written once, the rest on each call.
 */
interface Keyed {
  inner: NodeBuffer;
  outer: NodeBuffer;
}

type BufferClass = { alloc(size: number): NodeBuffer };

function keyedOf(hash: OneShotHash, allocate: BufferClass, algorithm: HmacAlgorithm, secret: string, messageBytes: number): Keyed {
  let key: Uint8Array = utf8(secret);
  if (key.length > blockBytes) {
    const digest = allocate.alloc(digestBytes[algorithm]);
    digest.write(hash(algorithm, key, 'latin1'), 0, 'latin1');
    key = digest;
  }
  const keyed = { inner: allocate.alloc(blockBytes + messageBytes), outer: allocate.alloc(blockBytes + digestBytes[algorithm]) };
  for (let index = 0; index < blockBytes; index++) {
    keyed.inner[index] = (key[index] ?? 0) ^ 0x36;
    keyed.outer[index] = (key[index] ?? 0) ^ 0x5c;
  }
  return keyed;
}

/**
 * HMAC as two one-shot hashes over cached pads: H(outer pad ‖ H(inner pad ‖ message)). `createHmac` spends more on
 * building its Hmac object than on hashing a webhook's few blocks, and a digest asked for as a Buffer costs more than
 * the hash: both digests come out as strings (the inner one as latin1, written back as its bytes).
 */
function oneShotHmac(hash: OneShotHash, allocate: BufferClass): SyncHmac {
  const caches: Record<HmacAlgorithm, Map<string, Keyed>> = { sha256: new Map(), sha1: new Map() };
  return (algorithm, secret, message, encoding) => {
    const cache = caches[algorithm];
    let keyed = cache.get(secret);
    // UTF-8 takes at most 3 bytes per UTF-16 unit. Each call runs to completion synchronously, so the space is reused.
    if (keyed === undefined || keyed.inner.length - blockBytes < message.length * 3) {
      keyed = keyedOf(hash, allocate, algorithm, secret, Math.max(256, message.length * 3));
      // A handler has a few secrets; a caller passing a new one on every call does not grow the cache without end.
      if (cache.size >= 64) cache.clear();
      cache.set(secret, keyed);
    }
    const written = keyed.inner.write(message, blockBytes, 'utf8');
    keyed.outer.write(hash(algorithm, keyed.inner.subarray(0, blockBytes + written), 'latin1'), blockBytes, 'latin1');
    return hash(algorithm, keyed.outer, encoding);
  };
}

const base64UrlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The base64url of a digest's first `length` bytes, from the base64url of the whole digest (no padding). */
function truncatedBase64Url(whole: string, length: number): string {
  const characters = Math.ceil((length * 4) / 3);
  const rest = length % 3;
  if (rest === 0) return whole.slice(0, characters);
  // The last character holds the cut byte's top bits and, in the whole digest, the next byte's: keep only the former.
  const last = base64UrlAlphabet.indexOf(whole[characters - 1]!) & (rest === 1 ? 0x30 : 0x3c);
  return whole.slice(0, characters - 1) + base64UrlAlphabet[last]!;
}

let syncSelected: SyncHmac | null | undefined;

function selectSyncHmac(): SyncHmac | null {
  const node = nodeCrypto();
  if (!node) return null;
  const buffer = (globalThis as { Buffer?: BufferClass }).Buffer;
  if (node.hash && buffer) return oneShotHmac(node.hash.bind(node), buffer);
  return (algorithm, secret, message, encoding) => node.createHmac(algorithm, secret).update(message).digest(encoding);
}

/**
 * node:crypto's HMAC where the runtime has it (synchronous: WebCrypto's promise round trip costs more than the hash on
 * Node); `undefined` elsewhere, where callers use WebCrypto. node:crypto is loaded on the first call.
 */
export function syncHmac(): SyncHmac | undefined {
  if (syncSelected === undefined) syncSelected = selectSyncHmac();
  return syncSelected ?? undefined;
}

function selectHmac(): HmacFunction {
  const sync = syncHmac();
  if (!sync) return webCryptoHmac;
  return (secret, message, length) => {
    const whole = sync('sha256', secret, message, 'base64url');
    return length >= 32 ? whole : truncatedBase64Url(whole, length);
  };
}

let selected: HmacFunction | undefined;

/**
 * HMAC-SHA256 through WebCrypto on any runtime; on Node the same algorithm runs through node:crypto,
 * synchronously, because WebCrypto's promise round trip costs more than the hash itself.
 */
export const hmacSha256: HmacFunction = (secret, message, length) => (selected ??= selectHmac())(secret, message, length);

/** The WebCrypto implementation, always; tests compare both. */
export const webCryptoHmacSha256: HmacFunction = webCryptoHmac;
