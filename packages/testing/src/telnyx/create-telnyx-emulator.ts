import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DialStatus, defaultRingbackUrl } from '@callflow/core';
import {
  calleeKey,
  calleeOf,
  nextCallerAction,
  type CallerAction,
  type CallScript,
  type CallTranscript,
  type TranscriptEntry,
  type TransferScript,
} from '../script.js';
import { createTelnyxWebhookSigner, type TelnyxWebhookSigner } from './sign-telnyx-webhook.js';

/** How the emulator delivers events, to test at-least-once, unordered delivery. */
export interface TelnyxDeliveryOptions {
  /** Deliver every event twice at the same time, with the same `data.id` (a retried delivery). */
  duplicate?: boolean;
  /** After each event that moves the call on, deliver the previous such event again under a new id (a late, stale event). */
  replayStale?: boolean;
  /**
   * Delays before each redelivery of an event that failed (connection error, timeout, 429 or 5xx), as Telnyx redelivers
   * (a per-call `webhook_retries_policies` allows at most 5 retries within 60 s); default [100, 500, 2000, 5000, 10000].
   * `[]` turns retries off.
   */
  retryDelaysMs?: readonly number[];
  /** Milliseconds to wait for the application's answer before the attempt counts as failed; default 10,000. */
  timeoutMs?: number;
}

/** Counts of webhook deliveries, retries included. */
export interface WebhookDeliveryStats {
  /** HTTP attempts made. */
  attempts: number;
  /** Attempts that were redeliveries of a failed one. */
  retries: number;
  /** Deliveries that failed on every attempt. */
  failed: number;
}

/** Settings of the Telnyx emulator. */
export interface TelnyxEmulatorOptions {
  /** The application's webhook URL (Call Control application → webhook_event_url). */
  webhookUrl: string;
  /** Base64 PKCS#8 Ed25519 private key to sign with; default a fresh key pair (read `publicKey`). */
  privateKey?: string;
  deliveries?: TelnyxDeliveryOptions;
  /** Real milliseconds per emulated second of talk or waiting (queues, conferences, transfers); default 0. */
  msPerSecond?: number;
  /** Milliseconds to wait for the application's next command before declaring the call stalled; default 2000. */
  idleMs?: number;
  /** Seconds the emulator assumes one play of a queue's hold music lasts, for the queue clock; default 30 (as the Twilio emulator's). */
  playSeconds?: number;
  /** `connection_id` reported in events. */
  connectionId?: string;
  /** The clock for event timestamps and signatures, in ms; default `Date.now` (inject the app's clock when it is faked). */
  now?: () => number;
}

/** Per-call settings beyond the shared script. */
export interface TelnyxCallOptions {
  /** End each recording with the caller pressing `#` (callflow must answer with record_stop) instead of silence. */
  recordingsEndWithKey?: boolean;
  /**
   * The `reason` of the `call.dequeued` a scripted `bridged` queue sends: `bridged` (default) or `bridging-in-process`, both
   * documented (telnyx SDK resources/webhooks.d.ts `CallLeftQueue.Payload.reason`); which one a bridge from a queue gives is not.
   */
  bridgedDequeueReason?: 'bridged' | 'bridging-in-process';
}

/** One request the application made to the fake Call Control API. */
export interface TelnyxApiRequest {
  /** The leg (or conference id for conference actions). */
  target?: string;
  /** `speak`, `answer`, … or `conferences.create`, `conferences.join`. */
  action: string;
  body: Record<string, unknown>;
  /** HTTP status the emulator answered. */
  status: number;
  /** True when the `command_id` had been seen on this leg: accepted and ignored, as Telnyx does. */
  duplicate?: boolean;
}

/** A conference as the emulator holds it. */
export interface EmulatedConference {
  id: string;
  name: string;
  /** Legs in the room now. */
  participants: string[];
  /** Every leg that ever joined, in order. */
  joined: string[];
  started: boolean;
  ended: boolean;
  beep?: string;
  holdAudioUrl?: string;
  /** Legs that heard the hold audio while waiting for the conference to start. */
  heardHoldAudio: string[];
  /** Legs muted now (joined with `mute`, or by the mute action). */
  muted: string[];
}

/** A local fake of Telnyx Call Control that plays scripted calls against an application over real HTTP. */
export interface TelnyxEmulator {
  /** Places a scripted inbound call and resolves with what the caller heard once it ends. */
  call(script: CallScript, options?: TelnyxCallOptions): Promise<CallTranscript>;
  /** The base URL to give the telnyx SDK: `new Telnyx({ apiKey: 'test', baseURL: emulator.apiBaseUrl })`. */
  readonly apiBaseUrl: string;
  /** The public key events are signed with (base64, 32 bytes). */
  readonly publicKey: string;
  /** The `connection_id` (Call Control application) its events report: give it to the handler's `connectionId`. */
  readonly connectionId: string;
  /** The private key events are signed with (base64 PKCS#8), to sign extra test events. */
  readonly privateKey: string;
  /** Every API request received, in order. */
  readonly requests: TelnyxApiRequest[];
  /** Make the next `times` requests of `action` fail with `status` (default 500 once). */
  failNext(action: string, options?: { status?: number; times?: number }): void;
  /** The conferences so far. */
  conferences(): EmulatedConference[];
  /** Scripts for the next outbound calls (`POST /calls`, the SDK's `calls.dial`), in order; default a human who stays silent. */
  scriptOutbound(...scripts: CallScript[]): void;
  /** The outbound calls placed so far, with the dial request and the transcript once each ends. */
  readonly outboundCalls: ReadonlyArray<{ callControlId: string; body: Record<string, unknown>; transcript: Promise<CallTranscript> }>;
  /** Webhook delivery counts so far (attempts, redeliveries, deliveries that failed for good). */
  readonly deliveryStats: WebhookDeliveryStats;
  close(): Promise<void>;
}

interface QueuedCommand {
  action: string;
  body: Record<string, unknown>;
  conference?: { id: string; creating: boolean };
}

interface CallRun {
  script: CallScript;
  options: TelnyxCallOptions;
  entries: TranscriptEntry[];
  errors: string[];
  webhooks: number;
  endedBy?: CallTranscript['endedBy'];
  cursor: { input: number; transfers: number; recordings: number; queues: number; conferences: number };
}

interface Leg {
  id: string;
  legId: string;
  sessionId: string;
  from: string;
  to: string;
  direction: 'incoming' | 'outgoing';
  answered: boolean;
  ended: boolean;
  clientState?: string;
  queue: QueuedCommand[];
  wake?: () => void;
  commandIds: Set<string>;
  run: CallRun;
  endlessPlayback?: { url: string; entry: TranscriptEntry };
  /** The settings of a running transcription_start, until transcription_stop. */
  transcribing?: Record<string, unknown>;
  /** The input entry of the key that just ended a gather, until the next gather command. */
  keyEnded?: Extract<TranscriptEntry, { type: 'input' }>;
  lastProgressEvent?: { type: string; payload: Record<string, unknown>; clientState: string | undefined };
  /** Takes the leg out of its conference: it leaves (the leave action) or is hung up (another's end_conference_on_exit). */
  conferenceLeave?: (how: 'leave' | 'hangup') => void;
  /** While the leg waits in a queue: which, its place, the average wait, and the queue clock (seconds waited). */
  waiting?: { queue: string; position: number; averageWaitSeconds: number; waitedSeconds: number };
  /** On the far leg of a transfer the application dialled itself (`link_to`): the caller's leg and the transfer's state. */
  far?: FarLeg;
  /** On a caller's leg: the far legs it waits on (dialled with `link_to` it), until each ends. */
  pendingFar?: Promise<void>;
}

interface FarLeg {
  caller: Leg;
  entry: Extract<TranscriptEntry, { type: 'transfer' }>;
  /** Set when the application asked to bridge the caller to this leg; resolved once the bridged call ends. */
  bridge?: { body: Record<string, unknown>; ended: Promise<void>; end: () => void };
  /** A bridge request reached the API (send_dtmf after it is in order). */
  bridgeRequested: boolean;
  /** Commands queued on the caller's leg before the dial: they play (the hold music) before the far leg rings. */
  queuedBefore: QueuedCommand[];
  /** Resolves once the caller's leg runs the bridge. */
  bridgeRuns: Promise<void>;
  bridgeRan: () => void;
}

interface ConferenceState extends EmulatedConference {
  creatorClientState?: string;
  creator: string;
  legs: Map<string, { endOnExit: boolean }>;
}

/**
 * The payload fields each event the emulator sends is documented with, and nothing else: Telnyx omits, for example,
 * `call_control_id` from call.recording.saved and `from`/`to` from speak, playback, queue and conference events.
 * provider: telnyx SDK resources/webhooks.d.ts (the `<Event>.Payload` interfaces of `UnwrapWebhookEvent`), telnyx 7.24.0.
 */
const documentedPayloadFields: Record<string, readonly string[]> = {
  'call.initiated': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'caller_id_name',
    'client_state',
    'connection_id',
    'direction',
    'from',
    'start_time',
    'state',
    'to',
  ],
  'call.answered': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'connection_id',
    'from',
    'start_time',
    'state',
    'to',
  ],
  'call.machine.detection.ended': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'connection_id',
    'from',
    'result',
    'to',
  ],
  'call.machine.greeting.ended': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'connection_id',
    'from',
    'result',
    'to',
  ],
  'call.bridged': ['call_control_id', 'call_leg_id', 'call_session_id', 'client_state', 'connection_id', 'from', 'to'],
  'call.dtmf.received': ['call_control_id', 'call_leg_id', 'call_session_id', 'client_state', 'connection_id', 'digit', 'from', 'to'],
  'call.gather.ended': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'connection_id',
    'digits',
    'from',
    'status',
    'to',
  ],
  'call.hangup': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'connection_id',
    'from',
    'hangup_cause',
    'hangup_source',
    'sip_hangup_cause',
    'start_time',
    'state',
    'to',
  ],
  'call.enqueued': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'connection_id',
    'current_position',
    'queue',
    'queue_avg_wait_time_secs',
  ],
  'call.dequeued': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'connection_id',
    'queue',
    'queue_position',
    'reason',
    'wait_time_secs',
  ],
  'call.playback.started': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'connection_id',
    'media_name',
    'media_url',
    'overlay',
  ],
  'call.playback.ended': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'connection_id',
    'media_name',
    'media_url',
    'overlay',
    'status',
    'status_detail',
  ],
  'call.speak.started': ['call_control_id', 'call_leg_id', 'call_session_id', 'client_state', 'connection_id'],
  'call.speak.ended': ['call_control_id', 'call_leg_id', 'call_session_id', 'client_state', 'connection_id', 'status'],
  'call.transcription': ['call_control_id', 'call_leg_id', 'call_session_id', 'client_state', 'connection_id', 'transcription_data'],
  'call.recording.saved': [
    'call_leg_id',
    'call_session_id',
    'channels',
    'client_state',
    'connection_id',
    'public_recording_urls',
    'recording_ended_at',
    'recording_started_at',
    'recording_urls',
  ],
  'conference.created': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'conference_id',
    'connection_id',
    'occurred_at',
  ],
  'conference.ended': [
    'call_control_id',
    'call_leg_id',
    'call_session_id',
    'client_state',
    'conference_id',
    'connection_id',
    'occurred_at',
    'reason',
  ],
  'conference.participant.joined': ['call_control_id', 'call_leg_id', 'call_session_id', 'client_state', 'conference_id', 'connection_id'],
  'conference.participant.left': ['call_control_id', 'call_leg_id', 'call_session_id', 'client_state', 'conference_id', 'connection_id'],
};

