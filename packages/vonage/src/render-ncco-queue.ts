import { defaultHoldMusicUrl, formatQueueAnnouncement, queueAnnouncementOf, type EnqueueStep, type Turn } from '@callflow/core';
import { nccoActions, type Ncco, type NccoAction, type NccoTalk } from './ncco-types.js';
import {
  callbackUrl,
  checkTalkText,
  notifyAction,
  queueConversationName,
  defaultQueuePrefix,
  vonageWebhookPaths,
  type RenderNccoContext,
} from './render-ncco.js';

// The NCCOs of an emulated queue (the waiting room, the hold loop's stretches): in the queue chunk, which only a flow with
// an enqueue step (or an app moving queued callers) loads; the public renderNcco (render-ncco-complete.ts) reaches renderEnqueue.
/** Seconds the hold loop's input listens for the escape key after each play of the hold music (Vonage's `dtmf.timeOut`). */
export const holdBreakListenSeconds = 1;

/**
 * Whether a queue step waits in callflow's hold loop (stream + input/notify, a webhook at every break in the music) rather
 * than in a conversation: only when the flow needs the breaks, for a repeated announcement, an escape key or a longest wait.
 * Otherwise the conversation keeps the music seamless and lets an agent join the caller's room directly.
 */
export function usesHoldLoop(step: EnqueueStep): boolean {
  return queueAnnouncementOf(step)?.everySeconds !== undefined || step.escape !== undefined || step.maxWaitSeconds !== undefined;
}

/** One stretch of the hold loop: what the caller hears before the next break, and what the break's webhook carries. */
export interface HoldSegment {
  /** The announcement's words, when one is due at this break. */
  announcement?: string;
  /** Seconds of waiting at the last announcement, carried to the next break (Twilio's wait URL carries the same). */
  lastAnnouncedSeconds?: number;
  /**
   * Which break this stretch ends in, from 1; makes each break's webhook body distinct, so redeliveries are told apart.
   * 0 is a break alone, before the music, that starts the wait after the turn's other media.
   */
  segment: number;
}

/**
 * The NCCO of one stretch of callflow's hold loop: the announcement when due, one play of the hold music, then the break:
 * with an escape key an `input` that hears it (the music has `bargeIn`, so a key ends it), else a `notify`. The webhook
 * answers the next stretch, the escape route, or the timeout route; an agent is reached by REST transfer meanwhile.
 * @example renderHoldSegment(step, { segment: 1, announcement: 'You are number 1 in line.' }, base, token, callId)
 */
export function renderHoldSegment(step: EnqueueStep, segment: HoldSegment, base: string, token: string, callId: string): Ncco {
  const marks: Record<string, string> = { hold: step.queue, n: String(segment.segment) };
  if (segment.segment === 0) {
    // The break that starts the wait, right after the turn's other media: no music yet, nothing to hear.
    return [
      {
        action: nccoActions.notify,
        payload: { after: 'hold', segment: '0' },
        eventUrl: [callbackUrl(base, vonageWebhookPaths.notify, token, callId, marks)],
        eventMethod: 'POST',
      },
    ];
  }
  const listens = step.escape !== undefined;
  const out: Ncco = [];
  if (segment.lastAnnouncedSeconds !== undefined) marks.a = String(Math.floor(segment.lastAnnouncedSeconds));
  if (segment.announcement !== undefined) {
    checkTalkText(segment.announcement, `enqueue '${step.queue}'`);
    out.push({ action: nccoActions.talk, text: segment.announcement, ...(listens ? { bargeIn: true } : {}) });
  }
  // provider: stream bargeIn "terminated when the user presses a button on the keypad"; loop 1 plays it once, so the break
  // comes at the end of each play (https://developer.vonage.com/en/voice/voice-api/ncco-reference#stream).
  out.push({ action: nccoActions.stream, streamUrl: [step.holdMusic ?? defaultHoldMusicUrl], ...(listens ? { bargeIn: true } : {}) });
  if (listens) {
    // provider: input posts the digits to eventUrl and its reply NCCO replaces the current one; dtmf.timeOut (0–10 s) bounds
    // the wait after the music (https://developer.vonage.com/en/voice/voice-api/ncco-reference#input).
    out.push({
      action: nccoActions.input,
      type: ['dtmf'],
      dtmf: { maxDigits: 1, timeOut: holdBreakListenSeconds, submitOnHash: false },
      eventUrl: [callbackUrl(base, vonageWebhookPaths.input, token, callId, marks)],
      eventMethod: 'POST',
    });
  } else {
    // provider: notify posts its payload; a reply NCCO replaces the current one (https://developer.vonage.com/en/voice/voice-api/ncco-reference#notify).
    out.push({
      action: nccoActions.notify,
      payload: { after: 'hold', segment: String(segment.segment) },
      eventUrl: [callbackUrl(base, vonageWebhookPaths.notify, token, callId, marks)],
      eventMethod: 'POST',
    });
  }
  return out;
}

