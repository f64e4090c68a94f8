import { CallFlowError, type TokenFailure } from '../errors.js';
import { base64UrlToText, base64UrlToTextUnchecked, textToBase64Url } from './base64url.js';
import { hmacSha256 } from './hmac.js';

/** Where a call is in its flow between two webhooks: everything the engine needs to go on. */
export interface CallState {
  /** Node of the position. */
  node: string;
  /** Step index within the node. */
  step: number;
  /** What the position is waiting for: a waiting step's type, or `media` for "play on from here". */
  kind: 'media' | 'gather' | 'record' | 'transfer' | 'enqueue' | 'conference';
  /** Tries used per gather (`node:step` → count), kept across detours through onInvalid/onNoInput nodes. */
  tries: Record<string, number>;
  /** Values saved with `saveAs`. */
  vars: Record<string, string>;
  /** For a gather: how many of its prompt steps were already played (command providers). */
  promptOffset: number;
  /** For a gather asked again: why. */
  reask?: 'invalid' | 'no-input';
}

/** A verified token's content. */
export interface TokenContent {
  state: CallState;
  flowVersion: string;
  issuedAt: number;
}

const version = 1;
const macBytes = 16;
const kinds = ['media', 'gather', 'record', 'transfer', 'enqueue', 'conference'] as const;

/** Options for signing and verifying tokens. */
export interface TokenOptions {
  /** Secret(s); the first signs, any verifies (rotation). At least 16 characters. */
  secret: string | readonly string[];
  /** Seconds a token stays valid; default 86,400. */
  ttlSeconds?: number;
  /** Current time in ms; default `Date.now`. */
  now?: () => number;
}

/** Throws `CallFlowError('invalid-token')` when the secret is missing or too short. */
export function secretsOf(options: Pick<TokenOptions, 'secret'>): readonly string[] {
  const secret = options.secret;
  // Every token of a handler is signed and checked with the same secret: its one-item list is built once.
  if (typeof secret === 'string' && secret === lastSecret) return lastSecrets;
  const secrets = typeof secret === 'string' ? [secret] : secret;
  let valid = secrets.length > 0;
  for (let index = 0; valid && index < secrets.length; index++) valid = typeof secrets[index] === 'string' && secrets[index]!.length >= 16;
  if (!valid) throw new CallFlowError('invalid-token', 'token secret missing or shorter than 16 characters');
  if (typeof secret === 'string') {
    lastSecret = secret;
    lastSecrets = secrets;
  }
  return secrets;
}

let lastSecret: string | undefined;
let lastSecrets: readonly string[] = [];

/**
 * Signs a call state into a compact URL-safe token bound to one call id.
 * Layout: base64url(JSON [version, flowVersion, node, step, kind, tries, vars, promptOffset, reask, issuedAt, callTag]) "." base64url(HMAC-SHA256[0..16)).
 */
export async function signToken(
  state: CallState,
  context: { callId: string; flowVersion: string },
  options: TokenOptions,
): Promise<string> {
  return signCallState(state, context, options);
}

/** `signToken`, returning the token directly where the HMAC is synchronous (node:crypto), so the engine skips a promise round trip. */
export function signCallState(
  state: CallState,
  context: { callId: string; flowVersion: string },
  options: TokenOptions,
): string | Promise<string> {
  const [secret] = secretsOf(options);
  const issuedAt = Math.floor((options.now ?? Date.now)() / 1000);
  const body = [
    version,
    context.flowVersion,
    state.node,
    state.step,
    kinds.indexOf(state.kind),
    isEmpty(state.tries) ? 0 : state.tries,
    isEmpty(state.vars) ? 0 : state.vars,
    state.promptOffset,
    state.reask === 'invalid' ? 1 : state.reask === 'no-input' ? 2 : 0,
    issuedAt,
    callTag(context.callId),
  ];
  const payload = textToBase64Url(JSON.stringify(body));
  const mac = hmacSha256(secret!, `${context.callId}\n${payload}`, macBytes);
  return typeof mac === 'string' ? `${payload}.${mac}` : mac.then((signature) => `${payload}.${signature}`);
}

function refuse(reason: TokenFailure, message: string): never {
  throw new CallFlowError('invalid-token', `token refused: ${message}`, { reason });
}

/** Verifies a token for a call and returns its content; throws `CallFlowError('invalid-token')` with a `reason`. */
export async function verifyToken(token: string, context: { callId: string }, options: TokenOptions): Promise<TokenContent> {
  return verifyCallToken(token, context, options);
}

