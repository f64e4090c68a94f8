import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The published packages as a user gets them: built from a copy of the workspace (so the build never deletes a
// `dist` that another test file is reading) and packed with `npm pack`. The packaging and getting-started tests
// share one build per source state: the first to ask builds, the other waits for it.

export const root = fileURLToPath(new URL('..', import.meta.url));
export const run = promisify(execFile);
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const bigOutput = { maxBuffer: 64 * 1024 * 1024 };

/** One publishable package and its tarball. */
export interface PackedPackage {
  name: string;
  /** Its folder in the workspace. */
  dir: string;
  tarball: string;
}

/** The order the packages build in: each after what it imports. */
const buildOrder = ['core', 'twilio', 'vonage', 'telnyx', 'redis', 'testing', 'cli'];

const publishable = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string; private?: boolean },
  }))
  .filter(({ manifest }) => !manifest.private);

/** Every file the build reads, hashed: a change anywhere means a new build. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hash.update(relative(root, path)).update(readFileSync(path));
    }
  };
  walk(join(root, 'packages'));
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json', 'LICENSE']) {
    if (existsSync(join(root, file))) hash.update(file).update(readFileSync(join(root, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function waitFor(path: string, lock: string): Promise<void> {
  for (;;) {
    if (existsSync(path)) return;
    // A lock left by a run that was killed mid-build: take over after 15 minutes.
    if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 15 * 60_000) throw new Error(`stale build lock ${lock}: remove it`);
    if (!existsSync(lock)) throw new Error(`the build that held ${lock} failed; see the other test file's error`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A copy of the workspace's packages whose node_modules points at the workspace's, with @callflow/* pointing at the copy. */
function copyWorkspace(copy: string): void {
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json', 'LICENSE']) {
    if (existsSync(join(root, file))) cpSync(join(root, file), join(copy, file));
  }
  for (const { dir } of publishable) {
    cpSync(join(root, 'packages', dir), join(copy, 'packages', dir), {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
    });
  }
  const modules = join(copy, 'node_modules');
  mkdirSync(join(modules, '@callflow'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry !== '@callflow') symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
  }
  for (const { dir, manifest } of publishable) symlinkSync(join(copy, 'packages', dir), join(modules, manifest.name));
}

async function buildAndPack(target: string): Promise<void> {
  const copy = join(target, 'workspace');
  const tarballs = join(target, 'tarballs');
  mkdirSync(tarballs, { recursive: true });
  copyWorkspace(copy);
  const tsup = join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
  const dirs = publishable.map(({ dir }) => dir).sort((a, b) => buildOrder.indexOf(a) - buildOrder.indexOf(b));
  for (const dir of dirs) await run(process.execPath, [tsup], { cwd: join(copy, 'packages', dir), ...bigOutput });
  const packed: Record<string, string> = {};
  for (const { dir, manifest } of publishable) {
    const { stdout } = await run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballs], {
      cwd: join(copy, 'packages', dir),
    });
    packed[manifest.name] = join(tarballs, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  }
  writeFileSync(join(target, 'packed.json'), JSON.stringify(packed));
}

/** Builds and packs every publishable package once per source state; later calls (and other test files) reuse it. */
export async function packedPackages(): Promise<PackedPackage[]> {
  const target = join(tmpdir(), `callflow-packed-${sourceHash()}`);
  const done = join(target, 'packed.json');
  const lock = `${target}.lock`;
  if (!existsSync(done)) {
    let mine = false;
    try {
      mkdirSync(lock);
      mine = true;
    } catch {
      await waitFor(done, lock);
    }
    if (mine) {
      try {
        // Builds of other source states, left by earlier runs: removed once a day old and not being built (another
        // checkout on this machine may be using a newer one).
        for (const old of readdirSync(tmpdir()).filter((name) => name.startsWith('callflow-packed-') && !name.endsWith('.lock'))) {
          const path = join(tmpdir(), old);
          if (path !== target && !existsSync(`${path}.lock`) && Date.now() - statSync(path).mtimeMs > 24 * 60 * 60_000)
            rmSync(path, { recursive: true, force: true });
        }
        await buildAndPack(target);
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
  }
  const packed = JSON.parse(readFileSync(done, 'utf8')) as Record<string, string>;
  return publishable.map(({ dir, manifest }) => ({
    name: manifest.name,
    dir: join(root, 'packages', dir),
    tarball: packed[manifest.name]!,
  }));
}

interface LockEntry {
  version?: string;
  resolved?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}

const workspaceLock = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> })
  .packages;

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
    if (!path) throw new Error(`${name} (needed by ${from || 'the project'}) is not in the workspace's package-lock.json`);
    if (closure[path]) continue;
    const entry = workspaceLock[path]!;
    closure[path] = entry;
    for (const dependency of Object.keys(entry.dependencies ?? {})) wanted.push([path, dependency]);
    // Optional dependencies (esbuild's per-platform binaries) may be missing from the lockfile on purpose.
    for (const dependency of Object.keys(entry.optionalDependencies ?? {}))
      if (lockedPath(path, dependency)) wanted.push([path, dependency]);
  }
  return closure;
}

