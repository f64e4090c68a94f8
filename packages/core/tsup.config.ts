import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';
import { writeNodeEntry } from './write-node-entry.js';
import { unlinkChunks } from './unlink-chunks.js';

// yaml and luxon are bundled (a handful of files load in a few ms, where the same modules unbundled cost ~50 ms of
// cold start), each in its own chunk that only the code needing it loads: dist/cjs/luxon.js (business hours and their
// logic: the engine awaits it before a flow's first hours check) and dist/cjs/yaml.js (YAML beyond the plain subset flow
// files use); dist/cjs/diagnostics.js holds what lists a wrong flow's problems (a right flow is told apart without it);
// dist/cjs/call-events.js reports the lifecycle events to an onCallEvent hook; dist/cjs/json-queue.js is the store queues'
// JSON fallback (stores without native queues), loaded at a first queue operation. A handler for a right flow without
// schedules and without onCallEvent loads none of them (issue 17).
// yaml's ESM build (the one it ships for browsers, plain ES modules with no Node built-ins) keeps every output
// portable; so does luxon's.
const yamlEsm = fileURLToPath(new URL('../../node_modules/yaml/browser/index.js', import.meta.url));
// luxon's ES module build, for the same reason: its CommonJS build, inlined, would make the ESM output look like CommonJS.
const luxonEsm = fileURLToPath(new URL('../../node_modules/luxon/build/es6/luxon.mjs', import.meta.url));

// One implementation per runtime, so no program ever holds two copies of callflow (docs/architecture.md, "One copy on
// Node"). On Node the CommonJS build in dist/cjs is the package, for require and import alike: dist/node.js, the ES module
// entry the "node" export condition names, re-exports it, and CommonJS loaders that cannot require an ES module (Jest's)
// load it directly. Bundlers (Workers, browsers) get dist/index.js, an ES module build that tree-shakes. Both builds
// load the same two chunk files, CommonJS ones in dist/cjs (by require on Node, see src/runtime/lazy-dependency.ts; a
// bundler follows the import() of them), so the bundled dependencies ship once. No source maps: they carried the
// bundled dependencies' sources (788 KiB packed); identifiers are not minified, so stack traces name our functions.

/** Each chunk's source module (as the engine's import() names it) → the chunk's file name. */
const chunkNames: Record<string, string> = {
  'luxon-chunk': 'luxon',
  'yaml-chunk': 'yaml',
  'flow-diagnostics': 'diagnostics',
  'call-events-chunk': 'call-events',
  'json-queue-chunk': 'json-queue',
};

/** The engine's import() of a chunk's source module becomes an import() of the chunk file (`folder` + its name). */
function chunkFiles(folder: string): Plugin {
  return {
    name: 'callflow-chunk-files',
    setup(build) {
      build.onResolve({ filter: /[/\\](luxon-chunk|yaml-chunk|flow-diagnostics|call-events-chunk|json-queue-chunk)\.js$/ }, (args) =>
        args.kind === 'dynamic-import'
          ? { path: `${folder}${chunkNames[/([\w-]+)\.js$/.exec(args.path)![1]!]}.js`, external: true }
          : undefined,
      );
    },
  };
}

const shared: Options = {
  sourcemap: false,
  target: 'node20',
  noExternal: ['yaml', 'luxon'],
  splitting: false,
  esbuildOptions(options, { format }) {
    options.alias = { ...options.alias, yaml: yamlEsm, luxon: luxonEsm };
    // Less to parse at cold start; identifiers stay readable in stack traces.
    options.minifyWhitespace = true;
    options.minifySyntax = true;
    // Marks the bundle so src/runtime/lazy-dependency.ts requires the chunks (luxon.js, yaml.js beside it) by their file
    // names; in CommonJS, the module's own file is where that require starts.
    options.define = {
      ...options.define,
      __CALLFLOW_BUNDLED__: 'true',
      ...(format === 'cjs' ? { 'import.meta.url': '__filename' } : {}),
    };
    // The source's non-bundled fallback reads import.meta; the define removes that branch from both outputs.
    options.logOverride = { ...options.logOverride, 'empty-import-meta': 'silent' };
  },
};

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      luxon: 'src/hours/luxon-chunk.ts',
      yaml: 'src/ir/yaml-chunk.ts',
      diagnostics: 'src/ir/flow-diagnostics.ts',
      'call-events': 'src/provider/call-events-chunk.ts',
      'json-queue': 'src/store/json-queue-chunk.ts',
    },
    format: ['cjs'],
    outDir: 'dist/cjs',
    outExtension: () => ({ js: '.js' }),
    dts: { entry: { index: 'src/index.ts' } },
    clean: true,
    // The chunks are linked statically only in source (src/runtime/linked-chunks.ts); the builds reach them by import().
    esbuildPlugins: [unlinkChunks, chunkFiles('./')],
    async onSuccess() {
      writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
      // Node's ES module entry: every export of the CommonJS build, by name (no reliance on Node's guess at them).
      writeNodeEntry('cjs/index.js');
    },
  },
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    outDir: 'dist',
    // dist/cjs and dist/node.js are the other build's, written at the same time.
    clean: ['!cjs/**', '!node.js'],
    esbuildPlugins: [unlinkChunks, chunkFiles('./cjs/')],
    async onSuccess() {
      // The types are the CommonJS build's declarations (dist/cjs/index.d.cts), for every entry.
      writeFileSync('dist/index.d.ts', "export * from './cjs/index.cjs';\n");
    },
  },
]);
