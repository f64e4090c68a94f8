import type { Outcome, Store } from '@callflow/core';
import { parseVonageRecordEvent } from './parse-vonage-record-event.js';
import { renderConference } from './render-ncco-conference.js';
import { renderRecordWait } from './render-ncco-record.js';
import { vonageKeys } from './vonage-provider.js';

// The record and conference steps on Vonage, in a chunk of their own: their NCCOs, the record event, and the wait at a record's
// notify for its URL. A handler loads it when its flow has a record or conference step, a dynamic node's at the
// first turn that records or joins a room, and a record notify (on any instance) awaits it; a flow with neither never
// loads it. (One chunk for the two: both lean on the handler's own code, so each bundler chunk apart would split the
// handler's up-front file in two, gzipped apart.)

export { parseVonageRecordEvent, renderConference, renderRecordWait };

/** The recording the record event saved for a record step's notify, polled every 25 ms for up to `limitMs`; undefined if it never came. */
export async function waitForRecording(
  store: Store,
  callId: string,
  tokenHash: string,
  limitMs: number,
): Promise<Extract<Outcome, { type: 'recording' }> | undefined> {
  for (let waited = 0; ; waited += 25) {
    const saved = await store.get(vonageKeys.recording(callId, tokenHash));
    if (saved !== undefined) return JSON.parse(saved) as Extract<Outcome, { type: 'recording' }>;
    if (waited >= limitMs) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
