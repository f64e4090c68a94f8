import { formatProblems, isProviderName, providerNameList } from '@callflow/core';
import { simulateCall, type CallerAction, type SimulatedProvider } from '@callflow/testing';
import type { CommandHandler, CommandResult } from './cli.js';
import { loadFlow } from './load-flow.js';
import { renderNode } from './render-turn.js';
import { describeEntry, parseKeys, runSoftphone } from './softphone.js';

/** The --provider value, or why it is not one. */
function providerOf(value: unknown): { provider: SimulatedProvider } | { problem: string } {
  if (typeof value !== 'string') return { problem: `missing --provider (${providerNameList()})` };
  if (!isProviderName(value)) return { problem: `unknown provider '${value}' (${providerNameList()})` };
  return { provider: value };
}

async function loadOrFail(flowPath: string) {
  const result = await loadFlow(flowPath);
  if (!result.ok || !result.flow)
    return { failure: { code: 1, stdout: '', stderr: `${formatProblems(result.problems)}\n` } satisfies CommandResult };
  return { flow: result.flow };
}

/** `callflow render <flow> --provider P [--node N]`: the first turn of a node as the provider receives it. */
export const renderCommand: CommandHandler = async (flowPath, options) => {
  const chosen = providerOf(options.provider);
  if ('problem' in chosen) return { code: 2, stdout: '', stderr: `callflow render: ${chosen.problem}\n` };
  const { provider } = chosen;
  const loaded = await loadOrFail(flowPath);
  if (loaded.failure) return loaded.failure;
  const rendered = await renderNode(loaded.flow, provider, typeof options.node === 'string' ? options.node : undefined);
  return { code: 0, stdout: rendered.output, stderr: rendered.warnings.map((warning) => `warning: ${warning}\n`).join('') };
};

/** `callflow simulate <flow> --provider P [--digits 1,2,#] [--at ISO-TIME]`: a scripted (or interactive) call. */
export const simulateCommand: CommandHandler = async (flowPath, options) => {
  const chosen = providerOf(options.provider);
  if ('problem' in chosen) return { code: 2, stdout: '', stderr: `callflow simulate: ${chosen.problem}\n` };
  const { provider } = chosen;
  const loaded = await loadOrFail(flowPath);
  if (loaded.failure) return loaded.failure;
  const at = typeof options.at === 'string' ? options.at : undefined;
  if (at !== undefined && Number.isNaN(Date.parse(at)))
    return { code: 2, stdout: '', stderr: `callflow simulate: --at '${at}' is not an ISO time\n` };
  if (typeof options.digits !== 'string') {
    // Interactive softphone: what the caller hears is printed as it happens.
    const call = await runSoftphone({ flow: loaded.flow, provider, at });
    return { code: call.endedBy === 'error' ? 1 : 0, stdout: '', stderr: call.errors.map((error) => `error: ${error}\n`).join('') };
  }
  const input: CallerAction[] = options.digits.split(',').map(parseKeys);
  const call = await simulateCall({ provider, flow: loaded.flow, at, input, hooks: new Proxy({}, { get: () => () => undefined }) });
  const lines = call.entries.map(describeEntry);
  lines.push(`(${provider}: ${call.webhooks} webhooks, ended by ${call.endedBy})`);
  return {
    code: call.endedBy === 'error' ? 1 : 0,
    stdout: `${lines.join('\n')}\n`,
    stderr: call.errors.map((error) => `error: ${error}\n`).join(''),
  };
};
