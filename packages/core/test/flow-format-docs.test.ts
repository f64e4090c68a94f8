import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isOptional, type Field, type Fields } from '../src/ir/field-kinds.js';
import { commonStepFields, flowFields, stepFieldTable } from '../src/ir/flow-fields.js';

// docs/flow-format.md is written by hand; this holds its field tables to the field table the validator runs on,
// so a field added to one and not the other fails here (names, required or not, and number ranges).

const page = readFileSync(fileURLToPath(new URL('../../../docs/flow-format.md', import.meta.url)), 'utf8');

interface Row {
  name: string;
  type: string;
  defaultValue: string;
}

/** The rows of the first table after a heading that starts with `heading`. */
function tableAfter(heading: string): Row[] {
  const start = page.indexOf(`\n${heading}`);
  expect(start, heading).toBeGreaterThan(-1);
  const lines = page.slice(start).split('\n').slice(2);
  const rows: Row[] = [];
  let inTable = false;
  for (const line of lines) {
    if (line.startsWith('#')) break;
    if (!line.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim());
    const name = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    if (name) rows.push({ name, type: cells[1] ?? '', defaultValue: cells[2] ?? '' });
  }
  return rows;
}

/** The documented names a table's fields should have: `speech.language` for the fields of an object documented one by one. */
function expectRowsMatch(rows: Row[], fields: Fields, where: string): void {
  const documented = new Map(rows.map((row) => [row.name, row]));
  const expected = new Set<string>();
  for (const [name, field] of Object.entries(fields)) {
    const nested = field.kind === 'object' ? Object.keys(field.fields).map((key) => `${name}.${key}`) : [];
    const names = documented.has(name) || nested.length === 0 ? [name] : nested;
    for (const documentedName of names) {
      expected.add(documentedName);
      const row = documented.get(documentedName);
      expect(row, `${where}: field '${documentedName}' has no row in docs/flow-format.md`).toBeDefined();
      const described =
        documentedName === name ? field : (field as Extract<Field, { kind: 'object' }>).fields[documentedName.slice(name.length + 1)]!;
      checkRow(row!, described, `${where}.${documentedName}`);
    }
  }
  for (const name of documented.keys())
    expect(expected.has(name), `${where}: docs/flow-format.md documents '${name}', which the field table does not know`).toBe(true);
}

function checkRow(row: Row, field: Field, where: string): void {
  if (field.kind === 'number') expect(row.type, where).toContain(`${field.integer ? 'integer' : 'number'} ${field.min}–${field.max}`);
  if (field.kind === 'string' && field.ref === 'node') expect(row.type, where).toMatch(/^node( id)?$/);
  if (field.kind === 'boolean') expect(row.type, where).toBe('boolean');
  // Step tables say `required` in their default column; the top-level table has a yes/no column.
  const required = row.defaultValue === 'required' || row.defaultValue.startsWith('yes');
  expect(required, `${where}: required in the docs iff the field table requires it`).toBe(!isOptional(field));
}

describe('docs/flow-format.md', () => {
  it('has a row for each field of each waiting and media step, with its range, and none the table lacks', () => {
    for (const kind of ['say', 'play', 'pause', 'gather', 'record', 'transfer', 'enqueue', 'conference'] as const) {
      expectRowsMatch(tableAfter(`### \`${kind}\``), stepFieldTable[kind], kind);
    }
  });

  it('lists the fields of the steps that move the call, optional ones marked', () => {
    const rows = page
      .slice(page.indexOf('## Steps that move the call'))
      .split('\n')
      .filter((line) => /^\| `(goto|hangup|reject|hours)` \|/.test(line));
    expect(rows).toHaveLength(4);
    for (const line of rows) {
      const [, kind, fields] = /^\| `(\w+)` \| ([^|]*) \|/.exec(line)!;
      const documented = [...fields!.matchAll(/`(\w+)(\?)?`/g)].map((match) => `${match[1]}${match[2] ?? ''}`);
      const table = Object.entries(stepFieldTable[kind as 'goto' | 'hangup' | 'reject' | 'hours']).map(
        ([name, field]) => `${name}${isOptional(field) ? '?' : ''}`,
      );
      expect(documented, kind).toEqual(table);
    }
  });

  it('documents the top-level fields and the fields every step accepts', () => {
    const { nodes, ...rest } = flowFields;
    expectRowsMatch(
      tableAfter('## Top level').filter((row) => row.name !== 'nodes'),
      rest,
      'flow',
    );
    expect(nodes.kind).toBe('record');
    const common = page.slice(page.indexOf('Every step also accepts'), page.indexOf('## Steps that play'));
    expect([...common.matchAll(/`(\w+)`\s+\(/g)].map((match) => match[1])).toEqual(Object.keys(commonStepFields));
  });
});
