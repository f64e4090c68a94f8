import { CallFlowError, isCallFlowError, updateJson, type Logger, type Store } from '@callflow/core';
import type {
  CreateConferenceBody as ConferenceCreateParams,
  JoinConferenceBody as ActionJoinParams,
  LeaveConferenceBody,
  MuteConferenceBody,
} from './call-control-bodies.js';
import type { TelnyxAction, TelnyxCommand, TelnyxConferenceBody } from './plan-commands.js';

/** The body of one planned command, typed with the telnyx SDK's parameters. */
type CommandBody<Action extends TelnyxAction> = Extract<TelnyxCommand, { action: Action }>['body'];

/** Per-request options the executor passes: its timeout in ms, and no retries inside the client (the executor retries). */
export interface TelnyxRequestOptions {
  /** Milliseconds (the SDK's name and unit). */
  timeout?: number;
  /** Always 0: a client that retried on its own would multiply the executor's retries. */
  maxRetries?: 0;
}

/** The call commands callflow sends, named as the telnyx SDK's `client.calls.actions`. */
export interface TelnyxCallActions {
  answer(callControlId: string, body: CommandBody<'answer'>, options?: TelnyxRequestOptions): Promise<unknown>;
  speak(callControlId: string, body: CommandBody<'speak'>, options?: TelnyxRequestOptions): Promise<unknown>;
  startPlayback(callControlId: string, body: CommandBody<'playback_start'>, options?: TelnyxRequestOptions): Promise<unknown>;
  stopPlayback(callControlId: string, body: CommandBody<'playback_stop'>, options?: TelnyxRequestOptions): Promise<unknown>;
  gatherUsingSpeak(callControlId: string, body: CommandBody<'gather_using_speak'>, options?: TelnyxRequestOptions): Promise<unknown>;
  gatherUsingAudio(callControlId: string, body: CommandBody<'gather_using_audio'>, options?: TelnyxRequestOptions): Promise<unknown>;
  gather(callControlId: string, body: CommandBody<'gather'>, options?: TelnyxRequestOptions): Promise<unknown>;
  stopGather(callControlId: string, body: CommandBody<'gather_stop'>, options?: TelnyxRequestOptions): Promise<unknown>;
  startTranscription(callControlId: string, body: CommandBody<'transcription_start'>, options?: TelnyxRequestOptions): Promise<unknown>;
  stopTranscription(callControlId: string, body: CommandBody<'transcription_stop'>, options?: TelnyxRequestOptions): Promise<unknown>;
  startRecording(callControlId: string, body: CommandBody<'record_start'>, options?: TelnyxRequestOptions): Promise<unknown>;
  stopRecording(callControlId: string, body: CommandBody<'record_stop'>, options?: TelnyxRequestOptions): Promise<unknown>;
  transfer(callControlId: string, body: CommandBody<'transfer'>, options?: TelnyxRequestOptions): Promise<unknown>;
  enqueue(callControlId: string, body: CommandBody<'enqueue'>, options?: TelnyxRequestOptions): Promise<unknown>;
  leaveQueue(callControlId: string, body: CommandBody<'leave_queue'>, options?: TelnyxRequestOptions): Promise<unknown>;
  hangup(callControlId: string, body: CommandBody<'hangup'>, options?: TelnyxRequestOptions): Promise<unknown>;
  reject(callControlId: string, body: CommandBody<'reject'>, options?: TelnyxRequestOptions): Promise<unknown>;
  /** Connects two legs: a dialled transfer's far leg to the caller. */
  bridge(callControlId: string, body: CommandBody<'bridge'>, options?: TelnyxRequestOptions): Promise<unknown>;
  /** DTMF to a leg: a dialled transfer's `sendDigits` once bridged. */
  sendDtmf(callControlId: string, body: CommandBody<'send_dtmf'>, options?: TelnyxRequestOptions): Promise<unknown>;
}

