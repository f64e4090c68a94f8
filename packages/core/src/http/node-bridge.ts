import { replyHandlerOf, type FetchHandler, type Reply, type WebhookRequest } from './reply.js';

/** The parts of node:http's IncomingMessage the bridge reads (Express's req fits too). */
export interface NodeRequestLike extends AsyncIterable<unknown> {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  readableEnded?: boolean;
  /** node:http's events; read instead of async iteration when present (cheaper per request). */
  on?(event: 'data' | 'end' | 'error', listener: (value?: unknown) => void): unknown;
  removeAllListeners?(event: 'data'): unknown;
  /** Closes the connection of a client that sent too much or stalled. */
  destroy?(): unknown;
}

/** Limits of the node:http bridge. */
export interface NodeListenerOptions {
  /** Milliseconds a client may take to send the whole body; default 10,000. A client that stalls mid-body gets 408. */
  readTimeoutMs?: number;
}

/** The parts of node:http's ServerResponse the bridge writes. */
export interface NodeResponseLike {
  statusCode: number;
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  end(chunk?: Uint8Array | string): unknown;
  /** node:http's (and Express's): status and every header at once, used when present. */
  writeHead?(status: number, headers: string[]): unknown;
}

type BufferLike = { byteLength(text: string, encoding: 'utf8'): number };
const nodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
const encoder = new TextEncoder();

/**
 * Writes a reply: through `writeHead` with the headers as one flat list and an explicit `content-length` (no
 * `setHeader` per header, and node:http still sends one packet), else header by header.
 */
function writeReply(res: NodeResponseLike, reply: Reply, abandoned: boolean): void {
  const body = reply.body;
  // A body cut short (too large, or stalled): answer, then close instead of reading the rest.
  if (typeof res.writeHead === 'function' && !res.headersSent) {
    const headers: string[] = [];
    for (const name in reply.headers) headers.push(name, reply.headers[name]!);
    const length = body === null ? 0 : nodeBuffer ? nodeBuffer.byteLength(body, 'utf8') : encoder.encode(body).length;
    // A 204 or 304 carries no body and no length (RFC 9110, 8.6).
    if (reply.status !== 204 && reply.status !== 304) headers.push('content-length', String(length));
    if (abandoned) headers.push('connection', 'close');
    res.writeHead(reply.status, headers);
    res.end(body ?? undefined);
    return;
  }
  res.statusCode = reply.status;
  for (const name in reply.headers) res.setHeader(name, reply.headers[name]!);
  if (abandoned) res.setHeader('connection', 'close');
  res.end(body ?? undefined);
}

type NodeRequest = NodeRequestLike & { body?: unknown; rawBody?: unknown; originalUrl?: string };

/** Header set when the body had already been parsed by a framework and was re-encoded (signatures over raw bytes may then fail). */
export const reencodedBodyHeader = 'x-callflow-body-reencoded';

/**
 * Adapts a `(Request) => Promise<Response>` handler to node:http and Express.
 * Mount it before body parsers; if a parser already ran, `req.rawBody` is used when present,
 * else the parsed body is re-encoded and the request is marked.
 * callflow's own handlers are called through their reply form, with no web `Request` or `Response` in between.
 * @example http.createServer(toNodeListener(handler)).listen(3000)
 * @example app.post('/voice', toNodeListener(handler))
 */