/**
 * The waiting room of an emulated queue: a conversation of the caller's own nobody starts (startOnEnter false) with the hold
 * music, then a notify reached when an agent who joined it (startOnEnter and endOnExit true) leaves.
 */
export function renderQueueRoom(
  queue: string,
  holdMusic: string | undefined,
  base: string,
  token: string,
  callId: string,
  prefix = defaultQueuePrefix,
): Ncco {
  return [
    {
      action: nccoActions.conversation,
      name: queueConversationName(queue, callId, prefix),
      // The same default track as Twilio and Telnyx play, so the wait sounds the same everywhere.
      musicOnHoldUrl: [holdMusic ?? defaultHoldMusicUrl],
      startOnEnter: false,
      endOnExit: false,
    },
    notifyAction('enqueue', base, token, callId),
  ];
}

export function renderEnqueue(step: EnqueueStep, turn: Turn, context: RenderNccoContext, warnings: string[]): NccoAction[] {
  const callId = turn.call.callId;
  const token = turn.token!;
  const announcement = queueAnnouncementOf(step);
  // The flow's words, with the place and the average wait the store knows (Vonage keeps no queue of its own).
  const words =
    announcement && context.queuePosition !== undefined
      ? formatQueueAnnouncement(announcement.template, {
          position: context.queuePosition,
          averageWaitSeconds: context.queueAverageWaitSeconds,
        })
      : undefined;
  if (usesHoldLoop(step) && context.dynamicNode)
    warnings.push(
      `enqueue '${step.queue}': in a dynamic node the wait on Vonage is a conversation, so repeats, the escape key and maxWaitSeconds are not heard (put the enqueue in a static node)`,
    );
  if (usesHoldLoop(step) && !context.dynamicNode) {
    // provider: Vonage has no queue action; the caller waits in a loop of stream + input/notify whose webhooks come at each break.
    warnings.push(
      `enqueue '${step.queue}' is emulated on Vonage: the caller hears the hold music one play at a time, the break after each play is a webhook that answers the announcement when due${step.escape ? ', hears the escape key' : ''} and checks maxWaitSeconds; queue order is kept in the Store, and the app moves the caller with connectNextCaller() when an agent frees up`,
    );
    // After media of the same turn, a first break before the music: the wait counts from there, as Twilio's QueueTime starts at <Enqueue>.
    if (turn.steps.length > 0) return renderHoldSegment(step, { segment: 0 }, context.eventUrl, token, callId);
    return renderHoldSegment(
      step,
      { segment: 1, ...(words !== undefined ? { announcement: words, lastAnnouncedSeconds: 0 } : {}) },
      context.eventUrl,
      token,
      callId,
    );
  }
  const name = queueConversationName(step.queue, callId, context.queuePrefix);
  // provider: Vonage has no queue action; emulated with a conversation nobody starts (startOnEnter false) + hold music.
  warnings.push(
    `enqueue '${step.queue}' is emulated on Vonage: the caller waits in conversation '${name}' (startOnEnter false, music on hold), queue order is kept in the Store, and the app moves the caller with connectNextCaller() when an agent frees up (or an agent joins that conversation)`,
  );
  return [
    ...(words !== undefined ? [{ action: nccoActions.talk, text: words } as NccoTalk] : []),
    ...renderQueueRoom(step.queue, step.holdMusic, context.eventUrl, token, callId, context.queuePrefix),
  ];
}
