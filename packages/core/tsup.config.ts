import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import { unlinkChunks } from './unlink-chunks.js';

// yaml and luxon are bundled (a handful of files load in a few ms, where the same modules unbundled cost ~50 ms of
// cold start), each in its own chunk that only the code needing it loads: dist/luxon.js (business hours: the engine
// awaits it before a flow's first hours check) and dist/yaml.js (YAML beyond the plain subset flow files use). A
// handler for a flow without schedules loads neither (issue 17): dist/index.js is what its cold start parses.
// yaml's ESM build (the one it ships for browsers, plain ES modules with no Node built-ins) keeps every output
// portable; so does luxon's.
const yamlEsm = fileURLToPath(new URL('../../node_modules/yaml/browser/index.js', import.meta.url));
// luxon's ES module build, for the same reason: its CommonJS build, inlined, would make the ESM output look like CommonJS.
const luxonEsm = fileURLToPath(new URL('../../node_modules/luxon/build/es6/luxon.mjs', import.meta.url));

// One bundle, ESM, split into the main file and the lazily loaded chunks (their names are fixed: on Node they are
// loaded by require, see src/runtime/lazy-dependency.ts; bundlers follow the main file's import() of them). The CommonJS build is replaced by a file that loads that
// same bundle through Node's require(esm) (Node 20.19+, 22.12+), so the package ships the bundled dependencies once
// (packed size ≤ 150 KiB, test/size-budget.test.ts) and CommonJS and ESM callers share one copy of the module. No
// source maps: they carried the bundled dependencies' sources (788 KiB packed); identifiers are not minified, so
// stack traces name our functions.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    luxon: 'src/hours/luxon-chunk.ts',
    yaml: 'src/ir/yaml-chunk.ts',
    diagnostics: 'src/ir/flow-diagnostics.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  splitting: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  noExternal: ['yaml', 'luxon'],
  // The chunks are linked statically only in source (src/runtime/linked-chunks.ts); the bundle reaches them by import().
  esbuildPlugins: [unlinkChunks],
  esbuildOptions(options) {
    options.alias = { ...options.alias, yaml: yamlEsm, luxon: luxonEsm };
    // Less to parse at cold start; identifiers stay readable in stack traces.
    options.minifyWhitespace = true;
    options.minifySyntax = true;
    // Marks the bundle so src/runtime/lazy-dependency.ts requires the chunks (dist/luxon.js, dist/yaml.js) by their file names.
    options.define = { ...options.define, __CALLFLOW_BUNDLED__: 'true' };
    // The source's non-bundled fallback reads import.meta; the define removes that branch from both outputs.
    options.logOverride = { ...options.logOverride, 'empty-import-meta': 'silent' };
  },
  async onSuccess() {
    // Only the ESM files ship: the CommonJS entry is a shim over them, and the CommonJS chunks are not needed.
    for (const file of readdirSync('dist')) if (file.endsWith('.cjs') && file !== 'index.cjs') rmSync(`dist/${file}`);
    writeFileSync(
      'dist/index.cjs',
      "'use strict';\n// The ESM bundle, through require(esm): one copy of callflow for CommonJS and ESM callers.\nmodule.exports = require('./index.js');\n",
    );
  },
});
