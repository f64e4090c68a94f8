import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createEngine,
  defineFlow,
  gather,
  gatherLimits,
  hangup,
  parseFlow,
  say,
  validateFlow,
  type GatherStep,
  type Outcome,
  type Turn,
} from '../src/index.js';

const secret = 'test-secret-0123456789abcdef';
const call = { callId: 'CA-limits-1', from: '+15550001111', to: '+15550002222' };
const spoken = (step: { type: string; text?: string }) => (step.type === 'say' ? step.text! : step.type);
// What the caller hears in a turn: its media steps, then the prompt of the gather it waits in.
const texts = (turn: Turn) => [
  ...turn.steps.map((planned) => spoken(planned.step)),
  ...(turn.wait?.step.type === 'gather' ? turn.wait.step.prompt.map(spoken) : []),
];

// "No input twice → operator, three wrong keys → goodbye", as one gather.
const clinic = defineFlow({
  name: 'clinic',
  start: 'menu',
  nodes: {
    menu: [
      gather({
        prompt: 'Press 1 for appointments.',
        routes: { '1': 'appointments' },
        noInputPrompt: 'We did not hear you.',
        invalidPrompt: 'That is not an option.',
        noInput: { attempts: 2, then: 'operator' },
        invalid: { attempts: 3, then: 'goodbye' },
      }),
    ],
    appointments: [say('Appointments.'), hangup()],
    operator: [say('Connecting you to the operator.'), hangup()],
    goodbye: [say('Goodbye.'), hangup()],
  },
});

async function walk(flow: Parameters<typeof createEngine>[0], outcomes: Outcome[]): Promise<Turn[]> {
  const engine = createEngine(flow, { secret });
  const turns = [await engine.start(call)];
  for (const outcome of outcomes) {
    const token = turns.at(-1)!.token;
    if (!token) throw new Error('call already ended');
    turns.push(await engine.resume(token, outcome, call));
  }
  return turns;
}

const silence: Outcome = { type: 'no-input' };
const wrong: Outcome = { type: 'digits', digits: '7' };

describe('gather retry limits per kind', () => {
  it('sends the second silence to noInput.then, whatever wrong keys came between', async () => {
    const turns = await walk(clinic, [silence, wrong, wrong, silence]);
    expect(turns.map(texts)).toEqual([
      ['Press 1 for appointments.'],
      ['We did not hear you.', 'Press 1 for appointments.'],
      ['That is not an option.', 'Press 1 for appointments.'],
      ['That is not an option.', 'Press 1 for appointments.'],
      ['Connecting you to the operator.'],
    ]);
  });

  it('sends the third wrong key to invalid.then, whatever silence came between', async () => {
    const turns = await walk(clinic, [wrong, silence, wrong, wrong]);
    expect(texts(turns.at(-1)!)).toEqual(['Goodbye.']);
    expect(turns.at(-2)!.wait?.state.tries).toEqual({ 'menu:0': 3, 'menu:0~n': 1, 'menu:0~i': 2 });
  });

  it('resets every count after valid input', async () => {
    const turns = await walk(clinic, [silence, wrong, { type: 'digits', digits: '1' }]);
    expect(texts(turns.at(-1)!)).toEqual(['Appointments.']);
    expect(turns.at(-1)!.wait).toBeUndefined();
  });

  it('keeps the overall attempts beside the per-kind limits', async () => {
    const capped = defineFlow({
      name: 'capped',
      start: 'menu',
      nodes: {
        menu: [
          gather({
            prompt: 'Choose.',
            routes: { '1': 'bye' },
            attempts: 3,
            onExhausted: 'bye',
            noInput: { attempts: 2, then: 'operator' },
          }),
        ],
        operator: [say('Operator.'), hangup()],
        bye: [say('Bye.'), hangup()],
      },
    });
    expect(texts((await walk(capped, [silence, silence])).at(-1)!)).toEqual(['Operator.']);
    expect(texts((await walk(capped, [wrong, silence, wrong])).at(-1)!)).toEqual(['Bye.']);
  });

  it('falls back to onExhausted, then to hanging up, when a kind names no target', async () => {
    const fallback = defineFlow({
      name: 'fallback',
      start: 'menu',
      nodes: {
        menu: [gather({ prompt: 'Choose.', routes: { '1': 'bye' }, onExhausted: 'bye', invalid: { attempts: 1 } })],
        bye: [say('Bye.'), hangup()],
      },
    });
    expect(texts((await walk(fallback, [wrong])).at(-1)!)).toEqual(['Bye.']);
    // noInput has no limit of its own and attempts is unset: silence stops at its default of 3.
    const silent = await walk(fallback, [silence, silence, silence]);
    expect(silent.slice(1, 3).map((turn) => turn.ended)).toEqual([false, false]);
    expect(texts(silent.at(-1)!)).toEqual(['Bye.']);
    const bare = defineFlow({
      name: 'bare',
      start: 'menu',
      nodes: { menu: [gather({ prompt: 'Choose.', routes: { '1': 'menu' }, noInput: { attempts: 1 } })] },
    });
    const ended = (await walk(bare, [silence])).at(-1)!;
    expect(ended.ended).toBe(true);
  });

  it('keeps the old meaning of attempts when no kind has its own limit', async () => {
    const old = defineFlow({
      name: 'old',
      start: 'menu',
      nodes: {
        menu: [gather({ prompt: 'Choose.', routes: { '1': 'bye' }, attempts: 2, onExhausted: 'bye' })],
        bye: [say('Bye.'), hangup()],
      },
    });
    const turns = await walk(old, [silence, wrong]);
    expect(texts(turns.at(-1)!)).toEqual(['Bye.']);
    expect(turns[1]!.wait?.state.tries).toEqual({ 'menu:0': 1 });
    expect(gatherLimits((old.nodes.menu as GatherStep[])[0]!)).toEqual({
      perKind: false,
      attempts: 2,
      'no-input': { attempts: Infinity },
      invalid: { attempts: Infinity },
    });
  });

  it('counts the tries a provider reports natively towards the kind', async () => {
    const turns = await walk(clinic, [{ type: 'digits', digits: '7', attemptsUsed: 3 }]);
    expect(texts(turns.at(-1)!)).toEqual(['Goodbye.']);
  });

  it('reads the same from JSON and YAML, and names a wrong limit by its path', () => {
    const yaml = parseFlow(`
version: 1
name: clinic
start: menu
nodes:
  menu:
    - type: gather
      prompt: [{ type: say, text: Press 1 for appointments. }]
      routes: { "1": appointments }
      noInput: { attempts: 2, then: operator }
      invalid: { attempts: 3, then: goodbye }
  appointments: [{ type: hangup }]
  operator: [{ type: hangup }]
  goodbye: [{ type: hangup }]
`);
    const json = parseFlow(JSON.stringify(yaml));
    expect(json).toEqual(yaml);
    expect((yaml.nodes.menu as unknown as Array<{ noInput: unknown }>)[0]!.noInput).toEqual({ attempts: 2, then: 'operator' });
    const { problems } = validateFlow({
      version: 1,
      name: 'bad',
      start: 'menu',
      nodes: {
        menu: [{ type: 'gather', prompt: [], routes: { '1': 'menu' }, noInput: { attempts: 0, then: 'operater' } }],
        operator: [{ type: 'hangup' }],
      },
    });
    const paths = problems.filter((problem) => problem.severity === 'error').map((problem) => problem.path);
    expect(paths).toContain('nodes.menu[0].noInput.attempts');
    expect(paths).toContain('nodes.menu[0].noInput.then');
  });

  it('warns when a kind limit can never be reached before the overall one', () => {
    const { problems } = validateFlow({
      version: 1,
      name: 'unreachable',
      start: 'menu',
      nodes: { menu: [{ type: 'gather', prompt: [], routes: { '1': 'menu' }, attempts: 2, invalid: { attempts: 3 } }] },
    });
    expect(problems).toContainEqual(expect.objectContaining({ path: 'nodes.menu[0].invalid.attempts', severity: 'warning' }));
  });
});

