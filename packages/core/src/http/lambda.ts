import type { FetchHandler } from './node-bridge.js';

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

/** Builds a web `Request` from a proxy event; v1 events carry no raw query string, so it is re-encoded. */
export function requestFromEvent(event: ApiGatewayEvent): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
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
      for (const [name, values] of Object.entries(event.multiValueQueryStringParameters)) for (const value of values ?? []) search.append(name, value);
    } else for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) search.append(name, value);
    query = search.toString();
    method = event.httpMethod ?? 'POST';
  }
  const body = event.body == null ? undefined : event.isBase64Encoded ? new TextDecoder().decode(Uint8Array.from(atob(event.body), (char) => char.charCodeAt(0))) : event.body;
  return new Request(`https://${host}${path}${query ? `?${query}` : ''}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body });
}

/**
 * Wraps a web-standard handler as an AWS Lambda proxy handler (API Gateway REST API v1 or HTTP API v2).
 * @example export const handler = toLambdaHandler(createTwilioHandler({ ... }));
 */
export function toLambdaHandler(handler: FetchHandler): (event: ApiGatewayEvent) => Promise<ApiGatewayResult> {
  return async (event) => {
    const response = await handler(requestFromEvent(event));
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { statusCode: response.status, headers, body: await response.text(), isBase64Encoded: false };
  };
}
