// docs/reliability.md's table is written from one run of the fault suite: its rows must be the suite's faults, in order,
// each with the figures the suite asserts (so a fault added to the suite without a row, or a row edited by hand, fails).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { faultNames, tableFaults } from './fault-report.js';

const doc = readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8');

describe('docs/reliability.md', () => {
  it("has one table row per fault of the suite, in the suite's order", () => {
    expect(tableFaults(doc)).toEqual([...faultNames]);
  });

  it('states the seed of the run the table comes from', () => {
    expect(doc).toMatch(/FAULT_SEED=\d+/);
  });

  it('shows the target figures on every row: nothing lost, nothing applied twice, no queue-order violation', () => {
    const lines = doc.split('\n');
    const start = lines.findIndex((line) => line.startsWith('| fault | calls placed |'));
    for (const line of lines
      .slice(start + 2)
      .filter((_line, index, rest) => rest.slice(0, index + 1).every((row) => row.startsWith('|')))) {
      const [, fault, placed, completed, apology, lost, duplicated, violations] = line.split('|').map((cell) => cell.trim());
      expect(Number(completed) + Number(apology), fault).toBe(Number(placed));
      expect(lost, fault).toBe('0');
      expect(duplicated, fault).toBe('0');
      expect(['0', '–'], fault).toContain(violations);
    }
  });
});
