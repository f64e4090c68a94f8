import { build, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { unlinkChunks } from '../packages/core/unlink-chunks.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A bundle to measure: a tiny entry that uses the package the way a Worker or Lambda would. */
export interface BundleEntry {
  name: string;
  /** Module source; imports resolve from the repository root. */
  source: string;
}

/** One output file of a split bundle. */
export interface BundleChunk {
  /** The module its dynamic `import()` names (repository-relative), or `entry` / `shared` for the files loaded up front. */
  name: string;
  minified: number;
  gzipped: number;
  /** Source files with bytes in this chunk (repository-relative). */
  inputs: string[];
}

/** What a bundle costs: the files loaded up front (the handler path), and the chunks loaded only by a dynamic `import()`. */
export interface BundleSize {
  /** Bytes of the files loaded before the entry runs (the entry chunk and the chunks it imports statically). */
  minified: number;
  /** Their gzipped bytes, each file gzipped on its own (as a server sends them). */
  gzipped: number;
  /** Source files in those up-front files. */
  staticInputs: string[];
  /** Chunks loaded only through a dynamic `import()` (luxon for business hours, the YAML parser), with their sizes. */
  lazyChunks: BundleChunk[];
  /** esbuild's metafile, for finding out what is in the bundle. */
  metafile: Metafile;
}

const relative = (path: string) => path.replace(root, '');

/**
 * Bundled, minified and gzipped size of an entry, as esbuild would ship it for a Worker (ESM, browser-neutral platform),
 * with code splitting: a module behind a dynamic `import()` is its own chunk and is not counted in `minified`/`gzipped`.
 */
export async function bundleSize(entry: BundleEntry, platform: 'neutral' | 'node' = 'neutral'): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: entry.source, resolveDir: root, loader: 'ts', sourcefile: `${entry.name}.ts` },
    absWorkingDir: root,
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    splitting: true,
    outdir: `${root}.bundle-size/${entry.name}`,
    metafile: true,
    mainFields: ['module', 'main'],
    conditions: platform === 'neutral' ? ['worker', 'browser', 'import', 'default'] : ['node', 'import', 'default'],
    write: false,
    treeShaking: true,
    logLevel: 'silent',
    // As the published bundle is built: core's lazily loaded chunks reached only by their dynamic import().
    plugins: [unlinkChunks],
    external: platform === 'node' ? ['node:*'] : [],
    alias: {
      '@callflow/core': `${root}packages/core/src/index.ts`,
      '@callflow/twilio': `${root}packages/twilio/src/index.ts`,
      '@callflow/vonage': `${root}packages/vonage/src/index.ts`,
      '@callflow/telnyx': `${root}packages/telnyx/src/index.ts`,
      '@callflow/example-flows': `${root}examples/flows/src/index.ts`,
    },
  });
  const metafile = result.metafile!;
  const outputs = metafile.outputs;
  const bytesOf = new Map(result.outputFiles.map((file) => [relative(file.path), file.contents]));
  const sized = (path: string) => {
    const bytes = bytesOf.get(path)!;
    return { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
  };
  const inputsOf = (path: string) => Object.keys(outputs[path]!.inputs).map(relative);
  // The up-front files: the entry's chunk and, transitively, every chunk it imports with a static import.
  const entryPath = Object.keys(outputs).find((path) => outputs[path]!.entryPoint === `${entry.name}.ts`)!;
  const upFront = new Set<string>();
  const pending = [entryPath];
  while (pending.length) {
    const path = pending.pop()!;
    if (upFront.has(path)) continue;
    upFront.add(path);
    for (const imported of outputs[path]!.imports)
      if (imported.kind === 'import-statement' && imported.path in outputs) pending.push(imported.path);
  }
  let minified = 0;
  let gzipped = 0;
  for (const path of upFront) {
    const size = sized(path);
    minified += size.minified;
    gzipped += size.gzipped;
  }
  // The lazy chunks: what the up-front files name in a dynamic import() (and what those chunks import in turn). A chunk
  // esbuild emitted for a dynamic import() in code the entry does not use is left out.
  const lazy = new Set<string>();
  const next = [...upFront].flatMap((path) =>
    outputs[path]!.imports.filter((imported) => imported.kind === 'dynamic-import').map((imported) => imported.path),
  );
  while (next.length) {
    const path = next.pop()!;
    if (upFront.has(path) || lazy.has(path) || !(path in outputs)) continue;
    lazy.add(path);
    for (const imported of outputs[path]!.imports) next.push(imported.path);
  }
  const lazyChunks = [...lazy].map((path) => ({
    name: outputs[path]!.entryPoint ? relative(outputs[path]!.entryPoint!) : 'shared',
    ...sized(path),
    inputs: inputsOf(path),
  }));
  return { minified, gzipped, staticInputs: [...upFront].flatMap(inputsOf), lazyChunks, metafile };
}
