import { formatProblems } from '@callflow/core';
import { simulateCall, simulatedProviders, type CallerAction, type SimulatedProvider } from '@callflow/testing';
import { registerCommand, type CommandResult } from './cli.js';
import { loadFlow } from './load-flow.js';
import { renderNode } from './render-turn.js';
import { describeEntry, parseKeys, runSoftphone } from './softphone.js';

function providerOf(value: unknown): SimulatedProvider | string {
  if (typeof value !== 'string') return 'missing --provider (twilio, vonage or telnyx)';
  if (!(simulatedProviders as readonly string[]).includes(value)) return `unknown provider '${value}' (twilio, vonage or telnyx)`;
  return value as SimulatedProvider;
}

async function loadOrFail(flowPath: string) {
  const result = await loadFlow(flowPath);
  if (!result.ok || !result.flow) return { failure: { code: 1, stdout: '', stderr: `${formatProblems(result.problems)}\n` } satisfies CommandResult };
  return { flow: result.flow };
}

registerCommand('render', async (flowPath, options) => {
  const provider = providerOf(options.provider);
  if (!(simulatedProviders as readonly string[]).includes(provider)) return { code: 2, stdout: '', stderr: `callflow render: ${provider}\n` };
  const loaded = await loadOrFail(flowPath);
  if (loaded.failure) return loaded.failure;
  const rendered = await renderNode(loaded.flow, provider as SimulatedProvider, typeof options.node === 'string' ? options.node : undefined);
  return { code: 0, stdout: rendered.output, stderr: rendered.warnings.map((warning) => `warning: ${warning}\n`).join('') };
});

registerCommand('simulate', async (flowPath, options) => {
  const provider = providerOf(options.provider);
  if (!(simulatedProviders as readonly string[]).includes(provider)) return { code: 2, stdout: '', stderr: `callflow simulate: ${provider}\n` };
  const loaded = await loadOrFail(flowPath);
  if (loaded.failure) return loaded.failure;
  const at = typeof options.at === 'string' ? options.at : undefined;
  if (at !== undefined && Number.isNaN(Date.parse(at))) return { code: 2, stdout: '', stderr: `callflow simulate: --at '${at}' is not an ISO time\n` };
  if (typeof options.digits !== 'string') {
    // Interactive softphone: what the caller hears is printed as it happens.
    const call = await runSoftphone({ flow: loaded.flow, provider: provider as SimulatedProvider, at });
    return { code: call.endedBy === 'error' ? 1 : 0, stdout: '', stderr: call.errors.map((error) => `error: ${error}\n`).join('') };
  }
  const input: CallerAction[] = options.digits.split(',').map(parseKeys);
  const call = await simulateCall({ provider: provider as SimulatedProvider, flow: loaded.flow, at, input, hooks: new Proxy({}, { get: () => () => undefined }) });
  const lines = call.entries.map(describeEntry);
  lines.push(`(${provider}: ${call.webhooks} webhooks, ended by ${call.endedBy})`);
  return { code: call.endedBy === 'error' ? 1 : 0, stdout: `${lines.join('\n')}\n`, stderr: call.errors.map((error) => `error: ${error}\n`).join('') };
});
