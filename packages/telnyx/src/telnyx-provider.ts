import {
  CallFlowError,
  claimOnce,
  type AnsweredBy,
  type CallEventReport,
  type CallInfo,
  type CallPosition,
  type EnqueueStep,
  type GatherStep,
  type Outcome,
  type TransferStep,
  type Provider,
  type ProviderHandlerOptions,
  type RawWebhook,
  type WebhookEvent,
} from '@callflow/core';
import { commandIdOf, encodeClientState, type ClientState } from './client-state.js';
import { dialStatusOf, type TelnyxEvent } from './parse-telnyx-event.js';
import { forgetConference, type TelnyxClient } from './execute-commands.js';
import { isInterimTranscription, parseTelnyxEvent } from './parse-telnyx-event.js';
import {
  continuationStates,
  dialsFarLeg,
  farLegCommands,
  farLegBridgeCommands,
  farLegHangupCommands,
  holdCommands,
  nativeGatherRetries,
  planCommands,
  recordSilenceSeconds,
  silenceTimerBody,
  type FarLegPosition,
  type HoldSegment,
  type PlanCommandsOptions,
  type TelnyxCommand,
} from './plan-commands.js';
import { telnyxCapabilities } from './telnyx-capabilities.js';
import { createTelnyxDelivery, telnyxPositionKey, type TelnyxHandle } from './telnyx-delivery.js';
import { checkTelnyxSignature, telnyxSignatureHeader, telnyxTimestampHeader } from './verify-telnyx-signature.js';

/** How long callflow waits for the final transcription once the caller has started speaking. */
const speechWatchdogMillis = 60_000;

/** Options of the Telnyx handler. */
export interface TelnyxHandlerOptions extends ProviderHandlerOptions {
  /** Not used for signatures on Telnyx (they cover the body, not the URL); checked when given. */
  publicBaseUrl?: string;
  /** The account's Ed25519 public key (base64, 32 bytes), from Mission Control. Required unless `verifySignatures` is false. */
  publicKey?: string;
  /**
   * The Call Control application (connection) id: a screened or spoken-whisper transfer dials the called party itself
   * (`calls.dial` needs it) and bridges it once accepted.
   */
  connectionId?: string;
  /** Sends the commands: the built-in `createCallControlClient({ apiKey })` (no SDK to load), or a telnyx SDK client, `new Telnyx({ apiKey })`. */
  client: TelnyxClient;
  /** Seconds a signature timestamp may be off; default 300. */
  signatureToleranceSeconds?: number;
  /**
   * Where to hand the command work so the webhook is answered at once (e.g. a Worker's `ctx.waitUntil`).
   * Default: commands are sent before the 200 goes out, which is safe on serverless.
   */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Most retries of a failed command (network, timeout, 408, 429, 5xx); default 10, within `commandRetryBudgetMs`. */
  commandRetries?: number;
  /** First retry delay in ms; doubles each retry up to 2,000; default 200. */
  retryDelayMs?: number;
  /**
   * Milliseconds one command is retried before the event is answered 503 for Telnyx to redeliver (the same command
   * ids are sent again then); default 4,000, or 50,000 with `waitUntil` (answered already, no redelivery to wait for).
   */
  commandRetryBudgetMs?: number;
  /**
   * Seconds an event being handled stays claimed; a redelivery meanwhile gets 503 (Telnyx tries again later), and
   * after it a redelivery takes over (the instance handling it died). Keep it under the span of Telnyx's redeliveries; default 5.
   */
  eventLeaseSeconds?: number;
}

/** What a Telnyx handler carries beside the function: nothing but the engine every handler has. */
export type TelnyxExtras = Record<never, never>;

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function publicKeyProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '')
    return 'is required to verify webhooks (the Ed25519 public key from Mission Control); set verifySignatures: false only for local experiments';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value.trim())) return 'must be base64 (the Ed25519 public key from Mission Control)';
  let length: number;
  try {
    length = atob(value.trim()).length;
  } catch {
    return 'must be base64 (the Ed25519 public key from Mission Control)';
  }
  // provider: Telnyx's key is a raw 32-byte Ed25519 key, https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks
  if (length !== 32) return `must decode to a 32-byte Ed25519 key (it decodes to ${length} bytes)`;
  return undefined;
}

/**
 * A `call.hangup` as a lifecycle report: the cause as a status (a leg that never answered: busy, no-answer), and the
 * seconds from `start_time` to the event (provider: telnyx SDK resources/webhooks.d.ts `CallHangup.Payload`).
 */
