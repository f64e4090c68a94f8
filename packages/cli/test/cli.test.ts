import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { diagramFlow, runCli } from '../src/index.js';
import { parseFlow } from '@callflow/core';
import { readFileSync } from 'node:fs';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const run = promisify(execFile);

describe('callflow validate', () => {
  it('exits 0 for a good flow', async () => {
    const result = await runCli(['validate', fixture('hotline.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/hotline\.yaml: ok \(4 nodes\)/);
  });

  it('exits 1 listing every problem with its path and line', async () => {
    const result = await runCli(['validate', fixture('broken.yaml')]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      "error: nodes.menu[0].timout (line 12): unknown field 'timout' (did you mean 'timeoutSeconds'?)",
      "error: nodes.weather[0].type (line 14): unknown step type 'sayy' (did you mean 'say'?)",
      "error: nodes.menu[0].routes.1 (line 11): unknown node 'wether' (did you mean 'weather'?)",
      expect.stringMatching(/^error: nodes\.loop_b\[0\]\.node \(line \d+\): loop that never waits for the caller: loop_a → loop_b → loop_a/),
      "warning: nodes.loop_a (line 18): node 'loop_a' is unreachable from 'menu'",
      "warning: nodes.loop_b (line 21): node 'loop_b' is unreachable from 'menu'",
      expect.stringMatching(/broken\.yaml: 4 errors, 2 warnings$/),
    ]);
  });

  it('loads a TypeScript module flow', async () => {
    const result = await runCli(['validate', fixture('typed-flow.ts')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('reports a missing file and an unknown command', async () => {
    expect((await runCli(['validate', fixture('nope.yaml')])).stderr).toMatch(/cannot read .*nope\.yaml: ENOENT/);
    expect((await runCli(['frobnicate', 'x'])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
  });

  it('runs as a real process with the right exit codes', async () => {
    const ok = await run(process.execPath, ['--import', 'tsx', bin, 'validate', fixture('hotline.yaml')]);
    expect(ok.stdout).toContain('ok (4 nodes)');
    const failed = await run(process.execPath, ['--import', 'tsx', bin, 'validate', fixture('broken.yaml')]).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain("unknown node 'wether'");
  });
});

describe('callflow diagram', () => {
  it('prints a Mermaid flowchart with one arrow per reference', async () => {
    const result = await runCli(['diagram', fixture('hotline.yaml')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(diagramFlow(parseFlow(readFileSync(fixture('hotline.yaml'), 'utf8'))));
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'flowchart TD',
        '  start(((start))) --> menu',
        '  menu["<b>menu</b><br/>gather dtmf ×2"]',
        '  menu -- "1" --> weather',
        '  menu -- "2" --> sales',
        '  menu -- "exhausted" --> bye',
        '  sales -- "no answer" --> bye',
        '  weather --> bye',
      ]),
    );
  });
});
