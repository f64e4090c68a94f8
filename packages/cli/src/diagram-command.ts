import { writeFile } from 'node:fs/promises';
import { CallFlowError, formatProblems } from '@callflow/core';
import type { CommandResult } from './cli.js';
import { diagramFlow } from './diagram-flow.js';
import { flowGraph } from './flow-graph.js';
import { loadFlow } from './load-flow.js';
import { renderFlowSvg } from './render-flow-svg.js';

const formats = ['mermaid', 'svg', 'png'] as const;

/** An SVG drawn as PNG pixels with resvg (its prebuilt native binary from npm), at twice the size for sharp text. */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch (error) {
    throw new CallFlowError(
      'invalid-flow',
      `--format png needs @resvg/resvg-js with its binary for ${process.platform}-${process.arch} (${error instanceof Error ? error.message : String(error)}); --format svg needs nothing`,
      { cause: error },
    );
  }
  const renderer = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans Mono', monospaceFamily: 'DejaVu Sans Mono' },
    background: '#ffffff',
  });
  return renderer.render().asPng();
}

/** `callflow diagram <flow> [--format mermaid|svg|png] [--output file]`: Mermaid text by default, or a laid-out picture. */
export async function diagramCommand(flowPath: string, options: Record<string, string | boolean | undefined>): Promise<CommandResult> {
  const format = typeof options.format === 'string' ? options.format : 'mermaid';
  if (!(formats as readonly string[]).includes(format))
    return { code: 2, stdout: '', stderr: `callflow diagram: unknown --format '${format}' (mermaid, svg or png)\n` };
  const output = typeof options.output === 'string' ? options.output : undefined;
  if (format === 'png' && !output) return { code: 2, stdout: '', stderr: 'callflow diagram: --format png needs --output FILE.png\n' };
  const result = await loadFlow(flowPath);
  if (!result.ok || !result.flow) return { code: 1, stdout: '', stderr: `${formatProblems(result.problems)}\n` };
  const warnings = result.problems.length ? `${formatProblems(result.problems)}\n` : '';
  let content: string | Uint8Array;
  if (format === 'mermaid') content = diagramFlow(result.flow, result.problems);
  else {
    const svg = renderFlowSvg(flowGraph(result.flow, result.problems));
    content = format === 'svg' ? svg : await svgToPng(svg);
  }
  if (!output) return { code: 0, stdout: content as string, stderr: warnings };
  await writeFile(output, content);
  return { code: 0, stdout: '', stderr: `${warnings}wrote ${output}\n` };
}
