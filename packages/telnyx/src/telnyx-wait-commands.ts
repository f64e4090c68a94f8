import type {
  ConferenceStep,
  EnqueueStep,
  GatherStep,
  Outcome,
  RecordStep,
  SayStep,
  TransferStep,
  Turn,
  WaitingStep,
} from '@callflow/core';
import { googleTranscriptionLanguages } from './call-control-bodies.js';
import type {
  DialCallBody,
  EnqueueCallBody as ActionEnqueueParams,
  SpeakTextBody,
  StartRecordingBody as ActionStartRecordingParams,
  StartTranscriptionBody as ActionStartTranscriptionParams,
  TransferCallBody as ActionTransferParams,
} from './call-control-bodies.js';
import type { ClientState, FarLegStage } from './client-state.js';
import type { TelnyxEvent } from './parse-telnyx-event.js';
import type { PlanCommandsOptions, TelnyxCommand, TelnyxConferenceBody, WaitCommandsKit } from './plan-commands.js';

/** The languages Telnyx's speak takes (telnyx SDK resources/calls/actions.d.ts ActionSpeakParams.language). */
const speakLanguages = new Set([
  'arb',
  'cmn-CN',
  'cy-GB',
  'da-DK',
  'de-DE',
  'en-AU',
  'en-GB',
  'en-GB-WLS',
  'en-IN',
  'en-US',
  'es-ES',
  'es-MX',
  'es-US',
  'fr-CA',
  'fr-FR',
  'hi-IN',
  'is-IS',
  'it-IT',
  'ja-JP',
  'ko-KR',
  'nb-NO',
  'nl-NL',
  'pl-PL',
  'pt-BR',
  'pt-PT',
  'ro-RO',
  'ru-RU',
  'sv-SE',
  'tr-TR',
]);

// The commands of the waiting steps only some flows have (a recording, a transfer, a queue, a conference, a speech
// gather's transcription), in a chunk of their own: a handler whose flow has one loads it when it is created, a dynamic
// node's before the turn that needs it is planned; `planCommands` on Node has it at once (see plan-commands.ts). It
// imports no up-front code: what it uses comes in `kit`, so a bundler does not split what both share into more files.

