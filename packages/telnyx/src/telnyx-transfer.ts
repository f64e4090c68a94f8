import type { CallInfo, CallPosition, Outcome, TransferStep, WebhookEvent } from '@callflow/core';
import type { ClientState, FarLegStage } from './client-state.js';
import type { BridgeCallBody } from './call-control-bodies.js';
import type { TelnyxEvent } from './parse-telnyx-event.js';
import type { FarLegPosition, TelnyxCommand } from './plan-commands.js';
import type { TelnyxFeatureContext } from './telnyx-features.js';

// A transfer's rarer paths, in a chunk of their own that a flow with a transfer step loads (when its handler is created;
// a dynamic node's at its first need): the far leg of a transfer callflow dials itself (screening, a spoken whisper),
// and the turn after a transfer Telnyx refused. It imports no code: what it uses comes in `context` (telnyx-features.ts).

/** The far-leg events and the refused-transfer turn of one handler. */
export function createTransferFeature(context: TelnyxFeatureContext) {
  const { options, engine, store, logger, callEvents, delivery, standsAt, dialStatusOf, encodeClientState, commandIdOf } = context;
  const { splitGatherPrompt, mediaCommand, gatherPayload, speakSettings, continuationStates, planCommands, dialsFarLeg } = context;
  const { loadTelnyxPlanning } = context;

  function farState(at: FarLegPosition, stage: FarLegStage, part = 0): string {
    return encodeClientState({ kind: 'far', callControlId: at.callerId, stage, part, sequence: at.sequence, token: at.token });
  }

  function withFarCommandIds(commands: TelnyxCommand[], farId: string, at: FarLegPosition, what: string): TelnyxCommand[] {
    commands.forEach((command, index) => {
      delete command.resumeOn;
      (command.body as { command_id?: string }).command_id = commandIdOf(
        farId,
        `${at.sequence} ${at.token} ${what}`,
        index,
        command.action,
      );
    });
    return commands;
  }

  /**
   * The next command for a dialled transfer's far leg, pure: part `part` of what it hears before the screen (the whisper,
   * then the screening prompt's leading parts), one at a time (`client_state` stage `prompt`, whose end asks for the next);
   * after the last, the screening prompt's one-key gather (stage `screen`), or, without a screen, `bridge: true`.
   * @example farLegCommands(step, farId, { callerId, sequence, token }, 0) // on the far leg's call.answered
   */
  function farLegCommands(
    step: TransferStep,
    farId: string,
    at: FarLegPosition,
    part: number,
  ): { output: TelnyxCommand[]; warnings: string[]; bridge: boolean } {
    const warnings: string[] = [];
    const { leading, own } = step.screen ? splitGatherPrompt(step.screen.prompt) : { leading: [], own: { type: 'none' as const } };
    const parts = [...(step.whisper ?? []), ...leading];
    if (part < parts.length) {
      const command = mediaCommand(parts[part]!, farState(at, 'prompt', part), warnings);
      return { output: withFarCommandIds([command], farId, at, `part ${part}`), warnings, bridge: false };
    }
    if (!step.screen) return { output: [], warnings, bridge: true };
    const timeoutMillis = Math.round((step.screen.timeoutSeconds ?? 5) * 1000);
    // One key, any key: the accept key bridges, another declines (as Twilio's numDigits 1 and Vonage's maxDigits 1).
    const common = {
      minimum_digits: 1,
      maximum_digits: 1,
      timeout_millis: timeoutMillis,
      valid_digits: '0123456789*#',
      client_state: farState(at, 'screen'),
    };
    let command: TelnyxCommand;
    if (own.type === 'speak')
      command = {
        action: 'gather_using_speak',
        body: { ...gatherPayload(own.says), ...speakSettings(own.says[0]!, warnings), ...common, maximum_tries: 1 },
      };
    else if (own.type === 'audio')
      command = { action: 'gather_using_audio', body: { audio_url: own.play.url, ...common, maximum_tries: 1 } };
    else {
      const { timeout_millis: _timeout, ...rest } = common;
      command = { action: 'gather', body: { ...rest, initial_timeout_millis: timeoutMillis } };
    }
    return { output: withFarCommandIds([command], farId, at, 'screen'), warnings, bridge: false };
  }

  /**
   * The commands that connect an accepted far leg, pure: on the caller's leg stop the ringback and bridge (parked
   * after the bridge when the flow goes on); on the far leg the transfer's DTMF once bridged.
   */
  function farLegBridgeCommands(step: TransferStep, farId: string, at: FarLegPosition): { caller: TelnyxCommand[]; far: TelnyxCommand[] } {
    const bridge: BridgeCallBody = { call_control_id_to_bridge_with: farId };
    // Keep the caller's leg after the bridge ends only when the flow goes on.
    if (step.then !== undefined) bridge.park_after_unbridge = 'self';
    if (step.record) {
      bridge.record = 'record-from-answer';
      bridge.record_format = 'mp3';
    }
    const caller: TelnyxCommand[] = [
      { action: 'playback_stop', body: { stop: 'all' } },
      { action: 'bridge', body: bridge },
    ];
    caller.forEach((command, index) => {
      (command.body as { command_id?: string }).command_id = commandIdOf(
        at.callerId,
        `${at.sequence} ${at.token} bridge`,
        index,
        command.action,
      );
    });
    // provider: send_dtmf plays digits on the leg, 'w' a 0.5 s pause (telnyx SDK resources/calls/actions.d.ts ActionSendDtmfParams.digits).
    const far: TelnyxCommand[] = step.sendDigits === undefined ? [] : [{ action: 'send_dtmf', body: { digits: step.sendDigits } }];
    return { caller, far: withFarCommandIds(far, farId, at, 'bridged') };
  }

  /** The command that ends a far leg that declined, stayed silent at the screen, or is no longer wanted (stage `declined`: no answer). */
  function farLegHangupCommands(farId: string, at: FarLegPosition): TelnyxCommand[] {
    return withFarCommandIds([{ action: 'hangup', body: { client_state: farState(at, 'declined') } }], farId, at, 'declined');
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

  return {
    farLegEvent,
    callerLeftTransfer,
    /** The commands of the turn after a transfer Telnyx refused (see `TelnyxDeliveryOptions.refusedTransferCommands`). */
    async refusedTransferCommands(call: CallInfo, at: string, reason: string, callerNumber: string | undefined): Promise<TelnyxCommand[]> {
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
      if (turn.wait) await loadTelnyxPlanning();
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
  };
}
