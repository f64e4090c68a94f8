import { writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './harness.js';

/** Suite name → module and the function that runs it (all in this process tree; servers run as child processes). */
const suites: ReadonlyArray<{ name: string; file: string; run: string }> = [
  { name: 'core', file: 'core.ts', run: 'run' },
  { name: 'twilio', file: 'twilio.ts', run: 'run' },
  { name: 'vonage', file: 'vonage.ts', run: 'run' },
  { name: 'telnyx', file: 'telnyx.ts', run: 'run' },
  { name: 'reply-path', file: 'reply-path.ts', run: 'run' },
  { name: 'state', file: 'state.ts', run: 'run' },
  { name: 'scale', file: 'http.ts', run: 'runScale' },
  { name: 'http', file: 'http.ts', run: 'run' },
  { name: 'cold-start', file: 'cold-start.ts', run: 'run' },
  { name: 'size', file: 'size.ts', run: 'run' },
  { name: 'dev-console', file: 'dev-console.ts', run: 'run' },
];

function format(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

let startLoad = '';

function machine(): string {
  return `node ${process.version} · ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length} · ${arch()} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !suites.some((suite) => suite.name === name));
  if (unknown.length) throw new Error(`unknown suite(s) ${unknown.join(', ')}; suites: ${suites.map((suite) => suite.name).join(', ')}`);
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  startLoad = loadavg()[0]!.toFixed(1);
  console.log(`callflow bench: ${new Date().toISOString()} · ${machine()} · load ${load()}`);
  const rows: BenchRow[] = [];
  for (const suite of suites) {
    if (only.length && !only.includes(suite.name)) continue;
    let module: Record<string, unknown>;
    try {
      module = (await import(`./${suite.file}`)) as Record<string, unknown>;
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(suite.file)) continue;
      throw error;
    }
    const runSuite = module[suite.run] as (() => Promise<BenchRow[]>) | undefined;
    if (!runSuite) continue;
    const started = Date.now();
    rows.push(...(await runSuite()));
    console.error(`  ${suite.name}: ${((Date.now() - started) / 1000).toFixed(1)} s · load ${load()}`);
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
  await saveResults(rows);
}

/** Saves the rows and the raw http / cold-start results as JSON, and redraws docs/performance.svg when both ran. */
async function saveResults(rows: BenchRow[]): Promise<void> {
  const { lastHttpResults } = (await import('./http.js')) as typeof import('./http.js');
  const { lastColdStart } = (await import('./cold-start.js')) as typeof import('./cold-start.js');
  const caption = `measured ${new Date().toISOString().slice(0, 10)} · ${machine()} · load average at start ${startLoad} (2 cores shared with other work) · npm run bench`;
  const path = process.env.BENCH_RESULTS ?? join(tmpdir(), 'callflow-bench-results.json');
  writeFileSync(path, JSON.stringify({ caption, rows, http: lastHttpResults, cold: lastColdStart }, null, 2));
  console.error(`  results: ${path}`);
  if (lastHttpResults.length && lastColdStart) {
    const { renderChart } = await import('./chart.js');
    const svg = fileURLToPath(new URL('../docs/performance.svg', import.meta.url));
    writeFileSync(svg, renderChart({ http: lastHttpResults, cold: lastColdStart, caption }));
    console.error(`  chart: ${svg}`);
  }
}

/** "12.3x faster" / "0.8x" in the direction that reads naturally for the unit. */
function ratioText(row: BenchRow): string {
  const higherIsBetter = row.unit === 'req/s' || row.unit === 'ops/s';
  const ratio = higherIsBetter ? row.value / row.baseline! : row.baseline! / row.value;
  const better = row.unit === 'KiB' || row.unit === 'count' ? 'smaller' : 'faster';
  return `${ratio.toFixed(1)}x ${ratio >= 1 ? better : `(${better} is baseline)`}`;
}

await main();
