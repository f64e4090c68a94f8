import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { validateFlow, type Flow } from '@callflow/core';
import { runCli } from '../src/index.js';
import { flowGraph } from '../src/flow-graph.js';
import { layoutFlowGraph, renderFlowSvg } from '../src/render-flow-svg.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function parseSvg(svg: string): Document {
  const { window } = new JSDOM('');
  const document = new window.DOMParser().parseFromString(svg, 'image/svg+xml');
  expect(document.getElementsByTagName('parsererror')).toHaveLength(0);
  return document;
}

const flow = {
  version: 1,
  name: 'svg <test>',
  start: 'start',
  nodes: {
    start: [{ type: 'gather', prompt: [{ type: 'say', text: 'Press 1 & 2' }], routes: { '1': 'end', '2': 'a-b' }, onNoInput: 'end' }],
    end: [{ type: 'say', text: 'Bye "friend" <3' }, { type: 'hangup' }],
    'a-b': [{ type: 'transfer', to: '+15550100', onBusy: 'end' }],
    orphan: [{ type: 'hangup' }],
  },
} as Flow;

describe('callflow diagram --format svg', () => {
  it('draws one box per node with its steps, labelled edges, the start, unreachable nodes and problems', () => {
    const validation = validateFlow(flow);
    const graph = flowGraph(flow, validation.problems);
    const document = parseSvg(renderFlowSvg(graph));
    const nodes = [...document.querySelectorAll('g.cf-node')];
    expect(nodes.map((node) => node.getAttribute('data-node'))).toEqual(['start', 'end', 'a-b', 'orphan']);
    expect(document.querySelector('g[data-node="start"]')!.classList.contains('cf-start')).toBe(true);
    const orphan = document.querySelector('g[data-node="orphan"]')!;
    expect(orphan.classList.contains('cf-unreachable')).toBe(true);
    expect(orphan.classList.contains('cf-problem')).toBe(true);
    expect(orphan.querySelector('title')!.textContent).toContain("node 'orphan' is unreachable from 'start'");
    expect(document.querySelector('g[data-node="end"]')!.textContent).toContain('say “Bye "friend" <3”');
    const labels = [...document.querySelectorAll('g.cf-edge text')].map((text) => text.textContent).sort();
    expect(labels).toEqual(['1, no input', '2', 'busy']); // route 1 and no input both lead to 'end': one edge
    expect(document.querySelector('.cf-marker text')!.textContent).toBe('start');
  });

  it('lays boxes out without overlaps and every edge from its source box to its target box', () => {
    const graph = flowGraph(flow);
    const layout = layoutFlowGraph(graph);
    const boxes = [...layout.nodes.values()];
    for (const [index, a] of boxes.entries()) {
      for (const b of boxes.slice(index + 1)) {
        const apart = Math.abs(a.x - b.x) >= (a.width + b.width) / 2 || Math.abs(a.y - b.y) >= (a.height + b.height) / 2;
        expect(apart).toBe(true);
      }
      expect(a.x - a.width / 2).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width / 2).toBeLessThanOrEqual(layout.width);
    }
    const near = (point: { x: number; y: number }, box: { x: number; y: number; width: number; height: number }) =>
      Math.abs(point.x - box.x) <= box.width / 2 + 2 && Math.abs(point.y - box.y) <= box.height / 2 + 2;
    for (const edge of layout.edges.filter((edge) => edge.from !== ' start')) {
      expect(near(edge.points[0]!, layout.nodes.get(edge.from)!)).toBe(true);
      expect(near(edge.points.at(-1)!, layout.nodes.get(edge.to)!)).toBe(true);
    }
  });

  it('draws edges into a node more than eight nodes lead to as connectors beside each source', () => {
    const nodes: Record<string, unknown> = { goodbye: [{ type: 'hangup' }] };
    for (let index = 0; index < 12; index++)
      nodes[`menu_${index}`] = [
        {
          type: 'gather',
          prompt: [{ type: 'say', text: 'Press 1.' }],
          routes: { '1': index < 11 ? `menu_${index + 1}` : 'goodbye' },
          onNoInput: 'goodbye',
        },
      ];
    const hubFlow = { version: 1, name: 'hub', start: 'menu_0', nodes } as Flow;
    const document = parseSvg(renderFlowSvg(flowGraph(hubFlow)));
    const stubs = [...document.querySelectorAll('g.cf-stub')];
    expect(stubs).toHaveLength(12);
    expect(new Set(stubs.map((stub) => stub.getAttribute('data-to')))).toEqual(new Set(['goodbye']));
    expect(stubs[0]!.textContent).toBe('→ goodbye');
    // The chain of menus keeps its real edges.
    expect(document.querySelectorAll('g.cf-edge[data-to="menu_5"]')).toHaveLength(1);
  });

  it('writes SVG to stdout and PNG to a file from the CLI', async () => {
    const svg = await runCli(['diagram', fixture('hotline.yaml'), '--format', 'svg']);
    expect(svg.code).toBe(0);
    const document = parseSvg(svg.stdout);
    expect([...document.querySelectorAll('g.cf-node')].map((node) => node.getAttribute('data-node'))).toEqual([
      'menu',
      'weather',
      'sales',
      'bye',
    ]);
    const output = join(mkdtempSync(join(tmpdir(), 'callflow-diagram-')), 'hotline.png');
    const png = await runCli(['diagram', fixture('hotline.yaml'), '--format', 'png', '--output', output]);
    expect(png.code).toBe(0);
    const bytes = readFileSync(output);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const viewBox = document.documentElement.getAttribute('viewBox')!.split(' ').map(Number);
    expect(bytes.readUInt32BE(16)).toBe(Math.round(viewBox[2]! * 2)); // IHDR width: the picture at 2x
  });

  it('refuses an unknown format and a PNG without a file', async () => {
    expect((await runCli(['diagram', fixture('hotline.yaml'), '--format', 'gif'])).stderr).toMatch(/unknown --format 'gif'/);
    expect((await runCli(['diagram', fixture('hotline.yaml'), '--format', 'png'])).stderr).toMatch(/needs --output/);
  });
});
