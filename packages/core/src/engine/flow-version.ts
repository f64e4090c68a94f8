import type { Flow } from '../ir/types.js';

/** A short, stable hash of a flow's content (functions count by their source), carried in tokens. */
export function flowVersionOf(flow: Flow): string {
  const text = JSON.stringify(flow, (_, value: unknown) => (typeof value === 'function' ? `fn:${value.toString()}` : value));
  // FNV-1a, 32 bit: enough to tell two deployments apart, not a security boundary (the HMAC is).
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}
