export { registerCommand, runCli, usage } from './cli.js';
export type { CommandHandler, CommandResult } from './cli.js';
export { diagramFlow } from './diagram-flow.js';
export { loadFlow } from './load-flow.js';
export { renderNode } from './render-turn.js';
export { describeEntry, parseKeys, runSoftphone } from './softphone.js';
export type { SoftphoneOptions } from './softphone.js';
export { renderCommand, simulateCommand } from './provider-commands.js';
