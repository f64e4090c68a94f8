import type { Problem } from '../errors.js';
import { collectTargets, referenceTables, stepReferences, valueAt } from './flow-references.js';
import { checkFlowFields } from './schema.js';
import { didYouMean, nearest } from './suggest.js';
import type { Flow, GatherStep, Step, StepType } from './types.js';
import { isWaitingStep } from './types.js';
import { formatPath } from './format-path.js';
import type { FlowValidation } from './validate-flow.js';

// Every problem of a flow, each with its path, message and hint, errors and warnings: what `validateFlow` returns and
// what the error of a flow that is wrong lists. In the diagnostics chunk (flow-diagnostics.ts): a flow that is right
// is told apart by check-flow-graph.ts and fast-check.ts, which follow the same rules without the messages.

/**
 * Checks a flow against the schema and the graph rules, reporting every problem at once.
 * Dynamic nodes (functions) are accepted and their steps checked when they run.
 */
export function listFlowProblems(input: unknown): FlowValidation {
  const problems: Problem[] = [];
  const hasFunctions =
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { nodes?: unknown }).nodes === 'object' &&
    Object.values((input as { nodes: Record<string, unknown> }).nodes ?? {}).some((node) => typeof node === 'function');
  // A well-formed flow passes the fast check; only a broken one is walked again to list every problem with its path.
  const checked = checkFlowFields(input, hasFunctions);
  if ('data' in checked) {
    problems.push(...checkGraph(checked.data));
    return finish(problems, checked.data);
  }
  for (const issue of checked.issues)
    problems.push({
      path: formatPath(issue.path),
      message: issue.message,
      ...(issue.hint === undefined ? {} : { hint: issue.hint }),
      severity: 'error',
    });
  // Graph checks still run on what is there, so one pass reports everything.
  if (typeof input === 'object' && input !== null) problems.push(...checkGraph(input as Flow));
  return finish(problems, undefined);
}

function finish(problems: Problem[], flow: Flow | undefined): FlowValidation {
  const sorted = [...problems.filter((p) => p.severity === 'error'), ...problems.filter((p) => p.severity === 'warning')];
  const ok = !sorted.some((problem) => problem.severity === 'error');
  return { ok, flow: ok ? flow : undefined, problems: sorted };
}

function checkGraph(flow: Flow): Problem[] {
  const problems: Problem[] = [];
  const nodes = typeof flow.nodes === 'object' && flow.nodes !== null ? flow.nodes : {};
  const nodeIds = Object.keys(nodes);
  const scheduleIds = Object.keys(typeof flow.schedules === 'object' && flow.schedules !== null ? flow.schedules : {});
  const suggested = new Set<string>();
  const scheduleFieldsOf = referenceTables().schedules;
  const missing = (path: string, node: string) => {
    const guess = nearest(node, nodeIds);
    if (guess !== undefined) suggested.add(guess);
    problems.push({
      path,
      message: `unknown node '${node}'`,
      hint: didYouMean(node, nodeIds) ?? (nodeIds.length ? `nodes are ${nodeIds.slice(0, 8).join(', ')}` : undefined),
      severity: 'error',
    });
  };
  if (typeof flow.start === 'string' && !(flow.start in nodes)) missing('start', flow.start);
  for (const [field, node] of machineDetectionRoutes(flow)) if (!(node in nodes)) missing(`machineDetection.${field}`, node);

  // Each node's references, gathered once here and walked again by the reachability check.
  const targetsOf = new Map<string, string[]>();
  for (const id of nodeIds) {
    const node = nodes[id];
    if (!Array.isArray(node)) continue;
    const targets: string[] = [];
    targetsOf.set(id, targets);
    for (let index = 0; index < node.length; index++) {
      const step: unknown = node[index];
      if (typeof step !== 'object' || step === null) continue;
      const { type } = step as { type?: unknown };
      const first = targets.length;
      collectTargets(step as Step, targets);
      for (let target = first; target < targets.length; target++) {
        if (targets[target]! in nodes) continue;
        // Rare: list each missing reference with the field it sits in.
        for (const ref of stepReferences(step as Step)) if (!(ref.node in nodes)) missing(`${stepPath(id, index)}.${ref.field}`, ref.node);
        break;
      }
      for (const { keys } of (typeof type === 'string' && Object.hasOwn(scheduleFieldsOf, type) && scheduleFieldsOf[type as StepType]) ||
        []) {
        const schedule = valueAt(step, keys);
        if (typeof schedule === 'string' && !scheduleIds.includes(schedule)) {
          problems.push({
            path: `${stepPath(id, index)}.${keys.join('.')}`,
            message: `unknown schedule '${schedule}'`,
            hint: didYouMean(schedule, scheduleIds) ?? (scheduleIds.length ? undefined : 'the flow defines no schedules'),
            severity: 'error',
          });
        }
      }
      if (type === 'gather') checkGather(step as GatherStep, id, index, problems);
      if ((type === 'goto' || type === 'hangup' || type === 'reject' || type === 'hours') && index < node.length - 1) {
        problems.push({
          path: stepPath(id, index + 1),
          message: `unreachable: the ${type} before it never falls through`,
          severity: 'warning',
        });
      }
    }
  }
  if (scheduleIds.length && flow.schedules) {
    for (const [name, schedule] of Object.entries(flow.schedules)) {
      // What is there, as it is: a schedule with a malformed closures list gets its field problems, not a crash here.
      const closures: unknown[] = Array.isArray(schedule?.closures) ? schedule.closures : [];
      for (const [index, closure] of closures.entries()) {
        if (
          typeof closure === 'object' &&
          closure !== null &&
          'from' in closure &&
          'to' in closure &&
          typeof closure.from === 'string' &&
          typeof closure.to === 'string' &&
          closure.from > closure.to
        ) {
          problems.push({
            path: `schedules.${name}.closures[${index}]`,
            message: `'from' ${closure.from} is after 'to' ${closure.to}`,
            severity: 'error',
          });
        }
      }
    }
  }
  // These two run on whatever is well-formed enough, so one pass reports everything.
  // A node only unreachable because a reference to it is misspelled gets the error, not a second warning.
  problems.push(
    ...checkReachability(flow, targetsOf).filter((problem) => !suggested.has(problem.path.slice('nodes.'.length))),
    ...checkSilentCycles(flow),
  );
  return problems;
}

