import {
  CallFlowError,
  createReplyOnce,
  requiredCredential,
  xmlReply,
  type CallEventReport,
  type CallPosition,
  type Outcome,
  type Provider,
  type ProviderHandlerOptions,
  type RawWebhook,
  type Verdict,
  type WebhookEvent,
} from '@callflow/core';
import { dialStatusOf, isTwilioCallEnded, parseTwilioWebhook, twilioCallInfo } from './parse-twilio-webhook.js';
import { readTwilioFields } from './read-twilio-form.js';
import {
  callbackUrl,
  emptyTwiml,
  renderCalleeTwiml,
  renderEnqueueWait,
  renderScreenAnswerTwiml,
  renderTwiml,
  twimlWarnings,
} from './render-twiml.js';
import { twilioCapabilities } from './twilio-capabilities.js';
import { twilioAnsweredBy } from './twilio-start-call.js';
import { verifyTwilioSignature, verifyTwilioSignatureText } from './verify-twilio-signature.js';
import { reencodedBodyHeader } from '@callflow/core';

/** Options of the Twilio handler. */
export interface TwilioHandlerOptions extends ProviderHandlerOptions {
  /** The public URL Twilio calls, e.g. `https://ivr.example.com/voice`: signatures are checked against it, never against the request's Host. */
  publicBaseUrl: string;
  /** The account's auth token; required unless `verifySignatures` is false (then it may be left out). */
  authToken: string | undefined;
}

/** What a Twilio handler carries beside the function. */
export interface TwilioExtras {
  /** The public URL every callback points at (`publicBaseUrl` without its query). */
  readonly actionUrl: string;
}

/** `publicBaseUrl` up to its path: callbacks and signatures use it, never the request's Host. */
export function twilioActionUrl(publicBaseUrl: string): string {
  const url = new URL(publicBaseUrl);
  return `${url.origin}${url.pathname}`;
}

/** The URL Twilio signed: the configured public URL with the query the request arrived with. */
export function twilioSignedUrl(publicBaseUrl: string, request: { url: string }): string {
  return twilioActionUrl(publicBaseUrl) + new URL(request.url).search;
}