function hangupReport(event: TelnyxEvent): Extract<CallEventReport, { type: 'ended' }> {
  const cause = typeof event.payload.hangup_cause === 'string' ? event.payload.hangup_cause : undefined;
  const report: Extract<CallEventReport, { type: 'ended' }> = {
    type: 'ended',
    status: cause === undefined ? 'completed' : dialStatusOf(cause),
  };
  if (cause !== undefined) report.cause = cause;
  const started = Date.parse(typeof event.payload.start_time === 'string' ? event.payload.start_time : '');
  const ended = Date.parse(event.occurredAt ?? '');
  if (Number.isFinite(started) && Number.isFinite(ended)) report.durationSeconds = Math.max(0, Math.round((ended - started) / 1000));
  return report;
}

/**
 * Telnyx on the provider seam: Call Control commands sent through the executor, Ed25519 signatures over the raw body,
 * events de-duplicated by id and each call's position kept in the store (deliveries are at-least-once and unordered).
 */
export const telnyxProvider: Provider<TelnyxHandlerOptions, TelnyxCommand[], TelnyxExtras, TelnyxHandle> = {
  name: 'telnyx',
  capabilities: telnyxCapabilities,
  needsPublicBaseUrl: false,
  checkOptions(options) {
    const problems = [];
    if (!(options.verifySignatures === false && (options.publicKey === undefined || options.publicKey === ''))) {
      const problem = publicKeyProblem(options.publicKey);
      if (problem) problems.push({ option: 'publicKey', message: problem });
    }
    const client = options.client as Partial<TelnyxClient> | undefined;
    if (!client || typeof client.calls?.actions !== 'object')
      problems.push({ option: 'client', message: 'is required: createCallControlClient({ apiKey }) or new Telnyx({ apiKey })' });
    return problems;
  },
  create({ options, engine, store, logger, now, callEvents }) {
    const delivery = createTelnyxDelivery({
      client: options.client,
      store,
      logger,
      commandRetries: options.commandRetries,
      retryDelayMs: options.retryDelayMs,
      retryBudgetMs: options.commandRetryBudgetMs,
      leaseSeconds: options.eventLeaseSeconds ?? 5,
      waitUntil: options.waitUntil,
      // Only flows with a dialled transfer (static nodes only: see dialCommands) pay the store write.
      remembersCaller: Object.values(engine.flow.nodes).some(
        (steps) => typeof steps !== 'function' && steps.some((step) => step.type === 'transfer' && dialsFarLeg(step)),
      ),
      async samePosition(token, position, call) {
        try {
          const recorded = await engine.inspect(token, call);
          return JSON.stringify(recorded.state) === JSON.stringify(position.state);
        } catch {
          return false;
        }
      },
      async refusedTransferCommands(call, at, reason, callerNumber) {
        // provider: a refused transfer or dial is a 4xx answer (https://developers.telnyx.com/development/api-fundamentals/api-errors:
        // 10002 "Invalid phone number", 10016 "+E.164 format"); no call.hangup follows, so the flow resumes here, as failed.
        const space = at.indexOf(' ');
        const sequence = Number(at.slice(0, space));
        const position = await engine.inspect(at.slice(space + 1), call);
        const outcome = { type: 'dial', status: 'failed', raw: reason } as const;
        // What the pipeline does with a failed transfer's event, done here since no event comes: the transfer-ended report
        // (once per position, the key any transfer's report uses) and, when the next turn hangs up, the flow's end. (A
        // transfer's outcome brings no hooks: the engine's effects come only from a record's notify.)
        await callEvents.transferEnded(call.callId, at, outcome);
        const turn = await engine.resumeAt(position, outcome, call);
        if (turn.ended) await callEvents.flowEnded(call.callId);
        const continuations = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
        const waitNode = turn.wait?.state.node;
        const dynamicNode = waitNode !== undefined && typeof engine.flow.nodes[waitNode] === 'function';
        const commands = planCommands(turn, {
          continuations,
          seed: at,
          sequence: sequence + 1,
          // The ringback callflow plays while it dials a far leg itself is still playing.
          stopPlayback: position.step?.type === 'transfer' && dialsFarLeg(position.step),
          nativeRetries: !dynamicNode,
          dynamicNode,
          connectionId: options.connectionId,
          callerNumber,
        }).output;
        // provider: a command's client_state is added "to every subsequent webhook" (telnyx SDK resources/calls/actions.d.ts,
        // ActionHangupParams.client_state). The refused transfer set none, so a hang-up straight after it carries the
        // transfer's position: its call.hangup is the call's end (call-ended), not an event without callflow state.
        const positionState = encodeClientState({ kind: 'position', sequence, token: at.slice(space + 1) });
        for (const command of commands)
          if (command.action === 'hangup' && command.body.client_state === undefined) command.body.client_state = positionState;
        return commands;
      },
      async apologyCommands(call, reason, planning) {
        const turn = engine.apology(call, new CallFlowError('provider-request-failed', reason, { provider: 'telnyx' }));
        const continuations = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
        return planCommands(turn, { ...planning, continuations }).output;
      },
    });

    /** A key press at a position: Telnyx recordings and queues have no end-on-key, so callflow sends the stop itself. */
    async function pressed(call: CallInfo, clientState: ClientState, digit: string, position: CallPosition): Promise<void> {
      const { token, sequence } = clientState;
      const current = `${sequence} ${token}`;
      if (!(await standsAt(call, current))) return;
      const step = position.step;
      if (step?.type === 'record') {
        const finishOnKey = step.finishOnKey ?? '#';
        // provider: Telnyx recordings have no end-on-key; stop on the key ourselves.
        if (finishOnKey !== '' && finishOnKey.includes(digit))
          await delivery.execute(call.callId, [
            { action: 'record_stop', body: { command_id: commandIdOf(call.callId, current, 0, 'record_stop') } },
          ]);
      } else if (step?.type === 'enqueue' && step.escape?.digit === digit) {
        await delivery.execute(call.callId, [
          {
            action: 'leave_queue',
            body: {
              client_state: encodeClientState({ kind: 'left-queue', digit, sequence, token }),
              command_id: commandIdOf(call.callId, current, 0, 'leave_queue'),
            },
          },
        ]);
      }
    }

    /**
     * An event of an outbound leg before the flow runs: its start (answered, or machine detection's verdict), or a
     * lifecycle report (initiated; a hang-up before answer: busy, no answer).
     */
    function outboundEvent(event: TelnyxEvent, state: Extract<ClientState, { kind: 'outbound' }>): WebhookEvent<TelnyxCommand[]> {
      const call: CallInfo = { callId: event.callControlId!, from: event.from, to: event.to, provider: 'telnyx' };
      const start = (answeredBy?: AnsweredBy): WebhookEvent<TelnyxCommand[]> => ({
        type: 'start',
        deliveryId: event.id,
        call,
        outbound: { token: state.token, nonce: state.nonce, ...(answeredBy ? { answeredBy } : {}) },
      });
      const result = typeof event.payload.result === 'string' ? event.payload.result : undefined;
      switch (event.type) {
        case 'call.initiated':
          return {
            type: 'status',
            callId: call.callId,
            deliveryId: event.id,
            callEvent: { type: 'started', direction: 'outbound', from: event.from, to: event.to },
          };
        case 'call.answered':
          return state.detection === 'off' ? start() : { type: 'ignore', reason: 'answered; waiting for machine detection' };
        // provider: telnyx SDK resources/webhooks.d.ts CallMachineDetectionEnded.Payload.result: human, machine, not_sure.
        case 'call.machine.detection.ended':
          if (result === 'human') return start('human');
          if (result === 'machine')
            return state.detection === 'beep'
              ? { type: 'ignore', reason: 'machine; waiting for the end of its greeting' }
              : start('machine');
          return start('unknown');
        // provider: CallMachineGreetingEnded.Payload.result: beep_detected, ended, not_sure; each means the greeting is over.
        case 'call.machine.greeting.ended':
          return start('machine');
        case 'call.hangup':
          return {
            type: 'status',
            callId: call.callId,
            deliveryId: event.id,
            callEvent: { ...hangupReport(event), direction: 'outbound' },
          };
        default:
          return { type: 'ignore', reason: `${event.type} before the flow started` };
      }
    }

    /**
     * The caller started speaking in a speech gather (an interim transcription): stop its DTMF gather, the no-input
     * timer, so it cannot time out while the caller is still talking, and start a silent one as a watchdog, so a final
     * transcription that never comes ends as no input instead of silence; the final transcription resumes the flow.
     */
    async function speaking(call: CallInfo, clientState: ClientState, position: CallPosition): Promise<void> {
      const { token, sequence } = clientState;
      const current = `${sequence} ${token}`;
      if (!(await standsAt(call, current))) return;
      if (position.step?.type !== 'gather' || position.state.kind !== 'gather') return;
      await delivery.execute(call.callId, [
        { action: 'gather_stop', body: { command_id: commandIdOf(call.callId, current, 0, 'gather_stop') } },
        // provider: 60 s, the longest utterance Twilio (maxSpeechTime) and Vonage (speech.maxDuration) wait for by default.
        {
          action: 'gather',
          body: {
            initial_timeout_millis: speechWatchdogMillis,
            maximum_digits: 1,
            client_state: encodeClientState({ kind: 'position', sequence, token }),
            command_id: commandIdOf(call.callId, current, 1, 'gather'),
          },
        },
      ]);
    }

    /**
     * A key ended the DTMF gather of a speech-only gather (input: speech), which takes no keys: the key does not route the
     * call; a prompt-less gather starts the no-input timer again, so the caller gets the wait and re-ask a silence gets.
     */
    async function keyIgnored(call: CallInfo, clientState: ClientState, step: GatherStep, eventId: string): Promise<void> {
      const { token, sequence } = clientState;
      // Only while the call is still at this gather: a late event of a position it has left starts no timer.
      if (!(await standsAt(call, `${sequence} ${token}`))) return;
      // provider: "Speech will be interrupted when a DTMF signal is received" and the gather ends with the key
      // (https://developers.telnyx.com/api-reference/call-commands/gather-using-speak). Twilio (<Gather input="speech">
      // takes the inputs it names, https://www.twilio.com/docs/voice/twiml/gather#input) and Vonage (input type
      // ["speech"] is "ASR only", https://developer.vonage.com/en/voice/voice-api/ncco-reference#input) take no key;
      // on Vonage the key still ends the bargeIn prompt ("either with DTMF or ASR voice input", ncco-reference#talk).
      // The transcription runs on. Each key event seeds its own command_id: a repeated command_id is ignored by Telnyx.
      await delivery.execute(call.callId, [
        {
          action: 'gather',
          body: {
            initial_timeout_millis: Math.round((step.timeoutSeconds ?? 5) * 1000),
            maximum_digits: 1,
            client_state: encodeClientState({ kind: 'position', sequence, token }),
            command_id: commandIdOf(call.callId, `${sequence} ${token} ${eventId}`, 0, 'gather'),
          },
        },
      ]);
    }

    /**
     * A caller whose conference step has `endOnExit` left the room: everyone else leaves it too and goes on with their
     * flow, as on Twilio (endConferenceOnExit) and Vonage (endOnExit), instead of being hung up as join's
     * end_conference_on_exit would.
     */
    async function endedOnExit(call: CallInfo, clientState: ClientState, conferenceId: string): Promise<void> {
      const current = `${clientState.sequence} ${clientState.token}`;
      await delivery.execute(call.callId, [
        {
          action: 'conference_leave_others',
          body: { conference_id: conferenceId, command_id: commandIdOf(call.callId, current, 0, 'conference_leave_others') },
        },
      ]);
    }

    /**
     * What a transcription or gather event means for the silence of a recording (see recordCommands in plan-commands.ts):
     * the caller started talking, finished an utterance, pressed a key, or the silence ran out.
     */
    function recordHeard(event: TelnyxEvent): 'speaking' | 'utterance' | 'key' | 'silence' | 'stopped' | undefined {
      if (event.type === 'call.transcription') {
        if (isInterimTranscription(event)) return 'speaking';
        const data = event.payload.transcription_data as { is_final?: unknown } | undefined;
        return data?.is_final === true ? 'utterance' : undefined;
      }
      if (event.type !== 'call.gather.ended') return undefined;
      const status = event.payload.status;
      if (status === 'timeout') return 'silence';
      if (status === 'valid' || status === 'invalid') return 'key';
      return status === 'cancelled' ? 'stopped' : undefined;
    }

    /**
     * The recording's silence timer on Telnyx: speech stops it, the end of an utterance or a key starts it again, and
     * its running out stops the recording, as Twilio's <Record timeout> and Vonage's endOnSilence do from the start.
     */
    async function recordSilence(
      call: CallInfo,
      clientState: ClientState,
      position: CallPosition,
      heard: NonNullable<ReturnType<typeof recordHeard>>,
      eventId: string | undefined,
    ): Promise<void> {
      const step = position.step;
      if (step?.type !== 'record' || heard === 'stopped') return;
      const silenceSeconds = recordSilenceSeconds(step);
      const current = `${clientState.sequence} ${clientState.token}`;
      if (silenceSeconds === undefined || !(await standsAt(call, current))) return;
      // A redelivered event (same id) was acted on already: Telnyx would ignore the repeated command_id, but send it once.
      if (eventId !== undefined && !(await claimOnce(store, `telnyx:silence:${eventId}`, 3_600))) return;
      // Each event's commands get their own ids: the same command is sent again for a later utterance.
      const seed = `${current} ${eventId ?? ''}`;
      const commandId = (action: TelnyxCommand['action']) => commandIdOf(call.callId, seed, 0, action);
      const command: TelnyxCommand =
        heard === 'speaking'
          ? { action: 'gather_stop', body: { command_id: commandId('gather_stop') } }
          : heard === 'silence'
            ? { action: 'record_stop', body: { command_id: commandId('record_stop') } }
            : {
                action: 'gather',
                body: { ...silenceTimerBody(silenceSeconds, encodeClientState(clientState)), command_id: commandId('gather') },
              };
      await delivery.execute(call.callId, [command]);
    }

    /** Whether the call still stands at this position (a stale hold event must not start music after the caller left the queue). */
    async function standsAt(call: CallInfo, current: string): Promise<boolean> {
      const raw = await store.get(telnyxPositionKey(call.callId));
      return raw !== undefined && raw.split('\n')[0] === current;
    }

    /** Where the queued caller is now and how long the queue waits, from the Call Control API (absent when it cannot say). */
    async function queueReport(
      call: CallInfo,
      step: EnqueueStep,
    ): Promise<Pick<HoldSegment, 'position' | 'averageWaitSeconds' | 'waitedSeconds'> | 'gone'> {
      const queues = options.client.queues;
      if (!queues) return { waitedSeconds: 0 };
      try {
        // provider: GET /queues/{name}/calls/{id} (queue_position, wait_time_secs) and GET /queues/{name} (average_wait_time_secs), telnyx SDK resources/queues.
        const [member, queue] = await Promise.all([
          queues.calls.retrieve(call.callId, { queue_name: step.queue }, { timeout: 10_000, maxRetries: 0 }),
          queues.retrieve(step.queue, { timeout: 10_000, maxRetries: 0 }),
        ]);
        return {
          position: member.data?.queue_position,
          averageWaitSeconds: queue.data?.average_wait_time_secs,
          waitedSeconds: member.data?.wait_time_secs ?? 0,
        };
      } catch (error) {
        if ((error as { status?: number }).status === 404) return 'gone';
        logger.warn(
          `[callflow:telnyx] cannot read queue '${step.queue}' (${error instanceof Error ? error.message : String(error)}); hold music goes on without the announcement`,
          { callId: call.callId },
        );
        return { waitedSeconds: 0 };
      }
    }

    /** A break in the hold music (or the start of the wait): the flow's announcement when due, then the next play of the music. */
    async function holdBreak(
      call: CallInfo,
      clientState: ClientState,
      position: CallPosition | undefined,
      entering?: { position?: number; averageWaitSeconds?: number },
    ): Promise<void> {
      const step = position?.step;
      if (step?.type !== 'enqueue') return;
      const { token, sequence } = clientState;
      const current = `${sequence} ${token}`;
      if (!(await standsAt(call, current))) return;
      const report = entering ? { ...entering, waitedSeconds: 0 } : await queueReport(call, step);
      if (report === 'gone') return;
      const segment = clientState.kind === 'hold' ? clientState.segment + 1 : 1;
      const lastAnnouncedSeconds = clientState.kind === 'hold' ? clientState.announcedAt : undefined;
      await delivery.execute(
        call.callId,
        holdCommands(step, { segment, lastAnnouncedSeconds, ...report }, { sequence, token, callControlId: call.callId }),
      );
    }

    /** Store key marking a dialled transfer's far leg as bridged (its later hang-up ends a completed transfer, not an unanswered one). */
    const bridgedKey = (farId: string) => `telnyx:bridged:${farId}`;
    /**
     * Store key of the far leg a caller's transfer (at move `sequence`) dialled: its call control id once its first event
     * came, or `callerLeft` once the caller hung up first. Whichever side writes it first, the other finds it and hangs up.
     */
    const farLegKey = (callerId: string, sequence: number) => `telnyx:far-leg:${callerId}:${sequence}`;
    const callerLeft = '-';

    /**
     * The caller hung up while callflow dialled or screened its transfer's far leg: hang that leg up now, not at its next
     * event. A far leg not heard from yet is hung up on its first event (see `farLegPlaced`); a bridged one ends with the bridge.
     */
    async function callerLeftTransfer(call: CallInfo, clientState: ClientState): Promise<void> {
      const key = farLegKey(call.callId, clientState.sequence);
      if (await store.compareAndSet(key, undefined, callerLeft, { ttlSeconds: 86_400 })) return;
      const farId = await store.get(key);
      if (farId === undefined || farId === callerLeft || (await store.get(bridgedKey(farId))) !== undefined) return;
      // The same command_id as any other hang-up of this far leg: Telnyx runs it once; one on an ended leg is dropped.
      await delivery.execute(
        farId,
        farLegHangupCommands(farId, { callerId: call.callId, sequence: clientState.sequence, token: clientState.token }),
      );
    }

    /** A far leg's first event: note its id for the caller's hang-up, or hang it up when the caller has gone already. */
    async function farLegPlaced(farId: string, at: FarLegPosition): Promise<void> {
      const key = farLegKey(at.callerId, at.sequence);
      if (await store.compareAndSet(key, undefined, farId, { ttlSeconds: 86_400 })) return;
      if ((await store.get(key)) === callerLeft) await delivery.execute(farId, farLegHangupCommands(farId, at));
    }

    /**
     * An event of the far leg of a transfer callflow dialled itself (screening, a spoken whisper): its answer plays the
     * whisper and the screen on that leg; the screen's key or the whisper's end bridges it to the caller; a decline,
     * silence or a caller who is gone hangs it up; its `call.hangup` resumes the caller's flow with the transfer's status.
     */
    function farLegEvent(event: TelnyxEvent, state: Extract<ClientState, { kind: 'far' }>): WebhookEvent<TelnyxCommand[]> {
      const farId = event.callControlId!;
      const call: CallInfo = { callId: state.callControlId, provider: 'telnyx' };
      const current = `${state.sequence} ${state.token}`;
      const at = { callerId: state.callControlId, sequence: state.sequence, token: state.token };
      const base = { type: 'outcome' as const, call, token: state.token, deliveryId: event.id, position: current };
      if (event.type === 'call.hangup') {
        const cause = typeof event.payload.hangup_cause === 'string' ? event.payload.hangup_cause : undefined;
        return {
          ...base,
          outcome: async (): Promise<Outcome> => {
            if (state.stage !== 'dial' && state.stage !== 'declined' && (await store.get(bridgedKey(farId))) !== undefined)
              return { type: 'dial', status: 'completed', ...(cause ? { raw: cause } : {}) };
            // provider: a leg that never answered says why in its cause (user_busy, timeout, …: telnyx SDK resources/webhooks.d.ts CallHangup.Payload.hangup_cause).
            const status = state.stage === 'dial' ? dialStatusOf(cause) : 'completed';
            // Answered but never connected: declined, silent at the screen, a machine, or hung up before or during the whisper.
            if (status === 'completed') return { type: 'dial', status: 'no-answer', raw: `${cause ?? 'hangup'}:not-bridged` };
            return { type: 'dial', status, ...(cause ? { raw: cause } : {}) };
          },
        };
      }
      const act = async (position: CallPosition | undefined, work: (step: TransferStep) => Promise<void>): Promise<void> => {
        const step = position?.step;
        if (!(await standsAt(call, current)) || step?.type !== 'transfer') {
          // The caller is gone or has moved on: nobody to connect the far leg to.
          await delivery.execute(farId, farLegHangupCommands(farId, at));
          return;
        }
        await work(step);
      };
      const bridge = async (step: TransferStep): Promise<void> => {
        const { caller, far } = farLegBridgeCommands(step, farId, at);
        await store.set(bridgedKey(farId), state.callControlId, { ttlSeconds: 86_400 });
        await delivery.execute(state.callControlId, caller);
        if (far.length) await delivery.execute(farId, far);
      };
      /** The far leg hears part `part` next (the screen after the last part, or the bridge without a screen). */
      const next = async (step: TransferStep, part: number): Promise<void> => {
        const { output, warnings, bridge: connect } = farLegCommands(step, farId, at, part);
        for (const warning of warnings) logger.info?.(`[callflow:telnyx] ${warning}`, { callId: state.callControlId });
        if (connect) return bridge(step);
        await delivery.execute(farId, output);
      };
      switch (event.type) {
        case 'call.initiated':
          return {
            ...base,
            outcome: async () => {
              await farLegPlaced(farId, at);
              return { done: 'far leg placed' };
            },
          };
        case 'call.answered':
          if (state.stage !== 'dial') return { ...base, outcome: () => ({ done: event.type }) };
          return {
            ...base,
            outcome: async (position) => {
              // A screened far leg was dialled with machine detection: its verdict starts the whisper.
              await act(position, async (step) => (step.screen ? undefined : next(step, 0)));
              return { done: 'far leg answered' };
            },
          };
        case 'call.machine.detection.ended': {
          if (state.stage !== 'dial') return { ...base, outcome: () => ({ done: event.type }) };
          // provider: result human, machine or not_sure (telnyx SDK resources/webhooks.d.ts CallMachineDetectionEnded.Payload.result).
          const machine = event.payload.result === 'machine';
          return {
            ...base,
            outcome: async (position) => {
              await act(position, async (step) => {
                if (machine) await delivery.execute(farId, farLegHangupCommands(farId, at));
                else await next(step, 0);
              });
              return { done: machine ? 'far leg is a machine' : 'far leg is a person' };
            },
          };
        }
        case 'call.speak.ended':
        case 'call.playback.ended':
          // provider: status call_hangup: the far leg hung up meanwhile; its call.hangup ends the transfer (telnyx SDK resources/webhooks.d.ts CallSpeakEnded, CallPlaybackEnded).
          if (state.stage !== 'prompt' || event.payload.status === 'call_hangup') return { ...base, outcome: () => ({ done: event.type }) };
          return {
            ...base,
            outcome: async (position) => {
              await act(position, (step) => next(step, state.part + 1));
              return { done: 'far leg heard a part' };
            },
          };
        case 'call.gather.ended': {
          if (state.stage !== 'screen') return { ...base, outcome: () => ({ done: event.type }) };
          const digits = typeof event.payload.digits === 'string' ? event.payload.digits : '';
          return {
            ...base,
            outcome: async (position) => {
              await act(position, async (step) => {
                // provider: call.gather.ended carries the digits and a status (valid, invalid, timeout, call_hangup, …: telnyx SDK resources/webhooks.d.ts CallGatherEnded.Payload).
                if (event.payload.status === 'call_hangup') return;
                if (digits === (step.screen?.acceptKey ?? '1')) await bridge(step);
                else await delivery.execute(farId, farLegHangupCommands(farId, at));
              });
              return { done: 'screened' };
            },
          };
        }
        default:
          return { ...base, outcome: () => ({ done: event.type }) };
      }
    }

    function parse(webhook: RawWebhook): WebhookEvent<TelnyxCommand[]> {
      if (webhook.method !== 'POST') return { type: 'refuse', reason: 'wrong-method', message: 'webhooks are POST' };
      const { event, outcome } = parseTelnyxEvent(webhook.text);
      if (event.type === 'conference.ended') {
        const conferenceId = typeof event.payload.conference_id === 'string' ? event.payload.conference_id : undefined;
        return {
          type: 'status',
          deliveryId: event.id,
          apply: async () => void (conferenceId ? await forgetConference(store, conferenceId) : undefined),
        };
      }
      if (event.type === 'call.initiated' && event.direction !== 'outgoing' && event.clientState === undefined) {
        if (!event.callControlId)
          throw new CallFlowError('invalid-webhook', 'call.initiated without call_control_id', { provider: 'telnyx' });
        return {
          type: 'start',
          deliveryId: event.id,
          call: { callId: event.callControlId, from: event.from, to: event.to, provider: 'telnyx' },
        };
      }
      const state = event.clientState;
      if (!state || !event.callControlId) return { type: 'ignore', reason: 'no callflow state' };
      if (state.kind === 'outbound') return outboundEvent(event, state);
      if (state.kind === 'far') return farLegEvent(event, state);
      const call: CallInfo =
        state.kind === 'peer'
          ? { callId: state.callControlId, provider: 'telnyx' }
          : { callId: event.callControlId, from: event.from, to: event.to, provider: 'telnyx' };
      const callEvent = event.type === 'call.hangup' && state.kind === 'position' ? hangupReport(event) : undefined;
      const base = {
        type: 'outcome' as const,
        call,
        token: state.token,
        deliveryId: event.id,
        position: `${state.sequence} ${state.token}`,
        // Always present (undefined but on a hang-up): one shape for every event, which the spreads below copy fast.
        callEvent,
      };
      const answer = positionEvent(event, state, call, base, outcome);
      if (event.type === 'call.hangup' && (state.kind === 'position' || state.kind === 'hold') && answer.type === 'outcome') {
        return {
          ...answer,
          outcome: async (position) => {
            // provider: the docs do not say a leg dialled with link_to ends with the linked call (docs/providers/telnyx.md).
            if (position?.step?.type === 'transfer' && dialsFarLeg(position.step)) await callerLeftTransfer(call, state);
            return typeof answer.outcome === 'function' ? answer.outcome(position) : answer.outcome;
          },
        };
      }
      // A transcription or silent gather at a recording is its silence timer (see recordCommands in plan-commands.ts).
      const heard = state.kind === 'position' && answer.type === 'outcome' ? recordHeard(event) : undefined;
      if (!heard || answer.type !== 'outcome') return answer;
      return {
        ...answer,
        outcome: async (position) => {
          if (position?.step?.type !== 'record' || position.state.kind !== 'record')
            return typeof answer.outcome === 'function' ? answer.outcome(position) : answer.outcome;
          await recordSilence(call, state, position, heard, event.id);
          return { done: `${event.type} while recording` };
        },
      };
    }

    /** The outcome event of one of the call's own events, by what it reports (the recording's silence timer aside). */
    function positionEvent(
      event: TelnyxEvent,
      state: ClientState,
      call: CallInfo,
      base: Omit<Extract<WebhookEvent<TelnyxCommand[]>, { type: 'outcome' }>, 'outcome'>,
      outcome: ReturnType<typeof parseTelnyxEvent>['outcome'],
    ): WebhookEvent<TelnyxCommand[]> {
      if (event.type === 'call.enqueued' && state.kind === 'position') {
        const entering = {
          position: numberOf(event.payload.current_position),
          averageWaitSeconds: numberOf(event.payload.queue_avg_wait_time_secs),
        };
        return {
          ...base,
          outcome: async (position) => {
            await holdBreak(call, state, position, entering);
            return { done: 'enqueued' };
          },
        };
      }
      if (state.kind === 'hold' && event.type === 'call.playback.ended') {
        // provider: a play that ran to its end reports status completed; a stopped one (the caller left the queue) does not.
        if (event.payload.status !== 'completed') return { ...base, outcome: () => ({ done: 'hold music stopped' }) };
        return {
          ...base,
          outcome: async (position) => {
            await holdBreak(call, state, position);
            return { done: 'hold music' };
          },
        };
      }
      if (
        event.type === 'call.dtmf.received' &&
        (state.kind === 'position' || state.kind === 'hold') &&
        typeof event.payload.digit === 'string'
      ) {
        const digit = event.payload.digit;
        return {
          ...base,
          outcome: async (position) => {
            if (position) await pressed(call, state, digit, position);
            return { done: 'key press' };
          },
        };
      }
      const conferenceId = typeof event.payload.conference_id === 'string' ? event.payload.conference_id : undefined;
      if (event.type === 'conference.participant.left' && state.kind === 'position' && outcome && conferenceId) {
        return {
          ...base,
          outcome: async (position) => {
            // Also when this caller hung up (the event is then stale for the flow): the others must still leave.
            if (position?.step?.type === 'conference' && position.step.endOnExit) await endedOnExit(call, state, conferenceId);
            return outcome;
          },
        };
      }
      if (isInterimTranscription(event) && state.kind === 'position') {
        return {
          ...base,
          outcome: async (position) => {
            if (position) await speaking(call, state, position);
            return { done: 'interim transcription' };
          },
        };
      }
      // A far leg only matters when it ends; the caller's leg only through its own state; the hold music only through its breaks.
      if (
        !outcome ||
        (state.kind === 'peer' && outcome.type !== 'dial') ||
        (state.kind === 'hold' && outcome.type !== 'queue' && outcome.type !== 'hangup')
      )
        return { ...base, outcome: () => ({ done: event.type }) };
      return {
        ...base,
        // Synchronous but for a key at a speech-only gather: most events resume the flow without a promise here.
        outcome: (position) => {
          if (
            position?.step?.type === 'gather' &&
            position.step.input === 'speech' &&
            outcome.type === 'digits' &&
            state.kind === 'position'
          ) {
            return keyIgnored(call, state, position.step, event.id).then(() => ({ done: 'key ignored by a speech-only gather' }));
          }
          if (position?.step?.type === 'gather' && (outcome.type === 'digits' || outcome.type === 'no-input')) {
            const native = nativeGatherRetries(position.step, position.state, engine.flow.defaults);
            // provider: Telnyx re-asks natively up to maximum_tries; an invalid/timeout result means all of them were used.
            if (native) return { ...outcome, attemptsUsed: native.maximumTries };
          }
          return outcome;
        },
      };
    }

    return {
      verify(webhook) {
        // Synchronous on Node (node:crypto): no promise for the check the pipeline waits on. A check is a verdict.
        return checkTelnyxSignature({
          publicKey: options.publicKey!,
          signature: webhook.headers.get(telnyxSignatureHeader),
          timestamp: webhook.headers.get(telnyxTimestampHeader),
          rawBody: webhook.bytes,
          toleranceSeconds: options.signatureToleranceSeconds,
          now,
        });
      },
      parse,
      continuationStates,
      render(turn, input) {
        const planning = (input.prepared ?? {}) as Pick<
          PlanCommandsOptions,
          'answer' | 'stopPlayback' | 'stopListening' | 'seed' | 'sequence' | 'callerNumber'
        >;
        const waitNode = turn.wait?.state.node;
        const dynamicNode = waitNode !== undefined && typeof engine.flow.nodes[waitNode] === 'function';
        // Every option named (no spread of the planning, whose shape varies by event): one object shape, built fast.
        return planCommands(turn, {
          continuations: input.continuations,
          answer: planning.answer,
          stopPlayback: planning.stopPlayback,
          stopListening: planning.stopListening,
          seed: planning.seed,
          sequence: planning.sequence,
          callerNumber: planning.callerNumber,
          nativeRetries: !dynamicNode,
          dynamicNode,
          connectionId: options.connectionId,
        });
      },
      deliver: delivery,
    };
  },
};
