import { lazyNodeCrypto, syncHmac } from '@callflow/core';

/** What a Twilio signature covers: the exact URL Twilio requested, and the form fields or the raw JSON body. */
export interface TwilioSignedRequest {
  /** The auth token of the account (or the API key secret Twilio signs with). */
  authToken: string;
  /** The full public URL Twilio requested, query included (e.g. `https://ivr.example.com/voice?t=…`). */
  url: string;
  /** Decoded form fields; repeated names as arrays. Leave out for JSON bodies. */
  params?: Record<string, string | readonly string[]>;
  /** The raw body, for JSON webhooks signed with `bodySHA256` in the URL. */
  body?: string;
}

/** Inputs of `verifyTwilioSignature`: the request plus the `X-Twilio-Signature` header value. */
export interface TwilioSignatureCheck extends TwilioSignedRequest {
  signature: string | null | undefined;
}

const encoder = new TextEncoder();
// node:crypto on Node: WebCrypto's HMAC is a promise and a thread-pool job there (~50 µs, against ~2 µs for the same
// HMAC-SHA1 done synchronously), and it was the largest cost of a webhook. WebCrypto everywhere else (Workers, Deno).
const nodeCrypto = lazyNodeCrypto();
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(authToken: string): Promise<CryptoKey> {
  let key = keyCache.get(authToken);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(authToken), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
    if (keyCache.size > 16) keyCache.clear();
    keyCache.set(authToken, key);
  }
  return key;
}

function base64(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function hex(bytes: ArrayBuffer): string {
  let out = '';
  for (const byte of new Uint8Array(bytes)) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** The string Twilio signs: the URL, then each field name and value in name order (repeated values sorted, deduplicated). */
export function twilioSignaturePayload(url: string, params: Record<string, string | readonly string[]> = {}): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    if (typeof value === 'string') data += name + value;
    else for (const item of [...new Set(value)].sort()) data += name + item;
  }
  return data;
}

/** Hex SHA-256 of a body, as Twilio puts in `bodySHA256` for JSON webhooks. */
export async function twilioBodyHash(body: string): Promise<string> {
  const node = nodeCrypto();
  if (node) return node.createHash('sha256').update(body).digest('hex');
  return hex(await crypto.subtle.digest('SHA-256', encoder.encode(body)));
}

/** Computes the `X-Twilio-Signature` value for a URL and its form fields (HMAC-SHA1, base64) (node:crypto on Node, WebCrypto elsewhere). */
export async function computeTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | readonly string[]> = {},
): Promise<string> {
  return signatureOfText(authToken, twilioSignaturePayload(url, params));
}

/**
 * Signs a request the way Twilio does, for tests and emulators: returns the `X-Twilio-Signature` value
 * (for a JSON body, give `url` with `bodySHA256` already in it, or let this add it via `signedUrl`).
 * @example const signature = await signTwilioRequest({ authToken, url, params: { CallSid: 'CA1' } });
 */
export async function signTwilioRequest(request: TwilioSignedRequest): Promise<string> {
  return computeTwilioSignature(request.authToken, request.url, request.body === undefined ? (request.params ?? {}) : {});
}

/** Adds `bodySHA256=<hex>` to a URL for a JSON body, as Twilio does before signing. */
export async function withTwilioBodyHash(url: string, body: string): Promise<string> {
  const parsed = new URL(url);
  parsed.searchParams.set('bodySHA256', await twilioBodyHash(body));
  return parsed.toString();
}

function splitUrl(url: string): { scheme: string; userInfo: string; host: string; port: string; rest: string } | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

const utf8 = new TextDecoder();