/**
 * The part of a Call Control client callflow uses: `createCallControlClient({ apiKey })` (built in, fetch only) or a
 * telnyx SDK client, `new Telnyx({ apiKey })`. A failed request rejects with an error carrying the HTTP `status` and
 * the parsed response body in `error`; a network failure or timeout, with no `status`.
 */
export interface TelnyxClient {
  calls: {
    actions: TelnyxCallActions;
    /** `POST /calls` (telnyx SDK `client.calls.dial`): `startTelnyxCall`, and the far leg of a screened or spoken-whisper transfer. */
    dial?(body: TelnyxDialParams, options?: TelnyxRequestOptions): Promise<{ data?: { call_control_id?: string } } | unknown>;
  };
  conferences: {
    create(body: ConferenceCreateParams, options?: TelnyxRequestOptions): Promise<{ data?: { id?: string } }>;
    actions: {
      join(conferenceId: string, body: ActionJoinParams, options?: TelnyxRequestOptions): Promise<unknown>;
      /** `POST /conferences/{id}/actions/mute`: mutes the caller who created a room with `muted: true` (create takes no mute). */
      mute?(conferenceId: string, body: MuteConferenceBody, options?: TelnyxRequestOptions): Promise<unknown>;
      /** `POST /conferences/{id}/actions/leave`: the others leave, back to their flows, when an `endOnExit` caller goes. */
      leave?(conferenceId: string, body: LeaveConferenceBody, options?: TelnyxRequestOptions): Promise<unknown>;
    };
    /** `GET /conferences/{id}/participants`: who is still in the room when an `endOnExit` caller goes. */
    listParticipants?(
      conferenceId: string,
      query?: { 'page[size]'?: number; 'page[number]'?: number },
      options?: TelnyxRequestOptions,
    ): PromiseLike<{ data?: Array<{ call_control_id?: string }> }>;
  };
  /** Where a waiting caller is and how long the queue waits, for the flow's announcements (the SDK's `client.queues`); without it the place is announced on entry only. */
  queues?: {
    retrieve(queueName: string, options?: TelnyxRequestOptions): Promise<{ data?: { average_wait_time_secs?: number } }>;
    calls: {
      retrieve(
        callControlId: string,
        params: { queue_name: string },
        options?: TelnyxRequestOptions,
      ): Promise<{ data?: { queue_position?: number; wait_time_secs?: number } }>;
    };
  };
}

/** The `calls.dial` parameters callflow sends (telnyx SDK resources/calls/calls.d.ts `CallDialParams`). */
export interface TelnyxDialParams {
  connection_id: string;
  to: string;
  from: string;
  timeout_secs?: number;
  client_state?: string;
  command_id?: string;
  answering_machine_detection?: 'premium' | 'detect' | 'detect_beep' | 'detect_words' | 'greeting_end' | 'disabled';
  webhook_url?: string;
  link_to?: string;
  bridge_intent?: boolean;
  sip_auth_username?: string;
  sip_auth_password?: string;
  time_limit_secs?: number;
}

/** How the executor sends commands. */
export interface ExecuteCommandsOptions {
  client: TelnyxClient;
  /** Holds the conference name → id map. */
  store: Store;
  logger: Logger;
  /** Most retries of one command that failed with a network error, a timeout, 408, 429 or 5xx; default 10. Safe: every command carries its `command_id`. */
  retries?: number;
  /** First retry delay; doubles each time, up to 2,000 ms; default 200 ms. */
  retryDelayMs?: number;
  /**
   * Milliseconds one command may spend being retried before the executor gives up on it for now (`retryLater`);
   * default 4,000, under the webhook's lease and Telnyx's webhook timeout, so the event can still be answered 503.
   */
  retryBudgetMs?: number;
  /** Per-request timeout; default 2,000 ms (Telnyx suggests re-sending a command unanswered after 500 ms). */
  timeoutMs?: number;
}

