import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A bundle to measure: a tiny entry that uses the package the way a Worker or Lambda would. */
export interface BundleEntry {
  name: string;
  /** Module source; imports resolve from the repository root. */
  source: string;
}

/** Bundled, minified and gzipped size in bytes of an entry, as esbuild would ship it for a Worker (ESM, browser-neutral platform). */
export async function bundleSize(
  entry: BundleEntry,
  platform: 'neutral' | 'node' = 'neutral',
): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    stdin: { contents: entry.source, resolveDir: root, loader: 'ts', sourcefile: `${entry.name}.ts` },
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    mainFields: ['module', 'main'],
    conditions: platform === 'neutral' ? ['worker', 'browser', 'import', 'default'] : ['node', 'import', 'default'],
    write: false,
    treeShaking: true,
    logLevel: 'silent',
    external: platform === 'node' ? ['node:*'] : [],
    alias: {
      '@callflow/core': `${root}packages/core/src/index.ts`,
      '@callflow/twilio': `${root}packages/twilio/src/index.ts`,
      '@callflow/vonage': `${root}packages/vonage/src/index.ts`,
      '@callflow/telnyx': `${root}packages/telnyx/src/index.ts`,
      '@callflow/example-flows': `${root}examples/flows/src/index.ts`,
    },
  });
  const bytes = result.outputFiles[0]!.contents;
  return { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
}
