import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { providerNames } from '../packages/core/src/providers/provider-registry.js';
import type { ColdStartMeasurement } from './cold-start.js';
import type { BenchRow } from './harness.js';
import type { HttpResult } from './http.js';

/** What the chart draws: the http and cold-start suites' raw results, with when and where they were measured. */
export interface ChartData {
  http: HttpResult[];
  cold?: ColdStartMeasurement;
  /** e.g. "2026-11-21 · AMD EPYC … ×2 · node v20.20.2" */
  caption: string;
}

const providers = providerNames;
const colours = { ours: '#2b6cb0', oursExpress: '#63b3ed', baseline: '#a0aec0', floor: '#e2e8f0' };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

interface Bar {
  label: string;
  value: number;
  colour: string;
}

/** One panel of grouped vertical bars with a value on each. */
function panel(
  x: number,
  y: number,
  width: number,
  height: number,
  title: string,
  unit: string,
  groups: Array<{ name: string; bars: Bar[] }>,
): string {
  const max = niceMax(Math.max(1, ...groups.flatMap((group) => group.bars.map((bar) => bar.value))));
  const plotTop = y + 34;
  const plotHeight = height - 34 - 40;
  const plotLeft = x + 48;
  const plotWidth = width - 56;
  const parts: string[] = [
    `<text x="${x + width / 2}" y="${y + 16}" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const value = (max / 4) * tick;
    const ty = plotTop + plotHeight - (plotHeight * tick) / 4;
    parts.push(`<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${ty}" y2="${ty}" stroke="#edf2f7"/>`);
    parts.push(
      `<text x="${plotLeft - 6}" y="${ty + 4}" text-anchor="end" font-size="10" fill="#4a5568">${value >= 1000 ? `${value / 1000}k` : value}</text>`,
    );
  }
  parts.push(
    `<text x="${x + 10}" y="${plotTop + plotHeight / 2}" font-size="10" fill="#4a5568" transform="rotate(-90 ${x + 10} ${plotTop + plotHeight / 2})" text-anchor="middle">${escape(unit)}</text>`,
  );
  const groupWidth = plotWidth / groups.length;
  groups.forEach((group, groupIndex) => {
    const barWidth = Math.min(34, (groupWidth - 16) / group.bars.length);
    const start = plotLeft + groupIndex * groupWidth + (groupWidth - barWidth * group.bars.length) / 2;
    group.bars.forEach((bar, barIndex) => {
      const barHeight = (plotHeight * bar.value) / max;
      const bx = start + barIndex * barWidth;
      const by = plotTop + plotHeight - barHeight;
      parts.push(
        `<rect x="${bx + 1}" y="${by}" width="${barWidth - 2}" height="${barHeight}" fill="${bar.colour}"><title>${escape(`${group.name}, ${bar.label}: ${Math.round(bar.value)} ${unit}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${bx + barWidth / 2}" y="${by - 3}" text-anchor="middle" font-size="9" fill="#1a202c">${Math.round(bar.value)}</text>`,
      );
    });
    parts.push(
      `<text x="${plotLeft + groupIndex * groupWidth + groupWidth / 2}" y="${plotTop + plotHeight + 16}" text-anchor="middle" font-size="12">${escape(group.name)}</text>`,
    );
  });
  parts.push(
    `<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${plotTop + plotHeight}" y2="${plotTop + plotHeight}" stroke="#4a5568"/>`,
  );
  return parts.join('\n');
}

function legend(x: number, y: number, items: Array<[string, string]>): string {
  let offset = x;
  return items
    .map(([colour, label]) => {
      const out = `<rect x="${offset}" y="${y - 9}" width="10" height="10" fill="${colour}"/><text x="${offset + 14}" y="${y}" font-size="11">${escape(label)}</text>`;
      offset += 24 + label.length * 6;
      return out;
    })
    .join('\n');
}

