import { parseArgs } from 'node:util';
import { formatProblems, isCallFlowError, providerNames, providerRegistry } from '@callflow/core';
import { diagramCommand } from './diagram-command.js';
import { loadFlow } from './load-flow.js';
import { renderCommand, simulateCommand } from './provider-commands.js';

/** What a command writes and its exit code; kept apart from process I/O so tests can call it. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const usage = `usage: callflow <command> <flow> [options]

commands:
  validate <flow>                     check a flow; exit 1 listing every problem
  diagram <flow> [--format mermaid|svg|png] [--output FILE]
                                      draw the flow: Mermaid text (default), an SVG or PNG picture
  dev <flow> [--port N]               open the dev console: the graph, a softphone, each turn's documents
  render <flow> --provider P [--node N]
                                      print a node's first turn as the provider gets it (${providerRegistry.map((entry) => entry.output).join(', ')})
  simulate <flow> --provider P [--digits 1,2,#] [--at ISO-TIME]
                                      run a scripted call and print what the caller hears

flows: .json, .yaml/.yml, or a TypeScript/JavaScript module that exports the flow as \`flow\` or as its default export
providers: ${providerNames.join(', ')}`;

/** A command: its flow path and parsed options in, what it prints out. */
export type CommandHandler = (flowPath: string, options: Record<string, string | boolean | undefined>) => Promise<CommandResult>;

/**
 * The commands besides validate and diagram, imported and listed here by name: a bundler cannot drop them
 * (a side-effect import that registered them was dropped from the built bin, see issue 12).
 */
const extraCommands = new Map<string, CommandHandler>([
  ['render', renderCommand],
  ['simulate', simulateCommand],
]);

/** Adds a command to the CLI, for a tool that embeds it. */
export function registerCommand(name: string, handler: CommandHandler): void {
  extraCommands.set(name, handler);
}

/** Runs the CLI with `argv` (without node and script) and returns what it would print. */
export async function runCli(argv: string[]): Promise<CommandResult> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        provider: { type: 'string', short: 'p' },
        node: { type: 'string', short: 'n' },
        digits: { type: 'string', short: 'd' },
        at: { type: 'string' },
        format: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return { code: 2, stdout: '', stderr: `${(error as Error).message}\n\n${usage}\n` };
  }
  const [command, flowPath] = parsed.positionals;
  if (parsed.values.help) return { code: 0, stdout: `${usage}\n`, stderr: '' };
  if (!command) return { code: 2, stdout: '', stderr: `${usage}\n` };
  if (!flowPath) return { code: 2, stdout: '', stderr: `callflow ${command}: missing <flow>\n\n${usage}\n` };
  try {
    switch (command) {
      case 'validate':
        return await validate(flowPath);
      case 'diagram':
        return await diagramCommand(flowPath, parsed.values as Record<string, string | boolean | undefined>);
      case 'dev':
        return await (await import('./dev/dev-command.js')).devCommand(
          flowPath,
          parsed.values as Record<string, string | boolean | undefined>,
        );
      default: {
        const handler = extraCommands.get(command);
        if (!handler) return { code: 2, stdout: '', stderr: `callflow: unknown command '${command}'\n\n${usage}\n` };
        return await handler(flowPath, parsed.values as Record<string, string | boolean | undefined>);
      }
    }
  } catch (error) {
    const message = isCallFlowError(error) ? error.message : error instanceof Error ? error.message : String(error);
    return { code: 1, stdout: '', stderr: `${message}\n` };
  }
}

async function validate(flowPath: string): Promise<CommandResult> {
  const result = await loadFlow(flowPath);
  const errors = result.problems.filter((problem) => problem.severity === 'error').length;
  const warnings = result.problems.length - errors;
  const report = result.problems.length ? `${formatProblems(result.problems)}\n` : '';
  if (!result.ok)
    return {
      code: 1,
      stdout: '',
      stderr: `${report}${flowPath}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
    };
  const nodes = Object.keys(result.flow!.nodes).length;
  return {
    code: 0,
    stdout: `${report}${flowPath}: ok (${nodes} nodes${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''})\n`,
    stderr: '',
  };
}

export { usage };
