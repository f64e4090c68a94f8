const encoder = new TextEncoder();
type BufferLike = { from(input: string | Uint8Array, encoding?: string): { toString(encoding: string): string } };
// Node's Buffer does base64url natively and several times faster than btoa; elsewhere the portable path runs.
const nodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Bytes → base64url without padding. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  if (nodeBuffer) return nodeBuffer.from(bytes).toString('base64url');
  let binary = '';
  for (let index = 0; index < bytes.length; index++) binary += String.fromCharCode(bytes[index]!);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url (padding optional) → bytes; throws on characters outside the alphabet. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('not base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** UTF-8 text → base64url. */
export function textToBase64Url(text: string): string {
  if (nodeBuffer) return nodeBuffer.from(text, 'utf8').toString('base64url');
  return bytesToBase64Url(encoder.encode(text));
}

/** base64url → UTF-8 text; throws on invalid UTF-8. */
export function base64UrlToText(text: string): string {
  if (nodeBuffer) {
    if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('not base64url');
    return nodeBuffer.from(text, 'base64url').toString('utf8');
  }
  return decoder.decode(base64UrlToBytes(text));
}

/** `base64UrlToText` without the alphabet check, for text the caller has already checked. */
export function base64UrlToTextUnchecked(text: string): string {
  return nodeBuffer ? nodeBuffer.from(text, 'base64url').toString('utf8') : decoder.decode(base64UrlToBytes(text));
}

/** UTF-8 encoding. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}
