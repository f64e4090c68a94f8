import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

// zod (its tree-shakable zod/mini half), yaml and luxon are bundled: a handful of files load in a few ms,
// where the same modules unbundled cost ~50 ms of cold start, and yaml and luxon are initialised only on
// first use (see parse-flow.ts and business-hours.ts). yaml's ESM build (the one it ships for browsers,
// plain ES modules with no Node built-ins) keeps both outputs portable; so does luxon's.
const yamlEsm = fileURLToPath(new URL('../../node_modules/yaml/browser/index.js', import.meta.url));
// luxon's ES module build, for the same reason: its CommonJS build, inlined, would make the ESM output look like CommonJS.
const luxonEsm = fileURLToPath(new URL('../../node_modules/luxon/build/es6/luxon.mjs', import.meta.url));

// One bundle, ESM; the CommonJS build is replaced by a file that loads that same bundle through Node's require(esm) (Node 20.19+, 22.12+),
// so the package ships the bundled dependencies once (packed size ≤ 150 KiB, test/size-budget.test.ts) and CommonJS
// and ESM callers share one copy of the module. No source maps: they carried the bundled dependencies' sources
// (788 KiB packed); identifiers are not minified, so stack traces name our functions.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  noExternal: ['yaml', 'zod', 'luxon'],
  esbuildOptions(options) {
    options.alias = { ...options.alias, yaml: yamlEsm, luxon: luxonEsm };
    // Less to parse at cold start; identifiers stay readable in stack traces.
    options.minifyWhitespace = true;
    options.minifySyntax = true;
    // Marks the bundle so parse-flow.ts and business-hours.ts take yaml and luxon from their lazily initialised inline copies.
    options.define = { ...options.define, __CALLFLOW_BUNDLED__: 'true' };
    // The source's non-bundled fallback reads import.meta; the define removes that branch from both outputs.
    options.logOverride = { ...options.logOverride, 'empty-import-meta': 'silent' };
  },
  async onSuccess() {
    writeFileSync(
      'dist/index.cjs',
      "'use strict';\n// The ESM bundle, through require(esm): one copy of callflow for CommonJS and ESM callers.\nmodule.exports = require('./index.js');\n",
    );
  },
});