/** The waiting steps' commands, made with what plan-commands.ts lends them. */
export function createWaitCommands(kit: WaitCommandsKit) {
  const { CallFlowError, encodeClientState, withTelnyxOptions, telnyxOptions, recordSilenceSeconds, silenceTimerBody, dialsFarLeg } = kit;
  const { defaultRingbackUrl, defaultHoldMusicUrl, queueAnnouncementOf } = kit;

  // provider: Call Control has no plain speech gather (gather_using_ai is an LLM agent), so speech is real-time transcription
  // (https://developers.telnyx.com/api-reference/call-commands/transcription-start): its final `call.transcription`
  // (https://developers.telnyx.com/api-reference/callbacks/transcription) is the utterance, matched to routes in core as on
  // Twilio and Vonage; the DTMF gather beside it plays the prompt and is the no-input timer (timeout → no input).
  function transcriptionCommand(step: GatherStep, clientState: string, warnings: string[]): TelnyxCommand {
    const config: NonNullable<ActionStartTranscriptionParams['transcription_engine_config']> = {
      transcription_engine: 'Google',
      interim_results: true,
    };
    const language = step.speech?.language ?? step.prompt.find((media): media is SayStep => media.type === 'say')?.language;
    if (language !== undefined) {
      const base = language.toLowerCase().split('-')[0]!;
      const code = base === 'he' ? 'iw' : base;
      if ((googleTranscriptionLanguages as readonly string[]).includes(code))
        config.language = code as (typeof googleTranscriptionLanguages)[number];
      else warnings.push(`speech language '${language}' is not a Telnyx (Google) transcription language; recognising the default`);
    }
    if (step.speech?.hints?.length) config.hints = [...step.speech.hints];
    if (step.speech?.endSilenceSeconds !== undefined)
      warnings.push('speech.endSilenceSeconds: Telnyx transcription ends utterances by itself; the setting is not sent');
    return {
      action: 'transcription_start',
      body: {
        transcription_engine: 'Google',
        transcription_engine_config: config,
        transcription_tracks: 'inbound',
        client_state: clientState,
      },
    };
  }

  // provider: Telnyx records have no end-on-key; the handler sends record_stop on call.dtmf.received with the finish key.
  // provider: record_start's own silence stop (timeout_secs) "only starts when the speech is detected" (telnyx SDK
  // resources/calls/actions.d.ts ActionStartRecordingParams.timeout_secs), so a caller who never speaks would be recorded until
  // max_length, where Twilio <Record timeout> and Vonage endOnSilence stop after the silence. callflow times the silence itself
  // instead: a real-time transcription (transcription_start, https://developers.telnyx.com/api-reference/call-commands/transcription-start)
  // says when the caller speaks (call.transcription, interim while they talk, final when an utterance ends), and a silent
  // `gather` is the timer (call.gather.ended status timeout after initial_timeout_millis): started with the recording and after
  // each utterance, stopped (gather_stop) when speech starts, and its timeout sends record_stop. timeout_secs is not sent:
  // "Call recording can not be started with 'timeout_secs' while the call is being transcribed" (https://developers.telnyx.com/api/errors/90053).
  // trim-silence, as Twilio's <Record trim> default, drops the silence the timer waited through.
  function recordCommands(step: RecordStep, clientState: string, warnings: string[]): TelnyxCommand[] {
    const maxSeconds = step.maxSeconds ?? 120;
    const silenceSeconds = recordSilenceSeconds(step);
    const body: ActionStartRecordingParams = {
      format: 'mp3',
      channels: 'single',
      play_beep: step.beep ?? true,
      max_length: maxSeconds,
      client_state: clientState,
    };
    if (silenceSeconds === undefined)
      return [{ action: 'record_start', body: withTelnyxOptions(body, step), resumeOn: 'call.recording.saved' }];
    warnings.push(
      `record: the ${silenceSeconds} s silence stop is timed by callflow (transcription_start and a silent gather), since Telnyx's timeout_secs counts only after speech; the transcription is billed`,
    );
    return [
      {
        action: 'transcription_start',
        body: {
          transcription_engine: 'Google',
          transcription_engine_config: { transcription_engine: 'Google', interim_results: true },
          transcription_tracks: 'inbound',
          client_state: clientState,
        },
      },
      { action: 'record_start', body: { ...body, trim: 'trim-silence', ...telnyxOptions(step) } },
      // All three carry the same client_state (the leg named, as call.recording.saved needs), whichever of them Telnyx echoes.
      { action: 'gather', body: silenceTimerBody(silenceSeconds, clientState), resumeOn: 'call.recording.saved' },
    ];
  }

  // provider: Telnyx transfer keeps the caller's leg up when the far leg fails; its call.hangup cause (client_state "peer") drives the fallback.
  function transferCommand(step: TransferStep, clientState: string, callControlId: string, token: string, sequence: number): TelnyxCommand {
    const body: ActionTransferParams = {
      to: typeof step.to === 'string' ? step.to : step.to.sip,
      timeout_secs: Math.min(600, Math.max(5, Math.round(step.ringSeconds ?? 30))),
      target_leg_client_state: encodeClientState({ kind: 'peer', callControlId, sequence, token }),
      client_state: clientState,
    };
    if (typeof step.to !== 'string') {
      if (step.to.username !== undefined) body.sip_auth_username = step.to.username;
      if (step.to.password !== undefined) body.sip_auth_password = step.to.password;
    }
    if (step.callerId !== undefined) body.from = step.callerId;
    if (step.maxSeconds !== undefined) body.time_limit_secs = step.maxSeconds;
    // provider: audio_url is "played back when the transfer destination answers before bridging the call" (telnyx SDK resources/calls/actions.d.ts ActionTransferParams.audio_url).
    const whisper = step.whisper ?? [];
    if (whisper.length === 1 && whisper[0]!.type === 'play') body.audio_url = whisper[0]!.url;
    // provider: DTMF sent once the destination answers; 'w' is a 0.5 s pause (telnyx SDK resources/calls/actions.d.ts ActionTransferParams.send_digits_on_answer).
    if (step.sendDigits !== undefined) body.send_digits_on_answer = step.sendDigits;
    if (step.record) {
      body.record = 'record-from-answer';
      body.record_format = 'mp3';
    }
    // Keep the caller's leg after the bridge ends only when the flow goes on.
    if (step.then !== undefined) body.park_after_unbridge = 'self';
    return { action: 'transfer', body: withTelnyxOptions(body, step), resumeOn: 'call.hangup' };
  }

  // provider: Telnyx plays nothing to a caller whose far leg is dialled apart (no ringback: bridge's play_ringtone covers a
  // far leg not yet answered, not one hearing a whisper, telnyx SDK resources/calls/actions.d.ts ActionBridgeParams.play_ringtone),
  // so the caller hears callflow's ringback, looped (playback_start loop infinity), until the bridge or the fallback stops it:
  // the ringing a caller hears on Twilio (<Dial>) and Vonage (onAnswer.ringbackTone) while the called party is screened.
  // provider: dial with link_to shares the caller's session; bridge_intent takes the caller's number as `from`
  // (telnyx SDK resources/calls/calls.d.ts CallDialParams.link_to, bridge_intent); its call.hangup ends the transfer.
  function dialCommands(
    step: TransferStep,
    turn: Turn,
    at: { sequence: number; token: string; connectionId: string | undefined; callerNumber: string | undefined; dynamicNode: boolean },
  ): TelnyxCommand[] {
    const node = turn.wait!.state.node;
    const callerId = turn.call.callId;
    if (at.dynamicNode)
      throw new CallFlowError(
        'unsupported-step',
        `${node}: a screened or spoken-whisper transfer on Telnyx must be in a static node (the far leg's events read the step again, which a dynamic node does not keep)`,
        { provider: 'telnyx', node },
      );
    if (!at.connectionId)
      throw new CallFlowError(
        'invalid-options',
        `${node}: a screened or spoken-whisper transfer on Telnyx dials the called party itself (calls.dial); set the handler's connectionId (the Call Control application id)`,
        { provider: 'telnyx', node },
      );
    const from = step.callerId ?? turn.call.from ?? at.callerNumber;
    if (from === undefined)
      throw new CallFlowError(
        'unsupported-step',
        `${node}: the caller's number is not known here; set transfer.callerId (a number on the Telnyx account) for a screened transfer`,
        { provider: 'telnyx', node },
      );
    const ringback: TelnyxCommand = {
      action: 'playback_start',
      body: {
        audio_url: defaultRingbackUrl,
        loop: 'infinity',
        client_state: encodeClientState({ kind: 'hold', segment: 0, sequence: at.sequence, token: at.token }),
      },
    };
    const body: DialCallBody = {
      connection_id: at.connectionId,
      to: typeof step.to === 'string' ? step.to : step.to.sip,
      from,
      link_to: callerId,
      timeout_secs: Math.min(600, Math.max(5, Math.round(step.ringSeconds ?? 30))),
      client_state: encodeClientState({
        kind: 'far',
        callControlId: callerId,
        stage: 'dial',
        part: 0,
        sequence: at.sequence,
        token: at.token,
      }),
    };
    if (step.callerId === undefined) body.bridge_intent = true;
    // provider: detect sends call.machine.detection.ended (human, machine, not_sure) once the far leg answers (telnyx SDK
    // resources/calls/calls.d.ts CallDialParams.answering_machine_detection): a screened transfer waits for it, so a
    // voicemail is hung up before it records the whisper, and counts as no answer.
    if (step.screen) body.answering_machine_detection = 'detect';
    if (typeof step.to !== 'string') {
      if (step.to.username !== undefined) body.sip_auth_username = step.to.username;
      if (step.to.password !== undefined) body.sip_auth_password = step.to.password;
    }
    if (step.maxSeconds !== undefined) body.time_limit_secs = step.maxSeconds;
    return [ringback, { action: 'dial', body: withTelnyxOptions(body, step), resumeOn: 'call.hangup' }];
  }

  // provider: Telnyx queues play no music by themselves (https://developers.telnyx.com/docs/voice/programmable-voice/queueing-calls);
  // the hold music and the flow's announcements start on call.enqueued (holdCommands in telnyx-hold.ts), one play at a time.
  function enqueueCommands(step: EnqueueStep, clientState: string, warnings: string[], dynamicNode: boolean): TelnyxCommand[] {
    const commands: TelnyxCommand[] = [];
    if (dynamicNode) {
      // The breaks in the music need the step, which a dynamic node does not keep: loop the music instead.
      commands.push({
        action: 'playback_start',
        body: { audio_url: step.holdMusic ?? defaultHoldMusicUrl, loop: 'infinity', client_state: clientState },
      });
      if (queueAnnouncementOf(step))
        warnings.push(`enqueue '${step.queue}': in a dynamic node the place is not announced on Telnyx (put the enqueue in a static node)`);
    }
    const body: ActionEnqueueParams = { queue_name: step.queue, client_state: clientState };
    if (step.maxWaitSeconds !== undefined) body.max_wait_time_secs = step.maxWaitSeconds;
    commands.push({ action: 'enqueue', body: withTelnyxOptions(body, step), resumeOn: 'call.dequeued' });
    return commands;
  }

  // provider: Telnyx joins conferences by id, so the first caller creates the room and its id is kept under the name in the Store.
  // `muted` reaches the creator by the mute action after create (the executor); `endOnExit` is not join's end_conference_on_exit,
  // which hangs the others up, but callflow making them leave when this caller's conference.participant.left comes (the handler).
  function conferenceCommand(step: ConferenceStep, clientState: string): TelnyxCommand {
    const beep = step.beep === true ? ('always' as const) : ('never' as const);
    const startOnEnter = step.startOnEnter ?? true;
    const create: TelnyxConferenceBody['create'] = {
      name: step.room,
      beep_enabled: beep,
      // With hold music the room waits, playing it, until a second caller starts it.
      start_conference_on_create: step.holdMusic ? false : startOnEnter,
      client_state: clientState,
    };
    if (step.holdMusic) create.hold_audio_url = step.holdMusic;
    if (step.maxParticipants !== undefined) create.max_participants = Math.min(800, Math.max(2, step.maxParticipants));
    const join: TelnyxConferenceBody['join'] = {
      beep_enabled: beep,
      start_conference_on_enter: startOnEnter,
      mute: step.muted ?? false,
      client_state: clientState,
    };
    if (step.holdMusic) join.hold_audio_url = step.holdMusic;
    return {
      action: 'conference_join_or_create',
      body: { room: step.room, create: { ...create, ...telnyxOptions(step) }, join },
      resumeOn: 'conference.participant.left',
    };
  }

  /** A say's language on Telnyx's speak (`settings` from its voice), with warnings for what Telnyx cannot speak. */
  function speakLanguage(
    settings: Pick<SpeakTextBody, 'voice' | 'service_level' | 'language'>,
    language: string,
    warnings: string[],
  ): void {
    if (speakLanguages.has(language)) settings.language = language as SpeakTextBody['language'];
    else warnings.push(`language '${language}' is not a Telnyx speak language; choose a voice for it instead`);
    if (settings.service_level === 'basic' && settings.language !== undefined && settings.language !== 'en-US') {
      warnings.push(`the basic male/female voices speak only en-US; use a voice like Polly.Lea for '${settings.language}'`);
    }
  }

  return {
    transcriptionCommand,
    speakLanguage,
    /** The commands of a waiting record, transfer, enqueue or conference step (`state` its `client_state`). */
    commandsOf(
      turn: Turn,
      step: Exclude<WaitingStep, { type: 'gather' }>,
      state: string,
      options: PlanCommandsOptions,
      warnings: string[],
      at: { sequence: number; token: string },
    ): TelnyxCommand[] {
      const callControlId = turn.call.callId;
      switch (step.type) {
        case 'record':
          // provider: call.recording.saved carries no call_control_id (telnyx SDK webhooks.d.ts CallRecordingSaved), so its client_state names the leg.
          return recordCommands(
            step,
            encodeClientState({ kind: 'position', callControlId, sequence: at.sequence, token: at.token }),
            warnings,
          );
        case 'transfer':
          if (!dialsFarLeg(step)) return [transferCommand(step, state, callControlId, at.token, at.sequence)];
          return dialCommands(step, turn, {
            sequence: at.sequence,
            token: at.token,
            connectionId: options.connectionId,
            callerNumber: options.callerNumber,
            dynamicNode: options.dynamicNode ?? false,
          });
        case 'enqueue':
          return enqueueCommands(step, state, warnings, options.dynamicNode ?? false);
        case 'conference':
          return [conferenceCommand(step, state)];
        default:
          return [];
      }
    },
  };
}

