import { CallFlowError, type RecordStep, type Turn } from '@callflow/core';
import { mp3Format, nccoActions, type NccoAction } from './ncco-types.js';
import { callbackUrl, checkRange, notifyAction, vonageLimits, vonageWebhookPaths, type RenderNccoContext } from './render-ncco.js';

// A record step's NCCO, in the record and conference chunk (vonage-record-conference-chunk.ts) that only a flow with a record step loads; the
// public renderNcco (render-ncco-complete.ts) reaches it too.

const provider = 'vonage';

/** A record step's actions: record (its event to `/record`), then notify to go on. */
export function renderRecordWait(step: RecordStep, turn: Turn, context: RenderNccoContext): NccoAction[] {
  const token = turn.token!;
  const callId = turn.call.callId;
  return [
    renderRecord(step, turn.node, callbackUrl(context.eventUrl, vonageWebhookPaths.record, token, callId)),
    notifyAction('record', context.eventUrl, token, callId),
  ];
}

function renderRecord(step: RecordStep, node: string, eventUrl: string): NccoAction {
  const timeOut = step.maxSeconds ?? 120;
  const endOnSilence = step.silenceSeconds ?? 5;
  checkRange(timeOut, vonageLimits.recordTimeoutSeconds, 'record.maxSeconds', node);
  checkRange(endOnSilence, vonageLimits.recordSilenceSeconds, 'record.silenceSeconds', node);
  const finishOnKey = step.finishOnKey ?? '#';
  if (finishOnKey !== '' && !/^[0-9*#]$/.test(finishOnKey)) {
    throw new CallFlowError('unsupported-step', `${node}: record.finishOnKey '${finishOnKey}' must be one key of 0-9, * or # on Vonage`, {
      provider,
      node,
    });
  }
  return {
    action: nccoActions.record,
    format: mp3Format,
    endOnSilence,
    ...(finishOnKey !== '' ? { endOnKey: finishOnKey } : {}),
    timeOut,
    beepStart: step.beep ?? true,
    eventUrl: [eventUrl],
    eventMethod: 'POST',
  };
}
