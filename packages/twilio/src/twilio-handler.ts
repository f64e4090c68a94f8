import { createEngine, isCallFlowError, reencodedBodyHeader, runEffects, silentLogger, textReply, webHandler, xmlReply } from '@callflow/core';
import type { BaseHandlerOptions, CallInfo, CallPosition, Engine, Logger, Outcome, Reply, Turn, WebhookRequest } from '@callflow/core';
import { isTwilioCallEnded, parseTwilioWebhook, twilioCallInfo, type TwilioParams } from './parse-twilio-webhook.js';
import { emptyTwiml, renderEnqueueWait, renderTwiml, twimlWarnings } from './render-twiml.js';
import { verifyTwilioSignature } from './verify-twilio-signature.js';
import { element, textElement } from './xml.js';

/** Options of the Twilio handler. */
export interface TwilioHandlerOptions extends BaseHandlerOptions {
  /** The account's auth token; requests are refused (403) when it is missing and signatures are checked. */
  authToken: string | undefined;
  /** Check `X-Twilio-Signature`; default true. Turn off only for local experiments without the emulator. */
  verifySignatures?: boolean;
}

/** A Twilio webhook handler, with the engine and public URL it uses (for live-call helpers). */
export interface TwilioHandler {
  (request: Request): Promise<Response>;
  readonly engine: Engine;
  /** The public URL every callback points at (`publicBaseUrl` without its query). */
  readonly actionUrl: string;
}

const defaultApology = 'We are sorry, something went wrong. Goodbye.';

/** `publicBaseUrl` up to its path: callbacks and signatures use it, never the request's Host. */
function actionUrlOf(publicBaseUrl: string): string {
  const url = new URL(publicBaseUrl);
  return `${url.origin}${url.pathname}`;
}

/** The URL Twilio signed: the configured public URL with the query the request arrived with. */
export function twilioSignedUrl(publicBaseUrl: string, request: Pick<WebhookRequest, 'url'>): string {
  return actionUrlOf(publicBaseUrl) + new URL(request.url).search;
}

function decodeFormPart(part: string): string {
  // Most of a Twilio form needs no decoding; decodeURIComponent throws on a malformed escape.
  if (part.indexOf('%') === -1 && part.indexOf('+') === -1) return part;
  return decodeURIComponent(part.replace(/\+/g, ' '));
}

/**
 * One pass over a form body: the fields as the flow reads them (a repeated name keeps its last value) and as
 * Twilio signed them (every value). Throws on a malformed escape.
 */
