import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultRingbackUrl } from '@callflow/core';
import {
  calleeKey,
  calleeOf,
  nextCallerAction,
  type CallScript,
  type CallTranscript,
  type TranscriptEntry,
  type TransferScript,
} from '../script.js';
import { validateNcco, type RawAction } from './validate-ncco.js';

/** Settings of the local Vonage emulator. */
export interface VonageEmulatorOptions {
  /** The application's answer_url (http://127.0.0.1:port/…). */
  answerUrl: string;
  /** The application's event_url: call status events (started, ringing, answered, completed). */
  eventUrl?: string;
  /** The signature secret every webhook JWT is signed with (HS256, with payload_hash). */
  signatureSecret: string;
  applicationId?: string;
  apiKey?: string;
  /** Method of the answer webhook; default GET, as Vonage's default. */
  answerMethod?: 'GET' | 'POST';
  /** The Vonage number callers dial; default `447700900000`. */
  vonageNumber?: string;
  /** Prefix of conversations that emulate a callflow queue (reported as `enqueue` in transcripts); default `callflow-queue-`. */
  queuePrefix?: string;
  /**
   * Called when the caller starts waiting (a conversation nobody has started, or an endless stream); the test
   * typically makes the app move the call here (REST transfer). The emulator follows a transfer made before it resolves.
   */
  onHold?: (hold: { callId: string; conversation?: string; queue?: string }) => void | Promise<void>;
  /** The clock for JWT `iat` and event timestamps, in ms; default `Date.now` (inject the app's clock when it is faked). */
  now?: () => number;
  /** Seconds the emulator assumes one play of a waiting room's music lasts, for the queue clock; default 30 (as the Twilio emulator's). */
  playSeconds?: number;
  /**
   * Called at a break of callflow's hold loop once a scripted queue result `bridged` is due (the agent frees up): the test
   * moves the caller here with a REST transfer (e.g. `handler.connectNextCaller(queue, { room: true })`), which the emulator follows.
   */
  onAgentFree?: (hold: { callId: string; queue: string }) => void | Promise<void>;
  /**
   * Advance `now()` (JWT `iat`, webhook timestamps) by the modelled length of what a held caller hears in callflow's hold
   * loop, so a handler given `now: emulator.now` sees the wait pass; default false (the clock is the real one, or `now`).
   */
  advanceClock?: boolean;
  /** How long a held caller waits for a REST transfer after `onHold` resolved, in ms; default 250. */
  holdTimeoutMs?: number;
  /**
   * Whether a leg moved by a REST transfer reports it (`type: "transfer"` on the event_url); default true. `false` is
   * that webhook lost, to test an application that must not rely on it.
   */
  transferEvents?: boolean;
  /**
   * Delay before Vonage's one retry of a webhook that failed with a connection error, a timeout, or HTTP 429/503/504,
   * in ms; default 200. `false` turns the retry off. (The fallback answer URL that Vonage tries next is not emulated.)
   */
  retryDelayMs?: number | false;
  /** Milliseconds to wait for the application's answer (Vonage's socket timeout, at most 5 s for NCCO webhooks); default 5,000. */
  timeoutMs?: number;
}

/** One webhook the emulator sent, for assertions on the protocol itself. */
export interface VonageEmulatorRequest {
  url: string;
  method: 'GET' | 'POST';
  body: unknown;
  status: number;
  response: string;
}

/** A running emulator. */
export interface VonageEmulator {
  /** Places one inbound call and runs it to the end, following every NCCO the application returns. */
  call(script?: CallScript): Promise<CallTranscript>;
  /** The emulator's clock in ms: `now` (or the real clock), advanced through hold loops when `advanceClock` is set. */
  readonly now: () => number;
  /** The fake Voice REST API's base URL (pass it as `apiHost` to the @vonage/server-sdk client). */
  readonly apiUrl: string;
  /** Every webhook of the last call, in order. */
  readonly requests: readonly VonageEmulatorRequest[];
  /** Every NCCO the last call ran (answer, replacements, transfers), in order. */
  readonly nccos: readonly unknown[];
  /** REST requests received (method, path, body). */
  readonly restRequests: ReadonlyArray<{ method: string; path: string; body: unknown; status: number }>;
  /** Webhook delivery counts over every call so far: attempts, retries, and deliveries that failed for good. */
  readonly deliveryStats: { attempts: number; retries: number; failed: number };
  /** Scripts for the next outbound calls (`POST /v1/calls`, the SDK's `voice.createOutboundCall`), in order; default a human who stays silent. */
  scriptOutbound(...scripts: CallScript[]): void;
  /** The outbound calls placed so far, with the request body (snake_case, as on the wire) and the transcript once each ends. */
  readonly outboundCalls: ReadonlyArray<{ uuid: string; body: Record<string, unknown>; transcript: Promise<CallTranscript> }>;
  close(): Promise<void>;
}

/** An outbound call as the REST API accepted it. */
interface OutboundRequest {
  uuid: string;
  body: Record<string, unknown>;
  answerUrl: string;
  answerMethod: 'GET' | 'POST';
  eventUrl?: string;
  eventMethod: 'GET' | 'POST';
  from: string;
  to: string;
}

type End = 'flow' | 'caller' | 'error';

class CallEnded extends Error {
  constructor(readonly by: End) {
    super(by);
  }
}

interface LiveCall {
  uuid: string;
  /** The conversation the leg is in: a REST transfer moves it into a new one (its transfer event names both). */
  conversationUuid: string;
  /** The conversation the last transfer moved the leg out of, for its transfer event. */
  movedFrom?: string;
  transfer?: RawAction[];
  hangup?: boolean;
  wake?: () => void;
}

