import { stepReferences, type Flow, type Problem, type Step } from '@callflow/core';

/** One node of a flow as a diagram draws it: its id, one short line per step, and what validation said of it. */
export interface FlowGraphNode {
  id: string;
  steps: string[];
  /** A TypeScript node computed per call: its steps are unknown until then. */
  dynamic: boolean;
  start: boolean;
  /** Not reachable from the start node. */
  unreachable: boolean;
  /** Validation problems under `nodes.<id>`, as `path: message`. */
  problems: Array<{ severity: Problem['severity']; text: string }>;
}

/** One reference between nodes: a route key, a fallback (`busy`, `no input` …) or `''` for a plain goto. */
export interface FlowGraphEdge {
  from: string;
  to: string;
  label: string;
}

/** A flow as nodes and labelled edges, the shared input of the Mermaid, SVG and dev-console drawings. */
export interface FlowGraph {
  name: string;
  start: string;
  nodes: FlowGraphNode[];
  edges: FlowGraphEdge[];
  /** Problems that belong to no node (the whole flow, schedules …). */
  problems: Array<{ severity: Problem['severity']; text: string }>;
}

const edgeLabels: Record<string, string> = {
  node: '',
  then: 'then',
  onBusy: 'busy',
  onNoAnswer: 'no answer',
  onFailed: 'failed',
  onInvalid: 'invalid',
  onNoInput: 'no input',
  onExhausted: 'exhausted',
  onTimeout: 'timeout',
  open: 'open',
  closed: 'closed',
  holiday: 'holiday',
  'escape.to': 'escape',
};

function shorten(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** A short label for a step, as shown inside its node's box. */
export function describeStep(step: Step): string {
  switch (step.type) {
    case 'say':
      return `say “${shorten(step.text, 40)}”`;
    case 'play':
      return `play ${step.url.split('/').pop() || step.url}`;
    case 'pause':
      return `pause ${step.seconds}s`;
    case 'gather':
      return `gather ${step.input ?? 'dtmf'}${step.attempts ? ` ×${step.attempts}` : ''}`;
    case 'record':
      return `record ≤${step.maxSeconds ?? 120}s`;
    case 'transfer':
      return `transfer ${typeof step.to === 'string' ? step.to : step.to.sip}`;
    case 'enqueue':
      return `queue ${step.queue}`;
    case 'conference':
      return `conference ${step.room}`;
    case 'goto':
      return 'goto';
    case 'hangup':
      return 'hang up';
    case 'reject':
      return `reject ${step.reason ?? 'rejected'}`;
    case 'hours':
      return `hours ${step.schedule}`;
  }
}

function nodeOfPath(path: string): string | undefined {
  const match = /^nodes\.([^[.]+)/.exec(path);
  return match?.[1];
}

/**
 * The graph of a flow: one node per flow node with its steps, one edge per distinct reference, the start marked,
 * and each problem of `problems` (from `validateFlow`) attached to its node; unreachable nodes are flagged.
 * @example flowGraph(flow, validateFlow(flow).problems)
 */
export function flowGraph(flow: Flow, problems: readonly Problem[] = []): FlowGraph {
  const ids = Object.keys(flow.nodes);
  const nodes = new Map<string, FlowGraphNode>();
  for (const id of ids) {
    const node = flow.nodes[id]!;
    const dynamic = typeof node === 'function';
    nodes.set(id, {
      id,
      steps: dynamic ? ['(dynamic)'] : node.map(describeStep),
      dynamic,
      start: id === flow.start,
      unreachable: false,
      problems: [],
    });
  }
  const edges: FlowGraphEdge[] = [];
  const seen = new Map<string, FlowGraphEdge>();
  for (const id of ids) {
    const node = flow.nodes[id]!;
    if (typeof node === 'function') continue;
    for (const step of node) {
      for (const reference of stepReferences(step)) {
        const label = reference.field.startsWith('routes.')
          ? reference.field.slice('routes.'.length)
          : (edgeLabels[reference.field] ?? reference.field);
        if (!nodes.has(reference.node)) continue;
        // One edge per pair of nodes: several references between the same two nodes share it, labels joined.
        const key = JSON.stringify([id, reference.node]);
        const existing = seen.get(key);
        if (!existing) {
          const edge = { from: id, to: reference.node, label };
          seen.set(key, edge);
          edges.push(edge);
        } else if (label && !existing.label.split(', ').includes(label))
          existing.label = existing.label ? `${existing.label}, ${label}` : label;
      }
    }
  }
  // Reachability from the start, over the edges drawn (dynamic nodes may go anywhere, so they reach nothing known).
  const reached = new Set<string>();
  const pending = nodes.has(flow.start) ? [flow.start] : [];
  while (pending.length) {
    const id = pending.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const edge of edges) if (edge.from === id && !reached.has(edge.to)) pending.push(edge.to);
  }
  const hasDynamic = [...nodes.values()].some((node) => node.dynamic);
  for (const node of nodes.values()) node.unreachable = !hasDynamic && !reached.has(node.id);
  const flowProblems: FlowGraph['problems'] = [];
  for (const problem of problems) {
    const text = `${problem.line ? `line ${problem.line}: ` : ''}${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
    const owner = nodes.get(nodeOfPath(problem.path) ?? '');
    (owner ? owner.problems : flowProblems).push({ severity: problem.severity, text });
  }
  return { name: flow.name, start: flow.start, nodes: [...nodes.values()], edges, problems: flowProblems };
}
