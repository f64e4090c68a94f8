import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { lineOf } from '../src/ir/parse-flow.js';
import { lineOfPath, parsePlainYaml } from '../src/ir/parse-plain-yaml.js';
import { checkFlowSource } from '../src/index.js';
import { seededRandom as random } from '../../../test/seeded-random.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** What the yaml package makes of the text, with the options parseFlow gives it; `undefined` when it reports anything. */
function reference(text: string): { value: unknown } | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  if (document.errors.length || document.warnings.length) return undefined;
  return { value: document.toJS({ maxAliasCount: 100 }) };
}

/** The fast reader either declines, or returns exactly what the yaml package returns (and the yaml package finds nothing wrong). */
function expectAgreement(text: string): 'fast' | 'declined' {
  const fast = parsePlainYaml(text);
  if (fast === undefined) return 'declined';
  const expected = reference(text);
  expect(expected, `yaml refuses what the fast reader took:\n${text}`).toBeDefined();
  expect(fast.value, text).toStrictEqual(expected!.value);
  return 'fast';
}

/** Every key and list index in a value, as problem paths print them. */
function pathsOf(value: unknown, prefix = '', out: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const path = `${prefix}[${index}]`;
      out.push(path);
      pathsOf(item, path, out);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      out.push(path);
      pathsOf(item, path, out);
    }
  }
  return out;
}