// A short hash of a delivery's body: with the token it tells a repeated delivery from a new visit to the same position.
function bodyHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * A status callback as a lifecycle report: `initiated`/`ringing` start an outbound call, the final statuses end any call
 * (provider: https://www.twilio.com/docs/voice/api/call-resource#statuscallback, CallStatus, CallDuration, Direction).
 */
function twilioCallEvent(params: Record<string, string | undefined>): CallEventReport | undefined {
  const status = params.CallStatus ?? '';
  const direction = params.Direction === undefined ? undefined : params.Direction === 'inbound' ? 'inbound' : 'outbound';
  if (status === 'initiated' || status === 'queued' || status === 'ringing') {
    return direction === 'outbound' ? { type: 'started', direction, from: params.From, to: params.To } : undefined;
  }
  if (!isTwilioCallEnded(params)) return undefined;
  const report: CallEventReport = { type: 'ended', status: status === 'completed' ? 'completed' : dialStatusOf(status), cause: status };
  const durationSeconds = numberOf(params.CallDuration);
  if (durationSeconds !== undefined) report.durationSeconds = durationSeconds;
  if (direction) report.direction = direction;
  return report;
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/**
 * Twilio on the provider seam: TwiML documents in the reply, `X-Twilio-Signature` over the public URL and the form.
 * Stateless unless a `store` is passed; with one, repeated and late deliveries are answered once per position.
 */
export const twilioProvider: Provider<TwilioHandlerOptions, string, TwilioExtras> = {
  name: 'twilio',
  capabilities: twilioCapabilities,
  checkOptions: (options) => requiredCredential(options, 'authToken', options.authToken, 'the account auth token, from the Twilio console'),
  secretsOf: (options) => (options.authToken ? [options.authToken] : []),
  create({ options, store, logger }) {
    const actionUrl = twilioActionUrl(options.publicBaseUrl);
    const authToken = options.authToken ?? '';
    const verdictOf = (valid: boolean, webhook: RawWebhook): Verdict => {
      if (valid) return { ok: true };
      const hint = webhook.headers.has(reencodedBodyHeader)
        ? 'the body was re-encoded after a body parser ran; mount the handler before body parsers'
        : `publicBaseUrl (${actionUrl}) must be the exact URL configured at Twilio (scheme, host, port, path)`;
      return { ok: false, reason: 'mismatch', message: `X-Twilio-Signature does not match; ${hint}` };
    };
    return {
      verify(webhook: RawWebhook) {
        const signature = webhook.headers.get('x-twilio-signature');
        if (!signature) return { ok: false, reason: 'missing', message: 'no X-Twilio-Signature header' };
        const fields = readTwilioFields(webhook);
        const url = actionUrl + webhook.url.search;
        const valid =
          fields.body === undefined
            ? verifyTwilioSignatureText({ authToken, signature, url, signedText: fields.signedText ?? '' })
            : verifyTwilioSignature({ authToken, signature, url, body: fields.body });
        return typeof valid === 'boolean' ? verdictOf(valid, webhook) : valid.then((answer) => verdictOf(answer, webhook));
      },
      parse(webhook): WebhookEvent<string> {
        const { params } = readTwilioFields(webhook);
        let call;
        try {
          call = twilioCallInfo(params);
        } catch {
          throw new CallFlowError('invalid-webhook', 'webhook has no CallSid', { provider: 'twilio' });
        }
        const query = webhook.url.searchParams;
        const token = query.get('t');
        const kind = query.get('e');
        if (token !== null && (kind === 'callee' || kind === 'screen')) {
          // provider: the called party's leg has its own CallSid; ParentCallSid is the caller's, whom the token is bound to
          // (https://www.twilio.com/docs/voice/twiml#request-parameters, "ParentCallSid").
          const parent = params.ParentCallSid;
          if (!parent) throw new CallFlowError('invalid-webhook', `${kind} webhook without ParentCallSid`, { provider: 'twilio' });
          return {
            type: 'outcome',
            call: { ...call, callId: parent, from: undefined, to: undefined },
            token,
            outcome: (position: CallPosition | undefined) => {
              // Not the transfer any more (a late request): hang the called party's leg up rather than connect it.
              if (position?.step?.type !== 'transfer')
                return { answer: `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>` };
              if (kind === 'callee') return { answer: renderCalleeTwiml(position.step, callbackUrl(actionUrl, token, 'screen')) };
              return { answer: renderScreenAnswerTwiml(position.step, params.Digits) };
            },
          };
        }
        if (kind === 'status' || (token === null && isTwilioCallEnded(params))) {
          const callEvent = twilioCallEvent(params);
          return {
            type: 'status',
            callId: call.callId,
            note: `call status ${params.CallStatus ?? 'unknown'}`,
            ...(callEvent ? { callEvent } : {}),
          };
        }
        const start = query.get('s');
        const nonce = query.get('o');
        if (token === null && start !== null && nonce !== null) {
          const answeredBy = twilioAnsweredBy(params.AnsweredBy);
          return { type: 'start', call, outbound: { token: start, nonce, ...(answeredBy ? { answeredBy } : {}) } };
        }
        if (token === null) return { type: 'start', call };
        const deliveryId = options.store ? `${token.slice(-22)}:${bodyHash(webhook.text)}` : undefined;
        if (kind === 'wait') {
          return {
            type: 'outcome',
            call,
            token,
            outcome: (position: CallPosition | undefined) => {
              // An orphaned position: resuming gives the caller the apology instead of the wait music.
              if (!position) return { type: 'media-done' };
              if (position.step?.type !== 'enqueue') return { answer: emptyTwiml() };
              const wait = {
                position: numberOf(params.QueuePosition),
                queueTimeSeconds: numberOf(params.QueueTime),
                averageWaitSeconds: numberOf(params.AvgQueueTime),
                lastAnnouncedSeconds: numberOf(query.get('a') ?? undefined),
                digits: params.Digits === undefined || params.Digits === '' ? undefined : params.Digits,
              };
              return { answer: renderEnqueueWait(position.step, wait, callbackUrl(actionUrl, token, 'wait')) };
            },
          };
        }
        return {
          type: 'outcome',
          call,
          token,
          deliveryId,
          outcome: (position: CallPosition | undefined): Outcome => {
            if (!position) return isTwilioCallEnded(params) ? { type: 'hangup' } : { type: 'media-done' };
            const outcome = parseTwilioWebhook(params, position.state.kind);
            const step = position.step;
            if (
              outcome.type === 'dial' &&
              outcome.status === 'completed' &&
              params.DialBridged === 'false' &&
              step?.type === 'transfer' &&
              (step.screen || step.whisper?.length)
            ) {
              // provider: DialBridged false: the called party answered but was never connected (declined or silent at the
              // screen, hung up in the whisper); Twilio's docs do not say which DialCallStatus that gives, so it is read here.
              return { ...outcome, status: 'no-answer', raw: `${outcome.raw ?? ''}:not-bridged` };
            }
            if (
              outcome.type === 'queue' &&
              outcome.result === 'left' &&
              step?.type === 'enqueue' &&
              step.maxWaitSeconds !== undefined &&
              (outcome.waitSeconds ?? 0) >= step.maxWaitSeconds
            ) {
              // Our wait URL answered <Leave/> because the wait was over.
              return { ...outcome, result: 'timeout' };
            }
            return outcome;
          },
        };
      },
      render: (turn) => ({ output: renderTwiml(turn, { actionUrl }), warnings: twimlWarnings(turn) }),
      deliver: {
        kind: 'reply',
        serialize: (twiml) => twiml,
        reply: (twiml) => xmlReply(twiml),
        acknowledge: () => xmlReply(emptyTwiml()),
        // With a store the handler keeps each call's position (a repeated delivery gets the same TwiML); without, stateless.
        once: options.store === undefined ? undefined : createReplyOnce(store, 'twilio', logger),
      },
      extras: { actionUrl },
    };
  },
};