function readForm(text: string): { params: TwilioParams; signedParams: Record<string, string | string[]> } {
  const params: TwilioParams = Object.create(null) as TwilioParams;
  const signedParams: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  if (text === '') return { params, signedParams };
  for (const part of text.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decodeFormPart(equals === -1 ? part : part.slice(0, equals));
    const value = equals === -1 ? '' : decodeFormPart(part.slice(equals + 1));
    const existing = signedParams[name];
    signedParams[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    params[name] = value;
  }
  return { params, signedParams };
}

interface ReadBody {
  params: TwilioParams;
  signedParams?: Record<string, string | string[]>;
  body?: string;
}

async function readBody(request: WebhookRequest, query: URLSearchParams): Promise<ReadBody | 'malformed'> {
  if (request.method === 'GET' || request.method === 'HEAD') {
    const params: TwilioParams = {};
    for (const [name, value] of query) params[name] = value;
    return { params, signedParams: {} };
  }
  const text = await request.text();
  const type = (request.headers.get('content-type') ?? '').toLowerCase();
  if (type.includes('application/json')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return 'malformed';
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'malformed';
    const params: TwilioParams = {};
    for (const [name, field] of Object.entries(value)) if (field !== null && typeof field !== 'object') params[name] = String(field);
    return { params, body: text };
  }
  if (type !== '' && !type.includes('application/x-www-form-urlencoded')) return 'malformed';
  try {
    return readForm(text);
  } catch {
    return 'malformed';
  }
}

function apologyTwiml(text: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${element('Response', {}, textElement('Say', {}, text) + '<Hangup/>')}`;
}

/**
 * Serves a Twilio number's voice URL and every callback its TwiML points back at, as a web-standard handler.
 * Bad signature → 403, malformed body → 400, forged token → 403, failure inside the flow → spoken apology and hangup.
 * @example
 * const handler = createTwilioHandler({ flow, secret, authToken: process.env.TWILIO_AUTH_TOKEN, publicBaseUrl: 'https://ivr.example.com/voice' });
 * http.createServer(toNodeListener(handler)).listen(3000);
 */
export function createTwilioHandler(options: TwilioHandlerOptions): TwilioHandler {
  const logger: Logger = options.logger ?? silentLogger;
  const engine = createEngine(options.flow, {
    secret: options.secret,
    now: options.now,
    tokenTtlSeconds: options.tokenTtlSeconds,
    onError: (error, call) => logger.error(`[callflow:twilio] flow failed: ${error.message}`, { callId: call.callId, node: error.node }),
  });
  const actionUrl = actionUrlOf(options.publicBaseUrl);
  const verify = options.verifySignatures ?? true;
  const apology = options.flow.defaults?.apology ?? defaultApology;

  function respond(turn: Turn): Reply {
    const warnings = twimlWarnings(turn);
    if (warnings.length && logger.info) logger.info('[callflow:twilio] rendered with warnings', { callId: turn.call.callId, warnings });
    return xmlReply(renderTwiml(turn, { actionUrl }));
  }

  async function handle(request: WebhookRequest): Promise<Reply> {
    const url = new URL(request.url);
    const query = url.searchParams;
    const read = await readBody(request, query);
    if (read === 'malformed') return textReply(400, '[callflow:twilio] malformed webhook body');

    if (verify) {
      const signedUrl = actionUrl + url.search;
      if (!options.authToken) {
        logger.error('[callflow:twilio] refusing webhook: no auth token configured (set authToken, or verifySignatures: false for local experiments)');
        return textReply(403, '[callflow:twilio] signature cannot be checked');
      }
      const valid = await verifyTwilioSignature({
        authToken: options.authToken,
        signature: request.headers.get('x-twilio-signature'),
        url: signedUrl,
        params: read.signedParams,
        body: read.body,
      });
      if (!valid) {
        logger.warn('[callflow:twilio] signature mismatch', {
          signedUrl,
          params: Object.keys(read.signedParams ?? {}).sort(),
          hasSignature: request.headers.has('x-twilio-signature'),
          hint: request.headers.has(reencodedBodyHeader)
            ? 'the body was re-encoded after a body parser ran; mount the handler before body parsers'
            : 'publicBaseUrl must be the exact URL configured at Twilio (scheme, host, port, path)',
        });
        return textReply(403, '[callflow:twilio] invalid signature');
      }
    }

    let call: CallInfo;
    try {
      call = twilioCallInfo(read.params);
    } catch {
      return textReply(400, '[callflow:twilio] webhook has no CallSid');
    }
    const token = query.get('t');
    const event = query.get('e');

    try {
      if (event === 'status' || (token === null && isTwilioCallEnded(read.params))) {
        logger.info?.('[callflow:twilio] call ended', { callId: call.callId, status: read.params.CallStatus });
        return xmlReply(emptyTwiml());
      }
      if (token === null) return respond(await engine.start(call));
      let position: CallPosition;
      try {
        position = await engine.inspect(token, call);
      } catch (error) {
        // An authentic token from before a redeploy: the caller hears the apology, not Twilio's application error.
        return respond(await engine.refusedTurn(error, call));
      }
      const { state, step } = position;
      if (event === 'wait') {
        if (step?.type !== 'enqueue') return xmlReply(emptyTwiml());
        return xmlReply(
          renderEnqueueWait(step, { position: numberOf(read.params.QueuePosition), queueTimeSeconds: numberOf(read.params.QueueTime) }),
        );
      }
      let outcome: Outcome = parseTwilioWebhook(read.params, state.kind);
      if (
        outcome.type === 'queue' &&
        outcome.result === 'left' &&
        step?.type === 'enqueue' &&
        step.maxWaitSeconds !== undefined &&
        (outcome.waitSeconds ?? 0) >= step.maxWaitSeconds
      ) {
        // Our wait URL answered <Leave/> because the wait was over.
        outcome = { ...outcome, result: 'timeout' };
      }
      const turn = await engine.resumeAt(position, outcome, call);
      await runEffects(turn.effects, options.hooks, logger);
      return respond(turn);
    } catch (error) {
      if (isCallFlowError(error, 'invalid-token')) {
        logger.warn(`[callflow:twilio] ${error.message}`, { callId: call.callId, reason: error.reason });
        return textReply(403, '[callflow:twilio] invalid continuation token');
      }
      if (isCallFlowError(error, 'unexpected-outcome')) {
        logger.warn(`[callflow:twilio] ignored: ${error.message}`, { callId: call.callId });
        return xmlReply(emptyTwiml());
      }
      if (isCallFlowError(error, 'invalid-webhook')) {
        logger.warn(error.message, { callId: call.callId });
        return textReply(400, error.message);
      }
      logger.error('[callflow:twilio] webhook failed', { callId: call.callId, error: error instanceof Error ? error.message : String(error) });
      return xmlReply(apologyTwiml(apology));
    }
  }

  return webHandler(handle, { engine, actionUrl });
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
