import { bytesToBase64Url, utf8 } from './base64url.js';

/** HMAC-SHA256 of `message`, first `length` bytes, as base64url. */
export type HmacFunction = (secret: string, message: string, length: number) => string | Promise<string>;

type NodeDigest = Uint8Array & { toString(encoding: 'base64url', start: number, end: number): string };
/** node:crypto's one-shot digest (Node ≥ 20.12), with a Buffer out. */
type OneShotHash = (algorithm: 'sha256', data: Uint8Array, outputEncoding: 'buffer') => NodeDigest;
type NodeCrypto = {
  createHmac(algorithm: string, key: string): { update(data: string): { digest(): NodeDigest } };
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

/** A key's two HMAC pads (RFC 2104): the key, hashed first when longer than a block, XORed with 0x36 and 0x5c. */
interface Pads {
  inner: Uint8Array;
  outer: Uint8Array;
}

const blockBytes = 64;

function padsOf(hash: OneShotHash, secret: string): Pads {
  let key = utf8(secret);
  if (key.length > blockBytes) key = new Uint8Array(hash('sha256', key, 'buffer'));
  const pads = { inner: new Uint8Array(blockBytes), outer: new Uint8Array(blockBytes) };
  for (let index = 0; index < blockBytes; index++) {
    pads.inner[index] = (key[index] ?? 0) ^ 0x36;
    pads.outer[index] = (key[index] ?? 0) ^ 0x5c;
  }
  return pads;
}

/**
 * HMAC-SHA256 as two one-shot SHA-256 calls over cached pads: H(outer pad ‖ H(inner pad ‖ message)).
 * `createHmac` spends more on building its Hmac object (~2.5 µs) than on hashing a token's few blocks.
 */
function oneShotHmac(hash: OneShotHash): HmacFunction {
  const padCache = new Map<string, Pads>();
  const encoder = new TextEncoder();
  // Scratch space, reused: each call runs to completion synchronously.
  let innerInput = new Uint8Array(blockBytes + 256);
  let messageInput = innerInput.subarray(blockBytes);
  const outerInput = new Uint8Array(blockBytes + 32);
  return (secret, message, length) => {
    let pads = padCache.get(secret);
    if (pads === undefined) {
      pads = padsOf(hash, secret);
      padCache.set(secret, pads);
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (messageInput.length < message.length * 3) {
      innerInput = new Uint8Array(blockBytes + message.length * 3);
      messageInput = innerInput.subarray(blockBytes);
    }
    innerInput.set(pads.inner);
    const { written } = encoder.encodeInto(message, messageInput);
    outerInput.set(pads.outer);
    outerInput.set(hash('sha256', innerInput.subarray(0, blockBytes + written), 'buffer'), blockBytes);
    return hash('sha256', outerInput, 'buffer').toString('base64url', 0, length);
  };
}

function selectHmac(): HmacFunction {
  const node = nodeCrypto();
  if (!node) return webCryptoHmac;
  if (node.hash) return oneShotHmac(node.hash.bind(node));
  return (secret, message, length) => bytesToBase64Url(node.createHmac('sha256', secret).update(message).digest().subarray(0, length));
}

let selected: HmacFunction | undefined;

/**
 * HMAC-SHA256 through WebCrypto on any runtime; on Node the same algorithm runs through node:crypto,
 * synchronously, because WebCrypto's promise round trip costs more than the hash itself.
 */
export const hmacSha256: HmacFunction = (secret, message, length) => (selected ??= selectHmac())(secret, message, length);

/** The WebCrypto implementation, always; tests compare both. */
export const webCryptoHmacSha256: HmacFunction = webCryptoHmac;