/** The documented payload of an event: the leg's fields and the event's own, cut to the fields its type declares. */
export function documentedTelnyxPayload(type: string, payload: Record<string, unknown>): Record<string, unknown> {
  const fields = documentedPayloadFields[type];
  if (!fields) throw new Error(`[callflow:testing] the Telnyx emulator sends no ${type} (no documented payload for it)`);
  return Object.fromEntries(Object.entries(payload).filter(([name]) => fields.includes(name)));
}

const progressEvents = new Set([
  'call.speak.ended',
  'call.playback.ended',
  'call.gather.ended',
  'call.recording.saved',
  'call.dequeued',
  'conference.participant.left',
]);

function telnyxError(code: string, title: string, detail?: string) {
  return { errors: [{ code, title, detail: detail ?? title }] };
}

/**
 * The refusal of a number Telnyx cannot call, or undefined for a SIP URI or a +E.164 number: 10016 without the `+`,
 * 10002 for one that is no E.164 number (a leading 0, too short or too long), answered 422 with the error's field.
 * provider: https://developers.telnyx.com/development/api-fundamentals/api-errors (10002 "Invalid phone number",
 * 10016 "Phone number must be in +E.164 format"); the envelope `errors[{ code, title, detail, source.pointer }]` as in
 * https://developers.telnyx.com/docs/numbers/porting/api-errors ("the standard Telnyx error envelope").
 */
function numberRefusal(to: unknown, field: string) {
  const number = String(to);
  if (number.startsWith('sip:') || /^\+[1-9]\d{6,14}$/.test(number)) return undefined;
  const error = number.startsWith('+')
    ? { code: '10002', title: 'Invalid phone number', detail: 'The phone number is invalid.' }
    : {
        code: '10016',
        title: 'Phone number must be in +E.164 format',
        detail: 'The specified phone number parameter must be in +E.164 format.',
      };
  return { errors: [{ ...error, source: { pointer: `/${field}` } }] };
}

/**
 * Starts a fake Telnyx Call Control API on 127.0.0.1 (random port). Point the telnyx SDK at `apiBaseUrl`; each
 * `call(script)` sends a signed `call.initiated` to `webhookUrl` and plays the call as Telnyx would, driven by the
 * commands the application sends back.
 * @example
 * const emulator = await createTelnyxEmulator({ webhookUrl: 'http://127.0.0.1:3000/telnyx' });
 * const client = new Telnyx({ apiKey: 'test', baseURL: emulator.apiBaseUrl });
 */
