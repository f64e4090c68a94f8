import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { expect } from 'vitest';
import { unlinkChunks } from '../packages/core/unlink-chunks.js';

/** A code-split bundle in a temporary directory, and fresh node processes that run scripts beside it. */
export interface SplitBundle {
  readonly directory: string;
  /** The files esbuild wrote (entries and chunks), and the `package.json` that makes them ES modules. */
  files(): string[];
  /** One written file's text. */
  text(file: string): string;
  /** Runs an ES module script in a fresh node process next to the bundle; what it printed, parsed as JSON. */
  run(script: string): Record<string, unknown>;
  remove(): void;
}

/**
 * Bundles as a bundler ships callflow (esbuild, ES modules for node, code splitting, core's lazily loaded chunks reached
 * only by their dynamic `import()`, as bench/bundle-size.ts and the published build do); `options` names the entries.
 */
export async function buildSplitBundle(prefix: string, options: BuildOptions): Promise<SplitBundle> {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  await build({
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: directory,
    plugins: [unlinkChunks],
    logLevel: 'silent',
    ...options,
  });
  writeFileSync(join(directory, 'package.json'), '{"type":"module"}');
  return {
    directory,
    files: () => readdirSync(directory),
    text: (file) => readFileSync(join(directory, file), 'utf8'),
    run(script) {
      const path = join(directory, `script-${Math.random().toString(36).slice(2)}.mjs`);
      writeFileSync(path, script);
      const result = spawnSync(process.execPath, [path], { encoding: 'utf8', timeout: 60_000 });
      expect(result.stderr, 'the script wrote to stderr').toBe('');
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    },
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
