import type { Outcome } from '@callflow/core';
import { asObject, optionalString, type VonageRecordEvent } from './parse-vonage-webhook.js';

// A record action's event, read by the record and conference chunk (vonage-record-conference-chunk.ts); a flow that
// records nothing never loads it. The index exports it through vonage-chunked-exports.ts.

/** Reads a record event into a recording outcome. */
export function parseVonageRecordEvent(body: unknown): Extract<Outcome, { type: 'recording' }> {
  const record = asObject(body, 'record event') as VonageRecordEvent;
  const started = record.start_time ? Date.parse(record.start_time) : NaN;
  const ended = record.end_time ? Date.parse(record.end_time) : NaN;
  const durationSeconds = Number.isNaN(started) || Number.isNaN(ended) ? undefined : Math.max(0, Math.round((ended - started) / 1000));
  return {
    type: 'recording',
    url: optionalString(record as Record<string, unknown>, 'recording_url'),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
  };
}
