import { describe, expect, it } from 'vitest';
import { checkFlowSource, flowSchema, stepReferences, stepSchema, validateFlow, type Step } from '../src/index.js';

const base = { version: 1, name: 'test', start: 'menu' };
const problemsOf = (steps: unknown[], extra: Record<string, unknown> = {}) =>
  validateFlow({ ...base, ...extra, nodes: { menu: steps, bye: [{ type: 'hangup' }] } })
    .problems.filter((problem) => problem.severity === 'error')
    .map((problem) => `${problem.path}: ${problem.message}${problem.hint ? ` (${problem.hint})` : ''}`);
const gather = (fields: Record<string, unknown>) => ({ type: 'gather', prompt: [], saveAs: 'x', ...fields });

describe('messages for numbers out of range', () => {
  it('says a whole number is out of range, naming the bound, instead of "must be a whole number"', () => {
    expect(problemsOf([gather({ numDigits: 200 })])).toEqual(['nodes.menu[0].numDigits: 200 is out of range: must be at most 128']);
    expect(problemsOf([gather({ attempts: 0 })])).toEqual(['nodes.menu[0].attempts: 0 is out of range: must be at least 1']);
    expect(problemsOf([{ type: 'conference', room: 'r', maxParticipants: 251 }])).toEqual([
      'nodes.menu[0].maxParticipants: 251 is out of range: must be at most 250',
    ]);
    expect(problemsOf([{ type: 'say', text: 'x', loop: 2 ** 53 }])).toEqual([
      `nodes.menu[0].loop: ${2 ** 53} is out of range: must be at most 100`,
    ]);
  });

  it('keeps "must be a whole number" for fractions, and names the type for a value that is not a number', () => {
    expect(problemsOf([gather({ numDigits: 1.5 })])).toEqual(['nodes.menu[0].numDigits: must be a whole number']);
    expect(problemsOf([gather({ numDigits: '4' })])).toEqual(['nodes.menu[0].numDigits: expected a whole number, got string']);
    expect(problemsOf([{ type: 'pause', seconds: Number.NaN }])).toEqual(['nodes.menu[0].seconds: must be a finite number, got NaN']);
    expect(problemsOf([{ type: 'pause', seconds: 601 }])).toEqual(['nodes.menu[0].seconds: 601 is out of range: must be at most 600']);
  });

  it('gives the range message with the line in a YAML file', () => {
    const yaml =
      'version: 1\nname: x\nstart: menu\nnodes:\n  menu:\n    - type: gather\n      prompt: []\n      saveAs: x\n      numDigits: 200\n';
    expect(checkFlowSource(yaml).problems).toEqual([
      { path: 'nodes.menu[0].numDigits', message: '200 is out of range: must be at most 128', severity: 'error', line: 9 },
    ]);
  });
});

