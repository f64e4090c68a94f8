export { registerCommand, runCli, usage } from './cli.js';
export type { CommandHandler, CommandResult } from './cli.js';
export { diagramFlow } from './diagram-flow.js';
export { loadFlow } from './load-flow.js';
