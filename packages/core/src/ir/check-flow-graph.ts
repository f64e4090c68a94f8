import { collectTargets, referenceTables, valueAt } from './flow-references.js';
import type { Flow, GatherStep, StepType } from './types.js';
import { isWaitingStep } from './types.js';

// The graph rules that make a well-formed flow wrong, as a yes or no: what a handler, `defineFlow` and `createEngine`
// need to accept a flow that is right without the diagnostics chunk. The same rules with their messages, hints and the
// warnings are in list-flow-problems.ts; test/validate-decider.test.ts holds the two to each other, rule for rule.

/** True when a flow that passed the field table breaks a graph rule: an error `validateFlow` would report. */
export function flowHasGraphErrors(flow: Flow): boolean {
  const nodes = flow.nodes;
  const schedules = flow.schedules ?? {};
  if (!(flow.start in nodes)) return true;
  const routes = flow.machineDetection;
  if (routes)
    for (const node of [routes.onHuman, routes.onMachine, routes.onUnknown]) if (node !== undefined && !(node in nodes)) return true;
  const scheduleFieldsOf = referenceTables().schedules;
  const targetsOf = new Map<string, string[]>();
  for (const id in nodes) {
    const node = nodes[id];
    if (typeof node === 'function' || node === undefined) continue;
    const targets: string[] = [];
    targetsOf.set(id, targets);
    for (const step of node) {
      collectTargets(step, targets);
      for (const { keys } of scheduleFieldsOf[step.type as StepType] ?? []) {
        const schedule = valueAt(step, keys);
        if (typeof schedule === 'string' && !Object.hasOwn(schedules, schedule)) return true;
      }
      if (step.type === 'gather' && gatherHasErrors(step)) return true;
    }
    for (const target of targets) if (!(target in nodes)) return true;
  }
  for (const name in schedules) {
    for (const closure of schedules[name]!.closures ?? []) if ('from' in closure && closure.from > closure.to) return true;
  }
  return hasSilentCycle(flow);
}

function gatherHasErrors(step: GatherStep): boolean {
  const input = step.input ?? 'dtmf';
  const finishOnKey = step.finishOnKey ?? '#';
  const seen = new Set<string>();
  for (const key of Object.keys(step.routes ?? {})) {
    const isDigits = /^[0-9*#]+$/.test(key);
    if (!isDigits && (input === 'dtmf' || !/^[\p{L}\p{N}' -]+$/u.test(key))) return true;
    const normal = key.trim().toLowerCase();
    if (seen.has(normal)) return true;
    seen.add(normal);
    if (isDigits) {
      if (finishOnKey !== '' && key.includes(finishOnKey)) return true;
      if (step.numDigits !== undefined && key.length !== step.numDigits) return true;
      if (step.maxDigits !== undefined && key.length > step.maxDigits) return true;
    }
  }
  if (step.minDigits !== undefined && step.maxDigits !== undefined && step.minDigits > step.maxDigits) return true;
  return step.numDigits !== undefined && step.maxDigits !== undefined && step.numDigits !== step.maxDigits;
}

/** A cycle of goto/hours edges taken before any step that waits for the caller (it would spin forever). */
function hasSilentCycle(flow: Flow): boolean {
  const edges = new Map<string, string[]>();
  for (const id in flow.nodes) {
    const node = flow.nodes[id];
    if (typeof node === 'function' || node === undefined) continue;
    for (const step of node) {
      if (isWaitingStep(step) || step.type === 'hangup' || step.type === 'reject') break;
      if (step.type === 'goto') {
        edges.set(id, [step.node]);
        break;
      }
      if (step.type === 'hours') {
        edges.set(id, step.holiday ? [step.open, step.closed, step.holiday] : [step.open, step.closed]);
        break;
      }
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): boolean => {
    state.set(id, 'visiting');
    for (const to of edges.get(id) ?? []) {
      const seen = state.get(to);
      if (seen === 'visiting' || (seen === undefined && edges.has(to) && visit(to))) return true;
    }
    state.set(id, 'done');
    return false;
  };
  for (const id of edges.keys()) if (!state.has(id) && visit(id)) return true;
  return false;
}
