import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Builds every publishable package, packs it, and installs the tarballs into a fresh project outside
// the workspace, then imports, requires and type-checks them there, and runs publint and "are the
// types wrong?" on each tarball.
//
// The install is offline. A lockfile install (the workspace's `npm install`) caches tarballs but not
// the registry's metadata, so on a fresh machine `npm install --offline <tarballs>` cannot resolve a
// range like `luxon@^3.7.2`. The consumer therefore gets a lockfile of its own: the tarballs, plus
// the third-party packages they need exactly as the workspace's lockfile resolved them, and
// `npm ci --offline` installs that from the cache.
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

interface LockEntry {
  version?: string;
  resolved?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

const workspaceLock = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;

/** Where Node would find `name` from the package installed at `from` (`''` is the project root), in the workspace's lockfile. */
function lockedPath(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    const entry = workspaceLock[candidate];
    if (entry && !entry.link) return candidate;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

/** The workspace's lockfile entries for these dependencies and everything they need, at the same paths. */
function lockedClosure(wanted: Array<[from: string, name: string]>): Record<string, LockEntry> {
  const closure: Record<string, LockEntry> = {};
  for (let next = wanted.shift(); next; next = wanted.shift()) {
    const [from, name] = next;
    const path = lockedPath(from, name);
    if (!path) throw new Error(`${name} (needed by ${from || 'a packed package'}) is not in the workspace's package-lock.json`);
    if (closure[path]) continue;
    const entry = workspaceLock[path]!;
    closure[path] = entry;
    for (const dependency of Object.keys(entry.dependencies ?? {})) wanted.push([path, dependency]);
    // Optional dependencies (esbuild's per-platform binaries) may be missing from the lockfile on purpose.
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) if (lockedPath(path, dependency)) wanted.push([path, dependency]);
  }
  return closure;
}

function pick<T extends object>(value: T, keys: string[]): T {
  return Object.fromEntries(Object.entries(value).filter(([key, field]) => keys.includes(key) && field !== undefined)) as T;
}

let project = '';
const packDir = mkdtempSync(join(tmpdir(), 'callflow-pack-'));

beforeAll(async () => {
  await run(npm, ['run', 'build'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  for (const info of packages) {
    const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', packDir], { cwd: info.dir });
    info.tarball = join(packDir, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  }
  project = mkdtempSync(join(tmpdir(), 'callflow-consumer-'));
  const manifest = { name: 'consumer', version: '1.0.0', private: true, dependencies: {} as Record<string, string> };
  const locked: Record<string, LockEntry> = {};
  const wanted: Array<[from: string, name: string]> = [];
  for (const info of packages) {
    const { stdout } = await run('tar', ['-xzOf', info.tarball!, 'package/package.json']);
    const packed = JSON.parse(stdout) as LockEntry & { name: string };
    const spec = `file:${relative(project, info.tarball!)}`;
    manifest.dependencies[packed.name] = spec;
    locked[`node_modules/${packed.name}`] = { ...pick(packed, ['version', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines']), resolved: spec };
    for (const dependency of Object.keys(packed.dependencies ?? {})) if (!dependency.startsWith('@callflow/')) wanted.push(['', dependency]);
  }
  Object.assign(locked, lockedClosure(wanted));
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(project, 'package-lock.json'),
    JSON.stringify({ name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages: { '': manifest, ...locked } }, null, 2),
  );
  await run(npm, ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, maxBuffer: 64 * 1024 * 1024 });
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
