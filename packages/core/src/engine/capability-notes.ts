import type { StepType } from '../ir/types.js';
import type { Capabilities } from './adapter.js';

/**
 * The capabilities with each step's note added: adapters keep the notes (docs only) apart from the capabilities their
 * handlers check, so a handler bundle does not carry them.
 */
export function withCapabilityNotes(capabilities: Capabilities, notes: Partial<Record<StepType, string>>): Capabilities {
  const noted: Record<string, unknown> = {};
  for (const [step, capability] of Object.entries(capabilities)) {
    const { support, unsupported } = capability;
    const note = notes[step as StepType];
    noted[step] = { support, ...(note === undefined ? {} : { note }), ...(unsupported === undefined ? {} : { unsupported }) };
  }
  return noted as Capabilities;
}
