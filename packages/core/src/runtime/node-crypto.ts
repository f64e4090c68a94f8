type Digest = { digest(): Uint8Array; digest(encoding: 'hex' | 'base64'): string };

/** The parts of node:crypto callflow uses on Node. */
export interface NodeCryptoLike {
  createHash(algorithm: 'sha256' | 'sha1'): { update(data: string): Digest };
  createHmac(algorithm: 'sha256' | 'sha1', key: string): { update(data: string): Digest };
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /** A public key object (built once per key: building one costs more than the check it serves). */
  createPublicKey(key: { key: Uint8Array; format: 'der'; type: 'spki' }): object;
  /** One-shot signature check; `null` algorithm for Ed25519. */
  verify(algorithm: null, data: Uint8Array, key: object, signature: Uint8Array): boolean;
}

/**
 * node:crypto when the runtime has it, loaded without a static import (`process.getBuiltinModule`, Node ≥ 20.16),
 * so bundles for Workers stay clean; `undefined` elsewhere, where callers use WebCrypto.
 * On Node, WebCrypto's promise and thread-pool round trip costs 25–50 µs an operation, far more than hashing a
 * webhook's few hundred bytes synchronously.
 */
export function loadNodeCrypto(): NodeCryptoLike | undefined {
  const processLike = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  try {
    return processLike?.getBuiltinModule?.('node:crypto') as NodeCryptoLike | undefined;
  } catch {
    return undefined;
  }
}

/**
 * A getter that loads node:crypto on its first call and keeps the answer: importing a module that uses it costs
 * nothing (node:crypto takes ~2 ms to load on Node 20), the first webhook pays instead.
 */
export function lazyNodeCrypto(): () => NodeCryptoLike | undefined {
  let loaded: NodeCryptoLike | undefined | null = null;
  return () => (loaded === null ? (loaded = loadNodeCrypto()) : loaded);
}
