import type { EnqueueStep } from './types.js';

/** The wording a queued caller hears when the flow sets `announce: true` or gives no template. */
export const defaultQueueAnnouncement = 'You are number {position} in line.';

/**
 * The hold music every provider plays when the flow gives none, so a caller hears the same wait everywhere: Twilio's
 * own default (provider: https://www.twilio.com/docs/voice/twiml/enqueue#attributes-waiturl, "Twilio's default hold music").
 */
export const defaultHoldMusicUrl = 'http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3';

/**
 * The ringing a caller hears while a transfer rings and screens the called party, where the provider plays a file, not
 * its own tone (a Vonage whisper or screen, a Telnyx far leg dialled apart): Twilio's own ringback sound
 * (provider: @twilio/voice-sdk lib/twilio/constants.ts SOUNDS_BASE_URL and lib/twilio/device.ts sound "outgoing").
 */
export const defaultRingbackUrl = 'https://sdk.twilio.com/js/client/sounds/releases/1.0.0/outgoing.mp3';

/** A queue step's announcement with its defaults filled in, or `undefined` when the caller is not told their place. */
export function queueAnnouncementOf(step: EnqueueStep): { template: string; everySeconds?: number } | undefined {
  const setting = step.announce ?? step.announcePosition;
  if (setting === undefined || setting === false) return undefined;
  if (setting === true) return { template: defaultQueueAnnouncement };
  const template = 'template' in setting ? setting.template : undefined;
  return setting.everySeconds === undefined
    ? { template: template ?? defaultQueueAnnouncement }
    : { template: template ?? defaultQueueAnnouncement, everySeconds: setting.everySeconds };
}

/**
 * The words of one announcement: `{position}` and `{waitMinutes}` (the average wait, rounded up, at least 1 minute).
 * @example formatQueueAnnouncement('You are number {position} in line.', { position: 2 }) // 'You are number 2 in line.'
 */
export function formatQueueAnnouncement(template: string, values: { position: number; averageWaitSeconds?: number }): string {
  const minutes = Math.max(1, Math.ceil((values.averageWaitSeconds ?? 0) / 60));
  return template.replace(/\{position\}/g, String(values.position)).replace(/\{waitMinutes\}/g, String(minutes));
}

/**
 * Whether an announcement is due at a break in the hold music: on entering the queue, then (with `everySeconds`) once
 * that long has passed since the last one. Every provider asks this at the same points, so the caller hears the same rhythm.
 */
export function queueAnnouncementDue(
  waitedSeconds: number,
  lastAnnouncedSeconds: number | undefined,
  everySeconds: number | undefined,
): boolean {
  if (lastAnnouncedSeconds === undefined) return true;
  return everySeconds !== undefined && waitedSeconds - lastAnnouncedSeconds >= everySeconds;
}