export function toNodeListener(
  handler: FetchHandler,
  options: NodeListenerOptions = {},
): (req: NodeRequestLike, res: NodeResponseLike, next?: (error?: unknown) => void) => void {
  const handleReply = replyHandlerOf(handler);
  const readTimeoutMs = options.readTimeoutMs ?? 10_000;
  const deadlines = readDeadlines(readTimeoutMs);
  const fail = (error: unknown, res: NodeResponseLike, next: ((error?: unknown) => void) | undefined) => {
    if (next) return next(error);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  };
  if (handleReply) {
    // callflow's own handlers: one request object (no closures per request) and one promise step to the reply.
    return (req, res, next) => {
      const request = new NodeWebhookRequest(req as NodeRequest, deadlines);
      let replied: Promise<Reply>;
      try {
        replied = handleReply(request);
      } catch (error) {
        return fail(error, res, next);
      }
      replied.then(
        (reply) => {
          try {
            writeReply(res, reply, request.abandoned);
          } catch (error) {
            fail(error, res, next);
          }
        },
        (error: unknown) => fail(error, res, next),
      );
    };
  }
  return (req, res, next) => {
    void (async () => {
      const request = await toRequest(req as NodeRequest);
      const response = await handler(request);
      res.statusCode = response.status;
      response.headers.forEach((value, name) => {
        res.setHeader(name, value);
      });
      res.end(new Uint8Array(await response.arrayBuffer()));
    })().catch((error: unknown) => fail(error, res, next));
  };
}

function urlOf(req: NodeRequest): string {
  return `http://${headerValue(req.headers.host) ?? 'localhost'}${req.originalUrl ?? req.url ?? '/'}`;
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The body as a framework may have left it: raw bytes kept aside, raw text or bytes as the body, or a parsed body to re-encode. */
type BodySource = { bytes: Uint8Array<ArrayBuffer>; reencoded: boolean };

async function readNodeBody(req: NodeRequest, contentType: string): Promise<BodySource> {
  if (req.rawBody instanceof Uint8Array || typeof req.rawBody === 'string') return { bytes: toBytes(req.rawBody), reencoded: false };
  if (req.body instanceof Uint8Array || typeof req.body === 'string') return { bytes: toBytes(req.body), reencoded: false };
  if (req.body !== undefined && req.readableEnded) {
    const text = contentType.includes('application/x-www-form-urlencoded')
      ? new URLSearchParams(req.body as Record<string, string>).toString()
      : JSON.stringify(req.body);
    return { bytes: toBytes(text), reencoded: true };
  }
  return { bytes: concatBytes(await readChunks(req)), reencoded: false };
}

function chunkBytes(chunk: unknown): Uint8Array {
  return typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
}

/** The body's chunks: through node:http's events when the request has them, else by async iteration. */
async function readChunks(req: NodeRequest): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  // A stream a framework already read to its end emits no more events: nothing is left to read.
  if (req.readableEnded) return chunks;
  if (typeof req.on === 'function') {
    await new Promise<void>((resolve, reject) => {
      req.on!('data', (chunk) => chunks.push(chunkBytes(chunk)));
      req.on!('end', () => resolve());
      req.on!('error', (error) => reject(error));
    });
    return chunks;
  }
  for await (const chunk of req) chunks.push(chunkBytes(chunk));
  return chunks;
}

const utf8Decoder = new TextDecoder();

/** The read deadlines of one listener's bodies in flight. */
interface ReadDeadlines {
  /** Calls `expire` once the read timeout has passed, unless removed before. */
  add(expire: () => void): void;
  remove(expire: () => void): void;
}

/**
 * Read deadlines checked by one timer per listener, running only while a body is being read: a timer set and cleared
 * per request cost more under load than reading a webhook's body. A stall is noticed within a quarter of the timeout
 * after it (at most a second).
 */
