import type { WebhookRequest } from '../http/reply.js';

/** Why a body could not be read: larger than the limit, or the client stopped sending before the end. */
export type BodyFailure = 'too-large' | 'timeout';

/** A request that can read its own body within a limit (the node:http bridge's). */
export interface LimitedBodySource {
  readBytes(maxBytes: number): Promise<Uint8Array | BodyFailure>;
}

const encoder = new TextEncoder();

/**
 * Reads a webhook's body, stopping at `maxBytes`: a declared `Content-Length` over it is refused before anything is
 * read, a stream is cancelled as soon as it passes it.
 */
export async function readWebhookBody(request: WebhookRequest, maxBytes: number): Promise<Uint8Array | BodyFailure> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return 'too-large';
  const source = request as WebhookRequest & Partial<LimitedBodySource> & { body?: ReadableStream<Uint8Array> | null; bodyUsed?: boolean };
  if (typeof source.readBytes === 'function') return source.readBytes(maxBytes);
  if (source.body && typeof source.body.getReader === 'function' && !source.bodyUsed) return readStream(source.body, maxBytes);
  const bytes = encoder.encode(await request.text());
  return bytes.length > maxBytes ? 'too-large' : bytes;
}

async function readStream(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | BodyFailure> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return 'too-large';
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The number of fields in a form body, counted without decoding anything. */
export function countFormFields(text: string, stopAfter: number): number {
  let count = text === '' ? 0 : 1;
  for (let index = text.indexOf('&'); index !== -1 && count <= stopAfter; index = text.indexOf('&', index + 1)) count++;
  return count;
}