describe('the per-kind example in docs/flow-format.md', () => {
  const page = readFileSync(new URL('../../../docs/flow-format.md', import.meta.url), 'utf8');
  const section = page.slice(page.indexOf('#### Limits per kind'));
  const block = (fence: string) => new RegExp('```' + fence + '\\n([\\s\\S]*?)```').exec(section)![1]!;
  const wrap = (nodes: string) =>
    `version: 1\nname: docs-example\nstart: menu\nnodes:\n${nodes.replace(/^/gm, '  ')}\n  appointments: [{ type: hangup }]\n  prescriptions: [{ type: hangup }]\n  operator: [{ type: hangup }]\n  goodbye: [{ type: hangup }]\n`;

  it('reads the same in JSON and YAML, and as the DSL builds it', () => {
    const yaml = parseFlow(wrap(block('yaml')));
    const json = parseFlow(
      JSON.stringify({
        version: 1,
        name: 'docs-example',
        start: 'menu',
        nodes: {
          ...JSON.parse(`{${block('json')}}`),
          appointments: [{ type: 'hangup' }],
          prescriptions: [{ type: 'hangup' }],
          operator: [{ type: 'hangup' }],
          goodbye: [{ type: 'hangup' }],
        },
      }),
    );
    expect(json).toEqual(yaml);
    // The TypeScript block, as written on the page.
    const menu = gather({
      prompt: 'Press 1 for appointments, or 2 for prescriptions.',
      numDigits: 1,
      routes: { '1': 'appointments', '2': 'prescriptions' },
      noInputPrompt: 'Sorry, we did not hear a choice.',
      invalidPrompt: 'That is not one of the options.',
      noInput: { attempts: 2, then: 'operator' },
      invalid: { attempts: 3, then: 'goodbye' },
    });
    expect((yaml.nodes.menu as GatherStep[])[0]).toEqual(menu);
    const written = block('ts').replace(/\s+/g, ' ');
    for (const line of [
      "noInput: { attempts: 2, then: 'operator' }",
      "invalid: { attempts: 3, then: 'goodbye' }",
      "noInputPrompt: 'Sorry, we did not hear a choice.'",
      'numDigits: 1',
    ])
      expect(written).toContain(line);
  });
});
