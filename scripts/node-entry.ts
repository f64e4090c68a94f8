import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

/**
 * Writes `dist/node.js` in the package being built (tsup's working folder): the ES module entry that the package's
 * "node" export condition names. It re-exports, by name, every export of the CommonJS build at `commonJsFile`, so
 * import and require on Node share that one copy (docs/architecture.md, "One copy on Node").
 */
export function writeNodeEntry(commonJsFile: string): void {
  const packageDir = process.cwd();
  const exported = createRequire(join(packageDir, 'package.json'))(`./${commonJsFile}`) as Record<string, unknown>;
  const names = Object.keys(exported)
    .filter((name) => name !== 'default' && name !== '__esModule')
    .sort();
  const from = `./${relative(join(packageDir, 'dist'), join(packageDir, commonJsFile))}`;
  writeFileSync(
    join(packageDir, 'dist', 'node.js'),
    `// On Node the CommonJS build is the package: import and require share its one copy.\nimport commonJs from '${from}';\nexport const { ${names.join(', ')} } = commonJs;\n`,
  );
}