export async function createTelnyxEmulator(options: TelnyxEmulatorOptions): Promise<TelnyxEmulator> {
  const signer: TelnyxWebhookSigner = await createTelnyxWebhookSigner(options.privateKey);
  const clock = options.now ?? Date.now;
  const legs = new Map<string, Leg>();
  const conferences = new Map<string, ConferenceState>();
  const requests: TelnyxApiRequest[] = [];
  const failures: Array<{ action: string; status: number; times: number }> = [];
  const msPerSecond = options.msPerSecond ?? 0;
  const playSeconds = options.playSeconds ?? 30;
  const idleMs = options.idleMs ?? 2000;
  const connectionId = options.connectionId ?? '1684641123236054244';
  const retryDelaysMs = options.deliveries?.retryDelaysMs ?? [100, 500, 2000, 5000, 10000];
  const timeoutMs = options.deliveries?.timeoutMs ?? 10_000;
  const deliveryStats: WebhookDeliveryStats = { attempts: 0, retries: 0, failed: 0 };
  let sequence = 0;

  const noop = () => undefined;
  const wait = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, seconds * msPerSecond)));
  const nextId = (prefix: string) => `${prefix}${(++sequence).toString(36).padStart(4, '0')}${randomUUID().replace(/-/g, '').slice(0, 18)}`;

  function newLeg(run: CallRun, from: string, to: string, direction: Leg['direction'], sessionId?: string, clientState?: string): Leg {
    const leg: Leg = {
      id: `v3:${nextId('emu')}`,
      legId: randomUUID(),
      sessionId: sessionId ?? randomUUID(),
      from,
      to,
      direction,
      answered: false,
      ended: false,
      clientState,
      queue: [],
      commandIds: new Set(),
      run,
    };
    legs.set(leg.id, leg);
    return leg;
  }

  // ---- webhook delivery -------------------------------------------------------------------------

  // provider: Telnyx redelivers an event answered late, with a non-2xx, or not at all (an unreachable host).
  async function post(leg: Leg, body: string | ((attempt: number) => string), type: string): Promise<void> {
    leg.run.webhooks++;
    for (let attempt = 0; ; attempt++) {
      const text = typeof body === 'string' ? body : body(attempt + 1);
      const headers = await signer.sign(text, Math.floor(clock() / 1000));
      let failure: string;
      let retryable = true;
      deliveryStats.attempts++;
      if (attempt > 0) deliveryStats.retries++;
      try {
        const response = await fetch(options.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: text,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer();
        if (response.status >= 200 && response.status <= 299) return;
        failure = `${type} was answered ${response.status}`;
        retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      } catch (error) {
        failure = `${type} delivery failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      const delay = retryDelaysMs[attempt];
      if (!retryable || delay === undefined) {
        deliveryStats.failed++;
        leg.run.errors.push(failure);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  function legFields(leg: Leg, clientState: string | undefined): Record<string, unknown> {
    return {
      call_control_id: leg.id,
      call_leg_id: leg.legId,
      call_session_id: leg.sessionId,
      connection_id: connectionId,
      client_state: clientState ?? null,
      from: leg.from,
      to: leg.to,
    };
  }

  function envelope(
    leg: Leg,
    type: string,
    payload: Record<string, unknown>,
    id: string,
    attempt: number,
    clientState: string | undefined,
  ): string {
    const data = {
      record_type: 'event',
      event_type: type,
      id,
      occurred_at: new Date(clock()).toISOString(),
      payload: documentedTelnyxPayload(type, { ...legFields(leg, clientState), ...payload }),
    };
    return JSON.stringify({ data, meta: { attempt, delivered_to: options.webhookUrl } });
  }

  async function deliver(leg: Leg, type: string, payload: Record<string, unknown> = {}): Promise<void> {
    const run = leg.run;
    if (run.webhooks >= (run.script.maxWebhooks ?? 200)) {
      if (!run.endedBy) {
        run.errors.push(`more than ${run.script.maxWebhooks ?? 200} webhooks: stopped the call (loop?)`);
        run.endedBy = 'error';
      }
      return;
    }
    const id = randomUUID();
    const fullPayload = { ...payload };
    // A redelivery is the same event: the client_state of the moment it happened, not the leg's latest.
    const clientState = leg.clientState;
    if (options.deliveries?.duplicate) {
      await Promise.all([
        post(leg, (attempt) => envelope(leg, type, fullPayload, id, attempt, clientState), type),
        post(leg, (attempt) => envelope(leg, type, fullPayload, id, attempt + 1, clientState), type),
      ]);
    } else {
      await post(leg, (attempt) => envelope(leg, type, fullPayload, id, attempt, clientState), type);
    }
    if (progressEvents.has(type)) {
      const previous = leg.lastProgressEvent;
      leg.lastProgressEvent = { type, payload: fullPayload, clientState: leg.clientState };
      if (options.deliveries?.replayStale && previous) {
        // A late copy of the previous step's event, as a new delivery (new id): it must not move the call back.
        await post(leg, envelope(leg, previous.type, previous.payload, randomUUID(), 1, previous.clientState), previous.type);
      }
    }
  }

  // ---- the fake REST API ------------------------------------------------------------------------

  const readBody = async (request: IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text === '') return {};
    return JSON.parse(text) as Record<string, unknown>;
  };

  function reply(response: ServerResponse, status: number, body: unknown) {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  function enqueueCommand(leg: Leg, command: QueuedCommand) {
    leg.queue.push(command);
    const wake = leg.wake;
    leg.wake = undefined;
    wake?.();
  }

  const required: Record<string, string[]> = {
    speak: ['payload', 'voice'],
    gather_using_speak: ['payload', 'voice'],
    record_start: ['format', 'channels'],
    transfer: ['to'],
    enqueue: ['queue_name'],
  };
  const beforeAnswerAllowed = new Set(['answer', 'hangup', 'reject', 'transfer']);
  const outboundScripts: CallScript[] = [];
  const outboundCalls: Array<{ callControlId: string; body: Record<string, unknown>; transcript: Promise<CallTranscript> }> = [];
  // provider: telnyx SDK resources/calls/calls.d.ts CallDialParams.answering_machine_detection.
  const detectionModes = new Set(['premium', 'detect', 'detect_beep', 'detect_words', 'greeting_end', 'disabled']);

  async function onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/v2/, '');
    let body: Record<string, unknown>;
    try {
      body = await readBody(request);
    } catch {
      return reply(response, 400, telnyxError('10002', 'Invalid JSON'));
    }
    const record = (entry: Omit<TelnyxApiRequest, 'status'>, status: number, answer: unknown) => {
      requests.push({ ...entry, status });
      reply(response, status, answer);
    };
    if (!/^Bearer \S+/.test(request.headers.authorization ?? ''))
      return record({ action: path, body }, 401, telnyxError('10009', 'Authentication failed'));

    const actionMatch = /^\/calls\/([^/]+)\/actions\/([a-z_]+)$/.exec(path);
    const conferenceJoin = /^\/conferences\/([^/]+)\/actions\/join$/.exec(path);
    const conferenceAction = /^\/conferences\/([^/]+)\/actions\/(mute|leave)$/.exec(path);
    const conferenceParticipants = /^\/conferences\/([^/]+)\/participants$/.exec(path);
    const action = actionMatch
      ? actionMatch[2]!
      : conferenceJoin
        ? 'conferences.join'
        : conferenceAction
          ? `conferences.${conferenceAction[2]}`
          : conferenceParticipants && request.method === 'GET'
            ? 'conferences.listParticipants'
            : path === '/conferences' && request.method === 'POST'
              ? 'conferences.create'
              : path;
    const failure = failures.find((entry) => entry.action === action && entry.times > 0);
    if (failure) {
      failure.times--;
      return record(
        { target: actionMatch?.[1] ? decodeURIComponent(actionMatch[1]) : undefined, action, body },
        failure.status,
        telnyxError('10007', 'Unexpected error (emulated)'),
      );
    }

    const queueCall = /^\/queues\/([^/]+)\/calls\/([^/]+)$/.exec(path);
    const queueInfo = /^\/queues\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && (queueCall || queueInfo)) {
      // provider: GET /queues/{queue_name}/calls/{call_control_id} → QueueCall, GET /queues/{queue_name} → Queue (telnyx SDK resources/queues/calls.d.ts, queues.d.ts).
      const name = decodeURIComponent((queueCall ?? queueInfo)![1]!);
      const members = [...legs.values()].filter((leg) => leg.waiting?.queue === name && !leg.ended);
      if (queueCall) {
        const leg = legs.get(decodeURIComponent(queueCall[2]!));
        if (!leg?.waiting || leg.waiting.queue !== name || leg.ended)
          return record({ action: 'queues.calls.retrieve', body: {} }, 404, telnyxError('90015', 'Call not found in queue'));
        const data = {
          record_type: 'queue_call',
          call_control_id: leg.id,
          call_leg_id: leg.legId,
          call_session_id: leg.sessionId,
          connection_id: connectionId,
          from: leg.from,
          to: leg.to,
          queue_id: name,
          queue_position: leg.waiting.position,
          wait_time_secs: Math.floor(leg.waiting.waitedSeconds),
          enqueued_at: new Date(clock()).toISOString(),
          is_alive: true,
        };
        return record({ target: leg.id, action: 'queues.calls.retrieve', body: {} }, 200, { data });
      }
      if (members.length === 0) return record({ action: 'queues.retrieve', body: {} }, 404, telnyxError('90015', 'Queue not found'));
      const data = {
        record_type: 'queue',
        id: name,
        name,
        current_size: members.length,
        max_size: 100,
        average_wait_time_secs: members[0]!.waiting!.averageWaitSeconds,
        created_at: new Date(clock()).toISOString(),
        updated_at: new Date(clock()).toISOString(),
      };
      return record({ action: 'queues.retrieve', body: {} }, 200, { data });
    }

    if (actionMatch) {
      const id = decodeURIComponent(actionMatch[1]!);
      const leg = legs.get(id);
      if (!leg) return record({ target: id, action, body }, 404, telnyxError('90015', 'Call not found'));
      if (leg.ended)
        return record(
          { target: id, action, body },
          422,
          telnyxError('90018', 'Call has already ended', 'This call is no longer active and can no longer receive commands.'),
        );
      const commandId = typeof body.command_id === 'string' ? body.command_id : undefined;
      if (commandId && leg.commandIds.has(commandId)) {
        requests.push({ target: id, action, body, status: 200, duplicate: true });
        return reply(response, 200, { data: { result: 'ok' } });
      }
      const missing = (required[action] ?? []).filter((field) => body[field] === undefined || body[field] === '');
      if (missing.length)
        return record({ target: id, action, body }, 422, telnyxError('10015', 'Invalid parameter', `missing ${missing.join(', ')}`));
      const refusedNumber = action === 'transfer' ? numberRefusal(body.to, 'to') : undefined;
      if (refusedNumber) {
        enqueueCommand(leg, { action: 'transfer_refused', body });
        return record({ target: id, action, body }, 422, refusedNumber);
      }
      if (!leg.answered && !beforeAnswerAllowed.has(action))
        return record(
          { target: id, action, body },
          422,
          telnyxError('90034', 'Call is not answered yet', `${action} needs an answered call`),
        );
      if (action === 'answer' && leg.direction === 'outgoing')
        return record(
          { target: id, action, body },
          422,
          telnyxError('90018', 'Call already answered', 'an outgoing leg is answered by the called party'),
        );
      if (action === 'bridge') {
        // provider: BridgeRequest names the other leg in call_control_id, required (https://developers.telnyx.com/api-reference/call-commands/bridge-calls;
        // the SDK's call_control_id_to_bridge_with is sent as call_control_id, telnyx SDK resources/calls/actions.js bridge).
        if (typeof body.call_control_id !== 'string')
          return record({ target: id, action, body }, 422, telnyxError('10015', 'Invalid parameter', 'missing call_control_id'));
        const other = legs.get(body.call_control_id);
        if (!other || other.ended)
          return record(
            { target: id, action, body },
            422,
            telnyxError('90018', 'Call has already ended', 'the call to bridge with is gone'),
          );
        if (other.far?.caller === leg) other.far.bridgeRequested = true;
      }
      if (commandId) leg.commandIds.add(commandId);
      if (typeof body.client_state === 'string') leg.clientState = body.client_state;
      if (action === 'answer') leg.answered = true;
      enqueueCommand(leg, { action, body });
      return record({ target: id, action, body }, 200, { data: { result: 'ok' } });
    }

    if (action === 'conferences.create') {
      const leg = legs.get(String(body.call_control_id));
      if (!leg || leg.ended) return record({ action, body }, 422, telnyxError('90018', 'Call has already ended'));
      if (!body.name) return record({ action, body }, 422, telnyxError('10015', 'Invalid parameter', 'missing name'));
      const commandId = typeof body.command_id === 'string' ? body.command_id : undefined;
      const existing = commandId
        ? [...conferences.values()].find((conference) => conference.creator === leg.id && leg.commandIds.has(commandId))
        : undefined;
      if (existing) {
        requests.push({ target: leg.id, action, body, status: 200, duplicate: true });
        return reply(response, 200, { data: conferenceData(existing) });
      }
      if (commandId) leg.commandIds.add(commandId);
      const conference: ConferenceState = {
        id: randomUUID(),
        name: String(body.name),
        participants: [],
        joined: [],
        started: body.start_conference_on_create !== false,
        ended: false,
        beep: typeof body.beep_enabled === 'string' ? body.beep_enabled : 'never',
        holdAudioUrl: typeof body.hold_audio_url === 'string' ? body.hold_audio_url : undefined,
        heardHoldAudio: [],
        muted: [],
        creator: leg.id,
        creatorClientState: typeof body.client_state === 'string' ? body.client_state : leg.clientState,
        legs: new Map(),
      };
      conferences.set(conference.id, conference);
      // provider: the leg is in the conference as soon as the command is accepted, even if it enters after what it is playing.
      conference.participants.push(leg.id);
      if (typeof body.client_state === 'string') leg.clientState = body.client_state;
      enqueueCommand(leg, { action: 'conference_enter', body, conference: { id: conference.id, creating: true } });
      return record({ target: leg.id, action, body }, 200, { data: conferenceData(conference) });
    }

    if (action === 'conferences.join') {
      const conference = conferences.get(decodeURIComponent(conferenceJoin![1]!));
      const leg = legs.get(String(body.call_control_id));
      if (!conference) return record({ action, body }, 404, telnyxError('90015', 'Conference not found'));
      if (conference.ended) return record({ target: leg?.id, action, body }, 422, telnyxError('90068', 'Conference has ended'));
      if (!leg || leg.ended) return record({ action, body }, 422, telnyxError('90018', 'Call has already ended'));
      const commandId = typeof body.command_id === 'string' ? body.command_id : undefined;
      if (commandId && leg.commandIds.has(commandId)) {
        requests.push({ target: leg.id, action, body, status: 200, duplicate: true });
        return reply(response, 200, { data: { result: 'ok' } });
      }
      if (commandId) leg.commandIds.add(commandId);
      if (typeof body.client_state === 'string') leg.clientState = body.client_state;
      conference.participants.push(leg.id);
      enqueueCommand(leg, { action: 'conference_enter', body, conference: { id: conference.id, creating: false } });
      return record({ target: leg.id, action, body }, 200, { data: { result: 'ok' } });
    }

    if (conferenceParticipants && request.method === 'GET') {
      // provider: GET /conferences/{id}/participants lists the legs in the room (telnyx SDK resources/conferences/conferences.d.ts
      // ConferenceListParticipantsResponse: id, call_control_id, muted, on_hold, status …); an ended room lists none.
      const conference = conferences.get(decodeURIComponent(conferenceParticipants[1]!));
      if (!conference) return record({ action, body: {} }, 404, telnyxError('90015', 'Conference not found'));
      const size = Number(url.searchParams.get('page[size]') ?? 20);
      const present = conference.ended ? [] : conference.participants;
      const data = present.slice(0, size).map((id) => ({
        record_type: 'participant',
        id: `participant-${id}`,
        call_control_id: id,
        call_leg_id: legs.get(id)?.legId,
        conference: { id: conference.id, name: conference.name },
        muted: conference.muted.includes(id),
        on_hold: false,
        end_conference_on_exit: conference.legs.get(id)?.endOnExit ?? false,
        status: 'joined',
      }));
      return record({ target: conference.id, action, body: {} }, 200, {
        data,
        meta: { page_number: 1, page_size: size, total_pages: 1, total_results: present.length },
      });
    }

    if (conferenceAction) {
      const conference = conferences.get(decodeURIComponent(conferenceAction[1]!));
      if (!conference) return record({ action, body }, 404, telnyxError('90015', 'Conference not found'));
      if (conference.ended) return record({ target: conference.id, action, body }, 422, telnyxError('90068', 'Conference has ended'));
      if (conferenceAction[2] === 'mute') {
        // provider: "Mute a list of participants"; call_control_ids empty or absent mutes all (ActionMuteParams).
        const ids =
          Array.isArray(body.call_control_ids) && body.call_control_ids.length
            ? body.call_control_ids.map(String)
            : conference.participants;
        const strangers = ids.filter((id) => !conference.participants.includes(id));
        if (strangers.length)
          return record({ target: conference.id, action, body }, 422, telnyxError('10015', 'Invalid parameter', 'not in the conference'));
        for (const id of ids) if (!conference.muted.includes(id)) conference.muted.push(id);
        return record({ target: conference.id, action, body }, 200, { data: { result: 'ok' } });
      }
      // provider: leave "removes a call leg from a conference and moves it back to parked state", with
      // conference.participant.left (telnyx SDK resources/conferences/actions.d.ts leave, ActionLeaveParams.call_control_id).
      const leaving = legs.get(String(body.call_control_id));
      if (!leaving || !conference.participants.includes(leaving.id) || !leaving.conferenceLeave)
        return record({ target: conference.id, action, body }, 422, telnyxError('10015', 'Invalid parameter', 'not in the conference'));
      leaving.conferenceLeave('leave');
      return record({ target: conference.id, action, body }, 200, { data: { result: 'ok' } });
    }

    if (path === '/calls' && request.method === 'POST') {
      // provider: connection_id, to and from are required (calls.d.ts CallDialParams).
      const missing = ['connection_id', 'to', 'from'].filter((field) => typeof body[field] !== 'string' || body[field] === '');
      if (missing.length)
        return record({ action: 'dial', body }, 422, telnyxError('10015', 'Invalid parameter', `missing ${missing.join(', ')}`));
      if (body.answering_machine_detection !== undefined && !detectionModes.has(String(body.answering_machine_detection))) {
        return record({ action: 'dial', body }, 422, telnyxError('10015', 'Invalid parameter', 'answering_machine_detection'));
      }
      const timeout = body.timeout_secs;
      if (timeout !== undefined && (typeof timeout !== 'number' || timeout < 5 || timeout > 600))
        return record({ action: 'dial', body }, 422, telnyxError('10015', 'Invalid parameter', 'timeout_secs must be 5-600'));
      const refusedNumber = numberRefusal(body.to, 'to');
      if (refusedNumber) {
        const caller = typeof body.link_to === 'string' ? legs.get(body.link_to) : undefined;
        if (caller && !caller.ended) enqueueCommand(caller, { action: 'transfer_refused', body });
        return record({ action: 'dial', body }, 422, refusedNumber);
      }
      if (typeof body.link_to === 'string') return dialFarLeg(body, record);
      const script = outboundScripts.shift() ?? {};
      const run: CallRun = {
        script,
        options: {},
        entries: [],
        errors: [],
        webhooks: 0,
        cursor: { input: 0, transfers: 0, recordings: 0, queues: 0, conferences: 0 },
      };
      const leg = newLeg(
        run,
        String(body.from),
        String(body.to),
        'outgoing',
        undefined,
        typeof body.client_state === 'string' ? body.client_state : undefined,
      );
      // The dial is answered first; the call's events follow.
      const transcript = new Promise<void>((resolve) => setImmediate(resolve)).then(() => playOutbound(leg, body));
      outboundCalls.push({ callControlId: leg.id, body, transcript });
      return record({ action: 'dial', body }, 200, {
        data: { call_control_id: leg.id, call_leg_id: leg.legId, call_session_id: leg.sessionId, is_alive: true, record_type: 'call' },
      });
    }

    return record({ action, body }, 404, telnyxError('10005', 'Resource not found', `${request.method} ${path} is not emulated`));
  }

  const farDials = new Map<string, Leg>();

  /**
   * A dial linked to a live call (`link_to`): the far leg of a transfer the application places itself. It shares the
   * caller's session and plays the caller's next transfer script: rings, then hangs up unanswered (busy, no answer,
   * failed) or answers and runs the commands sent to it (whisper, screening gather) until it is bridged or hung up.
   * provider: telnyx SDK resources/calls/calls.d.ts CallDialParams (link_to, bridge_intent, timeout_secs, command_id).
   */
  function dialFarLeg(
    body: Record<string, unknown>,
    record: (entry: Omit<TelnyxApiRequest, 'status'>, status: number, answer: unknown) => void,
  ): void {
    const caller = legs.get(String(body.link_to));
    if (!caller || caller.ended) {
      record({ action: 'dial', body }, 422, telnyxError('90018', 'Call has already ended', 'the link_to call is gone'));
      return;
    }
    const commandId = typeof body.command_id === 'string' ? body.command_id : undefined;
    const existing = commandId ? farDials.get(`${caller.id} ${commandId}`) : undefined;
    const answer = (leg: Leg) => ({
      data: { call_control_id: leg.id, call_leg_id: leg.legId, call_session_id: leg.sessionId, is_alive: true, record_type: 'call' },
    });
    if (existing) {
      // provider: "Telnyx will ignore others Dial commands with the same command_id" (CallDialParams.command_id).
      record({ action: 'dial', body, duplicate: true }, 200, answer(existing));
      return;
    }
    // provider: with bridge_intent the from is the linked call's (CallDialParams.bridge_intent).
    const from = body.bridge_intent === true ? caller.from : String(body.from);
    const far = newLeg(
      caller.run,
      from,
      String(body.to),
      'outgoing',
      caller.sessionId,
      typeof body.client_state === 'string' ? body.client_state : undefined,
    );
    if (commandId) farDials.set(`${caller.id} ${commandId}`, far);
    let bridgeRan = () => {};
    const bridgeRuns = new Promise<void>((resolve) => (bridgeRan = resolve));
    far.far = {
      caller,
      queuedBefore: [...caller.queue],
      entry: { type: 'transfer', to: String(body.to), status: 'completed' },
      bridgeRequested: false,
      bridgeRuns,
      bridgeRan,
    };
    const previous = caller.pendingFar ?? Promise.resolve();
    const work = new Promise<void>((resolve) => setImmediate(resolve)).then(() => playFarLeg(far, body));
    caller.pendingFar = Promise.all([previous, work]).then(() => undefined);
    record({ action: 'dial', body }, 200, answer(far));
  }

  /** The far leg of a dialled transfer, from call.initiated to its call.hangup. */
  async function playFarLeg(far: Leg, body: Record<string, unknown>): Promise<void> {
    const { caller, entry } = far.far!;
    const run = caller.run;
    const scripted: TransferScript = run.script.transfers?.[run.cursor.transfers++] ?? { status: 'completed', durationSeconds: 30 };
    const { status, durationSeconds } =
      typeof scripted === 'string' ? { status: scripted, durationSeconds: 30 } : { durationSeconds: 30, ...scripted };
    const behaviour = calleeOf(scripted);
    const acceptKey = typeof scripted === 'string' ? '1' : (scripted.acceptKey ?? '1');
    const callerLeaves = typeof scripted === 'string' ? undefined : scripted.callerHangsUp;
    // What the application sent the caller before dialling (the hold music) starts first: the far leg rings once the
    // caller's leg has taken those commands, however long its current one takes. (A deadline of idleMs here let a slow
    // machine ring the far leg before the hold music started, and the transfer recorded silence for it.)
    while (far.far!.queuedBefore.some((command) => caller.queue.includes(command)) && !caller.ended)
      await new Promise((resolve) => setTimeout(resolve, 1));
    // provider: a far leg dialled apart sends the caller nothing (it is not bridged yet; bridge's play_ringtone is for a leg
    // not yet answered, telnyx SDK resources/calls/actions.d.ts ActionBridgeParams.play_ringtone): the caller hears what the
    // application plays on its own leg meanwhile, or silence. That wait is part of the transfer, not a play of the flow.
    const waitedTo = caller.endlessPlayback;
    if (waitedTo) run.entries.splice(run.entries.indexOf(waitedTo.entry), 1);
    const waitSound = waitedTo?.url ?? 'silence';
    if (waitSound !== defaultRingbackUrl) entry.callerHeardWhileRinging = waitSound;
    const startTime = new Date(clock()).toISOString();
    await deliver(far, 'call.initiated', { direction: 'outgoing', state: 'bridging', start_time: startTime });
    const hangUp = async (dialStatus: DialStatus, source: string) => {
      const { cause, sip } = hangupCauses[dialStatus];
      await endLeg(far, { source, cause, sip, startTime });
    };
    if (callerLeaves === 'ringing') return callerLeavesTransfer(far, 'ringing', hangUp);
    if (status !== 'completed') {
      entry.status = status;
      // provider: timeout_secs of ringing, then call.hangup with hangup_cause timeout (CallDialParams.timeout_secs).
      if (status === 'no-answer') await wait(typeof body.timeout_secs === 'number' ? body.timeout_secs : 30);
      run.entries.push(entry);
      return hangUp(status, status === 'canceled' ? 'caller' : 'callee');
    }
    far.answered = true;
    const heard: string[] = [];
    entry.calleeHeard = heard;
    await deliver(far, 'call.answered', { state: 'answered', start_time: startTime });
    const detection = body.answering_machine_detection;
    if (detection !== undefined && detection !== 'disabled') {
      // provider: call.machine.detection.ended with the analysis result once the leg answers (telnyx SDK resources/calls/calls.d.ts
      // CallDialParams.answering_machine_detection; results human, machine, not_sure in resources/webhooks.d.ts): a scripted voicemail is a machine.
      await deliver(far, 'call.machine.detection.ended', { result: behaviour === 'voicemail' ? 'machine' : 'human' });
    }
    if (callerLeaves === 'screening') return callerLeavesTransfer(far, 'screening', hangUp);
    let last = 'call.answered';
    while (!far.ended && !caller.ended) {
      if (far.far!.bridge) return bridged(far, durationSeconds, hangUp);
      // Asked for already: the caller's leg runs it after what is queued there (the stop of its hold music), however long
      // that takes (a wait of idleMs here gave up on a bridge a slow machine had not run yet).
      const bridgeQueued = () => caller.queue.some((queued) => queued.action === 'bridge' && queued.body.call_control_id === far.id);
      if (far.far!.bridgeRequested) {
        while (!far.far!.bridge && !caller.ended && bridgeQueued())
          await Promise.race([far.far!.bridgeRuns, new Promise((resolve) => setTimeout(resolve, 1))]);
        if (far.far!.bridge) continue;
      }
      const command = await nextCommand(far);
      if (!command) {
        if (far.far!.bridge) continue;
        run.errors.push(`the application sent the called party nothing after ${last}: it hears silence`);
        entry.status = 'no-answer';
        run.entries.push(entry);
        return hangUp('completed', 'callee');
      }
      last = command.action;
      const { body: commandBody } = command;
      switch (command.action) {
        case 'speak':
          for (const part of spoken(String(commandBody.payload), commandBody.payload_type)) if (part.type === 'say') heard.push(part.text);
          await deliver(far, 'call.speak.started');
          await deliver(far, 'call.speak.ended', { status: 'completed' });
          break;
        case 'playback_start': {
          const url = String(commandBody.audio_url ?? commandBody.media_name ?? 'playback_content');
          heard.push(url);
          await deliver(far, 'call.playback.started', { media_url: url, overlay: false });
          await deliver(far, 'call.playback.ended', { media_url: url, overlay: false, status: 'completed' });
          break;
        }
        case 'gather_using_speak':
        case 'gather_using_audio':
        case 'gather': {
          if (command.action === 'gather_using_speak')
            for (const part of spoken(String(commandBody.payload), commandBody.payload_type))
              if (part.type === 'say') heard.push(part.text);
          if (command.action === 'gather_using_audio') heard.push(String(commandBody.audio_url ?? commandBody.media_name));
          // The scripted called party presses the accept key, another key, or nothing (silence, a voicemail).
          const pressed = calleeKey(behaviour, acceptKey);
          entry.calleePressed = pressed ?? '';
          const validDigits = typeof commandBody.valid_digits === 'string' ? commandBody.valid_digits : '0123456789#*';
          if (pressed !== undefined) await deliver(far, 'call.dtmf.received', { digit: pressed });
          // provider: call.gather.ended status valid, invalid or timeout (telnyx SDK resources/webhooks.d.ts CallGatherEnded.Payload.status).
          const gatherStatus = pressed === undefined ? 'timeout' : validDigits.includes(pressed) ? 'valid' : 'invalid';
          await deliver(far, 'call.gather.ended', { digits: pressed ?? '', status: gatherStatus });
          break;
        }
        case 'hangup':
          // The application hung the called party up before connecting it: the caller was never connected.
          entry.status = 'no-answer';
          run.entries.push(entry);
          return hangUp('completed', 'unknown');
        default:
          run.errors.push(`${command.action} sent to the called party before it was bridged (not emulated there)`);
      }
    }
    if (!far.ended) {
      // The caller left while the called party was being screened: Telnyx would keep the far leg up; the emulator ends it.
      entry.status = 'canceled';
      run.entries.push(entry);
      await hangUp('canceled', 'caller');
    }
  }

  /**
   * The caller hangs up while the far leg of its transfer rings or hears the whisper and the screen: the caller's leg
   * reports its call.hangup (hangup_source caller), then the application must hang the far leg up before that leg's next
   * event; whatever else it sent the far leg is not played.
   * provider: a leg dialled with link_to shares the linked call's session ("Use another call's control id for sharing the
   * same call session id", telnyx SDK resources/calls/calls.d.ts CallDialParams.link_to); neither that nor the dial or
   * hangup pages say the leg ends with the linked call, so the emulator keeps it up until the application hangs it up
   * (docs/providers/telnyx.md says so).
   */
  async function callerLeavesTransfer(
    far: Leg,
    when: 'ringing' | 'screening',
    hangUp: (status: DialStatus, source: string) => Promise<void>,
  ): Promise<void> {
    const { caller, entry } = far.far!;
    entry.status = 'canceled';
    caller.run.entries.push(entry);
    await callerHangsUp(caller);
    // The caller's leg stops waiting for commands: it has ended.
    const wake = caller.wake;
    caller.wake = undefined;
    wake?.();
    for (;;) {
      const queued = far.queue.findIndex((command) => command.action === 'hangup');
      if (queued !== -1) far.queue.splice(0, queued);
      const command = await nextCommand(far);
      if (!command) break;
      // provider: a hangup ends the leg with call.hangup (https://developers.telnyx.com/api-reference/call-commands/hangup-call).
      if (command.action === 'hangup') return hangUp(when === 'ringing' ? 'canceled' : 'completed', 'unknown');
    }
    caller.run.errors.push(
      when === 'ringing'
        ? 'the caller hung up while the called party was rung, but the application left its phone ringing (no hangup of the far leg)'
        : 'the caller hung up while the called party was screened, but the application left it on the line (no hangup of the far leg)',
    );
    await hangUp('canceled', 'caller');
  }

  /** The caller and a far leg bridged: call.bridged on both, the talk, then the far end hangs up. */
  async function bridged(far: Leg, durationSeconds: number, hangUp: (status: DialStatus, source: string) => Promise<void>): Promise<void> {
    const { caller, entry, bridge } = far.far!;
    caller.run.entries.push(entry);
    // provider: "call.bridged for Leg A, call.bridged for Leg B" (https://developers.telnyx.com/api-reference/call-commands/bridge-calls).
    await deliver(caller, 'call.bridged', {});
    await deliver(far, 'call.bridged', {});
    await wait(durationSeconds);
    for (const command of far.queue.splice(0)) {
      // provider: send_dtmf digits 0-9, A-D, *, #, with w / W pauses (telnyx SDK resources/calls/actions.d.ts ActionSendDtmfParams).
      if (command.action === 'send_dtmf') entry.sentDigits = (entry.sentDigits ?? '') + String(command.body.digits);
      else caller.run.errors.push(`${command.action} sent to the called party during the bridge (not emulated there)`);
    }
    await hangUp('completed', 'callee');
    bridge!.end();
  }

  /** The caller's side of a bridge: it waits while bridged; without park_after_unbridge Telnyx hangs it up when the bridge ends. */
  async function bridgeCall(leg: Leg, body: Record<string, unknown>): Promise<void> {
    const far = legs.get(String(body.call_control_id));
    if (!far?.far || far.far.caller !== leg) {
      leg.run.errors.push('bridge to a call this caller did not dial (only a dialled transfer leg is emulated)');
      return;
    }
    if (!far.answered || far.ended) {
      leg.run.errors.push('bridge to a far leg that is not answered (play_ringtone is not emulated)');
      return;
    }
    if (leg.endlessPlayback)
      leg.run.errors.push(`bridged while ${leg.endlessPlayback.url} still plays to the caller (send playback_stop first)`);
    let end = () => {};
    const ended = new Promise<void>((resolve) => (end = resolve));
    far.far.bridge = { body, ended, end };
    far.far.bridgeRan();
    far.wake?.();
    await ended;
    // provider: after the bridge the leg is hung up unless park_after_unbridge is self (ActionBridgeParams.park_after_unbridge).
    if (body.park_after_unbridge !== 'self' && !leg.ended) {
      const others = leg.queue.filter((queued) => queued.action !== 'hangup');
      if (others.length)
        leg.run.errors.push(`commands after the bridge ended on an unparked leg: ${others.map((queued) => queued.action).join(', ')}`);
      leg.queue = [];
      await endLeg(leg, { by: 'flow', source: 'callee' });
    }
  }

  /** An outbound leg: initiated, then answered (and machine detection's verdict) or hung up unanswered, then driven by the commands. */
  async function playOutbound(leg: Leg, body: Record<string, unknown>): Promise<CallTranscript> {
    const run = leg.run;
    const startTime = new Date(clock()).toISOString();
    const pickup = run.script.pickup ?? 'human';
    await deliver(leg, 'call.initiated', { direction: 'outgoing', state: 'bridging', start_time: startTime });
    if (pickup === 'busy' || pickup === 'no-answer' || pickup === 'failed') {
      const { cause, sip } = hangupCauses[pickup];
      run.entries.push({ type: 'unanswered', status: pickup });
      await endLeg(leg, { source: 'callee', cause, sip, startTime });
      return {
        provider: 'telnyx',
        entries: run.entries,
        endedBy: run.errors.length ? 'error' : 'caller',
        webhooks: run.webhooks,
        errors: run.errors,
      };
    }
    leg.answered = true;
    run.entries.push({ type: 'answered', by: pickup });
    await deliver(leg, 'call.answered', { state: 'answered', start_time: startTime });
    const detection = body.answering_machine_detection;
    if (detection !== undefined && detection !== 'disabled') {
      // provider: call.machine.detection.ended (human, machine, not_sure), then for a machine with detect_beep
      // call.machine.greeting.ended once its greeting ends (calls.d.ts `answering_machine_detection`; webhooks.d.ts results).
      await deliver(leg, 'call.machine.detection.ended', { result: pickup === 'unknown' ? 'not_sure' : pickup });
      if (pickup === 'machine' && detection === 'detect_beep')
        await deliver(leg, 'call.machine.greeting.ended', { result: 'beep_detected' });
    }
    return driveLeg(leg, 'call.answered');
  }

  function conferenceData(conference: ConferenceState) {
    const now = new Date(clock());
    return {
      id: conference.id,
      name: conference.name,
      record_type: 'conference',
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 4 * 3600_000).toISOString(),
      connection_id: connectionId,
      status: conference.ended ? 'completed' : 'in_progress',
    };
  }

  // ---- playing a call ---------------------------------------------------------------------------

  function nextCommand(leg: Leg): Promise<QueuedCommand | undefined> {
    const queued = leg.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        leg.wake = undefined;
        resolve(undefined);
      }, idleMs);
      leg.wake = () => {
        clearTimeout(timer);
        resolve(leg.queue.shift());
      };
    });
  }

  async function nextInput(run: CallRun): Promise<CallerAction> {
    const action = await nextCallerAction(run.script, run.cursor.input, run.entries);
    run.cursor.input++;
    return action;
  }

  /**
   * Ends a leg with its `call.hangup` (provider: telnyx SDK resources/webhooks.d.ts, `CallHangupWebhookEvent.Payload`:
   * `hangup_cause`, `hangup_source`, `sip_hangup_cause`), recording in its transcript who hung up when `by` is given.
   * The cause defaults to a normal clearing (SIP 200).
   */
  async function endLeg(
    leg: Leg,
    ending: { source: string; by?: 'caller' | 'flow'; cause?: string; sip?: string; startTime?: string },
  ): Promise<void> {
    if (ending.by) {
      leg.run.entries.push({ type: 'hangup', by: ending.by });
      leg.run.endedBy ??= ending.by;
    }
    leg.ended = true;
    await deliver(leg, 'call.hangup', {
      hangup_cause: ending.cause ?? 'normal_clearing',
      hangup_source: ending.source,
      sip_hangup_cause: ending.sip ?? '200',
      state: 'hangup',
      ...(ending.startTime === undefined ? {} : { start_time: ending.startTime }),
    });
  }

  async function callerHangsUp(leg: Leg): Promise<void> {
    await endLeg(leg, { by: 'caller', source: 'caller' });
  }

  /** Whether a queued speak is only SSML breaks: silence. */
  function isSilence(command: QueuedCommand): boolean {
    const heard = spoken(String(command.body.payload), command.body.payload_type);
    return heard.length === 1 && heard[0]!.type === 'pause';
  }

  function say(leg: Leg, payload: string, type: unknown): void {
    leg.run.entries.push(...spoken(payload, type));
  }

  /** What a speak payload sounds like, as transcript entries. */
  function spoken(payload: string, type: unknown): Array<Extract<TranscriptEntry, { type: 'say' | 'pause' }>> {
    const pause = /^<speak>((?:<break time="\d+(?:ms|s)"\/>)+)<\/speak>$/.exec(payload);
    if (type === 'ssml' && pause) {
      const seconds = [...pause[1]!.matchAll(/time="(\d+)(ms|s)"/g)].reduce(
        (total, match) => total + Number(match[1]) / (match[2] === 'ms' ? 1000 : 1),
        0,
      );
      return [{ type: 'pause', seconds }];
    }
    // provider: SSML paragraphs are spoken one after the other with a pause between (https://docs.aws.amazon.com/polly/latest/dg/supportedtags.html).
    const paragraphs = type === 'ssml' ? [...payload.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((match) => match[1]!) : [];
    if (paragraphs.length > 0)
      return paragraphs.map((paragraph) => ({ type: 'say', text: unescapeXml(paragraph.replace(/<[^>]+>/g, '')) }));
    return [{ type: 'say', text: type === 'ssml' ? unescapeXml(payload.replace(/<[^>]+>/g, '')) : payload }];
  }

  function unescapeXml(text: string): string {
    return text
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  }

  function checkEndlessPlayback(leg: Leg, action: string): void {
    if (leg.endlessPlayback) {
      leg.run.errors.push(
        `${action} queued behind the endless playback of ${leg.endlessPlayback.url}: the caller would never hear it (send playback_stop first)`,
      );
    }
  }

  const loops = (loop: unknown): number => (typeof loop === 'number' && loop > 1 ? loop : 1);

  async function perform(leg: Leg, command: QueuedCommand): Promise<void> {
    const { body } = command;
    const run = leg.run;
    switch (command.action) {
      case 'answer':
        await deliver(leg, 'call.answered', { state: 'answered', start_time: new Date(clock()).toISOString() });
        return;
      case 'speak':
        checkEndlessPlayback(leg, 'speak');
        for (let index = 0; index < loops(body.loop); index++) say(leg, String(body.payload), body.payload_type);
        await deliver(leg, 'call.speak.started');
        await deliver(leg, 'call.speak.ended', { status: 'completed' });
        return;
      case 'playback_start': {
        const url = String(body.audio_url ?? body.media_name ?? 'playback_content');
        if (body.loop === 'infinity') {
          const entry: TranscriptEntry = { type: 'play', url };
          run.entries.push(entry);
          leg.endlessPlayback = { url, entry };
          await deliver(leg, 'call.playback.started', { media_url: url, overlay: false });
          return;
        }
        checkEndlessPlayback(leg, 'playback_start');
        for (let index = 0; index < loops(body.loop); index++) run.entries.push({ type: 'play', url });
        await deliver(leg, 'call.playback.started', { media_url: url, overlay: false });
        await deliver(leg, 'call.playback.ended', { media_url: url, overlay: false, status: 'completed' });
        return;
      }
      case 'playback_stop':
        if (leg.endlessPlayback) {
          const url = leg.endlessPlayback.url;
          leg.endlessPlayback = undefined;
          await deliver(leg, 'call.playback.ended', { media_url: url, overlay: false, status: 'cancelled' });
        }
        return;
      case 'gather_using_speak':
      case 'gather_using_audio':
      case 'gather':
        checkEndlessPlayback(leg, command.action);
        return gather(leg, command);
      // provider: transcription_start runs until transcription_stop or hang-up (https://developers.telnyx.com/api-reference/call-commands/transcription-start).
      case 'transcription_start':
        leg.transcribing = body;
        return;
      case 'transcription_stop':
        leg.transcribing = undefined;
        return;
      case 'gather_stop':
        // Sent after the gather ended on its own: nothing left to stop.
        return;
      case 'record_start':
        return recordCall(leg, body);
      case 'record_stop':
        return;
      case 'transfer':
        return transferCall(leg, body);
      case 'transfer_refused': {
        // Not a command: where the API refused this caller's transfer or dial (a number Telnyx cannot call). The caller
        // never hears the far end; the ringback played for it until now is part of the transfer, as for a dialled leg.
        const ringback = leg.endlessPlayback;
        if (ringback?.url === defaultRingbackUrl) run.entries.splice(run.entries.indexOf(ringback.entry), 1);
        run.entries.push({ type: 'transfer', to: String(body.to), status: 'failed' });
        return;
      }
      case 'bridge':
        return bridgeCall(leg, body);
      case 'enqueue':
        return enqueueCall(leg, body);
      case 'leave_queue':
        run.errors.push('leave_queue for a call that is not waiting in a queue');
        return;
      case 'conference_enter':
        return enterConference(leg, command);
      case 'hangup':
        await endLeg(leg, { by: 'flow', source: 'unknown' });
        return;
      case 'reject': {
        // provider: reject declines the unanswered call, cause CALL_REJECTED | USER_BUSY (telnyx SDK resources/calls/actions.d.ts ActionRejectParams).
        if (leg.answered) {
          run.errors.push('reject for a call that was already answered');
          run.endedBy = 'error';
          return;
        }
        const busy = body.cause === 'USER_BUSY';
        run.entries.push({ type: 'reject', reason: busy ? 'busy' : 'rejected' });
        run.endedBy ??= 'flow';
        // The event after a reject is not documented; the documented call.hangup causes user_busy / call_rejected are used.
        await endLeg(leg, { source: 'callee', cause: busy ? 'user_busy' : 'call_rejected', sip: busy ? '486' : '603' });
        return;
      }
      default:
        run.errors.push(`command ${command.action} is not emulated`);
    }
  }

  // provider: Telnyx replays the prompt up to maximum_tries, speaking invalid_payload before a replay after invalid input.
  async function gather(leg: Leg, command: QueuedCommand): Promise<void> {
    const { body } = command;
    const run = leg.run;
    const tries = typeof body.maximum_tries === 'number' ? body.maximum_tries : command.action === 'gather' ? 1 : 3;
    const validDigits = typeof body.valid_digits === 'string' ? body.valid_digits : '0123456789#*';
    const minimum = typeof body.minimum_digits === 'number' ? body.minimum_digits : 1;
    const maximum = typeof body.maximum_digits === 'number' ? body.maximum_digits : 128;
    const terminating = typeof body.terminating_digit === 'string' ? body.terminating_digit : '#';
    let status: 'invalid' | 'timeout' = 'timeout';
    let digits = '';
    const keyEnded = leg.keyEnded;
    leg.keyEnded = undefined;
    if (command.action === 'gather' && keyEnded && leg.transcribing) {
      // A prompt-less gather right after a key ended one, while the call is transcribed: the application took the key
      // for no input and times the silence after it again (a scripted key is one caller action, as on the other
      // emulators). The flow heard no input, so the key is recorded as the Twilio and Vonage emulators record a key
      // pressed to a speech-only gather.
      delete keyEnded.digits;
      keyEnded.timeout = true;
      await deliver(leg, 'call.gather.ended', { status: 'timeout', digits: '' });
      return;
    }
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (command.action === 'gather_using_speak') say(leg, String(body.payload), body.payload_type);
      if (command.action === 'gather_using_audio') run.entries.push({ type: 'play', url: String(body.audio_url ?? body.media_name) });
      const action = await nextInput(run);
      if (typeof action === 'object' && 'hangup' in action) {
        leg.ended = true;
        run.entries.push({ type: 'hangup', by: 'caller' });
        run.endedBy ??= 'caller';
        await deliver(leg, 'call.gather.ended', { status: 'call_hangup', digits: '' });
        await endLeg(leg, { source: 'caller' });
        return;
      }
      if (typeof action === 'string') {
        // provider: "Speech will be interrupted when a DTMF signal is received"
        // (https://developers.telnyx.com/api-reference/call-commands/gather-using-speak; gather-using-audio alike): the
        // prompt stops at the key and the gather ends once the keys end it (maximum_digits, terminating_digit).
        const entry: Extract<TranscriptEntry, { type: 'input' }> = { type: 'input', digits: action };
        run.entries.push(entry);
        leg.keyEnded = entry;
        let collected = '';
        for (const key of action) {
          await deliver(leg, 'call.dtmf.received', { digit: key });
          if (terminating !== '' && key === terminating) break;
          collected += key;
          if (collected.length >= maximum) break;
        }
        const valid =
          collected.length >= minimum && collected.length <= maximum && [...collected].every((key) => validDigits.includes(key));
        if (valid) {
          await deliver(leg, 'call.gather.ended', { status: 'valid', digits: collected });
          return;
        }
        status = collected === '' ? 'timeout' : 'invalid';
        digits = collected;
      } else {
        leg.keyEnded = undefined;
        if ('speech' in action && leg.transcribing) {
          run.entries.push({ type: 'input', speech: action.speech });
          return speechDuringGather(leg, action);
        }
        if ('speech' in action) {
          run.entries.push({ type: 'input', speech: action.speech });
          run.errors.push('the caller spoke, but Call Control gathers only listen for digits (no transcription_start)');
        } else {
          run.entries.push({ type: 'input', timeout: true });
        }
        status = 'timeout';
        digits = '';
      }
      if (attempt < tries && status === 'invalid') {
        if (typeof body.invalid_payload === 'string') say(leg, body.invalid_payload, body.payload_type);
        if (typeof body.invalid_audio_url === 'string') run.entries.push({ type: 'play', url: body.invalid_audio_url });
      }
    }
    await deliver(leg, 'call.gather.ended', status === 'invalid' ? { status, digits } : { status, digits: '' });
  }

  // provider: a running transcription reports the caller's speech as call.transcription events, interim ones
  // (is_final false, when interim_results is set) while they talk and a final one with the utterance and its confidence
  // (https://developers.telnyx.com/api-reference/callbacks/transcription; telnyx SDK resources/webhooks.d.ts Transcription,
  // resources/calls/actions.d.ts TranscriptionEngineGoogleConfig.interim_results). The DTMF gather keeps waiting meanwhile,
  // until gather_stop ends it with status cancelled (https://developers.telnyx.com/api-reference/call-commands/gather-stop);
  // one that is not stopped times out while the caller is still talking.
  async function speechDuringGather(leg: Leg, action: { speech: string; confidence?: number }): Promise<void> {
    const run = leg.run;
    const config = (leg.transcribing?.transcription_engine_config ?? {}) as Record<string, unknown>;
    const words = action.speech.trim().split(/\s+/);
    if (config.interim_results === true && words.length > 1) {
      await deliver(leg, 'call.transcription', { transcription_data: { is_final: false, transcript: words[0], confidence: null } });
    }
    const stop = leg.queue.findIndex((queued) => queued.action === 'gather_stop');
    if (stop !== -1) {
      leg.queue.splice(stop, 1);
      await deliver(leg, 'call.gather.ended', { status: 'cancelled', digits: '' });
      // A gather started after the stop (callflow's watchdog) is still waiting when the final result comes.
      const watchdog = leg.queue.findIndex((queued) => queued.action === 'gather');
      if (watchdog !== -1) leg.queue.splice(watchdog, 1);
      await deliver(leg, 'call.transcription', {
        transcription_data: { is_final: true, transcript: action.speech, confidence: action.confidence ?? 0.92 },
      });
      return;
    }
    if (words.length > 1) {
      run.errors.push('the caller started speaking but the application did not stop the gather: it timed out while they talked');
      await deliver(leg, 'call.gather.ended', { status: 'timeout', digits: '' });
      return;
    }
    // One short word: the final result comes before the gather's timeout.
    await deliver(leg, 'call.transcription', {
      transcription_data: { is_final: true, transcript: action.speech, confidence: action.confidence ?? 0.92 },
    });
  }

  async function recordCall(leg: Leg, body: Record<string, unknown>): Promise<void> {
    const run = leg.run;
    const script = run.script.recordings?.[run.cursor.recordings++] ?? { durationSeconds: 5 };
    const started = new Date(clock());
    const url = `${apiBaseUrl}/recordings/${randomUUID()}.mp3`;
    const saved = (seconds: number) => ({
      recording_urls: { mp3: url, wav: null },
      public_recording_urls: {},
      recording_started_at: started.toISOString(),
      recording_ended_at: new Date(started.getTime() + seconds * 1000).toISOString(),
      channels: body.channels ?? 'single',
    });
    if ('hangup' in script) {
      const recorded = script.durationSeconds ?? 5;
      run.entries.push({ type: 'record', durationSeconds: recorded, url });
      await callerHangsUp(leg);
      await deliver(leg, 'call.recording.saved', saved(recorded));
      return;
    }
    if (leg.transcribing && typeof body.timeout_secs === 'number' && body.timeout_secs > 0) {
      // provider: "Call recording can not be started with 'timeout_secs' while the call is being transcribed" (https://developers.telnyx.com/api/errors/90053).
      run.errors.push('record_start with timeout_secs while the call is transcribed: Telnyx refuses it (90053)');
    }
    if (leg.transcribing) {
      const timerSeconds = await silenceTimer(leg);
      if (timerSeconds !== undefined) return recordTimed(leg, body, script, timerSeconds, saved, url);
    }
    // provider: max_length 0 (the default) is infinite; timeout_secs (default 0, infinite) "only starts when the speech is
    // detected" (telnyx SDK resources/calls/actions.d.ts ActionStartRecordingParams), so a caller who never speaks
    // (a scripted 0-second message) and a recording without timeout_secs both run until max_length.
    const maxLength = typeof body.max_length === 'number' && body.max_length > 0 ? body.max_length : Infinity;
    const silenceStops = typeof body.timeout_secs === 'number' && body.timeout_secs > 0 && script.durationSeconds > 0;
    const seconds =
      run.options.recordingsEndWithKey && script.durationSeconds > 0
        ? Math.min(script.durationSeconds, maxLength)
        : silenceStops
          ? Math.min(script.durationSeconds, maxLength)
          : maxLength;
    if (seconds === Infinity) {
      run.errors.push('record_start without max_length or a silence stop the caller triggers: recorded until the caller hung up');
      run.entries.push({ type: 'record', durationSeconds: script.durationSeconds, url });
      await callerHangsUp(leg);
      await deliver(leg, 'call.recording.saved', saved(script.durationSeconds));
      return;
    }
    run.entries.push({ type: 'record', durationSeconds: seconds, url });
    await wait(seconds);
    if (run.options.recordingsEndWithKey) {
      await deliver(leg, 'call.dtmf.received', { digit: '#' });
      const stop = leg.queue.findIndex((queued) => queued.action === 'record_stop');
      if (stop === -1) run.errors.push('the caller pressed # but the application sent no record_stop: recorded to max_length');
      else leg.queue.splice(stop, 1);
    }
    await deliver(leg, 'call.recording.saved', saved(seconds));
  }

  /** The next command, when it is `action`; else it stays queued and the run notes what was missing. */
  async function expectCommand(leg: Leg, action: string, why: string): Promise<QueuedCommand | undefined> {
    const next = await nextCommand(leg);
    if (next?.action === action) return next;
    if (next) leg.queue.unshift(next);
    leg.run.errors.push(`${why}, but the application sent no ${action}${next ? ` (it sent ${next.action})` : ''}`);
    return undefined;
  }

  /** The seconds of the silent `gather` an application sends right after record_start to time the silence itself. */
  async function silenceTimer(leg: Leg): Promise<number | undefined> {
    const next = await nextCommand(leg);
    const timer =
      next?.action === 'gather' && typeof next.body.initial_timeout_millis === 'number'
        ? next.body.initial_timeout_millis / 1000
        : undefined;
    if (timer === undefined && next) leg.queue.unshift(next);
    return timer;
  }

  // provider: a running transcription reports speech as call.transcription, interim while the caller talks and final
  // when an utterance ends (https://developers.telnyx.com/api-reference/callbacks/transcription); a gather with no digit
  // ends with status timeout after initial_timeout_millis, and gather_stop ends it with status cancelled
  // (https://developers.telnyx.com/api-reference/call-commands/gather, gather-stop); trim-silence drops the silence at the
  // start and end of a recording (telnyx SDK resources/calls/actions.d.ts ActionStartRecordingParams.trim).
  async function recordTimed(
    leg: Leg,
    body: Record<string, unknown>,
    script: { durationSeconds: number },
    timerSeconds: number,
    saved: (seconds: number) => Record<string, unknown>,
    url: string,
  ): Promise<void> {
    const run = leg.run;
    const maxLength = typeof body.max_length === 'number' && body.max_length > 0 ? body.max_length : Infinity;
    const trimmed = body.trim === 'trim-silence';
    const spoken = Math.min(script.durationSeconds, maxLength);
    let recorded: number;
    if (spoken <= 0) {
      await wait(Math.min(timerSeconds, maxLength));
      await deliver(leg, 'call.gather.ended', { status: 'timeout', digits: '' });
      const stopped =
        timerSeconds < maxLength && (await expectCommand(leg, 'record_stop', 'the caller stayed silent until the silent gather timed out'));
      recorded = stopped ? (trimmed ? 0 : timerSeconds) : maxLength;
    } else {
      await deliver(leg, 'call.transcription', { transcription_data: { is_final: false, transcript: 'hello', confidence: null } });
      if (await expectCommand(leg, 'gather_stop', 'the caller started speaking'))
        await deliver(leg, 'call.gather.ended', { status: 'cancelled', digits: '' });
      await wait(spoken);
      recorded = spoken;
      if (spoken >= maxLength) {
        // max_length ends it while the caller is still talking.
      } else if (run.options.recordingsEndWithKey) {
        await deliver(leg, 'call.dtmf.received', { digit: '#' });
        await expectCommand(leg, 'record_stop', 'the caller pressed #');
      } else {
        await deliver(leg, 'call.transcription', {
          transcription_data: { is_final: true, transcript: 'hello, this is my message', confidence: 0.9 },
        });
        if (await expectCommand(leg, 'gather', 'an utterance ended while recording')) {
          await wait(timerSeconds);
          await deliver(leg, 'call.gather.ended', { status: 'timeout', digits: '' });
          if (!(await expectCommand(leg, 'record_stop', 'the silence after the message ran out'))) recorded = maxLength;
          else if (!trimmed) recorded = spoken + timerSeconds;
        } else recorded = maxLength;
      }
    }
    if (recorded === Infinity) {
      run.errors.push('record_start without max_length whose silence was never stopped: recorded until the caller hung up');
      recorded = spoken;
    }
    run.entries.push({ type: 'record', durationSeconds: recorded, url });
    await deliver(leg, 'call.recording.saved', saved(recorded));
  }

  const hangupCauses: Record<DialStatus, { cause: string; sip: string }> = {
    completed: { cause: 'normal_clearing', sip: '200' },
    busy: { cause: 'user_busy', sip: '486' },
    'no-answer': { cause: 'timeout', sip: '487' },
    failed: { cause: 'call_rejected', sip: '403' },
    canceled: { cause: 'originator_cancel', sip: '487' },
  };

  async function transferCall(leg: Leg, body: Record<string, unknown>): Promise<void> {
    const run = leg.run;
    const scripted: TransferScript = run.script.transfers?.[run.cursor.transfers++] ?? { status: 'completed', durationSeconds: 30 };
    const { status, durationSeconds } =
      typeof scripted === 'string' ? { status: scripted, durationSeconds: 30 } : { durationSeconds: 30, ...scripted };
    const to = String(body.to);
    const far = newLeg(
      run,
      typeof body.from === 'string' ? body.from : leg.to,
      to,
      'outgoing',
      leg.sessionId,
      typeof body.target_leg_client_state === 'string' ? body.target_leg_client_state : undefined,
    );
    const entry: Extract<TranscriptEntry, { type: 'transfer' }> = { type: 'transfer', to, status };
    // provider: transfer passes the far end's early media (its ringback) to the caller unless early_media is false
    // (telnyx SDK resources/calls/actions.d.ts ActionTransferParams.early_media); what plays while audio_url plays to the
    // destination is not documented (docs/providers/telnyx.md), so nothing else is recorded.
    if (body.early_media === false) entry.callerHeardWhileRinging = 'silence';
    // provider: send_digits_on_answer is sent once the destination answers (telnyx SDK resources/calls/actions.d.ts ActionTransferParams).
    if (status === 'completed' && typeof body.send_digits_on_answer === 'string') entry.sentDigits = body.send_digits_on_answer;
    // provider: audio_url (or media_name) is played to the destination when it answers, before the bridge (ActionTransferParams.audio_url).
    if (status === 'completed' && (typeof body.audio_url === 'string' || typeof body.media_name === 'string'))
      entry.calleeHeard = [String(body.audio_url ?? body.media_name)];
    run.entries.push(entry);
    await deliver(far, 'call.initiated', { direction: 'outgoing', state: 'bridging' });
    const { cause, sip } = hangupCauses[status];
    if (status === 'completed') {
      far.answered = true;
      await deliver(far, 'call.answered', { state: 'answered' });
      await deliver(leg, 'call.bridged', {});
      await deliver(far, 'call.bridged', {});
      await wait(durationSeconds);
    } else if (status === 'no-answer') {
      await wait(typeof body.timeout_secs === 'number' ? body.timeout_secs : 30);
    }
    await endLeg(far, { source: status === 'canceled' ? 'caller' : 'callee', cause, sip });
    if (status === 'completed' && body.park_after_unbridge !== 'self' && !leg.ended) {
      // provider: without park_after_unbridge the caller's leg is hung up when the bridge ends.
      const others = leg.queue.filter((queued) => queued.action !== 'hangup');
      if (others.length)
        run.errors.push(`commands after the bridge ended on an unparked leg: ${others.map((queued) => queued.action).join(', ')}`);
      leg.queue = [];
      await endLeg(leg, { by: 'flow', source: 'callee' });
    }
  }

  /** Seconds a spoken text lasts on the queue clock: the same measure as the Twilio emulator's `<Say>`. */
  const speakSeconds = (text: string) => Math.max(1, text.split(/\s+/).length / 2.5);

  // provider: a queued call hears only what the app plays to it (no music of the queue's own:
  // https://developers.telnyx.com/docs/voice/programmable-voice/queueing-calls); the scripted outcome happens at the first
  // break in what it plays once `waitSeconds` are over, and max_wait_time_secs dequeues with reason timeout at such a break.
  async function enqueueCall(leg: Leg, body: Record<string, unknown>): Promise<void> {
    const run = leg.run;
    const queue = String(body.queue_name);
    const scripted = run.script.queues?.[run.cursor.queues++] ?? { result: 'hangup' as const, waitSeconds: 30 };
    const waitSeconds = scripted.waitSeconds ?? 30;
    const maxWait = typeof body.max_wait_time_secs === 'number' ? body.max_wait_time_secs : Infinity;
    const waiting = { queue, position: scripted.position ?? 1, averageWaitSeconds: scripted.averageWaitSeconds ?? 0, waitedSeconds: 0 };
    leg.waiting = waiting;
    await deliver(leg, 'call.enqueued', {
      queue,
      current_position: waiting.position,
      queue_avg_wait_time_secs: waiting.averageWaitSeconds,
    });
    const pressing = scripted.result === 'left';
    // A break is the start of the wait or the end of a play: only there does the outcome come (a speak runs into its play).
    let atBreak = true;
    // Music looping since before the enqueue: no breaks, the outcome comes at the end of the wait.
    if (leg.endlessPlayback) waiting.waitedSeconds = Math.max(waitSeconds, 1);
    for (let plays = 0; plays < 100 && !leg.ended; ) {
      if (atBreak && (waiting.waitedSeconds >= waitSeconds || waiting.waitedSeconds >= maxWait)) break;
      const command = await nextCommand(leg);
      if (!command) {
        // Nothing more to play: the caller waits in silence until the outcome.
        waiting.waitedSeconds = Math.max(waitSeconds, 1);
        break;
      }
      if (command.action === 'speak') {
        const heard = spoken(String(command.body.payload), command.body.payload_type);
        leg.run.entries.push(...heard);
        const silence = heard.length === 1 && heard[0]!.type === 'pause' ? heard[0]!.seconds : undefined;
        // A silence after a play (a speak of SSML breaks, as callflow emulates a pause) is the break's own: the break ends with it.
        waiting.waitedSeconds += silence ?? speakSeconds(String(command.body.payload));
        // A key is heard as a play ends (see below), so for a caller who will press only the timeout is decided here.
        atBreak = silence !== undefined && (!pressing || waiting.waitedSeconds >= maxWait);
        await deliver(leg, 'call.speak.started');
        await deliver(leg, 'call.speak.ended', { status: 'completed' });
      } else if (command.action === 'playback_start' && command.body.loop !== 'infinity') {
        const url = String(command.body.audio_url ?? command.body.media_name ?? 'playback_content');
        run.entries.push({ type: 'play', url });
        plays++;
        waiting.waitedSeconds += playSeconds;
        await deliver(leg, 'call.playback.started', { media_url: url, overlay: false });
        await deliver(leg, 'call.playback.ended', { media_url: url, overlay: false, status: 'completed' });
        // provider: call.dtmf.received is sent whenever the caller presses a key (telnyx SDK resources/webhooks.d.ts CallDtmfReceived):
        // a due key is pressed as the play ends; any other outcome waits for the silence queued after the play, if there is one.
        const silenceNext = leg.queue[0]?.action === 'speak' && isSilence(leg.queue[0]);
        atBreak = !silenceNext || (pressing && waiting.waitedSeconds >= waitSeconds);
      } else if (command.action === 'playback_start') {
        // An endless play: no break until it is stopped, so the outcome comes at the end of the wait.
        await perform(leg, command);
        waiting.waitedSeconds = Math.max(waitSeconds, 1);
      } else {
        run.errors.push(
          `${command.action} sent while the caller waits in queue '${queue}' (the emulator expects speak and playback_start there)`,
        );
        await perform(leg, command);
      }
    }
    // The outcome interrupts what the app queued for the next break: the caller never hears it.
    leg.queue = leg.queue.filter((queued) => queued.action !== 'speak' && queued.action !== 'playback_start');
    const waited = Math.floor(waiting.waitedSeconds);
    const dequeued = async (reason: string) => {
      leg.waiting = undefined;
      await deliver(leg, 'call.dequeued', { queue, queue_position: waiting.position, reason, wait_time_secs: waited });
    };
    if (waiting.waitedSeconds >= maxWait && !(pressing && waitSeconds <= maxWait && waiting.waitedSeconds >= waitSeconds)) {
      run.entries.push({ type: 'enqueue', queue, result: 'timeout' });
      await dequeued('timeout');
      return;
    }
    switch (scripted.result) {
      case 'bridged':
        run.entries.push({ type: 'enqueue', queue, result: 'bridged' });
        // An agent's leg is bridged to the caller, talks, and hangs up; the caller's leg is parked again.
        await deliver(leg, 'call.bridged', {});
        await dequeued(run.options.bridgedDequeueReason ?? 'bridged');
        return;
      case 'timeout':
        run.entries.push({ type: 'enqueue', queue, result: 'timeout' });
        await dequeued('timeout');
        return;
      case 'hangup':
        run.entries.push({ type: 'enqueue', queue, result: 'hangup' });
        await callerHangsUp(leg);
        await dequeued('hangup');
        return;
      case 'left': {
        run.entries.push({ type: 'enqueue', queue, result: 'left' });
        const digit = scripted.digit ?? '*';
        await deliver(leg, 'call.dtmf.received', { digit });
        const leave = leg.queue.findIndex((queued) => queued.action === 'leave_queue');
        if (leave === -1) {
          run.errors.push(`the caller pressed ${digit} to leave queue '${queue}' but the application sent no leave_queue`);
          await callerHangsUp(leg);
          await dequeued('hangup');
          return;
        }
        leg.queue.splice(leave, 1);
        // Whatever the app queued after the key (the next hold play) is cut off by the leave as well.
        leg.queue = leg.queue.filter((queued) => queued.action !== 'speak' && queued.action !== 'playback_start');
        await dequeued('leave');
        return;
      }
    }
  }

  async function enterConference(leg: Leg, command: QueuedCommand): Promise<void> {
    const run = leg.run;
    const conference = conferences.get(command.conference!.id)!;
    const { body } = command;
    if (conference.ended) {
      run.errors.push(`joined conference '${conference.name}' after it ended`);
      return;
    }
    const endOnExit = body.end_conference_on_exit === true;
    conference.legs.set(leg.id, { endOnExit });
    // provider: join's `mute` (ActionJoinParams.mute); create has none (ConferenceCreateParams), so a creator starts unmuted.
    if (body.mute === true && !conference.muted.includes(leg.id)) conference.muted.push(leg.id);
    if (!conference.participants.includes(leg.id)) conference.participants.push(leg.id);
    conference.joined.push(leg.id);
    run.entries.push({ type: 'conference', room: conference.name });
    if (command.conference!.creating) await deliver(leg, 'conference.created', { conference_id: conference.id });
    if (!conference.started && body.start_conference_on_enter === true) conference.started = true;
    if (!conference.started && (conference.holdAudioUrl || typeof body.hold_audio_url === 'string')) conference.heardHoldAudio.push(leg.id);
    await deliver(leg, 'conference.participant.joined', { conference_id: conference.id });
    const scripted = run.script.conferences?.[run.cursor.conferences++] ?? { status: 'ended' as const };
    const seconds = 'seconds' in scripted && scripted.seconds !== undefined ? scripted.seconds : 0;
    // `until`: the caller stays until the test's event (another caller's arrival or end), whatever the machine's speed.
    const stay = scripted.until !== undefined ? Promise.resolve(scripted.until).then(noop, noop) : Promise.resolve();
    const how = await Promise.race([
      stay.then(() => wait(seconds)).then(() => 'scripted' as const),
      new Promise<'leave' | 'hangup'>((resolve) => (leg.conferenceLeave = resolve)),
    ]);
    leg.conferenceLeave = undefined;
    conference.participants = conference.participants.filter((id) => id !== leg.id);
    conference.muted = conference.muted.filter((id) => id !== leg.id);
    if ('hangup' in scripted && how === 'scripted') await callerHangsUp(leg);
    if (how === 'hangup') await endLeg(leg, { by: 'flow', source: 'unknown' });
    await deliver(leg, 'conference.participant.left', { conference_id: conference.id });
    // provider: end_conference_on_exit ends the room with "all remaining participants be hung up" (ActionJoinParams).
    if (endOnExit) for (const id of conference.participants) legs.get(id)?.conferenceLeave?.('hangup');
    if (conference.participants.length === 0 && !conference.ended) {
      conference.ended = true;
      const saved = leg.clientState;
      leg.clientState = conference.creatorClientState;
      await deliver(leg, 'conference.ended', {
        conference_id: conference.id,
        reason: endOnExit ? 'host_left' : 'all_left',
        occurred_at: new Date(clock()).toISOString(),
      });
      leg.clientState = saved;
    }
  }

  async function play(script: CallScript, callOptions: TelnyxCallOptions): Promise<CallTranscript> {
    const run: CallRun = {
      script,
      options: callOptions,
      entries: [],
      errors: [],
      webhooks: 0,
      cursor: { input: 0, transfers: 0, recordings: 0, queues: 0, conferences: 0 },
    };
    const leg = newLeg(run, script.from ?? '+15551230000', script.to ?? '+15559870000', 'incoming');
    await deliver(leg, 'call.initiated', {
      direction: 'incoming',
      state: 'parked',
      caller_id_name: script.from ?? '+15551230000',
      start_time: new Date(clock()).toISOString(),
    });
    return driveLeg(leg, 'call.initiated');
  }

  /**
   * The caller's next command while the far legs it waits on (`pending`) are up; undefined once they have ended (then
   * `pendingFar` is cleared, unless another dial replaced it) or the leg was woken without a command (it ended).
   */
  async function commandWhileFarLegIsUp(leg: Leg, pending: Promise<void>): Promise<QueuedCommand | undefined> {
    const queued = leg.queue.shift();
    if (queued) return queued;
    let farEnded = false;
    let wake: (() => void) | undefined;
    const command = await new Promise<QueuedCommand | undefined>((resolve, reject) => {
      wake = () => resolve(leg.ended ? undefined : leg.queue.shift());
      leg.wake = wake;
      // A far leg that failed (an emulator fault) fails the call, as awaiting it did.
      pending.then(() => {
        farEnded = true;
        resolve(undefined);
      }, reject);
    }).finally(() => {
      if (leg.wake === wake) leg.wake = undefined;
    });
    if (farEnded && leg.pendingFar === pending) leg.pendingFar = undefined;
    return command;
  }

  /** Runs the commands the application sends for a leg until it ends. */
  async function driveLeg(leg: Leg, after: string): Promise<CallTranscript> {
    const run = leg.run;
    let last = after;
    while (!leg.ended && run.endedBy !== 'error') {
      // While the far leg of its transfer rings and is screened, the caller waits for as long as that takes: its next
      // command (the bridge, once the far leg accepts) comes with the far leg's events, not its own, so no idle timeout
      // applies. (Waiting for the far leg alone once an idle timeout had passed deadlocked a screening slower than idleMs:
      // the bridge sat in this queue while the far leg waited for it to run, until both gave up.)
      const pending = leg.pendingFar;
      const command = pending !== undefined ? await commandWhileFarLegIsUp(leg, pending) : await nextCommand(leg);
      if (!command) {
        // The far leg ended (what follows came with its call.hangup), or a transfer was dialled with nothing for this leg.
        if (pending !== undefined || leg.pendingFar !== undefined) continue;
        run.errors.push(`the application sent no command after ${last}: the caller hears silence`);
        run.endedBy = 'error';
        break;
      }
      last = command.action;
      await perform(leg, command);
    }
    if (!leg.ended) {
      leg.ended = true;
      run.entries.push({ type: 'hangup', by: 'caller' });
    }
    // The caller can end while the far leg of its transfer is still up (it hung up during the ringing or the screen):
    // the call is over once that leg is too, with what the application sent it.
    for (let pending = leg.pendingFar; pending !== undefined; pending = leg.pendingFar) {
      await pending;
      if (leg.pendingFar === pending) leg.pendingFar = undefined;
    }
    return { provider: 'telnyx', entries: run.entries, endedBy: run.endedBy ?? 'caller', webhooks: run.webhooks, errors: run.errors };
  }

  const server: Server = createServer((request, response) => {
    onRequest(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        reply(response, 500, telnyxError('10007', 'Unexpected error', error instanceof Error ? error.message : String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const apiBaseUrl = `http://127.0.0.1:${port}/v2`;

  return {
    apiBaseUrl,
    publicKey: signer.publicKey,
    privateKey: signer.privateKey,
    connectionId,
    requests,
    deliveryStats,
    call: (script, callOptions = {}) => play(script, callOptions),
    scriptOutbound: (...scripts) => void outboundScripts.push(...scripts),
    outboundCalls,
    failNext(action, failure = {}) {
      failures.push({ action, status: failure.status ?? 500, times: failure.times ?? 1 });
    },
    conferences() {
      return [...conferences.values()].map(({ legs: _legs, creator: _creator, creatorClientState: _state, ...conference }) => ({
        ...conference,
        participants: [...conference.participants],
        joined: [...conference.joined],
        heardHoldAudio: [...conference.heardHoldAudio],
      }));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
