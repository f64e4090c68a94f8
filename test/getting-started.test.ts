import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installPackages, packedPackages, root } from './packed-packages.js';

// docs/getting-started.md, run literally in a fresh folder with the packages from their tarballs: its install list,
// the files it shows (each code block marked `<!-- file: path -->`) and its commands (blocks marked
// `<!-- getting-started: run -->`), in the page's order. The page cannot drift from what works.

type Part = { kind: 'run'; lines: string[] } | { kind: 'install'; lines: string[] } | { kind: 'file'; path: string; text: string };

/** The page's marked blocks, in order. */
function readPage(markdown: string): Part[] {
  const parts: Part[] = [];
  const marked = /<!-- (getting-started: (run|install)|file: (\S+)) -->\n(?:<!-- [^\n]* -->\n)*```\w*\n([\s\S]*?)```/g;
  for (const match of markdown.matchAll(marked)) {
    const body = match[4]!;
    if (match[3]) parts.push({ kind: 'file', path: match[3], text: body });
    else {
      const lines = body
        .split('\n')
        .map((line) => line.replace(/\s+#.*$/, '').trim())
        .filter(Boolean);
      parts.push({ kind: match[2] as 'run' | 'install', lines });
    }
  }
  return parts;
}

/** The packages an `npm install` block installs, as dependencies and dev dependencies. */
function installList(lines: string[]): { dependencies: string[]; devDependencies: string[] } {
  const list = { dependencies: [] as string[], devDependencies: [] as string[] };
  for (const line of lines) {
    const words = line.split(/\s+/);
    expect(words.slice(0, 2), `install line '${line}'`).toEqual(['npm', 'install']);
    const dev = words.includes('--save-dev') || words.includes('-D');
    list[dev ? 'devDependencies' : 'dependencies'].push(...words.slice(2).filter((word) => !word.startsWith('-')));
  }
  return list;
}

const page = readFileSync(join(root, 'docs', 'getting-started.md'), 'utf8');
const parts = readPage(page);
const scratch = mkdtempSync(join(tmpdir(), 'callflow-guide-'));
// The projects hold whole node_modules trees: removing them takes a while on a busy machine.
afterAll(() => rmSync(scratch, { recursive: true, force: true }), 5 * 60_000);

function shell(command: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'sh',
      ['-c', command],
      { cwd, timeout: 5 * 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_offline: 'true', CI: 'true' } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(''); // the interactive softphone reads end-of-input: the caller hangs up
  });
}

describe('docs/getting-started.md, as written', () => {
  it('marks an install list, the files and the commands', () => {
    expect(parts.filter((part) => part.kind === 'install')).toHaveLength(1);
    expect(parts.filter((part) => part.kind === 'file').map((part) => (part as { path: string }).path)).toEqual([
      'src/first-flow.ts',
      'src/first-flow.test.ts',
      'src/serve-node.ts',
    ]);
    expect(parts.filter((part) => part.kind === 'run').flatMap((part) => (part as { lines: string[] }).lines)).toEqual(
      expect.arrayContaining(['npm init -y', 'npx vitest run']),
    );
  });

  it('installs every package its files import', () => {
    const install = installList((parts.find((part) => part.kind === 'install') as { lines: string[] }).lines);
    const installed = [...install.dependencies, ...install.devDependencies];
    const imported = new Set<string>();
    for (const part of parts) {
      if (part.kind !== 'file') continue;
      for (const match of part.text.matchAll(/from '([^'.][^']*)'/g)) if (!match[1]!.startsWith('node:')) imported.add(match[1]!);
    }
    expect([...imported].filter((name) => !installed.includes(name))).toEqual([]);
  });

  it(
    'works in a fresh folder with the packages from their tarballs',
    async () => {
      const packed = await packedPackages();
      const project = join(scratch, 'my-phone-menu');
      mkdirSync(project, { recursive: true });
      const ran: Array<{ line: string; stdout: string }> = [];
      for (const part of parts) {
        if (part.kind === 'install') {
          // The registry has no copy of these versions: the same packages come from their tarballs, offline.
          await installPackages(project, packed, installList(part.lines));
        } else if (part.kind === 'file') {
          mkdirSync(dirname(join(project, part.path)), { recursive: true });
          writeFileSync(join(project, part.path), part.text);
        } else {
          for (const line of part.lines) {
            const result = await shell(line, project);
            expect(result, `\`${line}\` in the guide's folder`).toMatchObject({ code: 0 });
            ran.push({ line, stdout: result.stdout });
          }
        }
      }
      const output = (prefix: string) => ran.find((entry) => entry.line.startsWith(prefix))!.stdout;
      expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'))).toMatchObject({ name: 'my-phone-menu' });
      expect(output('npx vitest run').replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+5 passed \(5\)/);
      expect(output('npx callflow validate')).toBe('src/first-flow.ts: ok (4 nodes)\n');
      expect(output('npx callflow simulate src/first-flow.ts --provider twilio')).toContain('🔊 Connecting you now.');
      expect(output('npx callflow simulate src/first-flow.ts --provider telnyx')).toContain('🔊 Thanks for calling Example Co.');
      expect(JSON.parse(output('npx callflow render'))).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'input' })]));
      expect(readFileSync(join(project, 'flow.mmd'), 'utf8').split('\n')[0]).toBe('flowchart TD');

      // Step 4's server module loads from the installed packages, with the environment the page names.
      const served = await shell(
        `CALLFLOW_SECRET=guide-secret-0123456789 TWILIO_AUTH_TOKEN=guide-auth-token PUBLIC_BASE_URL=https://example.com/voice node --import tsx -e "const m = require('./src/serve-node.ts'); console.log(typeof m.handler, typeof m.server.listen)"`,
        project,
      ).then((result) => ({ ...result, stderr: result.stderr.trim() }));
      expect(served).toEqual({ code: 0, stdout: 'function function\n', stderr: '' });
    },
    20 * 60_000,
  );
});
