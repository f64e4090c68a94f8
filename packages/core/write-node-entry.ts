import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Writes dist/node.js, the ES module entry every package's "node" export condition names: every export of the package's
 * CommonJS build at `dist/<file>`, by name, so import and require on Node share its one copy (docs/architecture.md,
 * "One copy on Node"). Each package's tsup config calls it once its builds are written.
 */
export function writeNodeEntry(file: string): void {
  const names = Object.keys(createRequire(join(process.cwd(), 'package.json'))(`./dist/${file}`) as object).filter(
    (name) => name !== 'default' && name !== '__esModule',
  );
  writeFileSync(
    'dist/node.js',
    `// On Node the CommonJS build is the package: import and require share its one copy. It is loaded by require, not by\n// an import of it, which would run Node's scan of CommonJS exports (about 10 ms more at cold start).\nimport { createRequire } from 'node:module';\nconst commonJs = createRequire(import.meta.url)('./${file}');\nexport const { ${names.sort().join(', ')} } = commonJs;\n`,
  );
}