/** What happened to a batch of commands. */
export interface ExecutionReport {
  /** Actions accepted by Telnyx, in order (a retried command counts once). */
  sent: string[];
  /** Requests made, retries included. */
  requests: number;
  /** The call had already ended (Telnyx answered 422 "call has already ended"); the rest was dropped. */
  callEnded?: boolean;
  /** The command that failed for good (a refusal that no retry changes); the rest was not sent. */
  failed?: { index: number; action: string; message: string };
  /**
   * The command still failing with a retryable error when the retry budget ran out: commands from `index` on were not
   * (or maybe not) accepted, and are to be sent again, with the same `command_id`s, by the event's redelivery.
   */
  retryLater?: { index: number; action: string; message: string };
}

type ErrorKind = 'retry' | 'gone' | 'fatal';

function classify(error: unknown): ErrorKind {
  if (isCallFlowError(error, 'invalid-options')) return 'fatal';
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number') return 'retry';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  const body = JSON.stringify((error as { error?: unknown }).error ?? '');
  if ((status === 422 || status === 404) && /90018|already ended|call.*not.*(alive|active)|hangup/i.test(body)) return 'gone';
  return 'fatal';
}

type CallAction = (callControlId: string, body: unknown, options: TelnyxRequestOptions) => Promise<unknown>;

/** Each call command's client method, as the telnyx SDK names it (`client.calls.actions.*`). */
const callMethods = {
  answer: 'answer',
  speak: 'speak',
  playback_start: 'startPlayback',
  playback_stop: 'stopPlayback',
  gather_using_speak: 'gatherUsingSpeak',
  gather_using_audio: 'gatherUsingAudio',
  gather: 'gather',
  gather_stop: 'stopGather',
  transcription_start: 'startTranscription',
  transcription_stop: 'stopTranscription',
  record_start: 'startRecording',
  record_stop: 'stopRecording',
  transfer: 'transfer',
  enqueue: 'enqueue',
  leave_queue: 'leaveQueue',
  hangup: 'hangup',
  reject: 'reject',
  bridge: 'bridge',
  send_dtmf: 'sendDtmf',
} as const satisfies Record<
  Exclude<TelnyxAction, 'dial' | 'conference_join_or_create' | 'conference_leave_others'>,
  keyof TelnyxCallActions
>;

/** Stops that may find nothing running: refused, they are skipped instead of hanging the call up. */
const stopActions = new Set<string>(['gather_stop', 'transcription_stop']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const maxRetryDelayMs = 2_000;

/**
 * Sends planned commands to one call leg, in order, through the Call Control client. Retries what is safe to retry
 * (same `command_id`, exponential backoff) within a time budget; reports a command still failing after it as
 * `retryLater` and one refused for good as `failed`, and sends nothing after either (the caller decides: redelivery or apology).
 */
export async function executeCommands(
  callControlId: string,
  commands: readonly TelnyxCommand[],
  options: ExecuteCommandsOptions,
): Promise<ExecutionReport> {
  const report: ExecutionReport = { sent: [], requests: 0 };
  const retries = options.retries ?? 10;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const retryBudgetMs = options.retryBudgetMs ?? 4_000;
  const requestOptions: TelnyxRequestOptions = { maxRetries: 0, timeout: options.timeoutMs ?? 2_000 };
  const calls = options.client.calls.actions;

  // The client's own promise, not one more around it (a throw comes out of the call and is caught where it is awaited).
  const send = (command: TelnyxCommand): Promise<unknown> => {
    report.requests++;
    switch (command.action) {
      case 'dial':
        // A definite refusal (no retry changes it): the client cannot place calls.
        if (typeof options.client.calls.dial !== 'function')
          throw Object.assign(new Error('the Telnyx client has no calls.dial'), { status: 400 });
        return options.client.calls.dial(command.body, requestOptions);
      case 'conference_join_or_create':
        return joinOrCreate(callControlId, command.body, options, requestOptions, () => report.requests++);
      case 'conference_leave_others':
        return leaveOthers(callControlId, command.body.conference_id, options, requestOptions, () => report.requests++);
      default:
        // Called as a method of `calls` (the SDK's methods read `this`).
        return (calls as unknown as Record<string, CallAction>)[callMethods[command.action]]!(callControlId, command.body, requestOptions);
    }
  };

  for (const [index, command] of commands.entries()) {
    const firstTriedAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await send(command);
        report.sent.push(command.action);
        break;
      } catch (error) {
        // The store (conference map) is down: nothing about the call is wrong; the webhook gets a 503 and Telnyx's
        // redelivery sends the same commands again (same command_ids).
        if (isCallFlowError(error, 'store-unavailable')) throw error;
        const kind = classify(error);
        const message = error instanceof Error ? error.message : String(error);
        if (kind === 'gone') {
          options.logger.info?.(`[callflow:telnyx] call ended before ${command.action}; dropping the rest`, { callId: callControlId });
          report.callEnded = true;
          return report;
        }
        if (kind === 'fatal' && stopActions.has(command.action)) {
          // A stop of a gather or transcription that already ended on its own is refused; nothing is left to stop.
          options.logger.info?.(`[callflow:telnyx] ${command.action} refused (${message}); nothing to stop`, { callId: callControlId });
          break;
        }
        if (kind === 'retry') {
          const delayMs = Math.min(retryDelayMs * 2 ** attempt, maxRetryDelayMs);
          if (attempt < retries && Date.now() + delayMs - firstTriedAt <= retryBudgetMs) {
            options.logger.warn(`[callflow:telnyx] ${command.action} failed (${message}); retrying with the same command_id`, {
              callId: callControlId,
              attempt: attempt + 1,
            });
            await sleep(delayMs);
            continue;
          }
          options.logger.warn(
            `[callflow:telnyx] ${command.action} still failing after ${attempt + 1} attempts (${message}); left for the event's redelivery`,
            { callId: callControlId },
          );
          report.retryLater = { index, action: command.action, message };
          return report;
        }
        options.logger.error(`[callflow:telnyx] ${command.action} refused: ${message}`, { callId: callControlId });
        report.failed = { index, action: command.action, message };
        return report;
      }
    }
  }
  return report;
}