const base64Url = (input: string | Buffer) => Buffer.from(input).toString('base64url');

type QueueScript = NonNullable<CallScript['queues']>[number];

/** The `n` (which break of the loop) of a hold-loop callback URL. */
function holdSegmentOf(action: RawAction): number | undefined {
  const url = (action.eventUrl as string[] | undefined)?.[0];
  const value = typeof url === 'string' ? new URL(url).searchParams.get('n') : null;
  return value === null ? undefined : Number(value);
}

/**
 * The queue of a break in callflow's hold loop: an input or notify whose callback URL carries `hold=<queue>` (the emulated
 * queue's marker, as `callflow-queue-` names its waiting rooms); undefined for any other action.
 */
function holdQueueOf(action: RawAction): string | undefined {
  if (action.action !== 'input' && action.action !== 'notify') return undefined;
  const url = (action.eventUrl as string[] | undefined)?.[0];
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).searchParams.get('hold') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * A local Vonage: fetches the answer URL, runs the NCCO as Vonage would (talk/stream/wait to the transcript, input
 * from the script, connect with a scripted outcome through its synchronous event, record, conversation, notify),
 * signs every webhook with a JWT (HS256 + payload_hash), and serves `PUT /v1/calls/:uuid` transfers on 127.0.0.1.
 * @example
 * const vonage = await createVonageEmulator({ answerUrl: `${baseUrl}/vonage/answer`, signatureSecret });
 * const transcript = await vonage.call({ input: ['1'] });
 */