/** Percent-decodes as Node's legacy `querystring.unescape` does: whole-string UTF-8, or byte by byte around malformed escapes. */
function legacyUnescape(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    const bytes: number[] = [];
    for (let index = 0; index < text.length; index++) {
      const hexPair = text.slice(index + 1, index + 3);
      if (text[index] === '%' && /^[0-9a-fA-F]{2}$/.test(hexPair)) {
        bytes.push(parseInt(hexPair, 16));
        index += 2;
      } else {
        const code = text.codePointAt(index)!;
        if (code > 0xffff) index++;
        bytes.push(...encoder.encode(String.fromCodePoint(code)));
      }
    }
    return utf8.decode(new Uint8Array(bytes));
  }
}

/**
 * The URL with its query parsed and re-serialised the way Node's legacy `querystring` module does (`'` stays `'`,
 * `%27` becomes `'`, `+` becomes `%20`, repeated names grouped), the form some back ends signed.
 * provider: twilio-node lib/webhooks/webhooks.js tries this form (`withLegacyQuerystring`) after the WHATWG-normalised URL;
 * written here from Node's documented querystring.parse/stringify behaviour, checked against the SDK in the tests.
 */
function withLegacyQuery(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  const groups = new Map<string, string[]>();
  for (const piece of url.slice(queryStart + 1).split('&')) {
    if (piece === '') continue;
    const equals = piece.indexOf('=');
    const name = legacyUnescape((equals === -1 ? piece : piece.slice(0, equals)).replace(/\+/g, ' '));
    const value = equals === -1 ? '' : legacyUnescape(piece.slice(equals + 1).replace(/\+/g, ' '));
    const values = groups.get(name);
    if (values) values.push(value);
    else groups.set(name, [value]);
  }
  const query = [...groups]
    .flatMap(([name, values]) => values.map((value) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`))
    .join('&');
  return `${url.slice(0, queryStart)}?${query}`;
}

const whatwgEscape = /%(22|27|3C|3E|60|7B|7D)/gi;
const utf8Escapes = /(?:%[C-F][0-9A-F](?:%[89AB][0-9A-F]){1,3})+/gi;
/** At most this many re-encoded characters are tried each way (2^n forms, only after the configured URL failed). */
const maxUndoneEscapes = 4;

/**
 * The URL as Twilio may have requested it before WHATWG URL parsing re-encoded it: a web-standard `Request` hands the
 * handler `?name=O%27Brien` for the `?name=O'Brien` Twilio requested and signed. WHATWG percent-encodes `"`, `'`, `<`,
 * `>`, `` ` ``, `{`, `}` and non-ASCII; each re-encoded character may have been either form, so every mix is tried
 * (up to `maxUndoneEscapes` of them), with non-ASCII decoded all together or not at all.
 */
function withWhatwgEscapesUndone(url: string): string[] {
  const decodedUtf8 = url.replace(utf8Escapes, (sequence) => {
    try {
      return decodeURIComponent(sequence);
    } catch {
      return sequence;
    }
  });
  const out: string[] = [];
  for (const base of new Set([url, decodedUtf8])) {
    const pieces = base.split(whatwgEscape);
    // split with one capture group: text, code, text, code, …
    const escapes = (pieces.length - 1) / 2;
    if (escapes > maxUndoneEscapes) {
      out.push(base.replace(whatwgEscape, (_, code: string) => String.fromCharCode(parseInt(code, 16))));
      continue;
    }
    for (let mask = 0; mask < 1 << escapes; mask++) {
      let form = pieces[0]!;
      for (let index = 0; index < escapes; index++) {
        const code = pieces[2 * index + 1]!;
        form += (mask & (1 << index) ? String.fromCharCode(parseInt(code, 16)) : `%${code}`) + pieces[2 * index + 2]!;
      }
      out.push(form);
    }
  }
  return out.filter((form) => form !== url);
}

/**
 * The URL forms Twilio may have signed: as given, without and with the default port
 * (provider: Twilio drops the port for TwiML fetches but keeps it for status callbacks, twilio-node#411),
 * then the same after WHATWG normalisation and with the query as Node's legacy querystring writes it (as twilio-node's
 * `validateRequest` tries them), then with WHATWG's percent-encoding undone (the URL as Twilio sent it, when the
 * handler only sees the normalised one).
 */
export function twilioUrlCandidates(url: string): string[] {
  const variants = (value: string): string[] => {
    const parts = splitUrl(value);
    if (!parts) return [value];
    const withoutPort = parts.scheme + parts.userInfo + parts.host + parts.rest;
    const defaultPort = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
    const withPort = parts.port ? value : parts.scheme + parts.userInfo + parts.host + defaultPort + parts.rest;
    return [withoutPort, withPort];
  };
  const out = variants(url);
  try {
    const normalised = new URL(url).toString();
    for (const form of variants(normalised)) out.push(form, withLegacyQuery(form));
  } catch {
    // Not a URL: only the literal forms can match.
  }
  for (const undone of withWhatwgEscapesUndone(url)) out.push(...variants(undone));
  return [...new Set(out)];
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

/** HMAC-SHA1 of the signed string, base64: synchronous on node:crypto, a promise on WebCrypto. */
function signatureOfText(authToken: string, data: string): string | Promise<string> {
  const hmac = syncHmac();
  if (hmac) return hmac('sha1', authToken, data, 'base64');
  return hmacKey(authToken).then(async (key) => base64(await crypto.subtle.sign('HMAC', key, encoder.encode(data))));
}

/** Inputs of `verifyTwilioSignatureText`: the URL and the fields' part of the signed string, already built. */
export interface TwilioSignedTextCheck {
  authToken: string;
  signature: string | null | undefined;
  url: string;
  /** Each field's name then its value, in name order (what `twilioSignaturePayload` appends to the URL). */
  signedText: string;
}

/**
 * `verifyTwilioSignature` for a form whose signed text is already built (the handler reads the form once): answers
 * synchronously on node:crypto, with the same URL forms tried when the configured one does not match.
 */
export function verifyTwilioSignatureText(check: TwilioSignedTextCheck): boolean | Promise<boolean> {
  const { authToken, signature, url, signedText } = check;
  if (!authToken || !signature) return false;
  const first = signatureOfText(authToken, url + signedText);
  // Only when the URL as configured did not match (it may come back among the candidates: checked again, in vain).
  const others = () => twilioUrlCandidates(url);
  if (typeof first === 'string')
    return (
      constantTimeEqual(first, signature) ||
      others().some((candidate) => constantTimeEqual(signatureOfText(authToken, candidate + signedText) as string, signature))
    );
  return (async () => {
    if (constantTimeEqual(await first, signature)) return true;
    for (const candidate of others())
      if (constantTimeEqual(await signatureOfText(authToken, candidate + signedText), signature)) return true;
    return false;
  })();
}

/**
 * Checks `X-Twilio-Signature` (node:crypto on Node, WebCrypto on Workers and Deno). Fails closed: a missing token or header is `false`.
 * For a JSON body, the URL's `bodySHA256` must also equal the body's hash.
 * @example await verifyTwilioSignature({ authToken, signature: request.headers.get('x-twilio-signature'), url, params })
 */
export async function verifyTwilioSignature(check: TwilioSignatureCheck): Promise<boolean> {
  if (!check.authToken || !check.signature) return false;
  const usesBodyHash = check.body !== undefined;
  const signedText = usesBodyHash ? '' : twilioSignaturePayload('', check.params);
  // The URL as configured matches almost always; the other forms Twilio may have signed are tried only then.
  const matched = await verifyTwilioSignatureText({ authToken: check.authToken, signature: check.signature, url: check.url, signedText });
  if (!matched || !usesBodyHash) return matched;
  let claimed: string | null;
  try {
    claimed = new URL(check.url).searchParams.get('bodySHA256');
  } catch {
    return false;
  }
  return claimed !== null && constantTimeEqual(claimed, await twilioBodyHash(check.body!));
}
