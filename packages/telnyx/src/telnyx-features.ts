import {
  CallFlowError,
  claimOnce,
  defaultHoldMusicUrl,
  loadOnce,
  formatQueueAnnouncement,
  queueAnnouncementDue,
  queueAnnouncementOf,
  type CallEventReport,
  type CallEvents,
  type CallInfo,
  type Engine,
  type Logger,
  type Store,
} from '@callflow/core';
import { commandIdOf, encodeClientState } from './client-state.js';
import { dialStatusOf, isInterimTranscription, type TelnyxEvent } from './parse-telnyx-event.js';
import {
  checkText,
  continuationStates,
  dialsFarLeg,
  gatherPayload,
  loadTelnyxPlanning,
  mediaCommand,
  pauseCommand,
  planCommands,
  recordSilenceSeconds,
  silenceTimerBody,
  speakSettings,
  splitGatherPrompt,
  telnyxVoice,
} from './plan-commands.js';
import type { createTelnyxDelivery } from './telnyx-delivery.js';
import type { TelnyxHandlerOptions } from './telnyx-provider.js';

// The handler's code that only some flows need (a transfer's far leg and refusal, a queue's hold loop, a recording's
// finish key and silence timer, a speech gather's timers, an outbound leg's first events), each in a chunk of its own
// behind a literal import(). A handler whose flow has the step loads the chunk when it is created; a dynamic node's step,
// or an outbound leg, at its first need (its event awaits the load, once). The chunks import no code: what they use from
// the up-front code comes in the context below, so a bundler does not split what both would share into more files.

/** What the up-front code lends the chunks, the same for every handler. */
const kit = {
  claimOnce,
  commandIdOf,
  encodeClientState,
  dialStatusOf,
  isInterimTranscription,
  continuationStates,
  planCommands,
  loadTelnyxPlanning,
  dialsFarLeg,
  splitGatherPrompt,
  mediaCommand,
  gatherPayload,
  speakSettings,
  telnyxVoice,
  checkText,
  pauseCommand,
  recordSilenceSeconds,
  silenceTimerBody,
  queueAnnouncementOf,
  queueAnnouncementDue,
  formatQueueAnnouncement,
  defaultHoldMusicUrl,
};

/** One handler's parts the chunks use. */
export interface TelnyxHandlerParts {
  options: TelnyxHandlerOptions;
  engine: Engine;
  store: Store;
  logger: Logger;
  callEvents: CallEvents;
  delivery: ReturnType<typeof createTelnyxDelivery>;
  /** Whether the call still stands at this position (`sequence token`). */
  standsAt(call: CallInfo, current: string): Promise<boolean>;
  /** A `call.hangup` as a lifecycle report. */
  hangupReport(event: TelnyxEvent): Extract<CallEventReport, { type: 'ended' }>;
}

/** What a feature chunk is given: the handler's parts and the up-front code it uses. */
export type TelnyxFeatureContext = TelnyxHandlerParts & typeof kit;

/** A chunk's feature for one handler: `loaded` once its chunk has loaded; `get()` loads it (once; a failed load is tried again). */
export interface LazyFeature<T> {
  loaded: T | undefined;
  get(): Promise<T>;
}

function lazyFeature<T>(name: string, load: () => Promise<T>): LazyFeature<T> {
  const feature: LazyFeature<T> = {
    loaded: undefined,
    // Once; a failed load is tried again by the next caller.
    // With the planning chunk, whose commands and languages every feature may use.
    get: loadOnce(() =>
      Promise.all([load(), loadTelnyxPlanning()]).then(
        ([module]) => (feature.loaded = module),
        (error: unknown) => {
          // A store-like failure for the pipeline: the event is answered 503 and Telnyx redelivers it.
          throw new CallFlowError(
            'missing-package',
            `the Telnyx ${name} chunk did not load: ${error instanceof Error ? error.message : String(error)}`,
            { provider: 'telnyx', cause: error },
          );
        },
      ),
    ),
  };
  return feature;
}

/** The feature chunks of one handler, the ones its flow's steps use loading now. */
export function telnyxFeatures(parts: TelnyxHandlerParts) {
  const context: TelnyxFeatureContext = { ...kit, ...parts };
  const features = {
    transfer: lazyFeature('transfer', () => import('./telnyx-transfer.js').then((chunk) => chunk.createTransferFeature(context))),
    hold: lazyFeature('hold', () => import('./telnyx-hold.js').then((chunk) => chunk.createHoldFeature(context))),
    record: lazyFeature('record', () => import('./telnyx-record.js').then((chunk) => chunk.createRecordFeature(context))),
    speech: lazyFeature('speech', () => import('./telnyx-speech.js').then((chunk) => chunk.createSpeechFeature(context))),
    outbound: lazyFeature('outbound', () => import('./telnyx-outbound.js').then((chunk) => chunk.createOutboundFeature(context))),
  };
  const needed = featuresOf(parts.engine.flow);
  for (const feature of needed) if (feature !== 'planning') features[feature].get().catch(() => undefined);
  // The waiting steps' commands and the says' languages (plan-commands.ts), before the first turn that needs them; a flow
  // naming a language anywhere in its static nodes or defaults (the check over the flow's data, once).
  if (needed.size > 0 || JSON.stringify([parts.engine.flow.defaults, parts.engine.flow.nodes]).includes('"language"'))
    loadTelnyxPlanning().catch(() => undefined);
  return features;
}

/** The chunks a flow's static steps need (a dynamic node's steps are known only when it runs); each needs the planning chunk too. */
function featuresOf(flow: Engine['flow']): Set<'transfer' | 'hold' | 'record' | 'speech' | 'planning'> {
  const needed = new Set<'transfer' | 'hold' | 'record' | 'speech' | 'planning'>();
  for (const steps of Object.values(flow.nodes)) {
    if (typeof steps === 'function') continue;
    for (const step of steps) {
      if (step.type === 'transfer') needed.add('transfer');
      else if (step.type === 'enqueue') needed.add('hold');
      else if (step.type === 'record') needed.add('record');
      else if (step.type === 'gather' && (step.input ?? 'dtmf') !== 'dtmf') needed.add('speech');
      else if (step.type === 'conference') needed.add('planning');
    }
  }
  return needed;
}
