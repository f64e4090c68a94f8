import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerNames, providerRegistry } from '@callflow/core';
import { installPackages, npm, packedPackages, root, run, type PackedPackage } from './packed-packages.js';

// What users run, not the source tree: every publishable package is built, packed, and installed from its tarball
// into two fresh projects outside the workspace, one ESM and one "type": "commonjs" (what `npm init -y` writes).
// There every CLI command runs from the installed bin on a YAML flow and on TypeScript flows, the packages are
// imported and required, and their type declarations are checked with skipLibCheck off and no provider SDK
// installed. A last test checks out the workspace afresh and runs the README's `npx callflow` lines after
// `npm install`. Time limits are sized for a busy two-core machine.

let packed: PackedPackage[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'callflow-consumers-'));
const projects = { esm: join(scratch, 'esm'), commonjs: join(scratch, 'commonjs') };

const yamlFlow = `version: 1
name: packed-yaml
start: menu
nodes:
  menu:
    - type: gather
      prompt: [{ type: say, text: Press 1. }]
      numDigits: 1
      routes: { "1": done }
  done:
    - type: say
      text: Thanks.
    - type: hangup
`;

const flowSource = `{
  name: 'packed',
  start: 'menu',
  nodes: {
    menu: [gather({ prompt: 'Press 1.', numDigits: 1, routes: { '1': 'done' } })],
    done: [say('Thanks.'), hangup()],
  },
}`;

/** The flow files each project gets: YAML, a TypeScript module with a named `flow` export, one with a default export. */
const flowFiles = {
  'flow.yaml': yamlFlow,
  'src/flow.ts': `import { defineFlow, gather, hangup, say } from '@callflow/core';\n\nexport const flow = defineFlow(${flowSource});\n`,
  'src/default-flow.ts': `import { defineFlow, gather, hangup, say } from '@callflow/core';\n\nexport default defineFlow(${flowSource});\n`,
};

beforeAll(async () => {
  packed = await packedPackages();
  const everything = packed.map((info) => info.name);
  for (const [kind, project] of Object.entries(projects)) {
    mkdirSync(join(project, 'src'), { recursive: true });
    const manifest =
      kind === 'esm'
        ? { name: 'consumer-esm', version: '1.0.0', private: true, type: 'module' }
        : { name: 'consumer-commonjs', version: '1.0.0', private: true, type: 'commonjs' };
    writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    for (const [file, text] of Object.entries(flowFiles)) writeFileSync(join(project, file), text);
    await installPackages(project, packed, { dependencies: everything, devDependencies: ['@types/node'] });
  }
}, 15 * 60_000);

// The projects hold whole node_modules trees: removing them takes a while on a busy machine.
afterAll(() => rmSync(scratch, { recursive: true, force: true }), 5 * 60_000);