/** The SVG for docs/performance.svg: requests/s per provider (ours on node:http, in Express, the seed-style baseline) and cold start. */
export function renderChart(data: ChartData): string {
  const width = 900;
  const height = 380;
  const find = (provider: string, target: HttpResult['target']) =>
    data.http.find((result) => result.provider === provider && result.target === target)?.load.requestsPerSecond ?? 0;
  const http = panel(
    0,
    10,
    470,
    300,
    'Phone-tree menu webhook under load',
    'requests/s (higher is better)',
    providers.map((provider) => ({
      name: provider,
      bars: [
        // Telnyx: with the built-in Call Control client, as recommended (the SDK-client figures are in the table).
        {
          label: 'callflow, node:http',
          value: find(provider, provider === 'telnyx' ? 'callflow node:http, built-in client' : 'callflow node:http'),
          colour: colours.ours,
        },
        {
          label: 'callflow in Express',
          value: find(provider, provider === 'telnyx' ? 'callflow in Express, built-in client' : 'callflow in Express'),
          colour: colours.oursExpress,
        },
        { label: 'seed-style Express + SDK', value: find(provider, 'seed-style Express + SDK'), colour: colours.baseline },
        // The floor: node:http answering a fixed document, measured in the same rotation (Twilio's when a provider has none).
        {
          label: 'bare node:http (floor)',
          value: find(provider, 'ceiling: node:http, no webhook work') || find('twilio', 'ceiling: node:http, no webhook work'),
          colour: colours.floor,
        },
      ],
    })),
  );
  const cold = data.cold
    ? panel(
        480,
        10,
        420,
        300,
        'Cold start: fresh process → one webhook',
        'ms, whole process (lower is better)',
        providers.map((provider) => ({
          name: provider,
          bars: [
            {
              label: 'callflow',
              value:
                data.cold!.results.find(
                  (result) =>
                    result.provider === provider && result.side === (provider === 'telnyx' ? 'callflow, built-in client' : 'callflow'),
                )?.wallMs ?? 0,
              colour: colours.ours,
            },
            {
              label: 'seed-style SDK',
              value: data.cold!.results.find((result) => result.provider === provider && result.side === 'seed-style SDK')?.wallMs ?? 0,
              colour: colours.baseline,
            },
            {
              label: 'bare node (floor)',
              value:
                data.cold!.results.find((result) => result.provider === provider && result.side === 'bare node')?.wallMs ??
                data.cold!.nodeFloorMs,
              colour: colours.floor,
            },
          ],
        })),
      )
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<rect width="${width}" height="${height}" fill="#ffffff"/>
${http}
${cold}
${legend(20, 334, [
  [colours.ours, 'callflow, node:http'],
  [colours.oursExpress, 'callflow in Express'],
  [colours.baseline, 'seed-style: Express/SDK'],
  [colours.floor, 'floor: bare node:http / bare node'],
])}
<text x="20" y="362" font-size="10" fill="#4a5568">${escape(`${data.caption} · Telnyx: callflow with its built-in Call Control client`)}</text>
</svg>
`;
}

function figure(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The rows as a Markdown table (for docs/performance.md): figure, baseline and ratio, target, note. */
export function renderTable(rows: readonly BenchRow[]): string {
  const lines = ['| benchmark | callflow | baseline | ratio | target |', '|---|---:|---:|---:|---|'];
  for (const row of rows) {
    const higherIsBetter = row.unit === 'req/s' || row.unit === 'ops/s';
    // autocannon reports latency in whole milliseconds: 0 means under 1 ms, and no ratio can be taken.
    const shown = (value: number) => (value === 0 && row.unit === 'ms' ? '< 1 ms' : `${figure(value)} ${row.unit}`);
    const ratio =
      row.baseline === undefined || row.value === 0 || row.baseline === 0
        ? ''
        : `${(higherIsBetter ? row.value / row.baseline : row.baseline / row.value).toFixed(2)}x`;
    const baseline = row.baseline === undefined ? '' : shown(row.baseline);
    lines.push(`| ${row.name} | ${shown(row.value)} | ${baseline} | ${ratio} | ${row.target ?? ''} |`);
  }
  return lines.join('\n');
}

/**
 * `npx tsx bench/chart.ts <results.json> [out.svg]`: redraws the chart from the JSON that `npm run bench` saves;
 * with `--markdown <prefix>` prints the rows whose name starts with the prefix as a Markdown table instead.
 */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const markdown = args.indexOf('--markdown');
  const [input, output = fileURLToPath(new URL('../docs/performance.svg', import.meta.url))] = args.filter(
    (_, index) => markdown === -1 || (index !== markdown && index !== markdown + 1),
  );
  if (!input) throw new Error('usage: tsx bench/chart.ts <results.json> [out.svg] [--markdown <name prefix>]');
  const data = JSON.parse(readFileSync(input, 'utf8')) as ChartData & { rows: BenchRow[] };
  if (markdown !== -1) {
    console.log(renderTable(data.rows.filter((row) => row.name.startsWith(args[markdown + 1] ?? ''))));
  } else {
    writeFileSync(output, renderChart(data));
    console.log(`wrote ${output}`);
  }
}
