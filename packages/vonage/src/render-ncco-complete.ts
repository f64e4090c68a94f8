import type { Rendered, Turn } from '@callflow/core';
import type { Ncco } from './ncco-types.js';
import { renderNccoWith, type RenderNccoContext } from './render-ncco.js';
import { renderConference } from './render-ncco-conference.js';
import { renderEnqueue } from './render-ncco-queue.js';
import { renderRecordWait } from './render-ncco-record.js';
import { renderTransfer } from './render-ncco-transfer.js';

// The public renderer, with every waiting step's renderer at hand. The handler renders with renderNccoWith and the
// renderers it has loaded (the chunked ones in chunks of their own), so this file is not among its up-front code.

/**
 * Translates a turn into an NCCO: media as talk/stream/wait, then the waiting step as input, record + notify,
 * connect + notify, conversation + notify, or (a queue with timed breaks) one stretch of the hold loop. Pure; emulated behaviour is reported in `warnings`.
 * @example const { output } = renderNcco(turn, { eventUrl: 'https://ivr.example.com/vonage' });
 */
export function renderNcco(turn: Turn, context: RenderNccoContext): Rendered<Ncco> {
  return renderNccoWith(turn, context, {
    enqueue: renderEnqueue,
    transfer: renderTransfer,
    record: renderRecordWait,
    conference: renderConference,
  });
}
