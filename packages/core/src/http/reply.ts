/**
 * The part of a web `Request` a callflow handler reads. A `Request` is one; so is what the node:http and
 * Lambda bridges build straight from their input, which spares each webhook a `Request` and a `Response`
 * (about 25 µs on Node 20, where both are undici objects, and the 20 ms undici costs to load at cold start).
 */
export interface WebhookRequest {
  readonly method: string;
  /** The URL as the server saw it (host from the Host header); never used for signatures, which use the configured public URL. */
  readonly url: string;
  readonly headers: { get(name: string): string | null; has(name: string): boolean };
  /** The body as UTF-8 text; may be read once. */
  text(): Promise<string>;
}

/** A handler's answer before it is a web `Response`: status, headers, and a text body or none. */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

/** A handler in its reply form: a `WebhookRequest` in, a `Reply` out; the node:http and Lambda bridges call it directly. */
export type ReplyHandler = (request: WebhookRequest) => Promise<Reply>;

/** A web-standard handler (`Request` → `Response`). */
export type FetchHandler = (request: Request) => Promise<Response>;

const textHeaders = { 'content-type': 'text/plain; charset=utf-8' } as const;
const jsonHeaders = { 'content-type': 'application/json' } as const;
const xmlHeaders = { 'content-type': 'text/xml; charset=utf-8' } as const;
const noHeaders = {} as const;

/** A plain-text reply with a status, for refusals (403, 400, 503). */
export function textReply(status: number, text: string): Reply {
  return { status, headers: textHeaders, body: text };
}

/** A JSON reply. */
export function jsonReply(value: unknown, status = 200): Reply {
  return { status, headers: jsonHeaders, body: JSON.stringify(value) };
}

/** A JSON reply from text that is already JSON. */
export function jsonTextReply(json: string, status = 200): Reply {
  return { status, headers: jsonHeaders, body: json };
}

/** An XML reply (TwiML). */
export function xmlReply(xml: string, status = 200): Reply {
  return { status, headers: xmlHeaders, body: xml };
}

/** A reply without a body (204 by default). */
export function emptyReply(status = 204): Reply {
  return { status, headers: noHeaders, body: null };
}

/** The web `Response` for a reply. */
export function responseOf(reply: Reply): Response {
  return new Response(reply.body, { status: reply.status, headers: reply.headers });
}

const replyHandlerKey = Symbol.for('callflow.replyHandler');

/**
 * A web-standard handler built on a reply handler, carrying `extras` (an adapter's engine, URLs, helpers).
 * `toNodeListener` and `toLambdaHandler` find the reply handler on it and skip `Request` and `Response`.
 * @example const handler = webHandler(async (request) => textReply(200, await request.text()), { name: 'echo' });
 */
export function webHandler<Extras extends object>(handle: ReplyHandler, extras: Extras): FetchHandler & Extras {
  const handler = async (request: Request): Promise<Response> => responseOf(await handle(request));
  Object.defineProperty(handler, replyHandlerKey, { value: handle });
  return Object.assign(handler, extras);
}

/** The reply handler behind a handler made by `webHandler`, if there is one. */
export function replyHandlerOf(handler: FetchHandler): ReplyHandler | undefined {
  const handle = (handler as unknown as Record<symbol, unknown>)[replyHandlerKey];
  return typeof handle === 'function' ? (handle as ReplyHandler) : undefined;
}
