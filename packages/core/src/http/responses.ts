import { jsonReply, responseOf, textReply, xmlReply } from './reply.js';

/** A plain-text response with a status, for refusals (403, 400, 503). */
export function textResponse(status: number, text: string): Response {
  return responseOf(textReply(status, text));
}

/** A JSON response. */
export function jsonResponse(value: unknown, status = 200): Response {
  return responseOf(jsonReply(value, status));
}

/** An XML response (TwiML). */
export function xmlResponse(xml: string, status = 200): Response {
  return responseOf(xmlReply(xml, status));
}

/** Parses an `application/x-www-form-urlencoded` body; repeated keys keep the last value. Throws on malformed escapes. */
export function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (text === '') return out;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const rawKey = equals === -1 ? part : part.slice(0, equals);
    const rawValue = equals === -1 ? '' : part.slice(equals + 1);
    out[decodeURIComponent(rawKey.replace(/\+/g, ' '))] = decodeURIComponent(rawValue.replace(/\+/g, ' '));
  }
  return out;
}