/** Runs the installed `callflow` bin in a project; resolves with the exit code instead of rejecting. */
async function callflow(project: string, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = join(project, 'node_modules', '.bin', 'callflow');
  return new Promise((resolve) => {
    const child = execFile(bin, args, { cwd: project, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

describe('packages installed from their tarballs', { timeout: 5 * 60_000 }, () => {
  it('packs every public package with its build output, README and LICENSE only', async () => {
    expect(packed.map((info) => info.name)).toEqual(
      expect.arrayContaining([
        '@callflow/core',
        '@callflow/testing',
        '@callflow/cli',
        ...providerRegistry.map((entry) => entry.packageName),
      ]),
    );
    for (const info of packed) {
      const { stdout } = await run('tar', ['-tzf', info.tarball]);
      const files = stdout.trim().split('\n');
      expect(files, info.name).toEqual(expect.arrayContaining(['package/package.json', 'package/README.md', 'package/LICENSE']));
      expect(
        files.filter((file) => file.startsWith('package/src/') || file.includes('.test.')),
        info.name,
      ).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(info.dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest, info.name).toMatchObject({
        license: 'MIT',
        repository: expect.objectContaining({ url: expect.any(String), directory: expect.any(String) }),
        homepage: expect.any(String),
        keywords: expect.any(Array),
      });
    }
  });

  for (const [kind, project] of Object.entries(projects)) {
    describe(`the installed callflow bin in a ${kind} project`, () => {
      it.each(['flow.yaml', 'src/flow.ts', 'src/default-flow.ts'])('validates %s', async (file) => {
        expect(await callflow(project, ['validate', file])).toEqual({ code: 0, stdout: `${file}: ok (2 nodes)\n`, stderr: '' });
      });

      it('reports a broken flow with exit 1', async () => {
        writeFileSync(join(project, 'broken.yaml'), yamlFlow.replace('"1": done', '"1": dnoe'));
        const result = await callflow(project, ['validate', 'broken.yaml']);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("unknown node 'dnoe' (did you mean 'done'?)");
      });

      it.each(['flow.yaml', 'src/flow.ts'])('renders %s for every provider', async (file) => {
        const outputs = new Map<string, string>();
        for (const provider of providerNames) {
          const result = await callflow(project, ['render', file, '--provider', provider]);
          expect(result.stderr, provider).toBe('');
          expect(result.code, provider).toBe(0);
          outputs.set(provider, result.stdout);
        }
        expect(outputs.get('twilio')).toMatch(
          /^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Gather [^>]*numDigits="1"><Say>Press 1\.<\/Say><\/Gather>/,
        );
        expect((JSON.parse(outputs.get('vonage')!) as Array<{ action: string }>).map((action) => action.action)).toEqual(['talk', 'input']);
        expect((JSON.parse(outputs.get('telnyx')!) as Array<{ action: string }>).map((command) => command.action)).toEqual([
          'answer',
          'gather_using_speak',
        ]);
      });

      it.each(['flow.yaml', 'src/flow.ts'])('simulates a call of %s with --digits on every provider', async (file) => {
        for (const provider of providerNames) {
          const result = await callflow(project, ['simulate', file, '--provider', provider, '--digits', '1']);
          expect(result, provider).toEqual({
            code: 0,
            stdout: expect.stringMatching(
              new RegExp(
                `^🔊 Press 1\\.\\n☎  pressed 1\\n🔊 Thanks\\.\\n📴 the call ended\\n\\(${provider}: \\d+ webhooks, ended by flow\\)\\n$`,
              ),
            ),
            stderr: '',
          });
        }
      });

      it('runs an interactive call from stdin', async () => {
        const result = await callflow(project, ['simulate', 'src/default-flow.ts', '--provider', 'telnyx'], '1\n');
        expect(result.code).toBe(0);
        expect(result.stdout).toContain('🔊 Press 1.');
        expect(result.stdout).toContain('🔊 Thanks.');
      });

      it.each(['flow.yaml', 'src/flow.ts'])('prints the Mermaid diagram of %s', async (file) => {
        const result = await callflow(project, ['diagram', file]);
        expect(result.code).toBe(0);
        expect(result.stderr).toBe('');
        expect(result.stdout.split('\n')[0]).toBe('flowchart TD');
        expect(result.stdout).toContain('n0["<b>menu</b>');
        expect(result.stdout).toContain('n1["<b>done</b>');
        expect(result.stdout).toContain('n0 -- "1" --> n1');
      });
    });
  }

  it('runs a flow through import (ESM)', async () => {
    writeFileSync(
      join(projects.esm, 'engine.js'),
      `import { createEngine, defineFlow, gather, hangup, say } from '@callflow/core';
const flow = defineFlow(${flowSource});
const engine = createEngine(flow, { secret: 'packaging-secret-0123456789' });
const call = { callId: 'CA1' };
const first = await engine.start(call);
const next = await engine.resume(first.token, { type: 'digits', digits: '1' }, call);
console.log(JSON.stringify({ wait: first.wait.step.type, said: next.steps.map((s) => s.step.text), ended: next.ended }));`,
    );
    const { stdout } = await run(process.execPath, ['engine.js'], { cwd: projects.esm });
    expect(JSON.parse(stdout)).toEqual({ wait: 'gather', said: ['Thanks.'], ended: true });
  });

  it('runs a flow through require (CommonJS)', async () => {
    writeFileSync(
      join(projects.commonjs, 'engine.js'),
      `const { createEngine, defineFlow, gather, hangup, say, parseFlow } = require('@callflow/core');
const flow = defineFlow(${flowSource});
const engine = createEngine(flow, { secret: 'packaging-secret-0123456789' });
engine.start({ callId: 'CA1' }).then((turn) => {
  const yamlFlow = parseFlow('version: 1\\nname: y\\nstart: a\\nnodes:\\n  a:\\n    - type: hangup\\n');
  console.log(JSON.stringify({ wait: turn.wait.step.type, yaml: yamlFlow.name }));
});`,
    );
    const { stdout } = await run(process.execPath, ['engine.js'], { cwd: projects.commonjs });
    expect(JSON.parse(stdout)).toEqual({ wait: 'gather', yaml: 'y' });
  });

  it('runs simulateCall on every provider with no provider SDK installed', async () => {
    writeFileSync(
      join(projects.commonjs, 'simulate.js'),
      `const { defineFlow, gather, hangup, say } = require('@callflow/core');
const { simulateCall, simulatedProviders } = require('@callflow/testing');
const flow = defineFlow(${flowSource});
Promise.all(simulatedProviders.map((provider) => simulateCall({ provider, flow, input: ['1'] }).then((call) => [provider, call.heard]))).then((calls) => console.log(JSON.stringify(Object.fromEntries(calls))));`,
    );
    const sdks = await run(
      process.execPath,
      [
        '-e',
        `console.log(JSON.stringify(${JSON.stringify(providerRegistry.map((entry) => entry.sdkPackage))}.filter((name) => { try { require.resolve(name); return true; } catch { return false; } })))`,
      ],
      { cwd: projects.commonjs },
    );
    expect(JSON.parse(sdks.stdout), 'no provider SDK is installed in the consumer').toEqual([]);
    const { stdout } = await run(process.execPath, ['simulate.js'], { cwd: projects.commonjs });
    expect(JSON.parse(stdout)).toEqual(Object.fromEntries(providerNames.map((provider) => [provider, ['Press 1.', 'Thanks.']])));
  });

  it(
    'names the adapter package to install when it is missing',
    async () => {
      const project = join(scratch, 'testing-only');
      mkdirSync(project, { recursive: true });
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'testing-only', version: '1.0.0', private: true, type: 'module' }),
      );
      await installPackages(project, packed, { dependencies: ['@callflow/core', '@callflow/testing', '@callflow/twilio'] });
      writeFileSync(
        join(project, 'simulate.js'),
        `import { defineFlow, say } from '@callflow/core';
import { simulateCall } from '@callflow/testing';
const flow = defineFlow({ name: 'x', start: 'a', nodes: { a: [say('Hi.')] } });
console.log(JSON.stringify((await simulateCall({ provider: 'twilio', flow })).heard));
await simulateCall({ provider: 'vonage', flow }).catch((error) => console.log(JSON.stringify({ code: error.code, message: error.message })));`,
      );
      const { stdout } = await run(process.execPath, ['simulate.js'], { cwd: project });
      expect(
        stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as unknown),
      ).toEqual([
        ['Hi.'],
        {
          code: 'missing-package',
          message: '[callflow:testing] simulating a Vonage call needs the @callflow/vonage package: npm install @callflow/vonage',
        },
      ]);
    },
    10 * 60_000,
  );

  it('loads every package both ways', async () => {
    for (const info of packed) {
      const esm = await run(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import('${info.name}'); console.log(Object.keys(m).length)`],
        { cwd: projects.esm },
      );
      // Without require(esm), as Jest's own module loader and older tools load packages: each package's CommonJS build
      // must stand on its own, requiring only CommonJS.
      const cjs = await run(
        process.execPath,
        ['--no-experimental-require-module', '-e', `console.log(Object.keys(require('${info.name}')).length)`],
        { cwd: projects.commonjs },
      );
      expect(Number(esm.stdout), info.name).toBeGreaterThan(0);
      expect(Number(cjs.stdout), info.name).toBe(Number(esm.stdout));
    }
  });

  it('holds one copy of each package on Node when an app mixes import and require', async () => {
    writeFileSync(
      join(projects.esm, 'mixed.js'),
      `import { createRequire } from 'node:module';
import * as imported from '@callflow/core';
import { gather, hangup, say } from '@callflow/core';
import { createTwilioHandler } from '@callflow/twilio';
const require = createRequire(import.meta.url);
const required = require('@callflow/core');
const { simulateCall } = require('@callflow/testing');
const thrown = (run) => { try { run(); } catch (error) { return error; } };
const flow = imported.defineFlow(${flowSource});
const fromImport = thrown(() => createTwilioHandler({ flow, secret: 'short' }));
const fromRequire = await simulateCall({ provider: 'twilio', flow: { name: 'broken' } }).catch((error) => error);
await imported.loadBusinessHours();
const call = await simulateCall({ provider: 'twilio', flow, input: ['1'] });
console.log(JSON.stringify({
  sameClass: imported.CallFlowError === required.CallFlowError,
  sameAdapter: createTwilioHandler === require('@callflow/twilio').createTwilioHandler,
  sameCommandRegistry: (await import('@callflow/cli')).registerCommand === require('@callflow/cli').registerCommand,
  importedErrorIsRequiredClass: fromImport instanceof required.CallFlowError,
  requiredErrorIsImportedClass: fromRequire instanceof imported.CallFlowError,
  codes: [fromImport.code, fromRequire.code],
  hoursLoadedSeenByRequire: required.businessHoursLoaded(),
  heard: call.heard,
}));`,
    );
    // Also without require(esm): on Node the ES module entries re-export the CommonJS builds, so nothing needs it.
    for (const flags of [[], ['--no-experimental-require-module']]) {
      const { stdout } = await run(process.execPath, [...flags, 'mixed.js'], { cwd: projects.esm });
      expect(JSON.parse(stdout), flags.join(' ')).toEqual({
        sameClass: true,
        sameAdapter: true,
        sameCommandRegistry: true,
        importedErrorIsRequiredClass: true,
        requiredErrorIsImportedClass: true,
        codes: ['invalid-options', 'invalid-flow'],
        hoursLoadedSeenByRequire: true,
        heard: ['Press 1.', 'Thanks.'],
      });
    }
  });

  it('bundles the ES module build for a Worker: tree-shaken, one copy, luxon, the diagnostics and the call events in chunks of their own', async () => {
    const { build } = await import('esbuild');
    const outdir = join(projects.esm, 'worker-bundle');
    const result = await build({
      stdin: {
        contents: `import { CallFlowError, businessHoursLoaded, isOpen, loadBusinessHours } from '@callflow/core';
const required = require('@callflow/core');
export async function check() {
  await loadBusinessHours();
  // The chunk's functions, not only its load: a split-out CommonJS chunk comes back as a namespace with a default export.
  const open = isOpen({ timezone: 'UTC', weekly: { daily: 'all-day' } }, Date.now());
  return { sameClass: CallFlowError === required.CallFlowError, hoursLoaded: businessHoursLoaded(), open };
}`,
        resolveDir: projects.esm,
        loader: 'js',
      },
      absWorkingDir: projects.esm,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['worker', 'browser'],
      splitting: true,
      outdir,
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = Object.entries(result.metafile.outputs);
    const entry = outputs.find(([, output]) => output.entryPoint === '<stdin>')!;
    const inputs = outputs.flatMap(([, output]) => Object.keys(output.inputs));
    expect(inputs.filter((input) => input.includes('@callflow/core/dist/')).sort()).toEqual([
      'node_modules/@callflow/core/dist/cjs/call-events.js',
      'node_modules/@callflow/core/dist/cjs/diagnostics.js',
      'node_modules/@callflow/core/dist/cjs/json-queue.js',
      'node_modules/@callflow/core/dist/cjs/luxon.js',
      'node_modules/@callflow/core/dist/cjs/yaml.js',
      'node_modules/@callflow/core/dist/index.js',
    ]);
    expect(Object.keys(entry[1].inputs), 'luxon is not loaded up front').not.toContain('node_modules/@callflow/core/dist/cjs/luxon.js');
    expect(Object.keys(entry[1].inputs), 'the diagnostics are not loaded up front').not.toContain(
      'node_modules/@callflow/core/dist/cjs/diagnostics.js',
    );
    expect(Object.keys(entry[1].inputs), 'the call events are not loaded up front').not.toContain(
      'node_modules/@callflow/core/dist/cjs/call-events.js',
    );
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', `const { check } = await import('./${entry[0]}'); console.log(JSON.stringify(await check()));`],
      { cwd: projects.esm },
    );
    expect(JSON.parse(stdout)).toEqual({ sameClass: true, hoursLoaded: true, open: true });
  });

  it(
    "runs a flow on the emulator in Jest's CommonJS runtime, which cannot require an ES module",
    async () => {
      const project = join(scratch, 'jest');
      mkdirSync(join(project, 'test'), { recursive: true });
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'consumer-jest', version: '1.0.0', private: true, type: 'commonjs', scripts: { test: 'jest' } }),
      );
      await installPackages(project, packed, {
        dependencies: ['@callflow/core', '@callflow/twilio', '@callflow/testing'],
        devDependencies: ['jest'],
      });
      writeFileSync(
        join(project, 'test', 'flow.test.js'),
        `const { CallFlowError, businessHoursLoaded, defineFlow, gather, hangup, hours, parseFlow, say } = require('@callflow/core');
const { createTwilioHandler } = require('@callflow/twilio');
const { simulateCall } = require('@callflow/testing');

const flow = defineFlow({
  name: 'jest',
  start: 'entry',
  schedules: { office: { timezone: 'America/New_York', weekly: { weekdays: ['09:00-17:00'] } } },
  nodes: {
    entry: [hours('office', { open: 'menu', closed: 'closed' })],
    menu: [gather({ prompt: 'Press 1.', numDigits: 1, routes: { '1': 'done' } })],
    done: [say('Thanks.'), hangup()],
    closed: [say('Closed.'), hangup()],
  },
});

test('runs a flow with business hours on the Twilio emulator', async () => {
  expect(businessHoursLoaded()).toBe(false);
  const open = await simulateCall({ provider: 'twilio', flow, input: ['1'], at: '2026-11-23T15:00:00Z' });
  expect(open.heard).toEqual(['Press 1.', 'Thanks.']);
  const closed = await simulateCall({ provider: 'twilio', flow, at: '2026-11-24T03:00:00Z' });
  expect(closed.heard).toEqual(['Closed.']);
  expect(businessHoursLoaded()).toBe(true);
});

test('parses YAML beyond the plain subset', () => {
  expect(parseFlow('version: 1\\nname: &name anchored\\nstart: a\\nnodes: { a: [ { type: hangup } ] }\\n').name).toBe('anchored');
});

test('throws the one CallFlowError from every package', async () => {
  expect(() => createTwilioHandler({ flow, secret: 'short' })).toThrow(CallFlowError);
  const missing = await simulateCall({ provider: 'vonage', flow }).catch((error) => error);
  expect(missing).toBeInstanceOf(CallFlowError);
  expect(missing.code).toBe('missing-package');
});
`,
      );
      const jest = join(project, 'node_modules', 'jest', 'bin', 'jest.js');
      const outcome = await run(process.execPath, [jest, '--ci', '--cacheDirectory', join(project, '.jest-cache'), '--json'], {
        cwd: project,
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { stdout: string; stderr: string }) => error);
      const report = JSON.parse(outcome.stdout) as {
        numFailedTestSuites: number;
        testResults: Array<{ message: string; assertionResults: Array<{ title: string; status: string }> }>;
      };
      expect(report.testResults.map((file) => file.message).join('\n'), outcome.stderr).toBe('');
      expect(report.testResults.flatMap((file) => file.assertionResults.map(({ title, status }) => [title, status]))).toEqual([
        ['runs a flow with business hours on the Twilio emulator', 'passed'],
        ['parses YAML beyond the plain subset', 'passed'],
        ['throws the one CallFlowError from every package', 'passed'],
      ]);
      expect(report.numFailedTestSuites).toBe(0);
    },
    10 * 60_000,
  );

  it.each(Object.keys(projects))('has types that check with skipLibCheck off and no provider SDK installed (%s project)', async (kind) => {
    const project = projects[kind as keyof typeof projects];
    const imports = packed.map((info, index) => `import * as package${index} from '${info.name}';`).join('\n');
    writeFileSync(
      join(project, 'types.mts'),
      `${imports}
import { defineFlow, gather, hangup, say, type ProviderName, type Turn } from '@callflow/core';
const flow = defineFlow(${flowSource});
const name: string = flow.name;
const provider: ProviderName = 'twilio';
// @ts-expect-error misspelled node
defineFlow({ name: 'x', start: 'menu', nodes: { menu: [gather({ prompt: 'p', routes: { '1': 'dnoe' } })], done: [hangup()] } });
// @ts-expect-error not a provider
const unknown: ProviderName = 'plivo';
export const used = [${packed.map((_info, index) => `package${index}`).join(', ')}, provider, unknown];
export type { Turn };
export { name };`,
    );
    // Each package README's TypeScript example, as a user pastes it.
    const examples: string[] = [];
    for (const info of packed) {
      const readme = readFileSync(join(info.dir, 'README.md'), 'utf8');
      for (const match of readme.matchAll(/```ts\n([\s\S]*?)```/g)) {
        const file = `readme-${info.name.replace('@callflow/', '')}-${examples.length}.mts`;
        writeFileSync(join(project, file), `${match[1]}\nexport {};\n`);
        examples.push(file);
      }
    }
    expect(examples.length, 'README examples').toBeGreaterThanOrEqual(packed.length - 1);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['types.mts', ...examples],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((error: { stdout: string }) => error);
    expect((result as { stdout: string }).stdout ?? '').toBe('');
  });

  it('passes publint and are-the-types-wrong', async () => {
    const { publint } = await import('publint');
    for (const info of packed) {
      const { messages } = await publint({ pkgDir: info.dir, level: 'warning' });
      expect(
        messages.map((message) => `${message.code} ${JSON.stringify(message.args)}`),
        info.name,
      ).toEqual([]);
      const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
      const result = await run(process.execPath, [attw, info.tarball, '--format', 'json', '--profile', 'node16'], {
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { stdout: string }) => error);
      // attw's JSON lists problems as an array, or as an object keyed by kind (empty when there are none).
      const report = JSON.parse((result as { stdout: string }).stdout) as { problems?: unknown[] | Record<string, unknown[]> };
      const problems = Array.isArray(report.problems) ? report.problems : Object.values(report.problems ?? {}).flat();
      expect(problems, info.name).toEqual([]);
    }
  });
});

describe('a fresh checkout', () => {
  it(
    "runs the README's npx callflow lines after npm install",
    async () => {
      const checkout = join(scratch, 'checkout');
      const { stdout: listed } = await run('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
      });
      for (const file of listed.split('\0').filter(Boolean)) {
        mkdirSync(dirname(join(checkout, file)), { recursive: true });
        try {
          cpSync(join(root, file), join(checkout, file));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // a file deleted but not yet committed
        }
      }
      // The third-party packages as a finished `npm install` leaves them (hard links: no copy, no network); the workspace's
      // own packages and the bin links are left for `npm install` to make, as in a fresh clone. Then the README's first
      // command, which links the workspace, links `callflow` and builds the packages (the root's prepare script).
      mkdirSync(join(checkout, 'node_modules'));
      for (const entry of readdirSync(join(root, 'node_modules'))) {
        // npm's record of the finished install stays behind too: with it, npm would trust the copy and link no bins.
        if (entry === '@callflow' || entry === '.bin' || entry === '.package-lock.json') continue;
        await run('cp', ['-al', join(root, 'node_modules', entry), join(checkout, 'node_modules', entry)]);
      }
      // The workspace's node_modules may hold packages the lockfile has since moved on from: bring the copy to the
      // lockfile's state first, then take away again what a fresh clone lacks (links, bins, npm's record, builds).
      await run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
        cwd: checkout,
        maxBuffer: 64 * 1024 * 1024,
      });
      for (const made of ['node_modules/@callflow', 'node_modules/.bin', 'node_modules/.package-lock.json'])
        rmSync(join(checkout, made), { recursive: true, force: true });
      for (const info of packed) rmSync(join(checkout, relative(root, info.dir), 'dist'), { recursive: true, force: true });
      await run(npm, ['install', '--offline', '--no-audit', '--no-fund'], { cwd: checkout, maxBuffer: 64 * 1024 * 1024 });
      const readme = readFileSync(join(checkout, 'README.md'), 'utf8');
      const lines = [...readme.matchAll(/^npx callflow (.+?)(?:\s+#.*)?$/gm)].map((match) => match[1]!.trim());
      expect(lines.length).toBeGreaterThanOrEqual(5);
      for (const line of lines) {
        const args = line.split(/\s+/);
        const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          const child = execFile(
            npm,
            ['exec', '--offline', '--', 'callflow', ...args],
            { cwd: checkout, timeout: 120_000 },
            (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
          );
          child.stdin!.end('');
        });
        expect(result, `npx callflow ${line}: ${result.stderr}`).toMatchObject({ code: 0 });
        expect(result.stdout.length, `npx callflow ${line} prints something`).toBeGreaterThan(0);
      }
    },
    20 * 60_000,
  );
});
