import { describe, expect, it } from 'vitest';
import {
  checkFlowSource,
  type CallFlowError,
  defineFlow,
  formatProblems,
  gather,
  goto,
  isCallFlowError,
  parseFlow,
  say,
  validateFlow,
} from '../src/index.js';

const errorsOf = (input: unknown) => validateFlow(input).problems.filter((problem) => problem.severity === 'error');
const warningsOf = (input: unknown) => validateFlow(input).problems.filter((problem) => problem.severity === 'warning');
const base = { version: 1, name: 'test', start: 'menu' };

describe('validateFlow', () => {
  it('accepts a correct flow', () => {
    const result = validateFlow({ ...base, nodes: { menu: [{ type: 'say', text: 'Hi' }, { type: 'hangup' }] } });
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([]);
  });

  it('reports every problem at once, each with its path and a hint', () => {
    const problems = errorsOf({
      ...base,
      start: 'menuu',
      nodes: {
        menu: [
          { type: 'gather', prompt: [{ type: 'say', text: 'Press 1' }], routes: { '1': 'salse', '2': 'support' }, timout: 5 },
          { type: 'sayy', text: 'x' },
          { type: 'hours', schedule: 'ofice', open: 'sales', closed: 'sales' },
        ],
        sales: [
          { type: 'pause', seconds: -1 },
          { type: 'transfer', to: 'not a number' },
        ],
        support: [{ type: 'play', url: 'not-a-url' }],
      },
      schedules: { office: { timezone: 'Mars/Olympus', weekly: { mon: ['9-5'] } } },
    });
    const lines = problems.map((problem) => `${problem.path}: ${problem.message}${problem.hint ? ` (${problem.hint})` : ''}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        "nodes.menu[0].timout: unknown field 'timout' (did you mean 'timeoutSeconds'?)",
        "nodes.menu[1].type: unknown step type 'sayy' (did you mean 'say'?)",
        'nodes.sales[0].seconds: -1 is out of range: must be at least 0.1',
        'nodes.sales[1].to: must be a phone number in E.164 form, e.g. +14155550100',
        'nodes.support[0].url: must be an absolute URL',
        'schedules.office.timezone: unknown IANA time zone',
        'schedules.office.weekly.mon[0]: must be HH:MM-HH:MM, e.g. 09:00-17:30',
        "start: unknown node 'menuu' (did you mean 'menu'?)",
        "nodes.menu[0].routes.1: unknown node 'salse' (did you mean 'sales'?)",
        "nodes.menu[2].schedule: unknown schedule 'ofice' (did you mean 'office'?)",
      ]),
    );
    expect(problems).toHaveLength(10);
  });

  it('finds loops that never wait for the caller, but allows loops through a gather', () => {
    const problems = errorsOf({
      ...base,
      nodes: {
        menu: [
          { type: 'say', text: 'a' },
          { type: 'goto', node: 'other' },
        ],
        other: [{ type: 'goto', node: 'menu' }],
      },
    });
    expect(problems).toEqual([expect.objectContaining({ message: 'loop that never waits for the caller: menu → other → menu' })]);
    const fine = validateFlow({
      ...base,
      nodes: {
        menu: [{ type: 'gather', prompt: [], routes: { '9': 'menu' }, onInvalid: 'error' }],
        error: [
          { type: 'say', text: 'Invalid' },
          { type: 'goto', node: 'menu' },
        ],
      },
    });
    expect(fine.ok).toBe(true);
  });

  it('finds a loop through an hours branch', () => {
    const problems = errorsOf({
      ...base,
      schedules: { office: { timezone: 'UTC', weekly: { daily: 'all-day' } } },
      nodes: { menu: [{ type: 'hours', schedule: 'office', open: 'menu', closed: 'closed' }], closed: [{ type: 'hangup' }] },
    });
    expect(problems[0]?.message).toBe('loop that never waits for the caller: menu → menu');
  });

  it('rejects duplicate and malformed routes', () => {
    const problems = errorsOf({
      ...base,
      nodes: {
        menu: [
          { type: 'gather', prompt: [], routes: { '1#': 'menu', sales: 'menu' } },
          { type: 'gather', prompt: [], input: 'speech', routes: { Sales: 'menu', sales: 'menu', 'a+b': 'menu' } },
          { type: 'gather', prompt: [], numDigits: 1, routes: { '12': 'menu' } },
          { type: 'gather', prompt: [], minDigits: 5, maxDigits: 2, saveAs: 'x' },
        ],
      },
    });
    expect(problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      "nodes.menu[0].routes.1#: route '1#' contains the finish key '#', so it can never be entered",
      "nodes.menu[0].routes.sales: route 'sales' is not digits (0-9, *, #) but the gather only takes dtmf",
      "nodes.menu[1].routes.sales: duplicate route: 'sales' matches the same input as 'Sales'",
      "nodes.menu[1].routes.a+b: route 'a+b' is neither digits nor words",
      "nodes.menu[2].routes.12: route '12' has 2 digits but numDigits is 1",
      'nodes.menu[3].minDigits: minDigits 5 is greater than maxDigits 2',
    ]);
  });

  it('warns about unreachable nodes and steps, and input thrown away', () => {
    const warnings = warningsOf({
      ...base,
      nodes: { menu: [{ type: 'hangup' }, { type: 'say', text: 'never' }], orphan: [{ type: 'gather', prompt: [] }] },
    });
    expect(warnings.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      'nodes.menu[1]: unreachable: the hangup before it never falls through',
      'nodes.orphan[0]: a gather needs routes or saveAs, or its input is thrown away',
      "nodes.orphan: node 'orphan' is unreachable from 'menu'",
    ]);
    expect(validateFlow({ ...base, nodes: { menu: [{ type: 'hangup' }], orphan: [] } }).ok).toBe(true);
  });

  it('rejects a non-object and a wrong version without throwing', () => {
    expect(errorsOf(null)[0]?.message).toMatch(/expected object/);
    expect(errorsOf({ ...base, version: 2, nodes: { menu: [] } })[0]).toMatchObject({ path: 'version', message: 'version must be 1' });
    expect(errorsOf({ ...base, nodes: { menu: [], 'bad id!': [] } })[0]?.message).toBe(
      "key 'bad id!' is invalid: node ids are identifiers: letters, digits, _ and -",
    );
  });
});

describe('defineFlow', () => {
  it('throws one CallFlowError listing every problem', () => {
    let caught: unknown;
    try {
      defineFlow({
        name: 'bad',
        start: 'menu',
        nodes: { menu: [gather({ prompt: 'x', routes: { '1': 'menu' }, timeoutSeconds: 999 }), say('')], other: [goto('menu')] },
      });
    } catch (error) {
      caught = error;
    }
    expect(isCallFlowError(caught, 'invalid-flow')).toBe(true);
    const error = caught as CallFlowError;
    expect(error.message).toContain('invalid flow: 2 problems');
    expect(error.message).toContain('nodes.menu[0].timeoutSeconds: 999 is out of range: must be at most 120');
    expect(error.message).toContain('nodes.menu[1].text: text must not be empty');
    expect(formatProblems(error.problems)).toContain("warning: nodes.other: node 'other' is unreachable from 'menu'");
  });
});

describe('parseFlow', () => {
  const yaml = `version: 1
name: hotline
start: menu
nodes:
  menu:
    - type: gather
      prompt:
        - type: say
          text: Press 1 for weather.
      routes:
        "1": weather
  weather:
    - type: say
      text: It is sunny.
`;

  it('parses YAML and JSON into the same flow', () => {
    const fromYaml = parseFlow(yaml);
    const fromJson = parseFlow(JSON.stringify(fromYaml, null, 2));
    expect(fromJson).toEqual(fromYaml);
    expect(fromYaml.nodes.weather).toEqual([{ type: 'say', text: 'It is sunny.' }]);
  });

  it('gives the line of each problem in YAML', () => {
    const broken = yaml.replace('"1": weather', '"1": wether').replace('text: It is sunny.', 'txt: It is sunny.');
    const result = checkFlowSource(broken);
    expect(result.ok).toBe(false);
    expect(result.problems.map((problem) => [problem.path, problem.line])).toEqual([
      ['nodes.weather[0].text', 13],
      ['nodes.weather[0].txt', 14],
      ['nodes.menu[0].routes.1', 11],
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with the line, never a raw exception', () => {
    const syntax = checkFlowSource('version: 1\nname: [unclosed\nstart: menu\n');
    expect(syntax.ok).toBe(false);
    expect(syntax.problems[0]?.message).toMatch(/^YAML: /);
    expect(syntax.problems[0]?.line).toBeGreaterThanOrEqual(2);
    const duplicate = checkFlowSource(yaml.replace('  weather:\n', '  menu:\n'));
    expect(duplicate.problems[0]).toMatchObject({ line: 12 });
    expect(duplicate.problems[0]?.message).toMatch(/YAML: .*(unique|duplicate)/i);
  });

  it('reports JSON syntax errors with the line', () => {
    const result = checkFlowSource('{\n  "version": 1,\n  "name": "x",\n  "start": "menu"\n  "nodes": {}\n}', { format: 'json' });
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ line: 5 });
    expect(result.problems[0]?.message).toMatch(/^JSON: /);
  });

  it('reports duplicate keys in JSON, which JSON.parse would silently drop', () => {
    const result = checkFlowSource('{"version":1,"name":"x","start":"menu","nodes":{"menu":[{"type":"hangup"}],"menu":[]}}', {
      format: 'json',
    });
    expect(result.ok).toBe(false);
    expect(result.problems[0]?.message).toMatch(/unique|duplicate/i);
  });

  it('finds duplicate keys past strings holding quotes, backslashes and colons', () => {
    const tricky = JSON.stringify({ type: 'say', text: 'say "a": \\": b\\' });
    const text = `{"version":1,"name":"x","start":"menu","nodes":{"menu":[${tricky},{"type":"hangup"}],\n  "menu" :\t[]}}`;
    expect(JSON.parse(text).nodes.menu).toEqual([]);
    const result = checkFlowSource(text, { format: 'json' });
    expect(result.ok).toBe(false);
    expect(result.problems[0]?.message).toMatch(/unique|duplicate/i);
    const unique = text.replace('"menu" :', '"other" :');
    expect(checkFlowSource(unique, { format: 'json' }).problems.map((problem) => problem.message)).toEqual([
      "node 'other' is unreachable from 'menu'",
    ]);
  });

  it('throws CallFlowError with the file name', () => {
    expect(() => parseFlow('version: 1\nname: x\nstart: nowhere\nnodes: {}\n', { fileName: 'ivr.yaml' })).toThrow(
      /invalid flow ivr.yaml: 1 problem/,
    );
  });
});
