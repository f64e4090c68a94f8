import { replyHandlerOf, type FetchHandler, type WebhookRequest } from './reply.js';

/** The fields of an API Gateway REST (v1) or HTTP API (v2) proxy event that the bridge reads. */
export interface ApiGatewayEvent {
  version?: string;
  /** v2 */
  rawPath?: string;
  rawQueryString?: string;
  /** v1 */
  path?: string;
  httpMethod?: string;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { domainName?: string; http?: { method?: string } };
}

/** What API Gateway expects back. */
export interface ApiGatewayResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

interface EventParts {
  method: string;
  url: string;
  /** Lower-cased names: API Gateway v1 keeps the case the client sent. */
  headers: Map<string, string>;
  body: string | undefined;
}

function partsOf(event: ApiGatewayEvent): EventParts {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name.toLowerCase(), value);
  const host = event.requestContext?.domainName ?? headers.get('host') ?? 'lambda.local';
  let path: string;
  let query: string;
  let method: string;
  if (event.version === '2.0' || event.rawPath !== undefined) {
    path = event.rawPath ?? '/';
    query = event.rawQueryString ?? '';
    method = event.requestContext?.http?.method ?? 'POST';
  } else {
    path = event.path ?? '/';
    const search = new URLSearchParams();
    if (event.multiValueQueryStringParameters) {
      for (const [name, values] of Object.entries(event.multiValueQueryStringParameters))
        for (const value of values ?? []) search.append(name, value);
    } else
      for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) search.append(name, value);
    query = search.toString();
    method = event.httpMethod ?? 'POST';
  }
  const body =
    event.body == null
      ? undefined
      : event.isBase64Encoded
        ? new TextDecoder().decode(Uint8Array.from(atob(event.body), (char) => char.charCodeAt(0)))
        : event.body;
  return {
    method,
    url: `https://${host}${path}${query ? `?${query}` : ''}`,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
  };
}

/** Builds a web `Request` from a proxy event; v1 events carry no raw query string, so it is re-encoded. */
export function requestFromEvent(event: ApiGatewayEvent): Request {
  const parts = partsOf(event);
  return new Request(parts.url, { method: parts.method, headers: [...parts.headers], body: parts.body });
}

function webhookRequestOf(parts: EventParts): WebhookRequest {
  const get = (name: string): string | null => parts.headers.get(name.toLowerCase()) ?? null;
  return { method: parts.method, url: parts.url, headers: { get, has: (name) => get(name) !== null }, text: async () => parts.body ?? '' };
}

/**
 * Wraps a web-standard handler as an AWS Lambda proxy handler (API Gateway REST API v1 or HTTP API v2).
 * callflow's own handlers are called through their reply form: no web `Request` or `Response`, so a cold start
 * does not load undici.
 * @example export const handler = toLambdaHandler(createTwilioHandler({ ... }));
 */
export function toLambdaHandler(handler: FetchHandler): (event: ApiGatewayEvent) => Promise<ApiGatewayResult> {
  const handleReply = replyHandlerOf(handler);
  return async (event) => {
    if (handleReply) {
      const reply = await handleReply(webhookRequestOf(partsOf(event)));
      return { statusCode: reply.status, headers: { ...reply.headers }, body: reply.body ?? '', isBase64Encoded: false };
    }
    const response = await handler(requestFromEvent(event));
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { statusCode: response.status, headers, body: await response.text(), isBase64Encoded: false };
  };
}
