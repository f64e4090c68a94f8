import type { CallInfo, CallPosition, EnqueueStep } from '@callflow/core';
import type { ClientState } from './client-state.js';
import type { TelnyxEvent } from './parse-telnyx-event.js';
import type { TelnyxCommand } from './plan-commands.js';
import type { TelnyxFeatureContext } from './telnyx-features.js';

// A queued caller's hold loop (the music, one play at a time, the flow's announcements between plays, the escape key),
// in a chunk of their own that a flow with an enqueue step loads (when its handler is created; a dynamic node's at its
// first need). It imports no code: what it uses comes in `context` (telnyx-features.ts).

/** The silence after each play of a queue's hold music when the flow has an escape key: Twilio's shortest <Gather timeout>. */
const escapeGapSeconds = 1;

/** What the hold music's next play needs to know: which play it is, and what Telnyx reports about the wait. */
export interface HoldSegment {
  /** Which play of the hold music comes next, from 1. */
  segment: number;
  /** The queue wait at the last announcement; absent before the first. */
  lastAnnouncedSeconds?: number;
  /** `current_position` of call.enqueued, or `queue_position` of GET /queues/{name}/calls/{id}; absent when unknown. */
  position?: number;
  /** `queue_avg_wait_time_secs` of call.enqueued, or `average_wait_time_secs` of GET /queues/{name}. */
  averageWaitSeconds?: number;
  /** `wait_time_secs` of GET /queues/{name}/calls/{id}; 0 on entry. */
  waitedSeconds: number;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The hold loop of one handler's queued callers. */
export function createHoldFeature(context: TelnyxFeatureContext) {
  const { options, logger, delivery, standsAt, encodeClientState, commandIdOf, checkText, telnyxVoice, pauseCommand } = context;
  const { queueAnnouncementOf, queueAnnouncementDue, formatQueueAnnouncement, defaultHoldMusicUrl } = context;

  /**
   * The commands of one break in the hold music of a queued caller: the flow's announcement when it is due, then one play
   * of the hold music, whose call.playback.ended is the next break. Pure; `client_state` marks both as the hold (kind `hold`).
   * @example holdCommands(step, { segment: 1, position: 2, waitedSeconds: 0 }, { sequence: 3, token, callControlId })
   */
  function holdCommands(
    step: EnqueueStep,
    hold: HoldSegment,
    at: { sequence: number; token: string; callControlId: string },
  ): TelnyxCommand[] {
    const announcement = queueAnnouncementOf(step);
    let announcedAt = hold.lastAnnouncedSeconds;
    const commands: TelnyxCommand[] = [];
    // With an escape key the previous play is followed by the second of silence (queued with it), so this break comes after it.
    const waitedSeconds = hold.waitedSeconds + (step.escape && hold.segment > 1 ? escapeGapSeconds : 0);
    const due =
      announcement !== undefined &&
      hold.position !== undefined &&
      hold.position > 0 &&
      queueAnnouncementDue(waitedSeconds, announcedAt, announcement.everySeconds);
    if (due) announcedAt = waitedSeconds;
    const clientState = encodeClientState({
      kind: 'hold',
      segment: hold.segment,
      ...(announcedAt === undefined ? {} : { announcedAt }),
      sequence: at.sequence,
      token: at.token,
    });
    if (due) {
      const payload = formatQueueAnnouncement(announcement!.template, {
        position: hold.position!,
        averageWaitSeconds: hold.averageWaitSeconds,
      });
      commands.push({
        action: 'speak',
        body: { payload: checkText(payload, 'queue announcement'), ...telnyxVoice(undefined), client_state: clientState },
      });
    }
    // One play, not loop 'infinity': its call.playback.ended is where the next announcement may go.
    commands.push({ action: 'playback_start', body: { audio_url: step.holdMusic ?? defaultHoldMusicUrl, client_state: clientState } });
    // provider: Twilio waits its <Gather timeout> (1 s, the shortest) after each play and Vonage its input timeOut (1 s) before the
    // next; Telnyx hears a key any time (call.dtmf.received), so the same second of silence is a speak of one SSML break (see pauseCommand).
    if (step.escape) {
      const { action, body } = pauseCommand({ type: 'pause', seconds: escapeGapSeconds }, clientState);
      commands.push({ action, body } as TelnyxCommand);
    }
    const seed = `${at.sequence} ${at.token} hold ${hold.segment}`;
    commands.forEach((command, index) => {
      (command.body as { command_id?: string }).command_id = commandIdOf(at.callControlId, seed, index, command.action);
    });
    return commands;
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

  /** A hold loop's event: the caller entered the queue (call.enqueued), or a play of the music ended. */
  async function holdEvent(
    call: CallInfo,
    clientState: ClientState,
    position: CallPosition | undefined,
    event: TelnyxEvent,
  ): Promise<{ done: string }> {
    if (event.type === 'call.enqueued') {
      await holdBreak(call, clientState, position, {
        position: numberOf(event.payload.current_position),
        averageWaitSeconds: numberOf(event.payload.queue_avg_wait_time_secs),
      });
      return { done: 'enqueued' };
    }
    // provider: a play that ran to its end reports status completed; a stopped one (the caller left the queue) does not.
    if (event.payload.status !== 'completed') return { done: 'hold music stopped' };
    await holdBreak(call, clientState, position);
    return { done: 'hold music' };
  }

  /** The queue's escape key: the caller leaves the queue (Telnyx queues have no end-on-key), and the flow goes on. */
  async function pressed(call: CallInfo, clientState: ClientState, digit: string, step: EnqueueStep): Promise<void> {
    const { token, sequence } = clientState;
    const current = `${sequence} ${token}`;
    if (step.escape?.digit !== digit || !(await standsAt(call, current))) return;
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

  return { holdEvent, pressed };
}
