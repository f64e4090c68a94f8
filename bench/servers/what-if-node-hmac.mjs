// WHAT-IF preload (node --import), not how callflow ships: answers WebCrypto HMAC import/sign with node:crypto's
// synchronous createHmac, to measure what @callflow/twilio would gain from the node:crypto fast path that
// @callflow/core (token/hmac.ts) and @callflow/vonage already take. Everything else is untouched.
import { createHmac } from 'node:crypto';

const subtle = globalThis.crypto.subtle;
const importKey = subtle.importKey.bind(subtle);
const sign = subtle.sign.bind(subtle);
const fastKeys = new WeakMap();

subtle.importKey = async function (format, keyData, algorithm, extractable, usages) {
  const key = await importKey(format, keyData, algorithm, extractable, usages);
  const hash = typeof algorithm === 'object' && algorithm.name === 'HMAC' ? (typeof algorithm.hash === 'string' ? algorithm.hash : algorithm.hash?.name) : undefined;
  if (format === 'raw' && hash) fastKeys.set(key, { secret: Buffer.from(keyData), hash: hash.replace('-', '').toLowerCase() });
  return key;
};
subtle.sign = function (algorithm, key, data) {
  const fast = fastKeys.get(key);
  if (!fast) return sign(algorithm, key, data);
  const digest = createHmac(fast.hash, fast.secret).update(data).digest();
  return Promise.resolve(digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.length));
};