function readDeadlines(timeoutMs: number): ReadDeadlines {
  const pending = new Map<() => void, number>();
  const sweepMs = Math.max(1, Math.min(1000, Math.ceil(timeoutMs / 4)));
  let timer: ReturnType<typeof setInterval> | undefined;
  const sweep = () => {
    const now = Date.now();
    for (const [expire, deadline] of pending) {
      if (deadline > now) continue;
      pending.delete(expire);
      expire();
    }
    if (pending.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    add(expire) {
      pending.set(expire, Date.now() + timeoutMs);
      timer ??= setInterval(sweep, sweepMs);
    },
    remove: (expire) => void pending.delete(expire),
  };
}

/** The body's bytes up to `maxBytes`, or why it stopped: too large, or no end within the read timeout. */
function readLimited(
  req: NodeRequest,
  maxBytes: number,
  deadlines: ReadDeadlines,
  reading: { abandoned: boolean },
): Promise<Uint8Array | 'too-large' | 'timeout'> {
  if (req.readableEnded || typeof req.on !== 'function') {
    return readChunks(req).then((chunks) => {
      const bytes = concatBytes(chunks);
      if (bytes.length <= maxBytes) return bytes;
      reading.abandoned = true;
      return 'too-large';
    });
  }
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let length = 0;
    let settled = false;
    const settle = (value: Uint8Array | 'too-large' | 'timeout') => {
      if (settled) return;
      settled = true;
      deadlines.remove(expire);
      // Cut short: the reply closes the connection instead of reading the rest.
      if (typeof value === 'string') reading.abandoned = true;
      resolve(value);
    };
    const expire = () => settle('timeout');
    deadlines.add(expire);
    req.on!('data', (chunk) => {
      if (settled) return;
      const bytes = chunkBytes(chunk);
      length += bytes.length;
      if (length > maxBytes) return settle('too-large');
      chunks.push(bytes);
    });
    req.on!('end', () => settle(concatBytes(chunks)));
    req.on!('error', (error) => {
      if (settled) return;
      settled = true;
      deadlines.remove(expire);
      reject(error);
    });
  });
}

/** The headers of a node:http request, read in place by lower-case name (repeated ones joined as `Headers` does). */
class NodeHeaders {
  /** Set when the body had to be re-encoded from what a framework parsed (`reencodedBodyHeader`). */
  reencoded = false;
  constructor(private readonly req: NodeRequest) {}
  get(name: string): string | null {
    const lower = name.toLowerCase();
    if (lower === reencodedBodyHeader) return this.reencoded ? '1' : null;
    return headerValue(this.req.headers[lower]);
  }
  has(name: string): boolean {
    return this.get(name) !== null;
  }
}

/** A `WebhookRequest` over node:http's request: headers read in place, the body read on `text()` or, within limits, `readBytes()`. */
class NodeWebhookRequest implements WebhookRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: NodeHeaders;
  /** True once a body read stopped early (too large, or stalled): the reply then closes the connection. */
  abandoned = false;
  constructor(
    private readonly req: NodeRequest,
    private readonly deadlines: ReadDeadlines,
  ) {
    this.method = req.method ?? 'GET';
    this.url = urlOf(req);
    this.headers = new NodeHeaders(req);
  }
  async text(): Promise<string> {
    if (this.method === 'GET' || this.method === 'HEAD') return '';
    const body = await readNodeBody(this.req, this.headers.get('content-type') ?? '');
    this.headers.reencoded = body.reencoded;
    return utf8Decoder.decode(body.bytes);
  }
  readBytes(maxBytes: number): Promise<Uint8Array | 'too-large' | 'timeout'> {
    if (this.method === 'GET' || this.method === 'HEAD') return Promise.resolve(new Uint8Array(0));
    const req = this.req;
    if (req.rawBody !== undefined || req.body !== undefined) {
      return readNodeBody(req, this.headers.get('content-type') ?? '').then((body) => {
        this.headers.reencoded = body.reencoded;
        return body.bytes.length > maxBytes ? 'too-large' : body.bytes;
      });
    }
    return readLimited(req, maxBytes, this.deadlines, this);
  }
}

async function toRequest(req: NodeRequest): Promise<Request> {
  const url = urlOf(req);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers });
  const body = await readNodeBody(req, headers.get('content-type') ?? '');
  if (body.reencoded) headers.set(reencodedBodyHeader, '1');
  headers.delete('content-length');
  return new Request(url, { method, headers, body: body.bytes });
}

function toBytes(value: Uint8Array | string): Uint8Array<ArrayBuffer> {
  return typeof value === 'string' ? new TextEncoder().encode(value) : new Uint8Array(value);
}

function concatBytes(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  if (chunks.length === 1 && chunks[0]!.buffer instanceof ArrayBuffer) return chunks[0] as Uint8Array<ArrayBuffer>;
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
