/** The parts of node:http's IncomingMessage the bridge reads (Express's req fits too). */
export interface NodeRequestLike extends AsyncIterable<unknown> {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  readableEnded?: boolean;
}

/** The parts of node:http's ServerResponse the bridge writes. */
export interface NodeResponseLike {
  statusCode: number;
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  end(chunk?: Uint8Array): unknown;
}

/** A web-standard request handler. */
export type FetchHandler = (request: Request) => Promise<Response>;

type NodeRequest = NodeRequestLike & { body?: unknown; rawBody?: unknown; originalUrl?: string };

/** Header set when the body had already been parsed by a framework and was re-encoded (signatures over raw bytes may then fail). */
export const reencodedBodyHeader = 'x-callflow-body-reencoded';

/**
 * Adapts a `(Request) => Promise<Response>` handler to node:http and Express.
 * Mount it before body parsers; if a parser already ran, `req.rawBody` is used when present,
 * else the parsed body is re-encoded and the request is marked.
 * @example http.createServer(toNodeListener(handler)).listen(3000)
 * @example app.post('/voice', toNodeListener(handler))
 */
export function toNodeListener(handler: FetchHandler): (req: NodeRequestLike, res: NodeResponseLike, next?: (error?: unknown) => void) => void {
  return (req, res, next) => {
    void (async () => {
      const request = await toRequest(req as NodeRequest);
      const response = await handler(request);
      res.statusCode = response.status;
      response.headers.forEach((value, name) => res.setHeader(name, value));
      res.end(new Uint8Array(await response.arrayBuffer()));
    })().catch((error: unknown) => {
      if (next) return next(error);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  };
}

async function toRequest(req: NodeRequest): Promise<Request> {
  const host = req.headers.host ?? 'localhost';
  const url = `http://${host}${req.originalUrl ?? req.url ?? '/'}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers });
  let body: Uint8Array<ArrayBuffer>;
  if (req.rawBody instanceof Uint8Array || typeof req.rawBody === 'string') body = toBytes(req.rawBody);
  else if (req.body instanceof Uint8Array || typeof req.body === 'string') body = toBytes(req.body);
  else if (req.body !== undefined && req.readableEnded) {
    const type = headers.get('content-type') ?? '';
    const text = type.includes('application/x-www-form-urlencoded')
      ? new URLSearchParams(req.body as Record<string, string>).toString()
      : JSON.stringify(req.body);
    body = toBytes(text);
    headers.set(reencodedBodyHeader, '1');
  } else {
    const chunks: Uint8Array[] = [];
    for await (const chunk of req) chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
    body = concatBytes(chunks);
  }
  headers.delete('content-length');
  return new Request(url, { method, headers, body });
}

function toBytes(value: Uint8Array | string): Uint8Array<ArrayBuffer> {
  return typeof value === 'string' ? new TextEncoder().encode(value) : new Uint8Array(value);
}

function concatBytes(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
