import type { Flow, Problem } from '@callflow/core';
import { flowGraph } from './flow-graph.js';

/**
 * Text for a quoted Mermaid label: `#` first (Mermaid's entity marker), then quotes and angle brackets as entity
 * codes, so no node id or step text can end the string or inject markup.
 */
function escapeLabel(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/[\r\n]+/g, ' ');
}

/**
 * The flow as a Mermaid flowchart: one box per node listing its steps, one arrow per reference.
 * Node ids are drawn in the labels only; the Mermaid ids are `n0`, `n1` … in node order, so a node named `end`,
 * `graph`, `style`, `class`, `subgraph`, `click` or `start`, or one with dashes, dots or any other character, is
 * always valid Mermaid and never the start marker (`start`).
 * @example console.log(diagramFlow(flow))
 */
export function diagramFlow(flow: Flow, problems: readonly Problem[] = []): string {
  const graph = flowGraph(flow, problems);
  const mermaidId = new Map(graph.nodes.map((node, index) => [node.id, `n${index}`]));
  const lines = ['flowchart TD'];
  if (mermaidId.has(graph.start)) lines.push(`  start(((start))) --> ${mermaidId.get(graph.start)}`);
  for (const node of graph.nodes) {
    const id = mermaidId.get(node.id)!;
    const title = `<b>${escapeLabel(node.id)}</b>`;
    if (node.dynamic) lines.push(`  ${id}[["${title}<br/>(dynamic)"]]`);
    else lines.push(`  ${id}["${[title, ...node.steps.map(escapeLabel)].join('<br/>')}"]`);
  }
  for (const edge of graph.edges) {
    const from = mermaidId.get(edge.from)!;
    const to = mermaidId.get(edge.to)!;
    lines.push(edge.label === '' ? `  ${from} --> ${to}` : `  ${from} -- "${escapeLabel(edge.label)}" --> ${to}`);
  }
  const unreachable = graph.nodes.filter((node) => node.unreachable).map((node) => mermaidId.get(node.id)!);
  if (unreachable.length) {
    lines.push('  classDef unreachable stroke-dasharray: 5 5,opacity:0.6');
    lines.push(`  class ${unreachable.join(',')} unreachable`);
  }
  return `${lines.join('\n')}\n`;
}
