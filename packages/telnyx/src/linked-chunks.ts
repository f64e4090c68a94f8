import * as waitCommands from './telnyx-wait-commands.js';

// The chunk `planCommands` reads synchronously, linked statically where callflow runs from source (tests, tsx) and in the
// CommonJS build (Node, where size does not matter). The ES module build (bundlers, Workers) and every esbuild bundle of
// the source (bench/bundle-size.ts) put core's src/runtime/unlinked-chunks.ts in place of this file (the plugin in
// packages/core/unlink-chunks.ts, which matches any linked-chunks.js), so there the chunk is reached only through its
// dynamic import() and stays off the up-front code.

/** The chunk's module, linked in source and in the CommonJS build; `undefined` where unlinked. */
export const linkedChunks: { waitCommands?: typeof waitCommands } = { waitCommands };
