import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// npm prints EBADENGINE for every installed package whose `engines.node` does not admit the running Node.
// The lock file records each package's `engines`, so the warnings an install would print can be checked
// here, without installing: for the Node versions the README and our `engines` promise.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface LockedPackage {
  readonly version?: string;
  readonly dev?: boolean;
  readonly engines?: Record<string, string> | readonly string[];
}

interface Manifest {
  readonly name: string;
  readonly private?: boolean;
  readonly engines?: { readonly node?: string };
  readonly workspaces?: readonly string[];
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;

const rootManifest = readJson<Manifest>('package.json');
const lock = readJson<{ packages: Record<string, LockedPackage> }>('package-lock.json');
const promisedRange = rootManifest.engines?.node ?? '';

/** The lowest version of each `||` alternative of the promised range: the oldest Node of each line we support. */
const oldestSupported = promisedRange
  .split('||')
  .map((alternative) => semver.minVersion(alternative.trim())?.version)
  .filter((version): version is string => version !== undefined);

const nodeRangeOf = (entry: LockedPackage): string | undefined =>
  entry.engines !== undefined && !Array.isArray(entry.engines) ? (entry.engines as Record<string, string>).node : undefined;

const refusals = (packages: Record<string, LockedPackage>, versions: readonly string[], dev: boolean): string[] =>
  Object.entries(packages).flatMap(([path, entry]) => {
    const range = nodeRangeOf(entry);
    if (path === '' || range === undefined || (entry.dev === true) !== dev) return [];
    return versions
      .filter((version) => !semver.satisfies(version, range))
      .map((version) => `${path}@${entry.version}: node ${range} refuses ${version}`);
  });

describe('the Node versions we promise', () => {
  it('are one range, the same in the root and in every package we publish', () => {
    expect(oldestSupported).toEqual(['20.19.0', '22.12.0']);
    const workspaces = Object.entries(lock.packages).filter(
      ([path, entry]) => !path.includes('node_modules') && path !== '' && entry.version !== undefined,
    );
    expect(workspaces.filter(([path]) => path.startsWith('packages/')).length).toBe(7);
    for (const [path] of workspaces) {
      const manifest = readJson<Manifest>(join(path, 'package.json'));
      if (manifest.private === true) continue; // the examples are not installed by anyone but this repository
      expect({ name: manifest.name, node: manifest.engines?.node }).toEqual({ name: manifest.name, node: promisedRange });
    }
  });

  it('admit the running Node', () => {
    expect(semver.satisfies(process.version, promisedRange)).toBe(true);
  });

  it('are admitted by every package a user installs with ours (no EBADENGINE on the oldest of each line)', () => {
    expect(refusals(lock.packages, [...oldestSupported, process.version], false)).toEqual([]);
  });

  it('are admitted by every development package on the Node the README names and on this machine', () => {
    expect(refusals(lock.packages, ['20.19.0', process.version], true)).toEqual([]);
  });

  it('the check reports a package that needs a newer Node, and only for the side of the install it is on', () => {
    const packages: Record<string, LockedPackage> = {
      '': { version: '0.0.0', engines: { node: '>=99' } },
      'node_modules/needs-22': { version: '1.0.0', engines: { node: '>=22' } },
      'node_modules/tool-needs-22': { version: '2.0.0', dev: true, engines: { node: '>=22' } },
      'node_modules/old-style': { version: '3.0.0', engines: ['node >= 0.8'] },
      'node_modules/any': { version: '4.0.0' },
    };
    expect(refusals(packages, ['20.19.0', '22.12.0'], false)).toEqual(['node_modules/needs-22@1.0.0: node >=22 refuses 20.19.0']);
    expect(refusals(packages, ['20.19.0'], true)).toEqual(['node_modules/tool-needs-22@2.0.0: node >=22 refuses 20.19.0']);
  });
});
