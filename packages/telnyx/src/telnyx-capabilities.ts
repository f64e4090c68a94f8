import type { Capabilities, CallFeatures } from '@callflow/core';

/** What Telnyx Call Control does per step; the capability matrix in the docs is generated from it. */
export const telnyxCapabilities: Capabilities = {
  say: { support: 'native' },
  play: { support: 'native' },
  pause: {
    support: 'emulated',
  },
  gather: {
    support: 'native',
  },
  record: {
    support: 'emulated',
  },
  transfer: {
    support: 'native',
  },
  enqueue: {
    support: 'native',
  },
  conference: {
    support: 'native',
  },
  goto: { support: 'native' },
  hangup: { support: 'native' },
  reject: { support: 'native' },
  hours: { support: 'native' },
};

/** How outbound calls, machine detection and lifecycle events run on Telnyx; listed in the capability matrix. */
export const telnyxCallFeatures: CallFeatures = {
  'start-call': {
    support: 'native',
    note: 'startTelnyxCall: calls.dial with client_state carrying the signed start, timeout_secs; no answer command on the outgoing leg',
  },
  'machine-detection': {
    support: 'native',
    note: 'answering_machine_detection detect_beep: call.machine.detection.ended (human, machine, not_sure), then call.machine.greeting.ended for a machine',
  },
  'call-events': { support: 'native', note: 'call.initiated and call.hangup (hangup_cause, start_time)' },
};
