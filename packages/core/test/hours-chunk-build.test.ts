import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSplitBundle, type SplitBundle } from '../../../test/split-bundle.js';

// The published bundle's chunks, built the way packages/core/tsup.config.ts builds them (entries index, luxon and yaml,
// code splitting, __CALLFLOW_BUNDLED__), and run in fresh node processes: the first webhook of a flow with hours loads
// dist/luxon.js; a flow without schedules never does; a synchronous call while the engine's preload runs does not crash.

const root = fileURLToPath(new URL('../../../', import.meta.url));
let bundle: SplitBundle;

beforeAll(async () => {
  bundle = await buildSplitBundle('callflow-hours-chunk-', {
    entryPoints: {
      index: `${root}packages/core/src/index.ts`,
      luxon: `${root}packages/core/src/hours/luxon-chunk.ts`,
      yaml: `${root}packages/core/src/ir/yaml-chunk.ts`,
      diagnostics: `${root}packages/core/src/ir/flow-diagnostics.ts`,
    },
    define: { __CALLFLOW_BUNDLED__: 'true' },
    alias: {
      luxon: `${root}node_modules/luxon/build/es6/luxon.mjs`,
      yaml: `${root}node_modules/yaml/browser/index.js`,
    },
  });
});

afterAll(() => {
  bundle?.remove();
});

const run = (script: string) => bundle.run(script);

const flowSource = (withHours: boolean) => `
const flow = core.defineFlow({
  name: 'chunk', start: 'entry',
  ${withHours ? "schedules: { office: { timezone: 'America/New_York', weekly: { weekdays: ['09:00-17:00'] } } }," : ''}
  nodes: {
    entry: [core.say('Hello.'), ${withHours ? "core.hours('office', { open: 'open', closed: 'closed' })" : "core.goto('open')"}],
    open: [core.say('Open.'), core.hangup()],
    closed: [core.say('Closed.'), core.hangup()],
  },
});
const call = { callId: 'CA1', from: '+15551230000', to: '+15559870000', provider: 'twilio' };
const spoken = (turn) => turn.steps.map(({ step }) => step.text);
`;

describe('the luxon chunk of the published bundle', () => {
  it('is a file of its own that the main bundle only names in a dynamic import()', () => {
    const main = bundle.text('index.js');
    expect(main).toContain('import("./luxon.js")');
    expect(main).not.toMatch(/from\s*"\.\/luxon\.js"/);
    expect(bundle.text('luxon.js')).toContain('DateTime');
    expect(main).not.toContain('class DateTime');
  });

  it("answers a flow's first hours check in a fresh process", () => {
    const out = run(`
const core = await import('./index.js');
${flowSource(true)}
const before = core.businessHoursLoaded();
const open = await core.createEngine(flow, { secret: 'chunk-secret-0123456789', now: () => Date.parse('2026-11-23T15:00:00Z') }).start(call);
const closed = await core.createEngine(flow, { secret: 'chunk-secret-0123456789', now: () => Date.parse('2026-11-24T01:00:00Z') }).start(call);
process.stdout.write(JSON.stringify({ before, open: spoken(open), closed: spoken(closed), after: core.businessHoursLoaded() }));
`);
    expect(out).toEqual({ before: false, open: ['Hello.', 'Open.'], closed: ['Hello.', 'Closed.'], after: true });
  });

  it('is never loaded for a flow without schedules', () => {
    const out = run(`
const core = await import('./index.js');
${flowSource(false)}
const turn = await core.createEngine(flow, { secret: 'chunk-secret-0123456789' }).start(call);
await new Promise((resolve) => setTimeout(resolve, 20));
process.stdout.write(JSON.stringify({ spoken: spoken(turn), loaded: core.businessHoursLoaded() }));
`);
    expect(out).toEqual({ spoken: ['Hello.', 'Open.'], loaded: false });
  });

  it('answers a synchronous check made while the engine is still loading it', () => {
    const out = run(`
const core = await import('./index.js');
${flowSource(true)}
const engine = core.createEngine(flow, { secret: 'chunk-secret-0123456789' });
const schedule = flow.schedules.office;
await new Promise((resolve) => setImmediate(resolve));
const during = core.isOpen(schedule, Date.parse('2026-11-23T15:00:00Z'));
await core.loadBusinessHours();
process.stdout.write(JSON.stringify({ during, after: core.isOpen(schedule, Date.parse('2026-11-24T01:00:00Z')) }));
`);
    expect(out).toEqual({ during: true, after: false });
  });
});

describe('the diagnostics chunk of the published bundle', () => {
  it('is a file of its own that the rest of the bundle only names in a dynamic import()', () => {
    // The main file and the chunks it shares with the diagnostics (esbuild splits shared code into chunk-*.js).
    const upFront = bundle
      .files()
      .filter((file) => file.endsWith('.js') && !['diagnostics.js', 'luxon.js', 'yaml.js'].includes(file) && !file.startsWith('script-'))
      .map((file) => bundle.text(file))
      .join('\n');
    expect(upFront).toContain('import("./diagnostics.js")');
    expect(upFront).not.toMatch(/from\s*"\.\/diagnostics\.js"/);
    // The messages of the graph rules and the "did you mean" hints of unknown fields live there, not up front.
    expect(bundle.text('diagnostics.js')).toContain('loop that never waits for the caller');
    expect(upFront).not.toContain('loop that never waits for the caller');
    expect(upFront).not.toContain('unknown field');
  });

  it('lists every problem of a wrong flow in a fresh process, synchronously (loaded by require)', () => {
    const out = run(`
const core = await import('./index.js');
let message;
try {
  core.defineFlow({ name: 'wrong', start: 'menu', nodes: { menu: [core.goto('salse')], sales: [core.hangup()] } });
} catch (error) {
  message = error.message;
}
const warnings = core.validateFlow({ version: 1, name: 'w', start: 'a', nodes: { a: [{ type: 'hangup' }], b: [{ type: 'hangup' }] } }).problems;
process.stdout.write(JSON.stringify({ message, warnings: warnings.map((problem) => problem.message) }));
`);
    expect(out).toEqual({
      message: "[callflow] invalid flow: 1 problem\n  nodes.menu[0].node: unknown node 'salse' (did you mean 'sales'?)",
      warnings: ["node 'b' is unreachable from 'a'"],
    });
  });
});
