import { createHmac, randomBytes } from 'node:crypto';
import {
  calleeKey,
  calleeOf,
  nextCallerAction,
  type CallScript,
  type CallTranscript,
  type TranscriptEntry,
  type TransferScript,
} from '../script.js';
import { parseXml, textOf, XmlSyntaxError, type XmlElement } from './parse-xml.js';
import { twilioSignatureOf } from './sign-twilio-webhook.js';
import { conferenceWaitVerbs, emulatedVerbs, validateTwiml, waitUrlVerbs } from './validate-twiml.js';

// provider: the called party's document may not contain <Dial> (https://www.twilio.com/docs/voice/twiml/number#url).
const calleeVerbs: ReadonlySet<string> = new Set(['Say', 'Play', 'Pause', 'Gather', 'Hangup', 'Redirect']);

/** Settings of the local Twilio emulator. */
export interface TwilioEmulatorOptions {
  /** The number's voice URL: where the first webhook of every call goes (http://127.0.0.1:port/…). */
  voiceUrl: string;
  /** Auth token that signs every request (`X-Twilio-Signature`). */
  authToken: string;
  accountSid?: string;
  /** Status callback URL: gets `CallStatus=completed` when a call ends. */
  statusCallbackUrl?: string;
  /** Method of the first webhook; default POST. */
  voiceMethod?: 'GET' | 'POST';
  /**
   * The public origin of a server behind a proxy (`https://ivr.example.com`): requests are signed as Twilio
   * would sign them for this origin, and URLs on it are delivered to `voiceUrl`'s origin. Default: no proxy.
   */
  publicOrigin?: string;
  /** Seconds the emulator assumes a `<Play>` lasts, for the queue clock; default 30. */
  playSeconds?: number;
  /**
   * Retries of a request that could not connect or got no answer (Twilio's connection override `rc`, default 1; HTTP
   * error statuses are not retried: Twilio goes to the Fallback URL, which is not emulated). Default 1.
   */
  retryCount?: number;
}

/** One request the emulator made, for assertions on the protocol itself. */
export interface TwilioEmulatorRequest {
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
  status: number;
  body: string;
}

/** The parameters of `calls.create` the emulator runs (twilio SDK lib/rest/api/v2010/account/call.d.ts `CallListInstanceCreateOptions`). */
export interface TwilioCreateCallParams {
  to: string;
  from: string;
  url?: string;
  method?: string;
  timeout?: number;
  statusCallback?: string;
  statusCallbackMethod?: string;
  statusCallbackEvent?: string[];
  machineDetection?: string;
  machineDetectionTimeout?: number;
  [other: string]: unknown;
}

/** An outbound call placed through the emulator's REST client. */
export interface TwilioOutboundCall {
  sid: string;
  params: TwilioCreateCallParams;
  /** Resolves once the call has ended. */
  transcript: Promise<CallTranscript>;
}

/** A running emulator. */
export interface TwilioEmulator {
  /** Places one inbound call and runs it to the end, following every document the application returns. */
  call(script?: CallScript): Promise<CallTranscript>;
  /**
   * The fake REST API, shaped as the twilio client's `calls.create`: validates the parameters as Twilio would, answers
   * with the call's sid, and plays the call in the background with the next script of `scriptOutbound` (default a human who stays silent).
   */
  readonly client: { calls: { create(params: TwilioCreateCallParams): Promise<{ sid: string }> } };
  /** Scripts for the next outbound calls, in order. */
  scriptOutbound(...scripts: CallScript[]): void;
  /** The outbound calls placed so far. */
  readonly outboundCalls: readonly TwilioOutboundCall[];
  /** Every request of the last call, in order. */
  readonly requests: readonly TwilioEmulatorRequest[];
  /** The TwiML documents of the last call, in order. */
  readonly documents: readonly string[];
  close(): Promise<void>;
}

type Params = Record<string, string>;
type End = 'flow' | 'caller' | 'error';
/** Where to go after a document: another request, or the end of the call. */
type Next = { url: string; method: 'GET' | 'POST'; params: Params } | { end: End };

class CallError extends Error {}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * A local Twilio: places calls by POSTing signed form webhooks over HTTP, runs the TwiML it gets back as Twilio
 * would (Say/Play/Pause to the transcript, Gather from the script, Dial/Record/Enqueue/Conference with scripted
 * outcomes, Redirect, Hangup), follows action URLs with Twilio's parameters, and refuses TwiML Twilio would refuse.
 * @example
 * const twilio = createTwilioEmulator({ voiceUrl: `${baseUrl}/voice`, authToken });
 * const transcript = await twilio.call({ input: ['1'] });
 */
