import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { diagramFlow, runCli } from '../src/index.js';
import { parseFlow, providerNames } from '@callflow/core';
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
      expect.stringMatching(
        /^error: nodes\.loop_b\[0\]\.node \(line \d+\): loop that never waits for the caller: loop_a → loop_b → loop_a/,
      ),
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

  // A fresh `npm init -y` project is "type": "commonjs": tsx loads the flow as CommonJS and wraps its exports in `default`.
  it.each([
    ['a named flow export (ESM project)', 'named-flow.ts'],
    ['a default export (ESM project)', 'typed-flow.ts'],
    ['a named flow export ("type": "commonjs" project)', 'commonjs/named-flow.ts'],
    ['a default export ("type": "commonjs" project)', 'commonjs/default-flow.ts'],
  ])('loads a TypeScript flow from %s', async (_label, file) => {
    const result = await runCli(['validate', fixture(file)]);
    expect(result).toEqual({ code: 0, stdout: `${fixture(file)}: ok (2 nodes)\n`, stderr: '' });
  });

  it('says how to export the flow when a module exports none', async () => {
    const result = await runCli(['validate', fixture('no-flow.ts')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('exports no flow: export it as `export const flow = defineFlow(…)` or `export default defineFlow(…)`');
  });

  it('names both export styles and every registry provider in its usage', async () => {
    const help = await runCli(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('exports the flow as `flow` or as its default export');
    expect(help.stdout).toContain(`providers: ${providerNames.join(', ')}`);
  });

  it('reports a missing file and an unknown command', async () => {
    expect((await runCli(['validate', fixture('nope.yaml')])).stderr).toMatch(/cannot read .*nope\.yaml: ENOENT/);
    expect((await runCli(['frobnicate', 'x'])).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
  });

  it('runs as a real process with the right exit codes', async () => {
    const ok = await run(process.execPath, ['--import', 'tsx', bin, 'validate', fixture('hotline.yaml')]);
    expect(ok.stdout).toContain('ok (4 nodes)');
    const failed = await run(process.execPath, ['--import', 'tsx', bin, 'validate', fixture('broken.yaml')]).catch(
      (error: { code: number; stderr: string }) => error,
    );
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
        '  start(((start))) --> n0',
        '  n0["<b>menu</b><br/>gather dtmf ×2"]',
        '  n1["<b>weather</b><br/>say “It is sunny.”<br/>goto"]',
        '  n0 -- "1" --> n1',
        '  n0 -- "2" --> n2',
        '  n0 -- "exhausted" --> n3',
        '  n2 -- "no answer" --> n3',
        '  n1 --> n3',
      ]),
    );
  });
});

describe('callflow render', () => {
  it('prints TwiML, NCCO and Telnyx commands for the start node', async () => {
    const twiml = await runCli(['render', fixture('hotline.yaml'), '--provider', 'twilio']);
    expect(twiml.code).toBe(0);
    expect(twiml.stdout).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Gather input="dtmf" action="https:\/\/ivr\.example\.com\/voice\?t=[^"]+" method="POST" actionOnEmptyResult="true" numDigits="1"><Say>Press 1 for the weather, 2 for sales\.<\/Say><\/Gather><Redirect/,
    );
    const ncco = JSON.parse((await runCli(['render', fixture('hotline.yaml'), '--provider', 'vonage'])).stdout) as Array<{
      action: string;
    }>;
    expect(ncco.map((action) => action.action)).toEqual(['talk', 'input']);
    const commands = JSON.parse((await runCli(['render', fixture('hotline.yaml'), '-p', 'telnyx'])).stdout) as Array<{
      action: string;
      body: Record<string, unknown>;
    }>;
    expect(commands.map((command) => command.action)).toEqual(['answer', 'gather_using_speak']);
    expect(commands[1]!.body).toMatchObject({ payload: 'Press 1 for the weather, 2 for sales.', valid_digits: '12', maximum_digits: 1 });
  });

  it('renders a chosen node and refuses unknown nodes and providers', async () => {
    const weather = await runCli(['render', fixture('hotline.yaml'), '--provider', 'twilio', '--node', 'weather']);
    expect(weather.stdout).toContain('<Say>It is sunny.</Say><Say>Goodbye.</Say><Hangup/>');
    const missing = await runCli(['render', fixture('hotline.yaml'), '--provider', 'twilio', '--node', 'nope']);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toContain("unknown node 'nope'");
    expect((await runCli(['render', fixture('hotline.yaml'), '--provider', 'plivo'])).code).toBe(2);
    expect((await runCli(['render', fixture('hotline.yaml')])).stderr).toContain('missing --provider');
  });
});

describe('callflow simulate', () => {
  it.each(providerNames)('prints the transcript of a scripted call on %s', async (provider) => {
    const result = await runCli(['simulate', fixture('hotline.yaml'), '--provider', provider, '--digits', '7,2']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(0, 6)).toEqual([
      '🔊 Press 1 for the weather, 2 for sales.',
      '☎  pressed 7',
      '🔊 Press 1 for the weather, 2 for sales.',
      '☎  pressed 2',
      '↪  transfer to +14155550100: completed',
      '📴 the call ended',
    ]);
    expect(result.stdout).toMatch(new RegExp(`\\(${provider}: \\d+ webhooks, ended by flow\\)`));
  });

  it('refuses a bad --at', async () => {
    expect(await runCli(['simulate', fixture('hotline.yaml'), '--provider', 'twilio', '--digits', '1', '--at', 'soon'])).toMatchObject({
      code: 2,
    });
  });

  it('runs an interactive call from stdin as a real process', async () => {
    const child = execFile(process.execPath, ['--import', 'tsx', bin, 'simulate', fixture('hotline.yaml'), '--provider', 'vonage']);
    child.stdin!.end('1\n');
    let stdout = '';
    child.stdout!.on('data', (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('🔊 Press 1 for the weather, 2 for sales.');
    expect(stdout).toContain('⌨  keys then Enter');
    expect(stdout).toContain('🔊 It is sunny.');
    expect(stdout).toContain('📴 the call ended');
  });
});
