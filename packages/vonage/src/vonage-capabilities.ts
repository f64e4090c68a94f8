import type { CallFeatures, Capabilities, ProviderAdapter, Rendered } from '@callflow/core';
import type { Ncco } from './ncco-types.js';
import { renderNcco, type RenderNccoContext } from './render-ncco.js';

/** What Vonage does natively, what callflow emulates on it, and how. */
export const vonageCapabilities: Capabilities = {
  say: { support: 'native', note: 'talk (≤1500 characters)' },
  play: { support: 'native', note: 'stream' },
  pause: { support: 'native', note: 'wait (0.1–7200 s); an SSML <break> inside a barge-in prompt' },
  gather: { support: 'native', note: 'talk/stream with bargeIn + input (≤20 digits, submit on # only); retries and routing by the engine' },
  record: { support: 'native', note: 'record with endOnSilence/endOnKey/timeOut, then notify to continue' },
  transfer: { support: 'native', note: 'connect with eventType synchronous (one endpoint); notify after it for the answered case' },
  enqueue: { support: 'emulated', note: 'conversation with startOnEnter false + musicOnHold; order in the Store; REST transfer when an agent frees up' },
  conference: { support: 'native', note: 'conversation; no beep, no size setting' },
  goto: { support: 'native', note: 'resolved by the engine' },
  hangup: { support: 'emulated', note: 'no hangup action: the NCCO ends, and so does the call' },
  reject: { support: 'unsupported', note: 'Vonage answers every inbound call before it asks for the NCCO: there is no pre-answer reject; rendering it is an unsupported-step error' },
  hours: { support: 'native', note: 'resolved by the engine' },
};

/** The Vonage adapter as core's `ProviderAdapter`. */
export const vonageAdapter: ProviderAdapter<Ncco, RenderNccoContext> = {
  provider: 'vonage',
  capabilities: vonageCapabilities,
  render(turn, context): Rendered<Ncco> {
    return renderNcco(turn, context);
  },
};

/** How outbound calls, machine detection and lifecycle events run on Vonage; listed in the capability matrix. */
export const vonageCallFeatures: CallFeatures = {
  'start-call': { support: 'native', note: 'startVonageCall: createOutboundCall with answer and event URLs carrying the signed start, ringing_timer' },
  'machine-detection': { support: 'emulated', note: 'advanced_machine_detection (detect_beep): the human route starts on answer; a machine event (after beep_start) moves the call by REST transfer (voiceClient); no unknown result is documented' },
  'call-events': { support: 'native', note: 'event webhook: started, then completed, busy, timeout, unanswered, rejected, cancelled or failed with duration' },
};