interface RoomRecord {
  state: 'creating' | 'ready';
  id?: string;
  /** The leg creating (or that created) the room. */
  by?: string;
}

/** A conference command callflow cannot do without: the client in use lacks it. */
function conferenceMethod<T>(method: T | undefined, name: string): T {
  if (method === undefined)
    throw new CallFlowError(
      'invalid-options',
      `the Telnyx client has no conferences.${name} (use createCallControlClient or the telnyx SDK)`,
      {
        provider: 'telnyx',
      },
    );
  return method;
}

// provider: create takes no mute (telnyx SDK resources/conferences/conferences.d.ts ConferenceCreateParams), so the creator
// is muted by POST /conferences/{id}/actions/mute with its call_control_id (actions.d.ts ActionMuteParams).
async function muteCreator(
  conferenceId: string,
  callControlId: string,
  options: ExecuteCommandsOptions,
  requestOptions: TelnyxRequestOptions,
) {
  const actions = options.client.conferences.actions;
  await conferenceMethod(actions.mute, 'actions.mute').call(actions, conferenceId, { call_control_ids: [callControlId] }, requestOptions);
}

/**
 * The flow's `endOnExit` on Telnyx: everyone else leaves the room (`leave`, back to the parked state, with a
 * conference.participant.left each, so each flow goes on as on Twilio and Vonage), which then ends as all have left.
 * provider: join's end_conference_on_exit hangs the others up instead ("all remaining participants be hung up", telnyx SDK
 * resources/conferences/actions.d.ts ActionJoinParams), as does POST /conferences/{id}/actions/end.
 */
async function leaveOthers(
  callControlId: string,
  conferenceId: string,
  options: ExecuteCommandsOptions,
  requestOptions: TelnyxRequestOptions,
  countRequest: () => void,
): Promise<void> {
  const conferences = options.client.conferences;
  countRequest();
  // provider: GET /conferences/{id}/participants, up to 250 a page (the room's default size, ConferenceCreateParams.max_participants).
  const page = await conferenceMethod(conferences.listParticipants, 'listParticipants').call(
    conferences,
    conferenceId,
    { 'page[size]': 250 },
    requestOptions,
  );
  const leave = conferenceMethod(conferences.actions.leave, 'actions.leave');
  for (const participant of page.data ?? []) {
    const other = participant.call_control_id;
    if (!other || other === callControlId) continue;
    countRequest();
    try {
      await leave.call(conferences.actions, conferenceId, { call_control_id: other }, requestOptions);
    } catch (error) {
      // A leg that left or hung up meanwhile is refused; the rest still leave.
      if (classify(error) === 'retry') throw error;
    }
  }
}

