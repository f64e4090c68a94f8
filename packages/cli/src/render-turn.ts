import { CallFlowError, createEngine, type Engine, type Flow, type ProviderName, type Turn } from '@callflow/core';

type CliCall = { callId: string; from: string; to: string; provider: string };
type Renderer = (turn: Turn, engine: Engine, call: CliCall, isStart: boolean) => Promise<{ output: string; warnings: string[] }>;

/** How each provider in the registry prints a turn (a provider added to the registry fails to compile until it is here). */
const renderers: Record<ProviderName, Renderer> = {
  async twilio(turn) {
    const { renderTwiml, twimlWarnings } = await import('@callflow/twilio');
    return { output: `${renderTwiml(turn, { actionUrl: 'https://ivr.example.com/voice' })}\n`, warnings: twimlWarnings(turn) };
  },
  async vonage(turn) {
    const { renderNcco } = await import('@callflow/vonage');
    const rendered = renderNcco(turn, { eventUrl: 'https://ivr.example.com/vonage' });
    return { output: `${JSON.stringify(rendered.output, null, 2)}\n`, warnings: rendered.warnings };
  },
  async telnyx(turn, engine, call, isStart) {
    const { continuationStates, planCommands } = await import('@callflow/telnyx');
    const continuations = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
    const planned = planCommands(turn, { continuations, answer: isStart });
    return { output: `${JSON.stringify(planned.output, null, 2)}\n`, warnings: planned.warnings };
  },
};

/** The first turn of a node, rendered for a provider: TwiML text, NCCO JSON, or Telnyx command list JSON. */
export async function renderNode(flow: Flow, provider: ProviderName, node?: string): Promise<{ output: string; warnings: string[] }> {
  const engine = createEngine(flow, { secret: 'callflow-cli-render-secret-0123456789' });
  const call = { callId: 'CA-callflow-render', from: '+15550100001', to: '+15550100002', provider };
  const target = node ?? flow.start;
  if (!(target in flow.nodes))
    throw new CallFlowError('invalid-flow', `unknown node '${target}' (nodes: ${Object.keys(flow.nodes).join(', ')})`);
  const turn = await engine.goTo(target, call);
  return renderers[provider](turn, engine, call, target === flow.start);
}
