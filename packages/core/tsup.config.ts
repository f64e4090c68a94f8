import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

// yaml is bundled so the published package depends on zod and luxon only. Its ESM build (the one it
// ships for browsers, plain ES modules with no Node built-ins) is used so both outputs stay portable.
const yamlEsm = fileURLToPath(new URL('../../node_modules/yaml/browser/index.js', import.meta.url));

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  noExternal: ['yaml'],
  esbuildOptions(options) {
    options.alias = { ...options.alias, yaml: yamlEsm };
  },
});