export async function createVonageEmulator(options: VonageEmulatorOptions): Promise<VonageEmulator> {
  const vonageNumber = options.vonageNumber ?? '447700900000';
  const queuePrefix = options.queuePrefix ?? 'callflow-queue-';
  const applicationId = options.applicationId ?? '00000000-0000-4000-8000-000000000000';
  const live = new Map<string, LiveCall>();
  let requests: VonageEmulatorRequest[] = [];
  let nccos: unknown[] = [];
  const restRequests: Array<{ method: string; path: string; body: unknown; status: number }> = [];
  const deliveryStats = { attempts: 0, retries: 0, failed: 0 };
  let clockOffsetMs = 0;
  const now = () => (options.now ?? Date.now)() + clockOffsetMs;
  const playSeconds = options.playSeconds ?? 30;

  function jwt(payload: string): string {
    const claims = {
      iat: Math.floor(now() / 1000),
      jti: randomUUID(),
      iss: 'Vonage',
      payload_hash: createHash('sha256').update(payload).digest('hex'),
      api_key: options.apiKey ?? 'abcd1234',
      application_id: applicationId,
    };
    const unsigned = `${base64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64Url(JSON.stringify(claims))}`;
    return `${unsigned}.${createHmac('sha256', options.signatureSecret).update(unsigned).digest('base64url')}`;
  }

  async function send(
    url: string,
    method: 'GET' | 'POST',
    fields: Record<string, unknown>,
  ): Promise<{ status: number; text: string; type: string }> {
    let target = url;
    let body: string | undefined;
    let payload: string;
    if (method === 'GET') {
      const parsed = new URL(url);
      for (const [name, value] of Object.entries(fields)) if (value !== undefined) parsed.searchParams.append(name, String(value));
      target = parsed.toString();
      payload = JSON.stringify(Object.fromEntries(parsed.searchParams));
    } else {
      body = JSON.stringify(fields);
      payload = body;
    }
    // provider: Vonage retries once on a connection failure, a timeout, or 429/503/504; not on other statuses.
    let response: Response;
    for (let attempt = 0; ; attempt++) {
      deliveryStats.attempts++;
      if (attempt > 0) deliveryStats.retries++;
      const retry = attempt === 0 && options.retryDelayMs !== false;
      try {
        response = await fetch(target, {
          method,
          headers: {
            authorization: `Bearer ${jwt(payload)}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            'user-agent': 'Vonage (callflow emulator)',
          },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
        });
      } catch (error) {
        if (!retry) {
          deliveryStats.failed++;
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs || 200));
        continue;
      }
      if (retry && [429, 503, 504].includes(response.status)) {
        await response.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs || 200));
        continue;
      }
      if (response.status < 200 || response.status > 299) deliveryStats.failed++;
      break;
    }
    const text = await response.text();
    requests.push({ url: target, method, body: method === 'GET' ? fields : JSON.parse(body!), status: response.status, response: text });
    return { status: response.status, text, type: response.headers.get('content-type') ?? '' };
  }

  const server = createServer((request, response) => void serveRest(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function serveRest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (request.url ?? '/').split('?')[0]!;
    let body: unknown;
    const reply = (status: number, value?: unknown): void => {
      restRequests.push({ method: request.method ?? 'GET', path, body, status });
      response.statusCode = status;
      if (value === undefined) {
        response.end();
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(value));
    };
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return reply(400, { title: 'Bad Request', detail: 'body is not JSON' });
    }
    if (!/^Bearer\s+\S+\.\S+\.\S+$/.test(request.headers.authorization ?? ''))
      return reply(401, { title: 'Unauthorized', detail: 'Authorization: Bearer <application JWT> required' });
    if (path === '/v1/calls' && request.method === 'POST') return createCall(body as Record<string, unknown> | undefined, reply);
    const match = /^\/v1\/calls\/([^/]+)$/.exec(path);
    if (!match) return reply(404, { title: 'Not Found' });
    const call = live.get(decodeURIComponent(match[1]!));
    // provider: GET /v1/calls/{uuid} answers the call's details with its conversation_uuid (https://developer.vonage.com/en/api/voice#getCall;
    // @vonage/voice types/Responses/CallDetailResponse.d.mts); the leg's current conversation here, which a transfer changes.
    if (request.method === 'GET')
      return call
        ? reply(200, { uuid: call.uuid, status: 'answered', conversation_uuid: call.conversationUuid })
        : reply(404, { title: 'Not Found' });
    if (request.method !== 'PUT') return reply(405, { title: 'Method Not Allowed' });
    if (!call) return reply(404, { title: 'Not Found', detail: 'no such live call' });
    const action = (body as { action?: unknown } | undefined)?.action;
    if (action === 'hangup') {
      call.hangup = true;
      call.wake?.();
      return reply(204);
    }
    if (action !== 'transfer')
      return reply(400, { title: 'Bad Request', detail: `action '${String(action)}' is not emulated (transfer, hangup)` });
    const destination = (body as { destination?: { type?: unknown; ncco?: unknown; url?: unknown } }).destination;
    if (destination?.type !== 'ncco') return reply(400, { title: 'Bad Request', detail: "destination.type must be 'ncco'" });
    let ncco: unknown = destination.ncco;
    if (ncco === undefined && Array.isArray(destination.url) && typeof destination.url[0] === 'string') {
      const fetched = await send(destination.url[0], 'GET', { uuid: call.uuid });
      try {
        ncco = JSON.parse(fetched.text);
      } catch {
        return reply(400, { title: 'Bad Request', detail: 'the NCCO URL did not return JSON' });
      }
    }
    const problems = validateNcco(ncco);
    if (problems.length) return reply(400, { title: 'Bad Request', detail: 'invalid NCCO', invalid_parameters: problems });
    call.transfer = ncco as RawAction[];
    // provider: a transfer "moves an active leg into a new conversation context" (https://developer.vonage.com/en/voice/voice-api/concepts/in-app-calling/call-transfer).
    call.movedFrom = call.conversationUuid;
    call.conversationUuid = `CON-${randomUUID()}`;
    call.wake?.();
    return reply(204);
  }

  const outboundScripts: CallScript[] = [];
  const outboundCalls: Array<{ uuid: string; body: Record<string, unknown>; transcript: Promise<CallTranscript> }> = [];

  /** `POST /v1/calls`: checks the request as the Voice API would, answers 201, and plays the call in the background. */
  function createCall(body: Record<string, unknown> | undefined, reply: (status: number, value?: unknown) => void) {
    const bad = (detail: string) =>
      reply(400, { title: 'Bad Request', detail, type: 'https://developer.vonage.com/api-errors#bad-request' });
    if (!body) return bad('body required');
    // provider: Voice API reference, "Create an outbound call": `to` (endpoints), `from` (phone) unless random_from_number, answer_url or ncco.
    const toEndpoint = Array.isArray(body.to) ? (body.to[0] as Record<string, unknown> | undefined) : undefined;
    const to = toEndpoint?.type === 'phone' ? toEndpoint.number : toEndpoint?.type === 'sip' ? toEndpoint.uri : undefined;
    if (typeof to !== 'string' || to === '') return bad('to must hold a phone or sip endpoint');
    const fromEndpoint = body.from as Record<string, unknown> | undefined;
    if (body.random_from_number !== true && (fromEndpoint?.type !== 'phone' || typeof fromEndpoint.number !== 'string'))
      return bad('from must be a phone endpoint');
    const answerUrl = Array.isArray(body.answer_url) ? body.answer_url[0] : undefined;
    if (typeof answerUrl !== 'string') return bad('answer_url is required (an NCCO in the request is not emulated)');
    const detection = body.advanced_machine_detection as Record<string, unknown> | undefined;
    if (detection !== undefined) {
      // provider: @vonage/voice enums AdvancedMachineDetectionMode (default, detect, detect_beep), MachineDetctionBehavior (continue, hangup).
      if (
        !['default', 'detect', 'detect_beep'].includes(String(detection.mode)) ||
        !['continue', 'hangup'].includes(String(detection.behavior))
      )
        return bad('advanced_machine_detection needs behavior and mode');
      if (
        detection.beep_timeout !== undefined &&
        (typeof detection.beep_timeout !== 'number' || detection.beep_timeout < 45 || detection.beep_timeout > 120)
      )
        return bad('beep_timeout must be 45-120');
    }
    const uuid = randomUUID();
    const method = (value: unknown, fallback: 'GET' | 'POST'): 'GET' | 'POST' => (value === 'GET' || value === 'POST' ? value : fallback);
    const outbound: OutboundRequest = {
      uuid,
      body,
      answerUrl,
      answerMethod: method(body.answer_method, 'GET'),
      eventUrl: Array.isArray(body.event_url) && typeof body.event_url[0] === 'string' ? body.event_url[0] : options.eventUrl,
      eventMethod: method(body.event_method, 'POST'),
      from: typeof fromEndpoint?.number === 'string' ? fromEndpoint.number : vonageNumber,
      to,
    };
    const script = outboundScripts.shift() ?? {};
    const transcript = new Promise<void>((resolve) => setImmediate(resolve)).then(() => call(script, outbound));
    outboundCalls.push({ uuid, body, transcript });
    reply(201, { uuid, status: 'started', direction: 'outbound', conversation_uuid: `CON-${randomUUID()}` });
  }

  async function call(script: CallScript = {}, outbound?: OutboundRequest): Promise<CallTranscript> {
    requests = [];
    nccos = [];
    const uuid = outbound?.uuid ?? randomUUID();
    const conversationUuid = `CON-${randomUUID()}`;
    const from = outbound?.from ?? (script.from ?? '+447700900001').replace(/^\+/, '');
    const to = outbound?.to ?? (script.to ?? vonageNumber).replace(/^\+/, '');
    const eventUrl = outbound ? outbound.eventUrl : options.eventUrl;
    const entries: TranscriptEntry[] = [];
    const errors: string[] = [];
    const maxWebhooks = script.maxWebhooks ?? 200;
    const cursor = { input: 0, transfer: 0, recording: 0, queue: 0, conference: 0 };
    const asyncRecordings: string[] = [];
    let webhooks = 0;
    const state: LiveCall = { uuid, conversationUuid };
    live.set(uuid, state);
    const common = () => ({ uuid, conversation_uuid: conversationUuid, from, to, timestamp: new Date(now()).toISOString() });
    /** The hold loop the caller is in (callflow's emulated queue with timed breaks), and its modelled clock. */
    let holding: { queue: string; scripted: QueueScript; seconds: number; pressed: boolean } | undefined;
    /** A queue whose caller the app moved at a hold break: the waiting room it moves them into has the agent at once. */
    let bridging: string | undefined;

    /** Time passing for a held caller: the queue's clock, and the emulator's when `advanceClock` is set. */
    function elapse(seconds: number): void {
      if (!holding) return;
      holding.seconds += seconds;
      if (options.advanceClock) clockOffsetMs += Math.round(seconds * 1000);
    }

    /** Starts or ends the hold loop as a new NCCO begins: it is one while it holds a break of callflow's hold loop. */
    function entered(ncco: RawAction[], byTransfer: boolean): void {
      if (!byTransfer) bridging = undefined;
      const queue = ncco.map(holdQueueOf).find((name) => name !== undefined);
      if (holding && (byTransfer || queue !== holding.queue)) {
        // Moved by REST while waiting: an agent took the call, as for a conversation hold; else the app ended the wait.
        const result = byTransfer ? 'bridged' : holding.pressed ? 'left' : 'timeout';
        entries.push({ type: 'enqueue', queue: holding.queue, result });
        if (byTransfer) bridging = holding.queue;
        holding = undefined;
      }
      if (queue !== undefined && !holding) {
        holding = { queue, scripted: script.queues?.[cursor.queue] ?? { result: 'hangup' }, seconds: 0, pressed: false };
        cursor.queue++;
      }
    }

    async function webhook(url: string, method: 'GET' | 'POST', fields: Record<string, unknown>) {
      if (++webhooks > maxWebhooks) {
        errors.push(`more than ${maxWebhooks} webhooks: stopped (loop?)`);
        throw new CallEnded('error');
      }
      let result: { status: number; text: string; type: string };
      try {
        result = await send(url, method, fields);
      } catch (error) {
        errors.push(`${method} ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
        throw new CallEnded('error');
      }
      if (result.status < 200 || result.status > 299) {
        errors.push(`${method} ${new URL(url).pathname} answered HTTP ${result.status}: ${result.text.slice(0, 200)}`);
        throw new CallEnded('error');
      }
      return result;
    }

    /** Reads an NCCO reply: undefined when empty (the current NCCO goes on), or the validated replacement. */
    function readNcco(result: { status: number; text: string; type: string }, where: string): RawAction[] | undefined {
      if (result.status === 204 || result.text.trim() === '') return undefined;
      if (!result.type.includes('application/json')) {
        errors.push(`${where}: NCCO served as '${result.type}', not application/json`);
        throw new CallEnded('error');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(result.text);
      } catch {
        errors.push(`${where}: reply is not JSON`);
        throw new CallEnded('error');
      }
      const problems = validateNcco(parsed);
      if (problems.length) {
        errors.push(...problems.map((problem) => `${where}: ${problem}`));
        throw new CallEnded('error');
      }
      nccos.push(parsed);
      return parsed as RawAction[];
    }

    async function event(status: string, extra: Record<string, unknown> = {}) {
      if (!eventUrl) return;
      await webhook(eventUrl, outbound?.eventMethod ?? 'POST', {
        ...common(),
        status,
        direction: outbound ? 'outbound' : 'inbound',
        ...extra,
      });
    }

    /** Waits for a REST transfer or hangup while the caller holds; true when one arrived. */
    async function hold(conversation: string | undefined, queue: string | undefined): Promise<boolean> {
      if (state.transfer || state.hangup) return true;
      if (!options.onHold) return false;
      await options.onHold({ callId: uuid, conversation, queue });
      if (state.transfer || state.hangup) return true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.holdTimeoutMs ?? 250);
        state.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      state.wake = undefined;
      return Boolean(state.transfer || state.hangup);
    }

    function say(text: string) {
      const breakOnly = /^<speak>\s*<break time="(\d+)ms"\/>\s*<\/speak>$/.exec(text.trim());
      if (breakOnly) {
        entries.push({ type: 'pause', seconds: Number(breakOnly[1]) / 1000 });
        elapse(Number(breakOnly[1]) / 1000);
        return;
      }
      const words = text.replace(/<[^>]*>/g, '').trim();
      entries.push({ type: 'say', text: words });
      // The queue clock the Twilio emulator keeps too: a spoken text lasts one second per 2.5 words, at least one.
      elapse(Math.max(1, words.split(/\s+/).length / 2.5));
    }

    /**
     * A break of callflow's hold loop (the input or notify after one play of the hold music): what the scripted queue does
     * once its wait is over, at the first break after it, as the Twilio emulator's wait URL: an agent frees up (the test moves
     * the caller in `onAgentFree`), the caller hangs up (also when a scripted timeout never came), or presses the escape key,
     * which only an input hears. Before that the break's webhook goes out: an input times out after its `dtmf.timeOut`.
     */
    async function holdBreak(action: RawAction): Promise<RawAction[] | undefined | 'moved'> {
      const session = holding!;
      const { scripted } = session;
      const limit = scripted.waitSeconds ?? (scripted.result === 'timeout' ? 3600 : 60);
      const url = (action.eventUrl as string[])[0]!;
      const method = (action.eventMethod as 'GET' | 'POST' | undefined) ?? 'POST';
      // callflow's first break after the turn's other media: the caller reaches the queue here, so its clock starts here.
      if (holdSegmentOf(action) === 0) session.seconds = 0;
      // A due key is pressed as the play ends (the input hears it at once); otherwise the input listens its dtmf.timeOut, silence
      // the caller hears and the queue clock counts (as the Twilio emulator counts its wait document's <Gather timeout>).
      const pressing = scripted.result === 'left' && session.seconds >= limit && !session.pressed;
      if (action.action === 'input' && !pressing) {
        // provider: with no key the input reports timed_out after dtmf.timeOut seconds (default 3; ncco-reference#input).
        const timeOutSeconds = Number((action.dtmf as { timeOut?: number } | undefined)?.timeOut ?? 3);
        entries.push({ type: 'pause', seconds: timeOutSeconds });
        elapse(timeOutSeconds);
      }
      const due = session.seconds >= limit && !session.pressed;
      if (due && scripted.result === 'bridged') {
        const agentFree = options.onAgentFree;
        if (agentFree) await agentFree({ callId: uuid, queue: session.queue });
        if (state.transfer || state.hangup || (await hold(undefined, session.queue))) return 'moved';
        errors.push(
          `queue '${session.queue}': scripted 'bridged' needs the app to move the caller (onAgentFree → connectNextCaller), and nothing did`,
        );
        throw new CallEnded('error');
      }
      if (due && (scripted.result === 'hangup' || scripted.result === 'timeout')) {
        entries.push({ type: 'enqueue', queue: session.queue, result: 'hangup' }, { type: 'hangup', by: 'caller' });
        holding = undefined;
        throw new CallEnded('caller');
      }
      if (action.action === 'notify') {
        if (due && scripted.result === 'left') {
          errors.push(
            `the caller pressed ${scripted.digit ?? 'a key'} to leave queue '${session.queue}', but the hold NCCO holds no input to hear it`,
          );
          throw new CallEnded('error');
        }
        // provider: notify posts its payload; a reply NCCO replaces the current one, an empty one lets it go on (ncco-reference#notify).
        return readNcco(await webhook(url, method, action.payload as Record<string, unknown>), 'hold notify reply');
      }
      let result: Record<string, unknown>;
      if (pressing) {
        // provider: a key ends a bargeIn stream and the input that follows gets it (ncco-reference#stream, #input); maxDigits 1 submits at once.
        // The key is reported by the queue's result (left), as the Twilio and Telnyx emulators report it.
        session.pressed = true;
        result = { dtmf: { digits: scripted.digit ?? '', timed_out: false } };
      } else result = { dtmf: { digits: '', timed_out: true } };
      // provider: the input's result goes to its eventUrl, whose reply NCCO replaces the current one (ncco-reference#input).
      return readNcco(await webhook(url, method, { ...common(), ...result }), 'hold input reply');
    }

    async function input(action: RawAction): Promise<RawAction[] | undefined> {
      const types = action.type as string[];
      const dtmf = (action.dtmf ?? {}) as { maxDigits?: number; submitOnHash?: boolean };
      const scripted = await nextCallerAction(script, cursor.input, entries);
      cursor.input++;
      const result: Record<string, unknown> = {};
      const timedOut = () => {
        if (types.includes('dtmf')) result.dtmf = { digits: '', timed_out: true };
        if (types.includes('speech')) result.speech = { results: [], timeout_reason: 'start_timeout' };
        entries.push({ type: 'input', timeout: true });
      };
      if (typeof scripted === 'string') {
        if (types.includes('dtmf')) {
          const maxDigits = dtmf.maxDigits ?? 4;
          let digits = '';
          let submitted = false;
          for (const key of scripted) {
            if (key === '#' && dtmf.submitOnHash) {
              submitted = true;
              break;
            }
            digits += key;
            if (digits.length >= maxDigits) {
              submitted = true;
              break;
            }
          }
          entries.push({ type: 'input', digits: scripted });
          result.dtmf = { digits, timed_out: !submitted };
        } else timedOut();
      } else if ('speech' in scripted) {
        if (types.includes('speech')) {
          entries.push({ type: 'input', speech: scripted.speech });
          result.speech = {
            results: [{ text: scripted.speech, confidence: String(scripted.confidence ?? 0.92) }],
            timeout_reason: 'end_on_silence_timeout',
          };
        } else timedOut();
      } else if ('hangup' in scripted) {
        entries.push({ type: 'hangup', by: 'caller' });
        throw new CallEnded('caller');
      } else timedOut();
      const url = (action.eventUrl as string[])[0]!;
      return readNcco(
        await webhook(url, (action.eventMethod as 'GET' | 'POST' | undefined) ?? 'POST', { ...common(), ...result }),
        'input reply',
      );
    }

    async function connect(action: RawAction): Promise<RawAction[] | undefined> {
      const endpoint = (action.endpoint as Array<Record<string, string>>)[0]!;
      const target = endpoint.type === 'phone' ? `+${endpoint.number}` : (endpoint.uri ?? endpoint.user ?? endpoint.extension ?? '');
      const scripted = script.transfers?.[cursor.transfer] ?? 'completed';
      cursor.transfer++;
      const status = typeof scripted === 'string' ? scripted : scripted.status;
      const durationSeconds = typeof scripted === 'string' ? 30 : (scripted.durationSeconds ?? 30);
      const entry: Extract<TranscriptEntry, { type: 'transfer' }> = { type: 'transfer', to: target, status };
      // provider: a phone endpoint's dtmfAnswer is sent as the call is answered, 'p' a 500 ms pause (NCCO reference, connect → phone endpoint).
      if (status === 'completed' && endpoint.type === 'phone' && endpoint.dtmfAnswer)
        entry.sentDigits = endpoint.dtmfAnswer.replace(/p/g, 'w');
      const onAnswer = endpoint.type === 'phone' ? (endpoint as unknown as { onAnswer?: Record<string, string> }).onAnswer : undefined;
      // provider: connect's ringbackTone is "played back on repeat to the caller, so they don't hear silence" until the call
      // connects; a phone endpoint's carrier supplies its own ringback (NCCO reference, connect options), and a SIP one's
      // 180 Ringing plays the ringing tone (https://api.support.vonage.com/hc/en-us/articles/26852571154972-Ringback-Tone-RBT).
      const ringing =
        endpoint.type === 'phone' || endpoint.type === 'sip'
          ? (action.ringbackTone as string | undefined)
          : ((action.ringbackTone as string | undefined) ?? 'silence');
      // provider: once a phone endpoint answers, its onAnswer NCCO runs on the called party before the join; meanwhile the
      // caller hears onAnswer.ringbackTone (or the older key ringback) on repeat, "so they do not hear just silence"
      // (NCCO reference, connect → phone endpoint onAnswer).
      const screening = onAnswer?.url && status === 'completed' ? (onAnswer.ringbackTone ?? onAnswer.ringback ?? 'silence') : undefined;
      const heard = [ringing, screening].find((what) => what !== undefined && what !== defaultRingbackUrl);
      if (heard !== undefined) entry.callerHeardWhileRinging = heard;
      entries.push(entry);
      const url = (action.eventUrl as string[] | undefined)?.[0] ?? options.eventUrl;
      const method = (action.eventMethod as 'GET' | 'POST' | undefined) ?? 'POST';
      const legUuid = randomUUID();
      const legEvent = (legStatus: string, extra: Record<string, unknown> = {}) =>
        url
          ? webhook(url, method, {
              uuid: legUuid,
              conversation_uuid: conversationUuid,
              from: action.from ?? to,
              to: endpoint.number ?? target,
              direction: 'outbound',
              status: legStatus,
              timestamp: new Date(now()).toISOString(),
              ...extra,
            })
          : undefined;
      await legEvent('started');
      await legEvent('ringing');
      if (status === 'completed') {
        await legEvent('answered');
        const joined = onAnswer?.url
          ? await calleeLeg(onAnswer.url, legUuid, endpoint.number ?? target, action.from as string | undefined, scripted, entry)
          : true;
        // In neutral words a called party who answered but was never joined did not answer.
        if (!joined) entry.status = 'no-answer';
        await legEvent('completed', { duration: String(joined ? durationSeconds : 0) });
        return undefined;
      }
      // provider: the failure event's status and detail (webhook reference "Event webhook"; a failed leg's
      // detail as captured in Vonage/vonage-php-sdk-core test/Voice/requests/event-post-failed.txt).
      const failure = {
        busy: ['busy', undefined],
        'no-answer': ['timeout', undefined],
        failed: ['failed', 'cannot_route'],
        canceled: ['cancelled', undefined],
      }[status] as [string, string | undefined];
      const failureStatus = typeof scripted === 'string' ? failure[0] : (scripted.vonageStatus ?? failure[0]);
      const result = await legEvent(failureStatus, failure[1] && failureStatus === failure[0] ? { detail: failure[1] } : {});
      // provider: only a synchronous connect lets the failure event's reply replace the NCCO.
      if (!result || action.eventType !== 'synchronous') return undefined;
      return readNcco(result, 'connect event reply');
    }

    /**
     * The called party's leg of a connect with `onAnswer`: Vonage fetches that NCCO for the called party once it answers
     * and joins it to the caller when the NCCO ends (NCCO reference, connect → phone endpoint `onAnswer`). No NCCO action
     * ends a leg; the application hangs a declining called party up over REST, which this leg serves. True when joined.
     */
    async function calleeLeg(
      url: string,
      legUuid: string,
      number: string,
      callerId: string | undefined,
      scripted: TransferScript,
      entry: Extract<TranscriptEntry, { type: 'transfer' }>,
    ): Promise<boolean> {
      const leg: LiveCall = { uuid: legUuid, conversationUuid };
      live.set(legUuid, leg);
      const heard: string[] = [];
      entry.calleeHeard = heard;
      const behaviour = calleeOf(scripted);
      const acceptKey = typeof scripted === 'string' ? '1' : (scripted.acceptKey ?? '1');
      const fields = {
        uuid: legUuid,
        conversation_uuid: conversationUuid,
        from: callerId ?? to,
        to: number,
        direction: 'outbound',
        timestamp: new Date(now()).toISOString(),
      };
      try {
        // provider: the onAnswer URL is fetched like an answer_url (GET with the leg's fields; the method is not documented).
        let ncco = readNcco(await webhook(url, 'GET', fields), 'onAnswer NCCO') ?? [];
        for (let index = 0; index < ncco.length && !leg.hangup; index++) {
          const current = ncco[index]!;
          if (current.action === 'talk')
            heard.push(
              String(current.text)
                .replace(/<[^>]*>/g, '')
                .trim(),
            );
          else if (current.action === 'stream') heard.push(String((current.streamUrl as string[])[0]));
          else if (current.action === 'input') {
            const pressed = calleeKey(behaviour, acceptKey);
            entry.calleePressed = pressed ?? '';
            const dtmf = pressed === undefined ? { digits: '', timed_out: true } : { digits: pressed, timed_out: false };
            const reply = readNcco(
              await webhook((current.eventUrl as string[])[0]!, (current.eventMethod as 'GET' | 'POST' | undefined) ?? 'POST', {
                ...fields,
                dtmf,
              }),
              'callee input reply',
            );
            if (reply) {
              ncco = reply;
              index = -1;
            }
          } else if (current.action !== 'wait') {
            errors.push(`onAnswer NCCO: '${current.action}' on the called party's leg is not emulated`);
            throw new CallEnded('error');
          }
        }
        return !leg.hangup;
      } finally {
        live.delete(legUuid);
      }
    }

    async function record(action: RawAction): Promise<void> {
      const recordingUrl = `${apiUrl}/v1/files/${randomUUID()}`;
      const url = (action.eventUrl as string[] | undefined)?.[0] ?? options.eventUrl;
      const method = (action.eventMethod as 'GET' | 'POST' | undefined) ?? 'POST';
      if (action.endOnSilence === undefined && action.timeOut === undefined && action.endOnKey === undefined) {
        // provider: without a stop condition record runs in the background until the call ends.
        if (url) asyncRecordings.push(url);
        return;
      }
      const scripted = script.recordings?.[cursor.recording] ?? { durationSeconds: 5 };
      cursor.recording++;
      const durationSeconds =
        'hangup' in scripted ? (scripted.durationSeconds ?? 5) : Math.min(scripted.durationSeconds, Number(action.timeOut ?? 7200));
      entries.push({ type: 'record', durationSeconds, url: recordingUrl });
      const start = new Date(now() - durationSeconds * 1000);
      if (url) {
        await webhook(url, method, {
          start_time: start.toISOString(),
          recording_url: recordingUrl,
          size: durationSeconds * 16000,
          recording_uuid: randomUUID(),
          end_time: new Date(now()).toISOString(),
          conversation_uuid: conversationUuid,
          timestamp: new Date(now()).toISOString(),
        });
      }
      if ('hangup' in scripted) {
        entries.push({ type: 'hangup', by: 'caller' });
        throw new CallEnded('caller');
      }
    }

    async function conversation(action: RawAction): Promise<RawAction[] | undefined> {
      const name = action.name as string;
      const waiting = action.startOnEnter === false;
      if (waiting && name.startsWith(queuePrefix)) {
        const queue = name.slice(queuePrefix.length).replace(new RegExp(`\\.${uuid}$`), '');
        if (bridging === queue) {
          // The app moved the caller from the hold loop into their room for an agent it brought there: the agent is in the
          // room already, talks and leaves (endOnExit), so the NCCO goes on.
          bridging = undefined;
          return undefined;
        }
        const scripted = script.queues?.[cursor.queue] ?? { result: 'hangup' as const };
        cursor.queue++;
        if (await hold(name, queue)) {
          entries.push({ type: 'enqueue', queue, result: scripted.result === 'hangup' ? 'bridged' : scripted.result });
          return undefined;
        }
        // provider: musicOnHoldUrl plays, looped, while the conversation has not started (ncco-reference#conversation); one
        // entry per play of it until the scripted wait is over, counted as the Twilio emulator counts its wait URL's plays.
        const music = (action.musicOnHoldUrl as string[] | undefined)?.[0];
        if (music !== undefined)
          for (let play = 0; play < Math.max(1, Math.ceil((scripted.waitSeconds ?? 30) / (options.playSeconds ?? 30))); play++)
            entries.push({ type: 'play', url: music });
        if (scripted.result === 'hangup') {
          entries.push({ type: 'enqueue', queue, result: 'hangup' }, { type: 'hangup', by: 'caller' });
          throw new CallEnded('caller');
        }
        if (scripted.result === 'bridged') {
          // An agent joins with startOnEnter true and endOnExit true, talks, and leaves: the room ends, the NCCO goes on.
          entries.push({ type: 'enqueue', queue, result: 'bridged' });
          return undefined;
        }
        errors.push(
          `queue '${queue}': scripted '${scripted.result}' needs the app to move the caller (Vonage has no queue timeout or leave key), and nothing did`,
        );
        throw new CallEnded('error');
      }
      entries.push({ type: 'conference', room: name });
      if (waiting && (await hold(name, undefined))) return undefined;
      const scripted = script.conferences?.[cursor.conference] ?? { status: 'ended' as const };
      cursor.conference++;
      if ('hangup' in scripted) {
        entries.push({ type: 'hangup', by: 'caller' });
        throw new CallEnded('caller');
      }
      return undefined;
    }

    async function run(first: RawAction[]): Promise<End> {
      let actions = [...first];
      entered(actions, false);
      for (;;) {
        if (state.hangup) {
          entries.push({ type: 'hangup', by: 'flow' });
          return 'flow';
        }
        if (state.transfer) {
          actions = [...state.transfer];
          state.transfer = undefined;
          nccos.push(actions.slice());
          entered(actions, true);
          // provider: a leg moved by the transfer action reports it on the event_url with `type: "transfer"` and no status
          // (webhook reference "Event webhook: transfer"; captured in Vonage/vonage-php-sdk-core test/Voice/requests/event-post-transfer.txt).
          if (eventUrl && options.transferEvents !== false)
            await webhook(eventUrl, 'POST', {
              conversation_uuid_from: state.movedFrom ?? conversationUuid,
              type: 'transfer',
              uuid,
              conversation_uuid_to: state.conversationUuid,
              timestamp: new Date(now()).toISOString(),
            });
          continue;
        }
        const action = actions.shift();
        if (!action) {
          // provider: Vonage has no hangup action; the call ends when the NCCO runs out.
          entries.push({ type: 'hangup', by: 'flow' });
          return 'flow';
        }
        let replacement: RawAction[] | undefined;
        switch (action.action) {
          case 'talk':
            for (let loop = 0; loop < Math.max(1, Number(action.loop ?? 1)); loop++) say(action.text as string);
            break;
          case 'stream': {
            const url = (action.streamUrl as string[])[0]!;
            // provider: stream `loop` is how many times the audio plays, 0 for ever (ncco-reference#stream); as talk's loop above.
            for (let loop = 0; loop < Math.max(1, Number(action.loop ?? 1)); loop++) {
              entries.push({ type: 'play', url });
              elapse(playSeconds);
            }
            if (action.loop === 0 && action.bargeIn !== true && !(await hold(undefined, undefined))) {
              entries.push({ type: 'hangup', by: 'caller' });
              return 'caller';
            }
            break;
          }
          case 'wait':
            entries.push({ type: 'pause', seconds: Number(action.timeout ?? 10) });
            elapse(Number(action.timeout ?? 10));
            break;
          case 'input':
            if (holding && holdQueueOf(action) === holding.queue) {
              const next = await holdBreak(action);
              if (next === 'moved') continue;
              replacement = next;
            } else replacement = await input(action);
            break;
          case 'connect':
            replacement = await connect(action);
            break;
          case 'record':
            await record(action);
            break;
          case 'conversation':
            replacement = await conversation(action);
            break;
          case 'notify': {
            if (holding && holdQueueOf(action) === holding.queue) {
              const next = await holdBreak(action);
              if (next === 'moved') continue;
              replacement = next;
              break;
            }
            const url = (action.eventUrl as string[])[0]!;
            replacement = readNcco(
              await webhook(url, (action.eventMethod as 'GET' | 'POST' | undefined) ?? 'POST', action.payload as Record<string, unknown>),
              'notify reply',
            );
            break;
          }
        }
        if (replacement) {
          actions = [...replacement];
          entered(actions, false);
        }
      }
    }

    let endedBy: End;
    try {
      const pickup = script.pickup ?? 'human';
      if (outbound) {
        await event('started');
        await event('ringing');
        if (pickup === 'busy' || pickup === 'no-answer' || pickup === 'failed') {
          // provider: the final status of a call nobody answered (webhook reference, "Event webhook"): busy, timeout (rang out), failed.
          entries.push({ type: 'unanswered', status: pickup });
          await event(pickup === 'no-answer' ? 'timeout' : pickup);
          return { provider: 'vonage', entries, endedBy: errors.length ? 'error' : 'caller', webhooks, errors };
        }
        entries.push({ type: 'answered', by: pickup });
      }
      const answer = await webhook(outbound?.answerUrl ?? options.answerUrl, outbound?.answerMethod ?? options.answerMethod ?? 'GET', {
        to,
        from,
        uuid,
        conversation_uuid: conversationUuid,
        region_url: 'https://api-eu-1.vonage.com',
        endpoint_type: 'phone',
      });
      const ncco = readNcco(answer, 'answer');
      if (!outbound) {
        await event('started');
        await event('ringing');
      }
      await event('answered');
      const detection = outbound?.body.advanced_machine_detection as { mode?: string } | undefined;
      if (detection && pickup !== 'unknown') {
        // provider: `human` or `machine` once detected; with detect_beep a second `machine` event with sub_state beep_start
        // (developer.vonage.com voice-api concepts advanced-machine-detection). Vonage documents no "unknown" result:
        // for an unclassified party the emulator sends nothing and the human route runs on.
        await event(pickup);
        if (pickup === 'machine' && detection.mode === 'detect_beep') await event('machine', { sub_state: 'beep_start' });
      }
      if (!ncco) {
        errors.push('answer: empty reply; Vonage needs an NCCO to answer the call');
        throw new CallEnded('error');
      }
      endedBy = await run(ncco);
    } catch (error) {
      if (!(error instanceof CallEnded)) throw error;
      endedBy = error.by;
    } finally {
      live.delete(uuid);
    }
    for (const url of asyncRecordings) {
      await send(url, 'POST', {
        recording_url: `${apiUrl}/v1/files/${randomUUID()}`,
        recording_uuid: randomUUID(),
        conversation_uuid: conversationUuid,
        timestamp: new Date(now()).toISOString(),
      }).catch(() => undefined);
    }
    if (endedBy !== 'error') await event('completed', { duration: outbound ? '30' : '60' }).catch(() => undefined);
    return { provider: 'vonage', entries, endedBy, webhooks, errors };
  }

  return {
    call: (script) => call(script),
    now,
    apiUrl,
    get requests() {
      return requests;
    },
    get nccos() {
      return nccos;
    },
    restRequests,
    deliveryStats,
    scriptOutbound: (...scripts) => void outboundScripts.push(...scripts),
    outboundCalls,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