export function createTwilioEmulator(options: TwilioEmulatorOptions): TwilioEmulator {
  const accountSid = options.accountSid ?? `AC${'0'.repeat(32)}`;
  const playSeconds = options.playSeconds ?? 30;
  let requests: TwilioEmulatorRequest[] = [];
  let documents: string[] = [];

  const localOrigin = new URL(options.voiceUrl).origin;
  const publicOrigin = options.publicOrigin?.replace(/\/$/, '');

  /** The URL Twilio signs (public) and the URL the request really goes to (through the "proxy"); both kept as written. */
  function routeOf(url: string): { signed: string; target: string } {
    if (!publicOrigin) return { signed: url, target: url };
    if (url.startsWith(publicOrigin)) return { signed: url, target: `${localOrigin}${url.slice(publicOrigin.length)}` };
    const rest = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/is.exec(url)?.[1] ?? '';
    return { signed: `${publicOrigin}${rest}`, target: url };
  }

  /** Whether a URL is the application's (the emulator fetches those; anything else would be the network). */
  const isApplicationUrl = (url: string) => url.startsWith(localOrigin) || (publicOrigin !== undefined && url.startsWith(publicOrigin));

  async function send(url: string, method: 'GET' | 'POST', params: Params): Promise<{ status: number; body: string; type: string }> {
    let full = url;
    let body: string | undefined;
    // provider: Twilio signs the URL it requested, as written (https://www.twilio.com/docs/usage/security); for GET the
    // fields are in its query and no field is appended to the signed string.
    if (method === 'GET') {
      const query = new URLSearchParams(params).toString();
      full = query === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${query}`;
    } else body = new URLSearchParams(params).toString();
    const { signed, target } = routeOf(full);
    const signature = twilioSignatureOf(options.authToken, signed, method === 'GET' ? {} : params);
    const idempotencyToken = hex(16);
    let response: Response;
    for (let attempt = 0; ; attempt++) {
      try {
        response = await fetch(target, {
          method,
          headers: {
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            'x-twilio-signature': signature,
            // provider: a retry carries the same idempotency token.
            'i-twilio-idempotency-token': idempotencyToken,
            'user-agent': 'TwilioProxy/1.1 (callflow emulator)',
          },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        break;
      } catch (error) {
        if (attempt >= (options.retryCount ?? 1)) throw error;
      }
    }
    const text = await response.text();
    requests.push({ url: target, method, params, status: response.status, body: text });
    return { status: response.status, body: text, type: response.headers.get('content-type') ?? '' };
  }

  const outboundScripts: CallScript[] = [];
  const outboundCalls: TwilioOutboundCall[] = [];

  /** Twilio's 400 for a create request it refuses, as the twilio client rejects (RestException-like). */
  function refuseCreate(message: string): never {
    throw Object.assign(new Error(message), { status: 400, code: 21205 });
  }

  async function create(params: TwilioCreateCallParams): Promise<{ sid: string }> {
    // provider: To, From and one of Url/Twiml/ApplicationSid are required (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource).
    if (typeof params.to !== 'string' || params.to === '') refuseCreate("Required parameter 'to' missing");
    if (typeof params.from !== 'string' || params.from === '') refuseCreate("Required parameter 'from' missing");
    if (typeof params.url !== 'string' || !isApplicationUrl(params.url))
      refuseCreate('url must be the application (the emulator fetches no other URL)');
    const events = params.statusCallbackEvent ?? [];
    for (const event of events)
      if (!['initiated', 'ringing', 'answered', 'completed'].includes(event))
        refuseCreate(`statusCallbackEvent '${event}' is not initiated, ringing, answered or completed`);
    if (params.machineDetection !== undefined && params.machineDetection !== 'Enable' && params.machineDetection !== 'DetectMessageEnd')
      refuseCreate('machineDetection must be Enable or DetectMessageEnd');
    const sid = `CA${hex(16)}`;
    const script = outboundScripts.shift() ?? {};
    const transcript = call(script, { sid, params });
    outboundCalls.push({ sid, params, transcript });
    return { sid };
  }

  async function call(script: CallScript = {}, outbound?: { sid: string; params: TwilioCreateCallParams }): Promise<CallTranscript> {
    requests = [];
    documents = [];
    const callSid = outbound?.sid ?? `CA${hex(16)}`;
    const from = outbound?.params.from ?? script.from ?? '+15005550001';
    const to = outbound?.params.to ?? script.to ?? '+15005550002';
    const entries: TranscriptEntry[] = [];
    const errors: string[] = [];
    const maxWebhooks = script.maxWebhooks ?? 200;
    let webhooks = 0;
    const cursor = { input: 0, transfer: 0, recording: 0, queue: 0, conference: 0 };
    const startedAt = Date.now();
    let answered = false;

    const baseParams = (status: string): Params => ({
      AccountSid: accountSid,
      ApiVersion: '2010-04-01',
      CallSid: callSid,
      CallStatus: status,
      Called: to,
      Caller: from,
      // provider: a call placed with calls.create is `outbound-api`.
      Direction: outbound ? 'outbound-api' : 'inbound',
      From: from,
      To: to,
    });

    /** Fetches a document; returns the parsed root, or throws CallError after recording why. */
    async function fetchDocument(url: string, method: 'GET' | 'POST', params: Params, allowed?: ReadonlySet<string>): Promise<XmlElement> {
      if (++webhooks > maxWebhooks) {
        errors.push(`more than ${maxWebhooks} webhooks: stopped (loop?)`);
        throw new CallError();
      }
      let response: { status: number; body: string; type: string };
      try {
        response = await send(url, method, params);
      } catch (error) {
        errors.push(`request to ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
        throw new CallError();
      }
      if (response.status < 200 || response.status >= 300) {
        errors.push(`HTTP ${response.status} from ${url}: ${response.body.slice(0, 200)}`);
        throw new CallError();
      }
      documents.push(response.body);
      if (!/xml/i.test(response.type)) {
        errors.push(`content-type '${response.type}' from ${url} is not XML (Twilio error 12300)`);
        throw new CallError();
      }
      let root: XmlElement;
      try {
        root = parseXml(response.body);
      } catch (error) {
        errors.push(
          `document from ${url} is not valid XML (Twilio error 12100): ${error instanceof XmlSyntaxError ? error.message : String(error)}`,
        );
        throw new CallError();
      }
      const problems = validateTwiml(root, { allowed });
      if (problems.length) {
        errors.push(...problems.map((problem) => `${url}: ${problem} (Twilio error 12200)`));
        throw new CallError();
      }
      const unsupported = root.children.find((child): child is XmlElement => child.type === 'element' && !emulatedVerbs.has(child.name));
      if (unsupported) {
        errors.push(`<${unsupported.name}> is valid TwiML that the emulator does not run`);
        throw new CallError();
      }
      return root;
    }

    function playMedia(verb: XmlElement): number {
      const times = Math.min(Math.max(Number(verb.attributes.loop ?? '1') || 1, 1), 10);
      let seconds = 0;
      for (let index = 0; index < times; index++) {
        if (verb.name === 'Say') {
          const text = textOf(verb).trim();
          entries.push({ type: 'say', text });
          seconds += Math.max(1, text.split(/\s+/).length / 2.5);
        } else if (verb.name === 'Play') {
          entries.push({ type: 'play', url: textOf(verb).trim() || `digits:${verb.attributes.digits ?? ''}` });
          seconds += playSeconds;
        } else if (verb.name === 'Pause') {
          const length = Number(verb.attributes.length ?? '1');
          entries.push({ type: 'pause', seconds: length });
          seconds += length;
        }
      }
      return seconds;
    }

    const resolve = (documentUrl: string, target: string | undefined): string =>
      new URL(target && target.trim() !== '' ? target.trim() : documentUrl, documentUrl).toString();
    const methodOf = (value: string | undefined): 'GET' | 'POST' => (value?.toUpperCase() === 'GET' ? 'GET' : 'POST');

    async function gather(verb: XmlElement, documentUrl: string): Promise<Next | undefined> {
      for (const child of verb.children) if (child.type === 'element') playMedia(child);
      const inputs = (verb.attributes.input ?? 'dtmf').split(/\s+/);
      const action = await nextCallerAction(script, cursor.input, entries);
      cursor.input++;
      const params = baseParams('in-progress');
      let heard = false;
      if (typeof action === 'string') {
        if (inputs.includes('dtmf')) {
          const finishOnKey = verb.attributes.finishOnKey ?? '#';
          const numDigits = verb.attributes.numDigits === undefined ? Infinity : Number(verb.attributes.numDigits);
          let digits = '';
          for (const key of action) {
            if (finishOnKey !== '' && key === finishOnKey && digits !== '') break;
            digits += key;
            if (digits.length >= numDigits) break;
          }
          entries.push({ type: 'input', digits: action });
          if (digits !== '') {
            params.Digits = digits;
            heard = true;
          }
        } else entries.push({ type: 'input', timeout: true });
      } else if ('speech' in action) {
        if (inputs.includes('speech')) {
          entries.push({ type: 'input', speech: action.speech });
          params.SpeechResult = action.speech;
          params.Confidence = String(action.confidence ?? 0.92);
          heard = true;
        } else entries.push({ type: 'input', timeout: true });
      } else if ('hangup' in action) {
        entries.push({ type: 'hangup', by: 'caller' });
        return { end: 'caller' };
      } else entries.push({ type: 'input', timeout: true });
      // provider: on silence Twilio falls through to the next verb unless actionOnEmptyResult is true.
      if (!heard && verb.attributes.actionOnEmptyResult !== 'true') return undefined;
      return { url: resolve(documentUrl, verb.attributes.action), method: methodOf(verb.attributes.method), params };
    }

    async function record(verb: XmlElement, documentUrl: string): Promise<Next | undefined> {
      const scripted = script.recordings?.[cursor.recording] ?? { durationSeconds: 5 };
      cursor.recording++;
      const recordingSid = `RE${hex(16)}`;
      const url = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`;
      const durationSeconds = 'hangup' in scripted ? (scripted.durationSeconds ?? 5) : scripted.durationSeconds;
      entries.push({ type: 'record', durationSeconds, url });
      const action = resolve(documentUrl, verb.attributes.action);
      const base = { RecordingUrl: url, RecordingSid: recordingSid, RecordingDuration: String(durationSeconds) };
      if ('hangup' in scripted) {
        // provider: Twilio still posts the recording to the action after a hang-up, and ignores the reply.
        await fetchDocument(action, methodOf(verb.attributes.method), { ...baseParams('completed'), ...base, Digits: 'hangup' }).catch(
          () => undefined,
        );
        entries.push({ type: 'hangup', by: 'caller' });
        return { end: 'caller' };
      }
      // provider: an empty recording skips the action and falls through.
      if (durationSeconds <= 0) return undefined;
      const finishOnKey = verb.attributes.finishOnKey ?? '1234567890*#';
      return {
        url: action,
        method: methodOf(verb.attributes.method),
        params: { ...baseParams('in-progress'), ...base, Digits: finishOnKey.includes('#') ? '#' : (finishOnKey[0] ?? '') },
      };
    }

    /**
     * What a caller waiting for a conference to start gets from `waitUrl`: Twilio requests it with `waitMethod`, POST by
     * default, and a static MP3/WAV needs GET (provider: https://www.twilio.com/docs/api/errors/13234); TwiML there may
     * only hold Say, Play, Pause and Redirect (provider: https://www.twilio.com/docs/api/errors/13238). False when the call failed.
     */
    async function conferenceWait(conference: XmlElement, documentUrl: string): Promise<boolean> {
      const waitUrl = resolve(documentUrl, conference.attributes.waitUrl);
      const waitMethod = methodOf(conference.attributes.waitMethod);
      const parsed = new URL(waitUrl);
      if (/\.(mp3|wav|wave|aif|aiff|gsm|ulaw)$/i.test(parsed.pathname)) {
        if (waitMethod !== 'GET') {
          errors.push(
            `<Conference waitUrl="${waitUrl}"> is a static audio file requested with ${waitMethod}: set waitMethod="GET" (Twilio error 13234)`,
          );
          return false;
        }
        requests.push({ url: waitUrl, method: 'GET', params: {}, status: 200, body: '(audio, not fetched)' });
        return true;
      }
      if (!isApplicationUrl(waitUrl)) {
        errors.push(`<Conference waitUrl="${waitUrl}"> is TwiML outside the application: not emulated`);
        return false;
      }
      const root = await fetchDocument(
        waitUrl,
        waitMethod,
        { ...baseParams('in-progress'), ConferenceSid: `CF${hex(16)}` },
        conferenceWaitVerbs,
      );
      for (const child of root.children) if (child.type === 'element' && child.name !== 'Redirect') playMedia(child);
      return true;
    }

    async function dial(verb: XmlElement, documentUrl: string): Promise<Next | undefined> {
      const nouns = verb.children.filter((child): child is XmlElement => child.type === 'element');
      const conference = nouns.find((noun) => noun.name === 'Conference');
      const action = verb.attributes.action === undefined ? undefined : resolve(documentUrl, verb.attributes.action);
      const method = methodOf(verb.attributes.method);
      if (conference) {
        const scripted = script.conferences?.[cursor.conference] ?? { status: 'ended' as const };
        cursor.conference++;
        entries.push({ type: 'conference', room: textOf(conference).trim() });
        if ('hangup' in scripted) {
          entries.push({ type: 'hangup', by: 'caller' });
          return { end: 'caller' };
        }
        if (
          conference.attributes.waitUrl !== undefined &&
          conference.attributes.waitUrl !== '' &&
          conference.attributes.startConferenceOnEnter === 'false'
        ) {
          if (!(await conferenceWait(conference, documentUrl))) return { end: 'error' };
        }
        const params = {
          ...baseParams('in-progress'),
          DialCallStatus: 'completed',
          DialCallDuration: String(scripted.seconds ?? 60),
          DialCallSid: `CA${hex(16)}`,
        };
        return action ? { url: action, method, params } : undefined;
      }
      if (nouns.some((noun) => noun.name === 'Queue')) {
        errors.push('<Dial><Queue> (the agent side of a queue) is not emulated on the caller leg');
        return { end: 'error' };
      }
      const target = nouns.length ? nouns.map((noun) => textOf(noun).trim()).join(',') : textOf(verb).trim();
      const scripted = script.transfers?.[cursor.transfer] ?? 'completed';
      cursor.transfer++;
      const status = typeof scripted === 'string' ? scripted : scripted.status;
      const durationSeconds =
        typeof scripted === 'string' ? (status === 'completed' ? 30 : 0) : (scripted.durationSeconds ?? (status === 'completed' ? 30 : 0));
      // provider: <Dial> plays the ringback tone to the caller while it executes, a <Number url> whisper or screen included
      // (twilio SDK lib/twiml/VoiceResponse.d.ts DialAttributes.ringTone): a ringing tone, so callerHeardWhileRinging stays unset.
      const entry: Extract<TranscriptEntry, { type: 'transfer' }> = { type: 'transfer', to: target, status };
      // provider: <Number sendDigits> plays the DTMF once the called party answers (https://www.twilio.com/docs/voice/twiml/number#senddigits).
      const sendDigits = nouns.find((noun) => noun.name === 'Number')?.attributes.sendDigits;
      if (status === 'completed' && sendDigits) entry.sentDigits = sendDigits;
      entries.push(entry);
      const childSid = `CA${hex(16)}`;
      const calleeNoun = nouns.find((noun) => noun.attributes.url !== undefined);
      const bridged =
        status === 'completed' && calleeNoun
          ? await calleeLeg(calleeNoun, documentUrl, childSid, target, scripted, entry)
          : status === 'completed';
      // In neutral words a called party who answered but was never connected did not answer.
      if (status === 'completed' && !bridged) entry.status = 'no-answer';
      const params: Params = {
        ...baseParams('in-progress'),
        DialCallStatus: status,
        DialCallDuration: String(bridged ? durationSeconds : 0),
      };
      if (status === 'completed') {
        params.DialCallSid = childSid;
        // provider: DialBridged tells whether the dialed call was connected to the caller (https://www.twilio.com/docs/voice/twiml/dial#action).
        // What DialCallStatus a called party who hangs up in its url document gives is not documented: completed is sent (it did answer).
        params.DialBridged = bridged ? 'true' : 'false';
      }
      // provider: without an action Twilio goes on with the next verb once the dialed leg ends.
      return action ? { url: action, method, params } : undefined;
    }

    /**
     * The called party's leg of a <Dial> noun with a url: Twilio fetches that TwiML for the called party after it answers
     * and connects the parties when the document ends; a <Hangup/> there ends the leg unconnected
     * (https://www.twilio.com/docs/voice/twiml/number#url). Returns true when the parties were connected.
     */
    async function calleeLeg(
      noun: XmlElement,
      documentUrl: string,
      childSid: string,
      target: string,
      scripted: TransferScript,
      entry: Extract<TranscriptEntry, { type: 'transfer' }>,
    ): Promise<boolean> {
      const behaviour = calleeOf(scripted);
      const acceptKey = typeof scripted === 'string' ? '1' : (scripted.acceptKey ?? '1');
      // provider: the child leg's request carries its own CallSid and the caller's as ParentCallSid, Direction outbound-dial
      // (https://www.twilio.com/docs/voice/twiml#request-parameters).
      const calleeParams: Params = {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        CallSid: childSid,
        ParentCallSid: callSid,
        CallStatus: 'in-progress',
        Direction: 'outbound-dial',
        From: from,
        To: target,
        Called: target,
        Caller: from,
      };
      const heard: string[] = [];
      entry.calleeHeard = heard;
      let next: { url: string; method: 'GET' | 'POST'; params: Params } | undefined = {
        url: resolve(documentUrl, noun.attributes.url!),
        method: methodOf(noun.attributes.method),
        params: calleeParams,
      };
      for (let documents = 0; next && documents < 10; documents++) {
        const root = await fetchDocument(next.url, next.method, next.params, calleeVerbs);
        const current: { url: string; method: 'GET' | 'POST'; params: Params } = next;
        next = undefined;
        for (const verb of root.children) {
          if (verb.type !== 'element') continue;
          if (verb.name === 'Hangup') return false;
          if (verb.name === 'Say') heard.push(textOf(verb).trim());
          else if (verb.name === 'Play') heard.push(textOf(verb).trim());
          else if (verb.name === 'Redirect') {
            next = { url: resolve(current.url, textOf(verb)), method: methodOf(verb.attributes.method), params: calleeParams };
            break;
          } else if (verb.name === 'Gather') {
            for (const child of verb.children)
              if (child.type === 'element' && (child.name === 'Say' || child.name === 'Play')) heard.push(textOf(child).trim());
            const pressed = calleeKey(behaviour, acceptKey);
            entry.calleePressed = pressed ?? '';
            // provider: without a key, <Gather> falls through to the next verb unless actionOnEmptyResult is true.
            if (pressed === undefined && verb.attributes.actionOnEmptyResult !== 'true') continue;
            const action = verb.attributes.action === undefined ? current.url : resolve(current.url, verb.attributes.action);
            next = { url: action, method: methodOf(verb.attributes.method), params: { ...calleeParams, Digits: pressed ?? '' } };
            break;
          }
        }
      }
      return true;
    }

    async function enqueue(verb: XmlElement, documentUrl: string): Promise<Next | undefined> {
      const queue = textOf(verb).trim();
      const queueSid = `QU${createHmac('sha1', 'queue').update(queue).digest('hex').slice(0, 32)}`;
      const scripted = script.queues?.[cursor.queue] ?? { result: 'hangup' as const, waitSeconds: 60 };
      cursor.queue++;
      const waitLimit = scripted.waitSeconds ?? (scripted.result === 'timeout' ? 3600 : 60);
      // The caller presses the escape key at the first break in the hold music once the scripted wait is over.
      const pressAt = scripted.result === 'left' && scripted.digit !== undefined ? waitLimit : undefined;
      let pressed = false;
      let queueTime = 0;
      let left = false;
      let hungUpByFlow = false;
      const waitParams = (): Params => ({
        ...baseParams('in-progress'),
        QueueSid: queueSid,
        QueuePosition: String(scripted.position ?? 1),
        QueueTime: String(Math.floor(queueTime)),
        AvgQueueTime: String(scripted.averageWaitSeconds ?? 0),
        CurrentQueueSize: String(scripted.position ?? 1),
        MaxQueueSize: '100',
      });
      if (verb.attributes.waitUrl !== undefined) {
        let waitUrl = resolve(documentUrl, verb.attributes.waitUrl);
        let waitMethod = methodOf(verb.attributes.waitUrlMethod);
        let params = waitParams();
        for (let loop = 0; loop < 100 && (queueTime < waitLimit || (pressAt !== undefined && !pressed)) && !left && !hungUpByFlow; loop++) {
          const root = await fetchDocument(waitUrl, waitMethod, params, waitUrlVerbs);
          // provider: Twilio requests the wait URL again when its document ends (twilio.com/docs/voice/twiml/enqueue#attributes-waiturl).
          let next: { url: string; method: 'GET' | 'POST'; params: Params } | undefined;
          let elapsed = 0;
          for (const child of root.children) {
            if (child.type !== 'element') continue;
            if (child.name === 'Leave') {
              left = true;
              break;
            }
            if (child.name === 'Hangup') {
              hungUpByFlow = true;
              break;
            }
            if (child.name === 'Redirect') {
              next = {
                url: resolve(waitUrl, textOf(child)),
                method: methodOf(child.attributes.method),
                params: { ...waitParams(), QueueTime: String(Math.floor(queueTime + elapsed)) },
              };
              break;
            }
            if (child.name === 'Gather') {
              for (const media of child.children) if (media.type === 'element') elapsed += playMedia(media);
              if (pressAt !== undefined && !pressed && queueTime + elapsed >= pressAt) {
                pressed = true;
                // provider: a key pressed during a wait URL's <Gather> requests its action with Digits; that document runs in the queue.
                next = {
                  url: resolve(waitUrl, child.attributes.action),
                  method: methodOf(child.attributes.method),
                  params: { ...waitParams(), QueueTime: String(Math.floor(queueTime + elapsed)), Digits: scripted.digit! },
                };
                break;
              }
              // provider: after its nested verbs a <Gather> waits `timeout` seconds (default 5) for a first key, then goes on to the
              // next verb (https://www.twilio.com/docs/voice/twiml/gather#timeout): silence the caller hears, on the queue clock.
              const timeoutSeconds = Number(child.attributes.timeout ?? 5);
              entries.push({ type: 'pause', seconds: timeoutSeconds });
              elapsed += timeoutSeconds;
              continue;
            }
            elapsed += playMedia(child);
          }
          queueTime += next?.params.Digits !== undefined ? elapsed : Math.max(1, elapsed);
          if (next) {
            waitUrl = next.url;
            waitMethod = next.method;
            params = { ...next.params, QueueTime: String(Math.floor(queueTime)) };
          } else params = waitParams();
          if (
            pressAt !== undefined &&
            !pressed &&
            queueTime >= waitLimit &&
            !root.children.some((child) => child.type === 'element' && child.name === 'Gather')
          ) {
            errors.push(
              `the caller pressed ${scripted.digit} to leave queue '${queue}', but the wait document holds no <Gather> to hear it`,
            );
            throw new CallError();
          }
        }
      } else queueTime = waitLimit;
      if (hungUpByFlow) {
        entries.push({ type: 'hangup', by: 'flow' });
        return { end: 'flow' };
      }
      const action = verb.attributes.action === undefined ? undefined : resolve(documentUrl, verb.attributes.action);
      const method = methodOf(verb.attributes.method);
      const params: Params = { ...baseParams('in-progress'), QueueSid: queueSid, QueueTime: String(Math.floor(queueTime)) };
      if (left) {
        entries.push({ type: 'enqueue', queue, result: scripted.result === 'timeout' ? 'timeout' : 'left' });
        return action ? { url: action, method, params: { ...params, QueueResult: 'leave' } } : undefined;
      }
      const result = scripted.result === 'timeout' ? 'hangup' : scripted.result;
      entries.push({ type: 'enqueue', queue, result });
      if (result === 'hangup') {
        if (action)
          await fetchDocument(action, method, { ...params, ...baseParams('completed'), QueueResult: 'hangup' }).catch(() => undefined);
        entries.push({ type: 'hangup', by: 'caller' });
        return { end: 'caller' };
      }
      const queueResult = result === 'bridged' ? 'bridged' : 'leave';
      return action ? { url: action, method, params: { ...params, QueueResult: queueResult } } : undefined;
    }

    async function runDocument(root: XmlElement, documentUrl: string): Promise<Next> {
      for (const verb of root.children) {
        if (verb.type !== 'element') continue;
        if (verb.name !== 'Reject') answered = true;
        let next: Next | undefined;
        switch (verb.name) {
          case 'Say':
          case 'Play':
          case 'Pause':
            playMedia(verb);
            continue;
          case 'Gather':
            next = await gather(verb, documentUrl);
            break;
          case 'Record':
            next = await record(verb, documentUrl);
            break;
          case 'Dial':
            next = await dial(verb, documentUrl);
            break;
          case 'Enqueue':
            next = await enqueue(verb, documentUrl);
            break;
          case 'Redirect':
            next = { url: resolve(documentUrl, textOf(verb)), method: methodOf(verb.attributes.method), params: baseParams('in-progress') };
            break;
          case 'Hangup':
            entries.push({ type: 'hangup', by: 'flow' });
            return { end: 'flow' };
          case 'Reject': {
            // provider: <Reject> declines the call without answering; reason "rejected" (default) or "busy" (https://www.twilio.com/docs/voice/twiml/reject).
            if (answered) {
              errors.push('<Reject> after the call was answered (Twilio answers a call at the first verb that is not <Reject>)');
              return { end: 'error' };
            }
            entries.push({ type: 'reject', reason: verb.attributes.reason === 'busy' ? 'busy' : 'rejected' });
            return { end: 'flow' };
          }
          case 'Leave':
            errors.push('<Leave> outside an Enqueue waitUrl document');
            return { end: 'error' };
        }
        if (next) return next;
      }
      // provider: when a document runs out of verbs, Twilio hangs up.
      entries.push({ type: 'hangup', by: 'flow' });
      return { end: 'flow' };
    }

    /** A status callback of the outbound call, when its event was asked for (`completed` always is). */
    async function outboundStatus(event: string, status: string, extra: Params = {}): Promise<void> {
      const url = outbound?.params.statusCallback;
      if (!url || (event !== 'completed' && !(outbound.params.statusCallbackEvent ?? []).includes(event))) return;
      webhooks++;
      try {
        const response = await send(url, methodOf(outbound.params.statusCallbackMethod), {
          ...baseParams(status),
          CallbackSource: 'call-progress-events',
          SequenceNumber: String(webhooks),
          ...extra,
        });
        if (response.status < 200 || response.status >= 300) errors.push(`HTTP ${response.status} from status callback ${url}`);
      } catch (error) {
        errors.push(`status callback failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }

    let endedBy: End;
    let first: Next = { url: options.voiceUrl, method: options.voiceMethod ?? 'POST', params: baseParams('ringing') };
    if (outbound) {
      const pickup = script.pickup ?? 'human';
      await outboundStatus('initiated', 'initiated');
      await outboundStatus('ringing', 'ringing');
      if (pickup === 'busy' || pickup === 'no-answer' || pickup === 'failed') {
        entries.push({ type: 'unanswered', status: pickup });
        await outboundStatus('completed', pickup, { CallDuration: '0' });
        return { provider: 'twilio', entries, endedBy: errors.length ? 'error' : 'caller', webhooks, errors };
      }
      entries.push({ type: 'answered', by: pickup });
      await outboundStatus('answered', 'in-progress');
      const params = baseParams('in-progress');
      if (outbound.params.machineDetection !== undefined) {
        // provider: with DetectMessageEnd the Url is requested once the greeting ends: machine_end_beep for a machine
        // (https://www.twilio.com/docs/voice/answering-machine-detection, "AnsweredBy"); with Enable, machine_start.
        params.AnsweredBy =
          pickup === 'human'
            ? 'human'
            : pickup === 'unknown'
              ? 'unknown'
              : outbound.params.machineDetection === 'DetectMessageEnd'
                ? 'machine_end_beep'
                : 'machine_start';
      }
      first = { url: outbound.params.url!, method: methodOf(outbound.params.method), params };
    }
    try {
      let next: Next = first;
      while (!('end' in next)) {
        const root = await fetchDocument(next.url, next.method, next.params);
        next = await runDocument(root, next.url);
      }
      endedBy = next.end;
    } catch (error) {
      if (!(error instanceof CallError)) errors.push(`emulator failure: ${error instanceof Error ? error.message : String(error)}`);
      endedBy = 'error';
    }
    if (outbound) await outboundStatus('completed', 'completed', { CallDuration: String(Math.round((Date.now() - startedAt) / 1000)) });
    else if (options.statusCallbackUrl) {
      const params = { ...baseParams('completed'), CallDuration: String(Math.round((Date.now() - startedAt) / 1000)) };
      try {
        webhooks++;
        const response = await send(options.statusCallbackUrl, 'POST', params);
        if (response.status < 200 || response.status >= 300)
          errors.push(`HTTP ${response.status} from status callback ${options.statusCallbackUrl}`);
      } catch (error) {
        errors.push(`status callback failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (errors.length && endedBy !== 'error') endedBy = 'error';
    return { provider: 'twilio', entries, endedBy, webhooks, errors };
  }

  return {
    call: (script) => call(script),
    client: { calls: { create } },
    scriptOutbound: (...scripts) => void outboundScripts.push(...scripts),
    get outboundCalls() {
      return outboundCalls;
    },
    get requests() {
      return requests;
    },
    get documents() {
      return documents;
    },
    async close() {
      requests = [];
      documents = [];
    },
  };
}
