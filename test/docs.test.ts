import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capabilityMatrix } from '../scripts/capability-matrix.js';

describe('generated docs are current', () => {
  it('docs/capabilities.md matches the adapters', () => {
    const onDisk = readFileSync(new URL('../docs/capabilities.md', import.meta.url), 'utf8');
    expect(onDisk, 'run `npx tsx scripts/capability-matrix.ts --write`').toBe(capabilityMatrix());
  });
});
