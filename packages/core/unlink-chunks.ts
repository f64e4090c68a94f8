import type { Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';

const unlinked = fileURLToPath(new URL('./src/runtime/unlinked-chunks.ts', import.meta.url));

/**
 * The esbuild plugin every bundled build of core uses (tsup, bench/bundle-size.ts, the chunk tests): it puts
 * src/runtime/unlinked-chunks.ts in place of linked-chunks.ts, so the lazily loaded chunks (luxon, yaml, diagnostics)
 * are reached only through their dynamic import() and stay out of the up-front bundle.
 */
export const unlinkChunks: Plugin = {
  name: 'callflow-unlink-chunks',
  setup(build) {
    build.onResolve({ filter: /[\\/]linked-chunks\.js$/ }, () => ({ path: unlinked }));
  },
};
