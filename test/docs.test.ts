import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capabilityMatrix } from '../scripts/capability-matrix.js';
import { stepGoldens, stepPages } from '../scripts/step-pages.js';

const onDisk = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('generated docs are current', () => {
  it('docs/capabilities.md matches the adapters', () => {
    expect(onDisk('docs/capabilities.md'), 'run `npx tsx scripts/capability-matrix.ts --write`').toBe(capabilityMatrix());
  });

  it('every step renders as its golden TwiML, NCCO and Telnyx commands, and docs/steps embeds them', async () => {
    const goldens = await stepGoldens();
    expect(goldens.size).toBe(48);
    for (const [path, content] of goldens)
      expect(onDisk(path), `${path}: review the diff, then run \`npx tsx scripts/step-pages.ts --write\``).toBe(content);
    for (const [path, content] of stepPages(goldens)) expect(onDisk(path), path).toBe(content);
  });
});
