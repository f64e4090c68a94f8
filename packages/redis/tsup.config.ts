import { defineConfig } from 'tsup';
import { writeNodeEntry } from '../core/write-node-entry.js';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  // On Node both import and require load the CommonJS build (dist/node.js re-exports it): one copy of the package.
  onSuccess: async () => writeNodeEntry('index.cjs'),
});
