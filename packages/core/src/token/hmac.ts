import { bytesToBase64Url, utf8 } from './base64url.js';

/** HMAC-SHA256 of `message`, first `length` bytes, as base64url. */
export type HmacFunction = (secret: string, message: string, length: number) => string | Promise<string>;

/** A hash `syncHmac` can use. */
export type HmacAlgorithm = 'sha256' | 'sha1';
/** How `syncHmac` writes the digest out. */
export type HmacEncoding = 'base64' | 'base64url';

/** A synchronous HMAC of a text (UTF-8) in `encoding`: the whole digest, or its first `length` bytes. */
export type SyncHmac = (algorithm: HmacAlgorithm, secret: string, message: string, encoding: HmacEncoding, length?: number) => string;

/** node:crypto's one-shot digest (Node ≥ 20.12); a string out ('latin1' is the digest's bytes, one character each). */
type OneShotHash = (algorithm: HmacAlgorithm, data: Uint8Array, outputEncoding: 'latin1' | HmacEncoding) => string;
type NodeBuffer = Uint8Array & {
  write(text: string, offset: number, encoding: 'utf8' | 'latin1'): number;
  toString(encoding: HmacEncoding, start?: number, end?: number): string;
  subarray(start?: number, end?: number): NodeBuffer;
};
type NodeCrypto = {
  createHmac(algorithm: string, key: string): { update(data: string): { digest(): NodeBuffer } };
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

/**
 * One key's scratch space (RFC 2104): the inner pad followed by room for the message, the outer pad followed by room
 * for the inner digest (the pads written once), and room for the outer digest when it is cut short.
 */
interface Keyed {
  inner: NodeBuffer;
  outer: NodeBuffer;
  digest: NodeBuffer;
}

type BufferClass = { alloc(size: number): NodeBuffer };

/**
 * HMAC as two one-shot hashes over cached pads: H(outer pad ‖ H(inner pad ‖ message)). `createHmac` spends more on
 * building its Hmac object than on hashing a webhook's few blocks, and a digest asked for as a Buffer costs more than
 * the hash: the digests come out as strings (latin1 is one character per byte, written back as the bytes).
 */
function oneShotHmac(hash: OneShotHash, allocate: BufferClass): SyncHmac {
  const caches = { sha256: new Map<string, Keyed>(), sha1: new Map<string, Keyed>() };
  const bytesOf = (text: string, into: NodeBuffer) => into.write(text, 0, 'latin1');
  return (algorithm, secret, message, encoding, length) => {
    const cache = caches[algorithm];
    let keyed = cache.get(secret);
    // UTF-8 takes at most 3 bytes per UTF-16 unit. Each call runs to completion synchronously, so the space is reused.
    if (keyed === undefined || keyed.inner.length - blockBytes < message.length * 3) {
      let key: Uint8Array = utf8(secret);
      const digest = allocate.alloc(32);
      // A key longer than a block is hashed first.
      if (key.length > blockBytes) key = digest.subarray(0, bytesOf(hash(algorithm, key, 'latin1'), digest));
      // The outer pad's room fits the inner digest exactly, so the whole buffer is hashed (no subarray view per MAC).
      keyed = {
        inner: allocate.alloc(blockBytes + Math.max(256, message.length * 3)),
        outer: allocate.alloc(blockBytes + (algorithm === 'sha1' ? 20 : 32)),
        digest,
      };
      for (let index = 0; index < blockBytes; index++) {
        keyed.inner[index] = (key[index] ?? 0) ^ 0x36;
        keyed.outer[index] = (key[index] ?? 0) ^ 0x5c;
      }
      // A handler has a few secrets; a caller passing a new one on every call does not grow the cache without end.
      if (cache.size >= 64) cache.clear();
      cache.set(secret, keyed);
    }
    const written = keyed.inner.write(message, blockBytes, 'utf8');
    const inner = hash(algorithm, keyed.inner.subarray(0, blockBytes + written), 'latin1');
    const outer = keyed.outer;
    outer.write(inner, blockBytes, 'latin1');
    if (length === undefined) return hash(algorithm, outer, encoding);
    return keyed.digest.toString(encoding, 0, Math.min(length, bytesOf(hash(algorithm, outer, 'latin1'), keyed.digest)));
  };
}

let syncSelected: SyncHmac | null | undefined;

function selectSyncHmac(): SyncHmac | null {
  const node = nodeCrypto();
  if (!node) return null;
  const buffer = (globalThis as { Buffer?: BufferClass }).Buffer;
  if (node.hash && buffer) return oneShotHmac(node.hash.bind(node), buffer);
  return (algorithm, secret, message, encoding, length) => {
    const digest = node.createHmac(algorithm, secret).update(message).digest();
    return digest.toString(encoding, 0, length ?? digest.length);
  };
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
  return sync ? (secret, message, length) => sync('sha256', secret, message, 'base64url', length) : webCryptoHmac;
}

let selected: HmacFunction | undefined;

/**
 * HMAC-SHA256 through WebCrypto on any runtime; on Node the same algorithm runs through node:crypto,
 * synchronously, because WebCrypto's promise round trip costs more than the hash itself.
 */
export const hmacSha256: HmacFunction = (secret, message, length) => (selected ??= selectHmac())(secret, message, length);

/** The WebCrypto implementation, always; tests compare both. */
export const webCryptoHmacSha256: HmacFunction = webCryptoHmac;
