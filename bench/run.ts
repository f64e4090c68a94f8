import { arch, cpus, totalmem } from 'node:os';
import type { BenchRow } from './harness.js';

const suites = ['core', 'twilio', 'vonage', 'telnyx', 'http'] as const;

function format(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  console.log(`callflow bench: ${new Date().toISOString()} · node ${process.version} · ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length} · ${arch()} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  const rows: BenchRow[] = [];
  for (const suite of suites) {
    if (only.length && !only.includes(suite)) continue;
    let module: { run?: () => Promise<BenchRow[]> };
    try {
      module = (await import(`./${suite}.ts`)) as { run?: () => Promise<BenchRow[]> };
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`${suite}.ts`)) continue;
      throw error;
    }
    if (!module.run) continue;
    const started = Date.now();
    rows.push(...(await module.run()));
    console.error(`  ${suite}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const table = rows.map((row) => ({
    benchmark: row.name,
    callflow: `${format(row.value)} ${row.unit}`,
    baseline: row.baseline === undefined ? '' : `${format(row.baseline)} ${row.unit} (${row.baselineName ?? 'SDK'})`,
    ratio: row.baseline === undefined ? '' : ratioText(row),
    target: row.target ?? '',
    note: row.note ?? '',
  }));
  console.table(table);
}

/** "12.3x faster" / "0.8x" in the direction that reads naturally for the unit. */
function ratioText(row: BenchRow): string {
  const higherIsBetter = row.unit === 'req/s' || row.unit === 'ops/s';
  const ratio = higherIsBetter ? row.value / row.baseline! : row.baseline! / row.value;
  const better = row.unit === 'KiB' || row.unit === 'count' ? 'smaller' : 'faster';
  return `${ratio.toFixed(1)}x ${ratio >= 1 ? better : `(${better} is baseline)`}`;
}

await main();
