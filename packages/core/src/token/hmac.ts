import { bytesToBase64Url, utf8 } from './base64url.js';

/** HMAC-SHA256 of `message`, first `length` bytes, as base64url. */
export type HmacFunction = (secret: string, message: string, length: number) => string | Promise<string>;

type NodeCrypto = { createHmac(algorithm: string, key: string): { update(data: string): { digest(): Uint8Array } } };

function nodeCrypto(): NodeCrypto | undefined {
  // process.getBuiltinModule (Node ≥ 20.16) loads node:crypto without a static import, so bundles for Workers stay clean.
  const processLike = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  try {
    return processLike?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
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

const node = nodeCrypto();

/**
 * HMAC-SHA256 through WebCrypto on any runtime; on Node the same algorithm runs through node:crypto,
 * synchronously, because WebCrypto's promise round trip costs more than the hash itself.
 */
export const hmacSha256: HmacFunction = node
  ? (secret, message, length) => {
      const digest = node.createHmac('sha256', secret).update(message).digest();
      return bytesToBase64Url(digest.subarray(0, length));
    }
  : webCryptoHmac;

/** The WebCrypto implementation, always; tests compare both. */
export const webCryptoHmacSha256: HmacFunction = webCryptoHmac;
