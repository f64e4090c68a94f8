import * as luxon from '../hours/luxon-chunk.js';
import * as diagnostics from '../ir/flow-diagnostics.js';
import * as callEvents from '../provider/call-events-chunk.js';
import * as jsonQueue from '../store/json-queue-chunk.js';

// The lazily loaded chunks, linked statically when callflow runs from source (tests, tsx), where synchronous callers
// cannot `require` a TypeScript module. Every bundled build (tsup for the package, esbuild in bench/bundle-size.ts)
// replaces this file by unlinked-chunks.ts (the plugin in packages/core/unlink-chunks.ts), so there each chunk is only
// reached through its dynamic import() and stays off the up-front code.

/** Each chunk's module, linked in source; `undefined` in a bundled build. */
export const linkedChunks: {
  luxon?: typeof luxon;
  diagnostics?: typeof diagnostics;
  callEvents?: typeof callEvents;
  jsonQueue?: typeof jsonQueue;
} = {
  luxon,
  diagnostics,
  callEvents,
  jsonQueue,
};
