import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import type { BenchRow } from './harness.js';

/** A 200-node flow: each node a menu routing to the next two, silence ending the call. */
export function manyNodeFlow(count: number): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  for (let index = 0; index < count; index++) {
    const next = (offset: number) => (index + offset < count ? `node_${index + offset}` : 'goodbye');
    nodes[`node_${index}`] = [
      { type: 'say', text: `This is menu ${index}.` },
      {
        type: 'gather',
        prompt: [{ type: 'say', text: 'Press 1 or 2.' }],
        numDigits: 1,
        routes: { '1': next(1), '2': next(2) },
        onNoInput: 'goodbye',
        onExhausted: 'goodbye',
      },
    ];
  }
  nodes.goodbye = [{ type: 'say', text: 'Goodbye.' }, { type: 'hangup' }];
  return { version: 1, name: `flow-${count}`, start: 'node_0', nodes };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * The dev console's first paint for a 200-node flow in the system's Chromium: server-side load + layout + SVG (once per
 * save), then per page load the first contentful paint and the moment the whole graph is in the page (median of 7 loads).
 */
export async function run(): Promise<BenchRow[]> {
  const chromium = process.env.CALLFLOW_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    console.error(`  dev-console: skipped, no Chromium at ${chromium} (apt-get install chromium)`);
    return [];
  }
  const { startDevServer } = await import('../packages/cli/src/dev/dev-server.js');
  const { launchChromium } = await import('../packages/cli/test/chromium.js');
  const flowPath = join(mkdtempSync(join(tmpdir(), 'callflow-bench-dev-')), 'flow-200.yaml');
  writeFileSync(flowPath, stringify(manyNodeFlow(199)));
  const started = performance.now();
  const server = await startDevServer({ flowPath });
  const serverMs = performance.now() - started;
  const browser = await launchChromium({ width: 1280, height: 800 });
  const paints: number[] = [];
  const graphs: number[] = [];
  try {
    for (let load = 0; load < 8; load++) {
      const page = await browser.context.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.querySelectorAll('#graph g.cf-node').length === 200, undefined, { timeout: 30_000 });
      const timing = await page.evaluate(() => {
        const paint = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN;
        return { paint, graph: performance.now() };
      });
      await page.close();
      if (load === 0) continue; // the first load warms Chromium's caches
      paints.push(timing.paint);
      graphs.push(timing.graph);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return [
    { name: 'dev console: load + lay out + draw a 200-node flow (server, per save)', value: serverMs, unit: 'ms' },
    { name: 'dev console: first contentful paint, 200-node flow (Chromium)', value: median(paints), unit: 'ms', target: '≤1000 ms' },
    { name: 'dev console: whole 200-node graph in the page (Chromium)', value: median(graphs), unit: 'ms', target: '≤1000 ms' },
  ];
}