/** `verifyToken`, answering directly where the HMAC is synchronous (node:crypto); throws or rejects with the same errors. */
export function verifyCallToken(token: string, context: { callId: string }, options: TokenOptions): TokenContent | Promise<TokenContent> {
  const secrets = secretsOf(options);
  if (typeof token !== 'string' || token.length > 4096) refuse('malformed', 'missing or too long');
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) refuse('malformed', 'not payload.signature');
  const payload = token.slice(0, dot);
  const signature = token.slice(dot + 1);
  if (!base64UrlPattern.test(payload) || !signaturePattern.test(signature)) refuse('malformed', 'bad characters or length');
  const message = `${context.callId}\n${payload}`;
  for (let index = 0; index < secrets.length; index++) {
    const mac = hmacSha256(secrets[index]!, message, macBytes);
    if (typeof mac !== 'string')
      return matchLater(mac, secrets.slice(index + 1), message, signature).then((matched) =>
        readPayload(matched, payload, context, options),
      );
    if (constantTimeEqual(mac, signature)) return readPayload(true, payload, context, options);
  }
  return readPayload(false, payload, context, options);
}

const base64UrlPattern = /^[A-Za-z0-9_-]+$/;
const signaturePattern = /^[A-Za-z0-9_-]{22}$/;

/** The rest of the rotation list, for an HMAC that answers with promises (WebCrypto). */
async function matchLater(first: Promise<string>, rest: readonly string[], message: string, signature: string): Promise<boolean> {
  if (constantTimeEqual(await first, signature)) return true;
  for (const secret of rest) if (constantTimeEqual(await hmacSha256(secret, message, macBytes), signature)) return true;
  return false;
}

function readPayload(matched: boolean, payload: string, context: { callId: string }, options: TokenOptions): TokenContent {
  if (!matched) {
    // The MAC covers the call id; the short tag in the payload only tells the two failures apart in logs.
    const tag = /"([A-Za-z0-9]{1,8})"\]$/.exec(safeText(payload))?.[1];
    if (tag !== undefined && tag !== callTag(context.callId)) refuse('foreign-call', 'issued for another call');
    refuse('bad-signature', 'signature does not match (tampered, or signed with another secret)');
  }
  let body: unknown;
  try {
    body = JSON.parse(base64UrlToTextUnchecked(payload));
  } catch {
    refuse('malformed', 'payload is not JSON');
  }
  if (!Array.isArray(body)) refuse('malformed', 'payload is not a list');
  if (body[0] !== version) refuse('unsupported-version', `version ${String(body[0])}`);
  const [, flowVersion, node, step, kindIndex, tries, vars, promptOffset, reask, issuedAt] = body as unknown[];
  if (
    typeof flowVersion !== 'string' ||
    typeof node !== 'string' ||
    !Number.isInteger(step) ||
    typeof kindIndex !== 'number' ||
    kinds[kindIndex] === undefined ||
    !Number.isInteger(promptOffset) ||
    typeof issuedAt !== 'number' ||
    !(tries === 0 || isStringRecord(tries, 'number')) ||
    !(vars === 0 || isStringRecord(vars, 'string'))
  ) {
    refuse('malformed', 'fields have the wrong shape');
  }
  const ttl = options.ttlSeconds ?? 86_400;
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (nowSeconds - issuedAt > ttl) refuse('expired', `issued ${Math.round(nowSeconds - issuedAt)} s ago, limit ${ttl} s`);
  if (issuedAt - nowSeconds > 300) refuse('expired', 'issued in the future');
  return {
    flowVersion,
    issuedAt,
    state: {
      node,
      step: step as number,
      kind: kinds[kindIndex]!,
      tries: tries === 0 ? {} : (tries as Record<string, number>),
      vars: vars === 0 ? {} : (vars as Record<string, string>),
      promptOffset: promptOffset as number,
      reask: reask === 1 ? 'invalid' : reask === 2 ? 'no-input' : undefined,
    },
  };
}

function isEmpty(record: Record<string, unknown>): boolean {
  for (const _ in record) return false;
  return true;
}

function safeText(payload: string): string {
  try {
    return base64UrlToText(payload);
  } catch {
    return '';
  }
}

const base36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A short, non-secret tag of a call id (FNV-1a), so a token replayed on another call is reported as such. */
function callTag(callId: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < callId.length; index++) {
    hash ^= callId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // Same digits as `(hash >>> 0).toString(36)`, without the general radix conversion.
  let rest = hash >>> 0;
  let tag = '';
  do {
    tag = base36[rest % 36]! + tag;
    rest = Math.floor(rest / 36);
  } while (rest > 0);
  return tag;
}

function isStringRecord(value: unknown, type: 'string' | 'number'): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== type) return false;
  return true;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}
