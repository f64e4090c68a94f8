import { CallFlowError, isCallFlowError, loadOnce, updateJson, type Logger, type Store } from '@callflow/core';
import type {
  CreateConferenceBody as ConferenceCreateParams,
  JoinConferenceBody as ActionJoinParams,
  LeaveConferenceBody,
  MuteConferenceBody,
} from './call-control-bodies.js';
import type { TelnyxAction, TelnyxCommand } from './plan-commands.js';

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

/** How a failed command is handled: sent again, the call is gone, or refused for good. */
export type { ErrorKind } from './telnyx-command-failure.js';

/**
 * What a failure means and what follows it (the retries, the logs), in a chunk of its own loaded at a first failure (a
 * failed load is tried again at the next); the conference commands use its `classify` too.
 */
const commandFailures = loadOnce(() => import('./telnyx-command-failure.js').then((chunk) => chunk.createCommandFailures(isCallFlowError)));

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
        return conferenceCommands().then((kit) =>
          kit.joinOrCreate(callControlId, command.body, options, requestOptions, () => report.requests++),
        );
      case 'conference_leave_others':
        return conferenceCommands().then((kit) =>
          kit.leaveOthers(callControlId, command.body.conference_id, options, requestOptions, () => report.requests++),
        );
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
        let failures: Awaited<ReturnType<typeof commandFailures>>;
        try {
          failures = await commandFailures();
        } catch (loadError) {
          // Without it the failure cannot be told apart: left for the event's redelivery (503), as a retry is.
          report.retryLater = { index, action: command.action, message: `${String(error)}; ${String(loadError)}` };
          return report;
        }
        const next = await failures.commandFailed(
          error,
          { callControlId, command, index, attempt, firstTriedAt, retries, retryDelayMs, retryBudgetMs, logger: options.logger },
          report,
        );
        if (next === 'retry') continue;
        if (next === 'next') break;
        return report;
      }
    }
  }
  return report;
}

/** A room's record in the store (name → conference id), as the conference chunk keeps it. */
export interface RoomRecord {
  state: 'creating' | 'ready';
  id?: string;
  /** The leg creating (or that created) the room. */
  by?: string;
}

/** Store key of a room's record (name → conference id). */
export const roomKey = (room: string) => `telnyx:room:${room}`;
/** Store key of a conference id's room name. */
export const conferenceKey = (id: string) => `telnyx:conference:${id}`;

/**
 * The conference commands, in a chunk of their own that only a flow with a conference step loads (its first
 * conference command awaits it; a failed load is tried again by the next); given what they use from here and from
 * core, so the chunk imports no code of the up-front bundle (what both imported, a bundler would split into a third file).
 */
const conferenceCommands = loadOnce(() =>
  Promise.all([import('./telnyx-conference.js'), commandFailures()]).then(([chunk, { classify, sleep }]) => {
    chunk.provideConferenceKit({ CallFlowError, classify, sleep, roomKey, conferenceKey, updateJson });
    return chunk;
  }),
);

/** Forgets a room's name → id entry when Telnyx reports `conference.ended`, so the next caller creates a new room. */
export async function forgetConference(store: Store, conferenceId: string): Promise<string | undefined> {
  return (await conferenceCommands()).forgetConference(store, conferenceId);
}
