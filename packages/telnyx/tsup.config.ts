import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import { unlinkChunks } from '../core/unlink-chunks.js';
import { writeNodeEntry } from '../core/write-node-entry.js';

/**
 * The ES module build (bundlers, Workers) reaches the planning chunk (src/telnyx-wait-commands.ts) only through its
 * dynamic import(), so it is a file of its own there: core's plugin puts src/runtime/unlinked-chunks.ts in place of
 * src/linked-chunks.ts. The CommonJS build (Node) keeps it linked, for `planCommands` to read synchronously.
 */
const unlinkChunksInEsm: Plugin = {
  name: 'telnyx-unlink-chunks-in-esm',
  setup(build) {
    if (build.initialOptions.format === 'esm') return unlinkChunks.setup(build);
  },
};

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  // On Node both import and require load the CommonJS build (dist/node.js re-exports it): one copy of the package.
  onSuccess: async () => writeNodeEntry('index.cjs'),
  external: ['telnyx', '@callflow/core'],
  esbuildPlugins: [unlinkChunksInEsm],
});
