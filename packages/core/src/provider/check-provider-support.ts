import type { Capabilities, UnsupportedOption } from '../engine/adapter.js';
import { CallFlowError } from '../errors.js';
import type { Flow, Step } from '../ir/types.js';

/** A step and the media steps nested in it (a gather's prompts). */
function withNested(step: Step): Step[] {
  return step.type === 'gather' ? [step, ...step.prompt, ...(step.invalidPrompt ?? []), ...(step.noInputPrompt ?? [])] : [step];
}

/** One step option a provider refuses, located in the flow. */
export interface UnsupportedUse {
  node: string;
  index: number;
  step: Step['type'];
  option: string;
  why: string;
}

/** The options of one step that the provider's capabilities refuse. */
export function unsupportedOptionsOf(step: Step, capabilities: Capabilities): Array<{ option: string; why: string }> {
  const refusals = (capabilities[step.type]?.unsupported ?? []) as ReadonlyArray<UnsupportedOption>;
  return refusals.filter((refusal) => refusal.when(step)).map(({ option, why }) => ({ option, why }));
}

/** Every use of a refused option in the flow's static nodes (dynamic nodes are checked when they render). */
export function unsupportedUses(flow: Flow, capabilities: Capabilities): UnsupportedUse[] {
  const uses: UnsupportedUse[] = [];
  for (const [node, steps] of Object.entries(flow.nodes) as Array<[string, Flow['nodes'][string]]>) {
    if (typeof steps === 'function') continue;
    steps.forEach((step, index) => {
      for (const part of withNested(step))
        for (const refusal of unsupportedOptionsOf(part, capabilities)) uses.push({ node, index, step: part.type, ...refusal });
    });
  }
  return uses;
}

/**
 * Refuses a flow that uses an option the provider cannot honour, naming every step, option and provider at once: a
 * caller would hear the difference, so the flow fails where it is set up, not in a log during a call.
 */
export function assertProviderSupport(flow: Flow, provider: string, capabilities: Capabilities): void {
  const uses = unsupportedUses(flow, capabilities);
  if (uses.length === 0) return;
  const lines = uses.map((use) => `nodes.${use.node}[${use.index}] ${use.step}: ${use.option} is not supported on ${provider}: ${use.why}`);
  throw new CallFlowError('unsupported-step', lines.join('; '), { provider, node: uses[0]!.node });
}

/** The same check for the steps of one turn (dynamic nodes included), at render time. */
export function assertStepsSupported(steps: readonly Step[], node: string, provider: string, capabilities: Capabilities): void {
  for (const step of steps) assertStepSupported(step, node, provider, capabilities);
}

/**
 * `assertStepsSupported` for one step and the media steps nested in it, allocating nothing when every option is
 * supported (it runs on every render).
 */
export function assertStepSupported(step: Step, node: string, provider: string, capabilities: Capabilities): void {
  checkOne(step, node, provider, capabilities);
  if (step.type !== 'gather') return;
  for (const part of step.prompt) checkOne(part, node, provider, capabilities);
  if (step.invalidPrompt) for (const part of step.invalidPrompt) checkOne(part, node, provider, capabilities);
  if (step.noInputPrompt) for (const part of step.noInputPrompt) checkOne(part, node, provider, capabilities);
}

function checkOne(step: Step, node: string, provider: string, capabilities: Capabilities): void {
  const refusals = capabilities[step.type]?.unsupported as ReadonlyArray<UnsupportedOption> | undefined;
  if (refusals === undefined) return;
  for (const refusal of refusals) {
    if (!refusal.when(step)) continue;
    throw new CallFlowError('unsupported-step', `${node} ${step.type}: ${refusal.option} is not supported on ${provider}: ${refusal.why}`, {
      provider,
      node,
    });
  }
}