/** Store key of a room's record (name → conference id). */
export const roomKey = (room: string) => `telnyx:room:${room}`;
const conferenceKey = (id: string) => `telnyx:conference:${id}`;

async function joinOrCreate(
  callControlId: string,
  body: TelnyxConferenceBody,
  options: ExecuteCommandsOptions,
  requestOptions: TelnyxRequestOptions,
  countRequest: () => void,
): Promise<void> {
  const { store } = options;
  const key = roomKey(body.room);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const raw = await store.get(key);
    const record = raw === undefined ? undefined : (JSON.parse(raw) as RoomRecord | null);
    if (record?.state === 'ready' && record.by === callControlId && record.id) {
      // A retry after the room was created by this leg: it is in already; only the mute may be missing.
      if (body.join.mute) await muteCreator(record.id, callControlId, options, requestOptions);
      return;
    }
    const mine = record?.state === 'creating' && record.by === callControlId;
    if (record === undefined || record === null || mine) {
      const claimed =
        mine ||
        (await store.compareAndSet(key, raw, JSON.stringify({ state: 'creating', by: callControlId } satisfies RoomRecord), {
          ttlSeconds: 30,
        }));
      if (!claimed) continue;
      try {
        countRequest();
        const created = await options.client.conferences.create({ ...body.create, call_control_id: callControlId }, requestOptions);
        const id = created.data?.id;
        if (!id) throw new CallFlowError('provider-request-failed', 'conferences.create returned no id', { provider: 'telnyx' });
        await store.set(conferenceKey(id), body.room, { ttlSeconds: 86_400 });
        await store.set(key, JSON.stringify({ state: 'ready', id, by: callControlId } satisfies RoomRecord), { ttlSeconds: 86_400 });
        if (body.join.mute) {
          countRequest();
          await muteCreator(id, callControlId, options, requestOptions);
        }
        return;
      } catch (error) {
        // Only a definite refusal frees the name; a retryable failure keeps the claim so the retry (same command_id) creates it.
        if (classify(error) !== 'retry')
          await store.compareAndSet(key, JSON.stringify({ state: 'creating', by: callControlId }), JSON.stringify(null), { ttlSeconds: 1 });
        throw error;
      }
    }
    if (record.state === 'ready' && record.id) {
      try {
        countRequest();
        await options.client.conferences.actions.join(record.id, { ...body.join, call_control_id: callControlId }, requestOptions);
        return;
      } catch (error) {
        if (classify(error) !== 'fatal') throw error;
        // The room ended between lookup and join: forget it and create a new one.
        options.logger.warn(`[callflow:telnyx] conference '${body.room}' (${record.id}) refused the join; creating it again`, {
          callId: callControlId,
        });
        await store.compareAndSet(key, raw, JSON.stringify(null), { ttlSeconds: 1 });
        continue;
      }
    }
    await sleep(25);
  }
  throw new CallFlowError('store-unavailable', `conference '${body.room}' is still being created by another call after 10 s`, {
    provider: 'telnyx',
  });
}

/** Forgets a room's name → id entry when Telnyx reports `conference.ended`, so the next caller creates a new room. */
export async function forgetConference(store: Store, conferenceId: string): Promise<string | undefined> {
  const room = await store.get(conferenceKey(conferenceId));
  if (room === undefined) return undefined;
  await updateJson<RoomRecord | null>(store, roomKey(room), (current) =>
    current?.id === conferenceId ? undefined : (current ?? undefined),
  );
  await store.delete(conferenceKey(conferenceId));
  return room;
}