function pick<T extends object>(value: T, keys: string[]): T {
  return Object.fromEntries(Object.entries(value).filter(([key, field]) => keys.includes(key) && field !== undefined)) as T;
}

/** What to install into a consumer project. */
export interface InstallOptions {
  /** Our packages to install from their tarballs, as dependencies. */
  dependencies: string[];
  /** Our packages or third-party ones (at the workspace's locked version) to install as dev dependencies. */
  devDependencies?: string[];
}

/**
 * Installs tarballs (and third-party packages at the versions the workspace locked) into `project`, offline.
 *
 * A lockfile install (the workspace's `npm install`) caches tarballs but not the registry's metadata, so on a fresh
 * machine `npm install --offline <tarballs>` cannot resolve a range like `luxon@^3.7.2`. The project therefore gets
 * a lockfile of its own: the tarballs, plus the third-party packages they need exactly as the workspace's lockfile
 * resolved them, and `npm ci --offline` installs that from the cache. The project's package.json keeps its fields.
 */
export async function installPackages(project: string, packed: PackedPackage[], options: InstallOptions): Promise<void> {
  const manifestPath = join(project, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> & { name: string; version: string };
  const sections = { dependencies: {} as Record<string, string>, devDependencies: {} as Record<string, string> };
  const locked: Record<string, LockEntry> = {};
  const wanted: Array<[from: string, name: string]> = [];
  const ours = new Map(packed.map((info) => [info.name, info]));
  const add = async (name: string, section: keyof typeof sections) => {
    const info = ours.get(name);
    if (!info) {
      const path = lockedPath('', name);
      if (!path) throw new Error(`${name} is neither one of our packages nor in the workspace's package-lock.json`);
      sections[section][name] = workspaceLock[path]!.version!;
      wanted.push(['', name]);
      return;
    }
    const spec = `file:${relative(project, info.tarball)}`;
    sections[section][name] = spec;
    if (locked[`node_modules/${name}`]) return;
    const { stdout } = await run('tar', ['-xzOf', info.tarball, 'package/package.json']);
    const packedManifest = JSON.parse(stdout) as LockEntry;
    locked[`node_modules/${name}`] = {
      ...pick(packedManifest, ['version', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines']),
      resolved: spec,
    };
    for (const dependency of Object.keys(packedManifest.dependencies ?? {})) {
      if (!ours.has(dependency)) wanted.push(['', dependency]);
      else if (![...options.dependencies, ...(options.devDependencies ?? [])].includes(dependency)) {
        throw new Error(`${name} needs ${dependency}: list it too, so it comes from its tarball`);
      }
    }
  };
  for (const name of options.dependencies) await add(name, 'dependencies');
  for (const name of options.devDependencies ?? []) await add(name, 'devDependencies');
  Object.assign(locked, lockedClosure(wanted));
  const finalManifest = {
    ...manifest,
    ...(Object.keys(sections.dependencies).length ? { dependencies: sections.dependencies } : {}),
    ...(Object.keys(sections.devDependencies).length ? { devDependencies: sections.devDependencies } : {}),
  };
  writeFileSync(manifestPath, `${JSON.stringify(finalManifest, null, 2)}\n`);
  const rootEntry = pick(finalManifest, ['name', 'version', 'dependencies', 'devDependencies']);
  writeFileSync(
    join(project, 'package-lock.json'),
    JSON.stringify(
      { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages: { '': rootEntry, ...locked } },
      null,
      2,
    ),
  );
  await run(npm, ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, ...bigOutput });
}