// The events and client states only the waiting steps' commands (and outbound legs) bring, read here beside the commands
// that ask for them; parse-telnyx-event.ts and client-state.ts reach them through planning-chunk.ts.

const farLegStages: readonly string[] = ['dial', 'prompt', 'screen', 'declined'];

/**
 * The client state kinds only some calls carry (`far`, `left`, `out`, `hold`), from the words of one `encodeClientState`
 * text (client-state.ts checked its sequence and token); `undefined` for anything else.
 */
export function decodeClientStateKind(parts: readonly string[], sequence: number, token: string): ClientState | undefined {
  if (parts.length === 6 && parts[0] === 'far' && parts[1] && farLegStages.includes(parts[2]!) && /^\d{1,4}$/.test(parts[3] ?? ''))
    return { kind: 'far', callControlId: parts[1], stage: parts[2] as FarLegStage, part: Number(parts[3]), sequence, token };
  if (parts.length === 4 && parts[0] === 'left' && parts[1] && /^[0-9*#]$/.test(parts[1]))
    return { kind: 'left-queue', digit: parts[1], sequence, token };
  if (
    parts.length === 5 &&
    parts[0] === 'out' &&
    /^[0-9a-f]{8,64}$/.test(parts[1] ?? '') &&
    (parts[2] === 'off' || parts[2] === 'detect' || parts[2] === 'beep')
  ) {
    return { kind: 'outbound', nonce: parts[1]!, detection: parts[2], sequence, token };
  }
  if (parts.length === 5 && parts[0] === 'hold' && /^\d{1,9}$/.test(parts[1] ?? '') && /^(-|\d{1,9})$/.test(parts[2] ?? '')) {
    return { kind: 'hold', segment: Number(parts[1]), ...(parts[2] === '-' ? {} : { announcedAt: Number(parts[2]) }), sequence, token };
  }
  return undefined;
}

/**
 * Every documented `call.dequeued` reason (provider: telnyx SDK resources/webhooks.d.ts `CallLeftQueue.Payload.reason`, event_type call.dequeued:
 * bridged, bridging-in-process, hangup, leave, timeout). `bridging-in-process` is the caller leaving the queue to be
 * bridged to an agent, so it is the bridged outcome; whether a `bridged` follows it is undocumented, and a second
 * dequeue for the same position is stale and ignored by the handler (docs/providers/telnyx.md).
 */
const queueResultByReason: Record<string, Extract<Outcome, { type: 'queue' }>['result']> = {
  bridged: 'bridged',
  'bridging-in-process': 'bridged',
  hangup: 'hangup',
  leave: 'left',
  timeout: 'timeout',
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The outcome of an event only a speech gather, a recording, a queue or a conference brings (see parse-telnyx-event.ts). */
export function waitingOutcome(event: TelnyxEvent): Outcome | undefined {
  const { payload } = event;
  switch (event.type) {
    case 'call.transcription': {
      // provider: the final result is the utterance; interim ones (is_final false) only say the caller is speaking
      // (https://developers.telnyx.com/api-reference/callbacks/transcription, telnyx SDK resources/webhooks.d.ts Transcription).
      const data =
        typeof payload.transcription_data === 'object' && payload.transcription_data !== null
          ? (payload.transcription_data as Record<string, unknown>)
          : {};
      const transcript = text(data.transcript)?.trim() ?? '';
      if (data.is_final !== true || transcript === '') return undefined;
      return typeof data.confidence === 'number'
        ? { type: 'speech', text: transcript, confidence: data.confidence }
        : { type: 'speech', text: transcript };
    }
    case 'call.recording.saved': {
      const urls = (payload.recording_urls ?? payload.public_recording_urls) as { mp3?: string | null; wav?: string | null } | undefined;
      const url = urls?.mp3 ?? urls?.wav ?? undefined;
      const started = Date.parse(text(payload.recording_started_at) ?? '');
      const ended = Date.parse(text(payload.recording_ended_at) ?? '');
      const outcome: Outcome = { type: 'recording' };
      if (url) outcome.url = url;
      if (Number.isFinite(started) && Number.isFinite(ended)) outcome.durationSeconds = Math.max(0, Math.round((ended - started) / 1000));
      return outcome;
    }
    case 'call.recording.error':
      return { type: 'recording' };
    case 'call.dequeued': {
      const reason = text(payload.reason);
      const result = reason !== undefined && Object.hasOwn(queueResultByReason, reason) ? queueResultByReason[reason] : undefined;
      if (result === undefined) return undefined;
      const waitSeconds = typeof payload.wait_time_secs === 'number' ? { waitSeconds: payload.wait_time_secs } : {};
      const digit = result === 'left' && event.clientState?.kind === 'left-queue' ? { digit: event.clientState.digit } : {};
      return { type: 'queue', result, ...waitSeconds, ...digit };
    }
    case 'conference.participant.left':
      return { type: 'conference', status: 'ended' };
    default:
      return undefined;
  }
}
