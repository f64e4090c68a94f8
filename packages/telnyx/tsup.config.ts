import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { defineConfig } from 'tsup';

/**
 * Writes dist/node.js, the ES module entry the "node" export condition names: every export of the CommonJS build at
 * `file`, by name, so import and require on Node share its one copy (docs/architecture.md, "One copy on Node").
 */
function writeNodeEntry(file: string): void {
  const names = Object.keys(createRequire(join(process.cwd(), 'package.json'))(`./dist/${file}`) as object).filter(
    (name) => name !== 'default' && name !== '__esModule',
  );
  writeFileSync(
    'dist/node.js',
    `// On Node the CommonJS build is the package: import and require share its one copy. It is loaded by require, not by\n// an import of it, which would run Node's scan of CommonJS exports (about 10 ms more at cold start).\nimport { createRequire } from 'node:module';\nconst commonJs = createRequire(import.meta.url)('./${file}');\nexport const { ${names.sort().join(', ')} } = commonJs;\n`,
  );
}

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  // On Node both import and require load the CommonJS build (dist/node.js re-exports it): one copy of the package.
  onSuccess: async () => writeNodeEntry('index.cjs'),
  external: ['telnyx', '@callflow/core'],
});
