// Draws the example flows as SVG and PNG into docs/images (run: npx tsx scripts/draw-flow-pictures.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseFlow, validateFlow, type Flow } from '@callflow/core';
import { phoneTree } from '../examples/flows/src/index.js';
import { svgToPng } from '../packages/cli/src/diagram-command.js';
import { flowGraph } from '../packages/cli/src/flow-graph.js';
import { renderFlowSvg } from '../packages/cli/src/render-flow-svg.js';

const flows: Array<[string, Flow]> = [
  ['phone-tree', phoneTree],
  ['config-ivr', parseFlow(readFileSync(new URL('../examples/config-ivr/ivr.yaml', import.meta.url), 'utf8'))],
];
const folder = new URL('../docs/images/', import.meta.url);
mkdirSync(folder, { recursive: true });
for (const [name, flow] of flows) {
  const svg = renderFlowSvg(flowGraph(flow, validateFlow(flow).problems));
  writeFileSync(new URL(`flow-${name}.svg`, folder), svg);
  writeFileSync(new URL(`flow-${name}.png`, folder), await svgToPng(svg));
  console.log(`docs/images/flow-${name}.svg, .png`);
}
