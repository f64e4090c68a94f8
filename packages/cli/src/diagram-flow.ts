import { stepReferences, type Flow, type Step } from '@callflow/core';

/** A short label for a step, as shown inside its node's box. */
function describe(step: Step): string {
  switch (step.type) {
    case 'say':
      return `say “${step.text.length > 40 ? `${step.text.slice(0, 37)}…` : step.text}”`;
    case 'play':
      return `play ${step.url.split('/').pop() ?? step.url}`;
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
    case 'hours':
      return `hours ${step.schedule}`;
  }
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

function escapeLabel(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/[<>]/g, (char) => (char === '<' ? '#lt;' : '#gt;'));
}

/**
 * The flow as a Mermaid flowchart: one box per node listing its steps, one arrow per reference.
 * @example console.log(diagramFlow(flow))
 */
export function diagramFlow(flow: Flow): string {
  const lines = ['flowchart TD', `  start(((start))) --> ${flow.start}`];
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (typeof node === 'function') {
      lines.push(`  ${id}[["${id}<br/>(dynamic)"]]`);
      continue;
    }
    const body = node.map(describe).map(escapeLabel).join('<br/>');
    lines.push(`  ${id}["<b>${id}</b><br/>${body}"]`);
  }
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (typeof node === 'function') continue;
    const seen = new Set<string>();
    for (const step of node) {
      for (const reference of stepReferences(step)) {
        const label = reference.field.startsWith('routes.') ? reference.field.slice('routes.'.length) : (edgeLabels[reference.field] ?? reference.field);
        const edge = `${id}|${label}|${reference.node}`;
        if (seen.has(edge)) continue;
        seen.add(edge);
        lines.push(label === '' ? `  ${id} --> ${reference.node}` : `  ${id} -- "${escapeLabel(label)}" --> ${reference.node}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