describe('messages derived from the field table', () => {
  it('names a missing field and its type, and a wrong type', () => {
    expect(problemsOf([{ type: 'goto' }])).toEqual(['nodes.menu[0].node: is required (string)']);
    expect(problemsOf([{ type: 'gather', saveAs: 'x' }])).toEqual(['nodes.menu[0].prompt: is required (array)']);
    expect(problemsOf([{ type: 'record', beep: 'yes' }])).toEqual(['nodes.menu[0].beep: expected boolean, got string']);
    expect(problemsOf([gather({ prompt: 'Press 1' })])).toEqual(['nodes.menu[0].prompt: expected a list, got string']);
  });

  it('picks the shape a union value was meant to have', () => {
    expect(problemsOf([{ type: 'transfer', to: { sip: 'alice' } }])).toEqual([
      'nodes.menu[0].to.sip: must be a SIP URI, e.g. sip:alice@example.com',
    ]);
    expect(problemsOf([{ type: 'transfer', to: 5 }])).toEqual(['nodes.menu[0].to: expected string or object, got number']);
    expect(problemsOf([{ type: 'enqueue', queue: 'q', announcePosition: { everySeconds: 5 } }])).toEqual([
      'nodes.menu[0].announcePosition.everySeconds: 5 is out of range: must be at least 10',
    ]);
    const schedules = { office: { timezone: 'UTC', weekly: { mon: 'open' }, closures: [{ from: '2026-01-01', to: 'soon' }] } };
    expect(problemsOf([{ type: 'hangup' }], { schedules })).toEqual([
      "schedules.office.weekly.mon: must be 'closed', 'all-day' or a list of HH:MM-HH:MM ranges",
      'schedules.office.closures[0].to: must be a date YYYY-MM-DD',
    ]);
  });

  it('says which steps a prompt may hold, and hints misspelled fields anywhere', () => {
    expect(problemsOf([gather({ prompt: [{ type: 'gather', prompt: [] }] })])).toEqual([
      "nodes.menu[0].prompt[0].type: a 'gather' step is not allowed here (one of say, play, pause)",
    ]);
    expect(problemsOf([gather({ prompt: [{ type: 'sya', text: 'x' }] })])).toEqual([
      "nodes.menu[0].prompt[0].type: unknown step type 'sya' (did you mean 'say'?)",
    ]);
    expect(problemsOf([{ type: 'hangup' }], { schedules: { office: { timezone: 'UTC', weekly: { mom: 'all-day' } } } })).toEqual([
      "schedules.office.weekly.mom: unknown field 'mom' (did you mean 'mon'?)",
    ]);
    expect(problemsOf([gather({ speech: { hint: ['a'] } })])).toEqual([
      "nodes.menu[0].speech.hint: unknown field 'hint' (did you mean 'hints'?)",
    ]);
  });

  it('lists the problems of the public schemas with their paths', () => {
    const result = stepSchema.safeParse({ type: 'gather', prompt: [], numDigits: 200, timout: 3 });
    expect(result.success).toBe(false);
    expect(result.success ? [] : result.error.issues).toEqual([
      { code: 'too_big', path: ['numDigits'], message: '200 is out of range: must be at most 128' },
      { code: 'unrecognized_keys', path: ['timout'], message: "unknown field 'timout'" },
    ]);
    const flow = { ...base, nodes: { menu: [{ type: 'hangup' }] } };
    expect(flowSchema.safeParse(flow)).toEqual({ success: true, data: flow });
  });
});

describe('node references, read from the field table', () => {
  it('lists every reference of a step with the field it sits in', () => {
    const steps: Step[] = [
      { type: 'gather', prompt: [], routes: { '1': 'a', '2': 'b' }, onInvalid: 'c', onNoInput: 'd', onExhausted: 'e' },
      { type: 'enqueue', queue: 'q', onTimeout: 'a', escape: { digit: '0', to: 'b' }, then: 'c' },
      { type: 'transfer', to: '+14155550100', then: 'a', onBusy: 'b', onNoAnswer: 'c', onFailed: 'd' },
      { type: 'hours', schedule: 'office', open: 'a', closed: 'b', holiday: 'c' },
      { type: 'say', text: 'no references' },
    ];
    expect(
      steps.map((step) =>
        stepReferences(step)
          .map(({ field, node }) => `${field}=${node}`)
          .join(' '),
      ),
    ).toEqual([
      'routes.1=a routes.2=b onInvalid=c onNoInput=d onExhausted=e',
      'onTimeout=a escape.to=b then=c',
      'then=a onBusy=b onNoAnswer=c onFailed=d',
      'open=a closed=b holiday=c',
      '',
    ]);
  });

  it('reports a dangling reference in a nested field with its full path', () => {
    expect(problemsOf([{ type: 'enqueue', queue: 'q', escape: { digit: '0', to: 'byee' } }])).toEqual([
      "nodes.menu[0].escape.to: unknown node 'byee' (did you mean 'bye'?)",
    ]);
  });
});
