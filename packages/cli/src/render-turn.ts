import { CallFlowError, createEngine, type Flow } from '@callflow/core';
import type { SimulatedProvider } from '@callflow/testing';

/** The first turn of a node, rendered for a provider: TwiML text, NCCO JSON, or Telnyx command list JSON. */
export async function renderNode(flow: Flow, provider: SimulatedProvider, node?: string): Promise<{ output: string; warnings: string[] }> {
  const engine = createEngine(flow, { secret: 'callflow-cli-render-secret-0123456789' });
  const call = { callId: 'CA-callflow-render', from: '+15550100001', to: '+15550100002', provider };
  const target = node ?? flow.start;
  if (!(target in flow.nodes)) throw new CallFlowError('invalid-flow', `unknown node '${target}' (nodes: ${Object.keys(flow.nodes).join(', ')})`);
  const turn = await engine.goTo(target, call);
  if (provider === 'twilio') {
    const { renderTwiml, twimlWarnings } = await import('@callflow/twilio');
    return { output: `${renderTwiml(turn, { actionUrl: 'https://ivr.example.com/voice' })}\n`, warnings: twimlWarnings(turn) };
  }
  if (provider === 'vonage') {
    const { renderNcco } = await import('@callflow/vonage');
    const rendered = renderNcco(turn, { eventUrl: 'https://ivr.example.com/vonage' });
    return { output: `${JSON.stringify(rendered.output, null, 2)}\n`, warnings: rendered.warnings };
  }
  const { continuationStates, planCommands } = await import('@callflow/telnyx');
  const continuations = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
  const planned = planCommands(turn, { continuations, answer: target === flow.start });
  return { output: `${JSON.stringify(planned.output, null, 2)}\n`, warnings: planned.warnings };
}