/** `nodes.menu[0]`: the path of a step, built only when a problem needs it. */
function stepPath(id: string, index: number): string {
  return `nodes.${id}[${index}]`;
}

function checkGather(step: GatherStep, id: string, index: number, problems: Problem[]): void {
  const at = stepPath(id, index);
  const input = step.input ?? 'dtmf';
  const seen = new Map<string, string>();
  for (const key of Object.keys(step.routes ?? {})) {
    const isDigits = /^[0-9*#]+$/.test(key);
    if (!isDigits && input === 'dtmf') {
      problems.push({
        path: `${at}.routes.${key}`,
        message: `route '${key}' is not digits (0-9, *, #) but the gather only takes dtmf`,
        hint: "set input: 'speech' or 'both' to route on words",
        severity: 'error',
      });
    }
    if (!isDigits && !/^[\p{L}\p{N}' -]+$/u.test(key)) {
      problems.push({ path: `${at}.routes.${key}`, message: `route '${key}' is neither digits nor words`, severity: 'error' });
    }
    const normal = key.trim().toLowerCase();
    const previous = seen.get(normal);
    if (previous !== undefined)
      problems.push({
        path: `${at}.routes.${key}`,
        message: `duplicate route: '${key}' matches the same input as '${previous}'`,
        severity: 'error',
      });
    seen.set(normal, key);
    const finishOnKey = step.finishOnKey ?? '#';
    if (isDigits && finishOnKey !== '' && key.includes(finishOnKey)) {
      problems.push({
        path: `${at}.routes.${key}`,
        message: `route '${key}' contains the finish key '${finishOnKey}', so it can never be entered`,
        hint: "set finishOnKey to another key or ''",
        severity: 'error',
      });
    }
    if (isDigits && step.numDigits !== undefined && key.length !== step.numDigits) {
      problems.push({
        path: `${at}.routes.${key}`,
        message: `route '${key}' has ${key.length} digits but numDigits is ${step.numDigits}`,
        severity: 'error',
      });
    }
    if (isDigits && step.maxDigits !== undefined && key.length > step.maxDigits) {
      problems.push({
        path: `${at}.routes.${key}`,
        message: `route '${key}' is longer than maxDigits ${step.maxDigits}`,
        severity: 'error',
      });
    }
  }
  if (step.minDigits !== undefined && step.maxDigits !== undefined && step.minDigits > step.maxDigits) {
    problems.push({
      path: `${at}.minDigits`,
      message: `minDigits ${step.minDigits} is greater than maxDigits ${step.maxDigits}`,
      severity: 'error',
    });
  }
  if (step.numDigits !== undefined && step.maxDigits !== undefined && step.numDigits !== step.maxDigits) {
    problems.push({ path: `${at}.numDigits`, message: 'give numDigits or maxDigits, not both with different values', severity: 'error' });
  }
  if (!step.routes && !step.saveAs) {
    problems.push({ path: `${at}`, message: 'a gather needs routes or saveAs, or its input is thrown away', severity: 'warning' });
  }
  for (const kind of ['noInput', 'invalid'] as const) {
    const limit = step[kind]?.attempts;
    if (typeof limit === 'number' && step.attempts !== undefined && limit > step.attempts) {
      problems.push({
        path: `${at}.${kind}.attempts`,
        message: `${kind}.attempts ${limit} can never be reached: attempts ${step.attempts} counts every try`,
        hint: 'raise attempts or drop it',
        severity: 'warning',
      });
    }
  }
  if (input === 'dtmf' && step.speech) {
    problems.push({ path: `${at}.speech`, message: "speech settings are ignored when input is 'dtmf'", severity: 'warning' });
  }
}

/** The node references of `flow.machineDetection` (roots, like `start`: an outbound call may begin at each). */
function machineDetectionRoutes(flow: Flow): Array<[string, string]> {
  const routes = typeof flow.machineDetection === 'object' && flow.machineDetection !== null ? flow.machineDetection : {};
  return (['onHuman', 'onMachine', 'onUnknown'] as const).flatMap((field) => {
    const node = (routes as Record<string, unknown>)[field];
    return typeof node === 'string' ? [[field, node] as [string, string]] : [];
  });
}

/** Nodes that can be reached from `start`; dynamic nodes count as reaching every node. */
function checkReachability(flow: Flow, targetsOf: Map<string, string[]>): Problem[] {
  const nodes = typeof flow.nodes === 'object' && flow.nodes !== null ? flow.nodes : {};
  if (typeof flow.start !== 'string') return [];
  const reached = new Set<string>();
  const queue = [flow.start, ...machineDetectionRoutes(flow).map(([, node]) => node)];
  let sawDynamic = false;
  while (queue.length) {
    const id = queue.pop()!;
    if (reached.has(id) || !(id in nodes)) continue;
    reached.add(id);
    const node = nodes[id];
    if (typeof node === 'function') {
      sawDynamic = true;
      continue;
    }
    if (!Array.isArray(node)) continue;
    let targets = targetsOf.get(id);
    if (targets === undefined) {
      targets = [];
      for (const step of node) if (typeof step === 'object' && step !== null) collectTargets(step, targets);
    }
    for (const target of targets) queue.push(target);
  }
  if (sawDynamic) return [];
  return Object.keys(nodes)
    .filter((id) => !reached.has(id))
    .map((id) => ({ path: `nodes.${id}`, message: `node '${id}' is unreachable from '${flow.start}'`, severity: 'warning' as const }));
}

/** Cycles of goto/hours edges taken before any step that waits for the caller: they would spin forever. */
function checkSilentCycles(flow: Flow): Problem[] {
  const edges = new Map<string, Array<{ to: string; path: string }>>();
  for (const [id, node] of Object.entries(typeof flow.nodes === 'object' && flow.nodes !== null ? flow.nodes : {})) {
    if (!Array.isArray(node)) continue;
    const out: Array<{ to: string; path: string }> = [];
    for (let index = 0; index < node.length; index++) {
      const step = node[index];
      if (typeof step !== 'object' || step === null) continue;
      if (isWaitingStep(step) || step.type === 'hangup' || step.type === 'reject') break;
      if (step.type === 'goto') {
        out.push({ to: step.node, path: `nodes.${id}[${index}].node` });
        break;
      }
      if (step.type === 'hours') {
        out.push({ to: step.open, path: `nodes.${id}[${index}].open` }, { to: step.closed, path: `nodes.${id}[${index}].closed` });
        if (step.holiday) out.push({ to: step.holiday, path: `nodes.${id}[${index}].holiday` });
        break;
      }
    }
    // A node without such edges cannot be on a cycle.
    if (out.length) edges.set(id, out);
  }
  const problems: Problem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string) => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const edge of edges.get(id) ?? []) {
      const seen = state.get(edge.to);
      if (seen === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        const key = [...cycle].slice(0, -1).sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          problems.push({
            path: edge.path,
            message: `loop that never waits for the caller: ${cycle.join(' → ')}`,
            hint: 'add a gather, record or other waiting step inside the loop',
            severity: 'error',
          });
        }
      } else if (seen === undefined && edges.has(edge.to)) visit(edge.to);
    }
    stack.pop();
    state.set(id, 'done');
  };
  // Iterative roots keep the result deterministic; recursion depth is bounded by the goto chain length.
  for (const id of edges.keys()) if (!state.has(id)) visit(id);
  return problems;
}
