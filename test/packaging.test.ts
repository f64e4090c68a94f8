import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Builds every publishable package, packs it, and installs the tarballs into a fresh project outside
// the workspace (offline, from the npm cache that `npm install` filled), then imports, requires and
// type-checks them there, and runs publint and "are the types wrong?" on each tarball.
const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackageInfo {
  name: string;
  dir: string;
  tarball?: string;
}

const packages: PackageInfo[] = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; private?: boolean } }))
  .filter(({ manifest }) => !manifest.private)
  .map(({ dir, manifest }) => ({ name: manifest.name, dir }));

let project = '';
const packDir = mkdtempSync(join(tmpdir(), 'callflow-pack-'));

beforeAll(async () => {
  await run(npm, ['run', 'build'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  for (const info of packages) {
    const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', packDir], { cwd: info.dir });
    info.tarball = join(packDir, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  }
  project = mkdtempSync(join(tmpdir(), 'callflow-consumer-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  await run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...packages.map((info) => info.tarball!)], {
    cwd: project,
    maxBuffer: 64 * 1024 * 1024,
  });
}, 600_000);

afterAll(() => {
  rmSync(packDir, { recursive: true, force: true });
  if (project) rmSync(project, { recursive: true, force: true });
});

const flowSource = `{
  name: 'packed',
  start: 'menu',
  nodes: {
    menu: [gather({ prompt: 'Press 1.', numDigits: 1, routes: { '1': 'done' } })],
    done: [say('Thanks.'), hangup()],
  },
}`;

describe('packages installed from their tarballs', () => {
  it('packs every public package with only its build output', async () => {
    expect(packages.map((info) => info.name)).toEqual(expect.arrayContaining(['@callflow/core', '@callflow/testing', '@callflow/cli']));
    for (const info of packages) {
      const { stdout } = await run('tar', ['-tzf', info.tarball!]);
      const files = stdout.trim().split('\n');
      expect(files, info.name).toContain('package/package.json');
      expect(files.filter((file) => file.startsWith('package/src/') || file.includes('.test.')), info.name).toEqual([]);
    }
  });

  it('runs a flow through import (ESM)', async () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { createEngine, defineFlow, gather, hangup, say } from '@callflow/core';
const flow = defineFlow(${flowSource});
const engine = createEngine(flow, { secret: 'packaging-secret-0123456789' });
const call = { callId: 'CA1' };
const first = await engine.start(call);
const next = await engine.resume(first.token, { type: 'digits', digits: '1' }, call);
console.log(JSON.stringify({ wait: first.wait.step.type, said: next.steps.map((s) => s.step.text), ended: next.ended }));`,
    );
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ wait: 'gather', said: ['Thanks.'], ended: true });
  });

  it('runs a flow through require (CommonJS)', async () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const { createEngine, defineFlow, gather, hangup, say, parseFlow } = require('@callflow/core');
const flow = defineFlow(${flowSource});
const engine = createEngine(flow, { secret: 'packaging-secret-0123456789' });
engine.start({ callId: 'CA1' }).then((turn) => {
  const yamlFlow = parseFlow('version: 1\\nname: y\\nstart: a\\nnodes:\\n  a:\\n    - type: hangup\\n');
  console.log(JSON.stringify({ wait: turn.wait.step.type, yaml: yamlFlow.name }));
});`,
    );
    const { stdout } = await run(process.execPath, ['cjs.cjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ wait: 'gather', yaml: 'y' });
  });

  it('loads every package both ways', async () => {
    for (const info of packages) {
      const esm = await run(process.execPath, ['--input-type=module', '-e', `const m = await import('${info.name}'); console.log(Object.keys(m).length)`], { cwd: project });
      const cjs = await run(process.execPath, ['-e', `console.log(Object.keys(require('${info.name}')).length)`], { cwd: project });
      expect(Number(esm.stdout), info.name).toBeGreaterThan(0);
      expect(Number(cjs.stdout), info.name).toBe(Number(esm.stdout));
    }
  });

  it('has types that resolve under node16 module resolution', async () => {
    writeFileSync(
      join(project, 'types.mts'),
      `import { defineFlow, gather, hangup, say, type Turn } from '@callflow/core';
const flow = defineFlow(${flowSource});
const name: string = flow.name;
// @ts-expect-error misspelled node
defineFlow({ name: 'x', start: 'menu', nodes: { menu: [gather({ prompt: 'p', routes: { '1': 'dnoe' } })], done: [hangup()] } });
export type { Turn };
export { name };`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['types.mts'] }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((error: { stdout: string }) => error);
    expect((result as { stdout: string }).stdout ?? '').toBe('');
  });

  it('passes publint and are-the-types-wrong', async () => {
    const { publint } = await import('publint');
    for (const info of packages) {
      const { messages } = await publint({ pkgDir: info.dir, level: 'warning' });
      expect(messages.map((message) => `${message.code} ${JSON.stringify(message.args)}`), info.name).toEqual([]);
      const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
      const result = await run(process.execPath, [attw, info.tarball!, '--format', 'json', '--profile', 'node16'], { maxBuffer: 64 * 1024 * 1024 }).catch(
        (error: { stdout: string }) => error,
      );
      // attw's JSON lists problems as an array, or as an object keyed by kind (empty when there are none).
      const report = JSON.parse((result as { stdout: string }).stdout) as { problems?: unknown[] | Record<string, unknown[]> };
      const problems = Array.isArray(report.problems) ? report.problems : Object.values(report.problems ?? {}).flat();
      expect(problems, info.name).toEqual([]);
    }
  });
});