const repoYaml = execFileSync('git', ['ls-files', '*.yaml', '*.yml'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((file) => file !== '' && !file.startsWith('.github/') && !file.includes('pnpm-lock'));
const docBlocks = [...readFileSync(`${root}docs/flow-format.md`, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);

const sample = `# a flow
version: 1
name: sample
start: menu
defaults: { voice: Polly.Joanna, language: en-US }
schedules:
  office:
    timezone: America/New_York
    weekly:
      weekdays: ["09:00-12:00", '13:00-17:00']   # two ranges
      sat: closed
    closures:
      - { date: "2026-12-25", name: Christmas Day }
nodes:
  menu:
    - type: gather
      prompt: [{ type: say, text: "Press 1 for sales, 2 for \\"support\\"." }]
      numDigits: 1
      timeoutSeconds: 4.5
      routes: { "1": sales, '2': support }
      attempts: 3
  sales:
  - type: transfer
    to: "+14155550100"
    ringSeconds: 20
    record: true
  support:
    -
      type: say
      text: It's fine
    - { type: hangup }
`;

describe('the plain YAML reader', () => {
  it('reads every flow file in the repository and the YAML in the docs, exactly as the yaml package does', () => {
    expect(repoYaml.length).toBeGreaterThan(2);
    for (const file of repoYaml) expect(expectAgreement(readFileSync(`${root}${file}`, 'utf8')), file).toBe('fast');
    expect(docBlocks.length).toBeGreaterThan(0);
    for (const block of docBlocks) expect(expectAgreement(block), block).toBe('fast');
    expect(expectAgreement(sample)).toBe('fast');
  });

  it('declines, or agrees with the yaml package, on YAML outside the subset and on edge cases', () => {
    const cases = [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  text\n',
      'a: >\n  folded\n',
      'a: plain\n  continued\n',
      'a: 1\na: 2\n',
      'a: b: c\n',
      'a: 0x1F\n',
      'a: 0o17\n',
      'a: .inf\n',
      'a: -.Inf\n',
      'a: .nan\n',
      'a: 1e3\n',
      'a: +1\n',
      'a: -0\n',
      'a: 007\n',
      'a: 1_000\n',
      'a: 1.\n',
      'a: .5\n',
      'a: 12345678901234567890\n',
      'a: yes\n',
      'a: True\n',
      'a: FALSE\n',
      'a: ~\n',
      'a:\n',
      'a: null\n',
      'a: Null # c\n',
      'a: "x\\u00e9\\n"\n',
      'a: "\\ud83d\\ude00"\n',
      "a: 'it''s'\n",
      'a: "a\\"b"\n',
      'a: "unclosed\n',
      "a: 'unclosed\n",
      'a: 1\r\nb: 2\r\n',
      'a: 1\rb: 2\n',
      'a:\t1\n',
      '\ta: 1\n',
      'a: [1, 2,]\n',
      'a: [1, , 2]\n',
      'a: [x: y]\n',
      'a: {x:y}\n',
      'a: {x: }\n',
      'a: { x: [1, { y: z }] }\n',
      'a: {x: 1, x: 2}\n',
      'a: [1, 2\n',
      'null: 1\n',
      'true: 1\n',
      '1: a\n',
      '01: a\n',
      '1.5: a\n',
      '? a\n: b\n',
      '---\na: 1\n',
      'a: 1\n...\n',
      '%YAML 1.2\n---\na: 1\n',
      '\ufeffa: 1\n',
      `${'k'.repeat(1100)}: 1\n`,
      'a: b #c\n',
      'a: b#c\n',
      'a: "b"#c\n',
      'a: "b" c\n',
      'a: [b] c\n',
      '- a\n- b\n',
      'a:\n- b\n- c\n',
      'a:\n  - b\n - c\n',
      'a:\n  b: 1\n c: 2\n',
      'a: - b\n',
      '- - a\n',
      'a:\n  -\n  - b\n',
      '__proto__: 1\n',
      '<<: 1\n',
      'a: @b\n',
      'a: `b`\n',
      'a: %b\n',
      'a: ? b\n',
      'a: :b\n',
      'a: -b\n',
      'a: - \n',
      '"a": 1\n',
      "'a': 1\n",
      '"a" : 1\n',
      '"a":1\n',
      'a: "x": 1\n',
      'a: {"x":1}\n',
      "a: {'x': 1}\n",
      'a: [\'x\', "y"]\n',
      'a:   spaced   \n',
      'a: 1 # c\n# end\n',
      'a: b\n   # comment at any indent\nc: d\n',
      'a: x\u0001y\n',
      'a: "x\ty"\n',
      'a: [a, b] # c\n',
      'a: {b: c} #c\n',
      'a: {b: c}#c\n',
      '',
      '# only a comment\n',
      'just text\n',
      'a:\n    - b: 1\n      c: 2\n    - d\n',
      'a:\n  - b: 1\n   c: 2\n',
      'a: [{b: c}, {d: e}]\n',
      'a: {b: [c, d], e: {f: g}}\n',
      'a: "\\x41"\n',
      'a: "\\/"\n',
    ];
    const verdicts = cases.map(expectAgreement);
    // The subset is wide enough to matter: the plain forms above are read, not all declined.
    expect(verdicts.filter((verdict) => verdict === 'fast').length).toBeGreaterThan(30);
  });

  it('declines, or agrees, on thousands of texts mutated from flow files', () => {
    const next = random(20261201);
    const pieces = [
      ':',
      ': ',
      ' ',
      '  ',
      '-',
      '- ',
      '#',
      ' #',
      '"',
      "'",
      '{',
      '}',
      '[',
      ']',
      ',',
      '\n',
      '\n  ',
      '\t',
      '&a',
      '*a',
      '!',
      '|',
      '>',
      '?',
      '0',
      '.',
      '1e',
      '~',
      'x',
      '\\',
      '\r',
    ];
    let fast = 0;
    const seeds = [sample, ...docBlocks];
    for (let run = 0; run < 3000; run++) {
      let text = seeds[run % seeds.length]!;
      const edits = 1 + Math.floor(next() * 3);
      for (let edit = 0; edit < edits; edit++) {
        const at = Math.floor(next() * text.length);
        const cut = next() < 0.5 ? Math.floor(next() * 3) : 0;
        const piece = next() < 0.8 ? pieces[Math.floor(next() * pieces.length)]! : '';
        text = text.slice(0, at) + piece + text.slice(at + cut);
      }
      if (expectAgreement(text) === 'fast') fast++;
    }
    expect(fast).toBeGreaterThan(300);
  }, 60_000);

  it('reads what the yaml package writes, in its several styles', () => {
    const next = random(7);
    const flow = reference(sample)!.value;
    const styles = [
      {},
      { indentSeq: false },
      { defaultStringType: 'QUOTE_DOUBLE' as const },
      { defaultStringType: 'QUOTE_SINGLE' as const, defaultKeyType: 'PLAIN' as const },
      { indent: 4 },
    ];
    for (const style of styles) expect(expectAgreement(stringify(flow, style)), JSON.stringify(style)).toBe('fast');
    // Each node written as one-line flow collections, as hand-written files often are.
    const nodes = (flow as { nodes: Record<string, unknown[]> }).nodes;
    const oneLine = Object.entries(nodes)
      .map(
        ([id, steps]) =>
          `  ${id}:\n${steps.map((item) => `    - ${stringify(item, { collectionStyle: 'flow', lineWidth: 0 }).trim()}`).join('\n')}`,
      )
      .join('\n');
    expect(expectAgreement(`version: 1\nname: one-line\nstart: menu\nnodes:\n${oneLine}\n`)).toBe('fast');
    // Odd text values round-trip too (the writer quotes what needs quoting).
    const odd = [
      'yes',
      'null',
      '1',
      '1.0',
      '-',
      '- a',
      'a: b',
      'a #b',
      '#',
      "it's",
      '"q"',
      ' lead',
      'trail ',
      'x,y',
      '[a]',
      '{a}',
      'é',
      '😀',
      '',
      '0x1',
      '@at',
      'a\\b',
    ];
    for (let run = 0; run < 200; run++) {
      const value = {
        version: 1,
        name: odd[Math.floor(next() * odd.length)],
        nodes: { [odd[Math.floor(next() * odd.length)]!]: [{ text: odd[Math.floor(next() * odd.length)] }] },
      };
      for (const style of styles) expectAgreement(stringify(value, style));
    }
  });

  it('places every key and item on the line the yaml package gives it', () => {
    const texts = [
      sample,
      ...repoYaml.map((file) => readFileSync(`${root}${file}`, 'utf8')),
      stringify(reference(sample)!.value, { indentSeq: false }),
    ];
    for (const text of texts) {
      const located = parsePlainYaml(text, true)!;
      const lineCounter = new LineCounter();
      const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
      const paths = pathsOf(located.value);
      expect(paths.length).toBeGreaterThan(10);
      for (const path of paths) expect(lineOfPath(located, path), path).toBe(lineOf(document, lineCounter, path));
    }
  });

  it('gives checkFlowSource the same problems and lines whether or not the text is plain YAML', () => {
    const broken = sample
      .replace('numDigits: 1', 'numDigits: 200')
      .replace('ringSeconds: 20', 'ringSecs: 20')
      .replace("text: It's fine", 'txt: fine');
    const plain = checkFlowSource(broken);
    expect(parsePlainYaml(broken)).toBeDefined();
    // An anchor puts the same flow outside the subset, so it takes the yaml package's path.
    const anchored = broken.replace('name: sample', 'name: &n sample');
    expect(parsePlainYaml(anchored)).toBeUndefined();
    expect(plain.problems.length).toBeGreaterThan(3);
    expect(plain).toEqual(checkFlowSource(anchored));
  });
});
