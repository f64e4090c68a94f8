import type { linkedChunks as linked } from './linked-chunks.js';

// What a bundled build has in place of linked-chunks.ts: no chunk linked, each loaded by `require` or import().

/** No chunk is linked in a bundled build. */
export const linkedChunks: typeof linked = {};
