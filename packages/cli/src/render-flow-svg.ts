import dagre from '@dagrejs/dagre';
import type { FlowGraph, FlowGraphNode } from './flow-graph.js';

/** Where the layout put each node and edge, in SVG user units (pixels). */
export interface FlowLayout {
  width: number;
  height: number;
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  start: { x: number; y: number; radius: number };
  edges: Array<{
    from: string;
    to: string;
    label: string;
    points: Array<{ x: number; y: number }>;
    loop?: boolean;
    stub?: boolean;
    labelAt?: { x: number; y: number; width: number };
  }>;
  /** Small "→ node" connectors drawn under a source instead of a long edge into a node many nodes lead to. */
  stubs: Array<{ key: string; target: string; x: number; y: number; width: number; height: number }>;
}

/** A node that more than this many other nodes lead to gets connectors instead of edges (long edges into one node are what makes layered layout slow and the picture a tangle). */
export const hubInDegree = 8;

const fontSize = 12;
/** Width of one character of the monospace font the boxes use, at `fontSize` (an estimate: no font is measured). */
const characterWidth = 7.3;
const lineHeight = 16;
const padding = 10;
const startRadius = 18;
/** The start marker's key in the layout graph: a space cannot be in a node id, so it never meets one. */
const startKey = ' start';

function textWidth(text: string): number {
  return [...text].length * characterWidth;
}

function boxOf(node: FlowGraphNode): { width: number; height: number } {
  const lines = [node.id, ...node.steps];
  const width = Math.max(90, ...lines.map(textWidth)) + padding * 2 + (node.problems.length ? 22 : 0);
  return { width: Math.ceil(width), height: lines.length * lineHeight + padding * 2 + 4 };
}

/**
 * Lays a flow graph out top to bottom with dagre (a Sugiyama layered layout): node boxes sized to their text, edge
 * routes and label positions that avoid the boxes.
 */
export function layoutFlowGraph(graph: FlowGraph): FlowLayout {
  const layout = new dagre.graphlib.Graph({ multigraph: true });
  layout.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 44, edgesep: 14, marginx: 16, marginy: 16 });
  layout.setDefaultEdgeLabel(() => ({}));
  layout.setNode(startKey, { width: startRadius * 2, height: startRadius * 2 });
  for (const node of graph.nodes) layout.setNode(node.id, boxOf(node));
  if (graph.nodes.some((node) => node.id === graph.start)) layout.setEdge(startKey, graph.start, { width: 0, height: 0 }, 'start');
  const inDegree = new Map<string, number>();
  for (const edge of graph.edges) if (edge.from !== edge.to) inDegree.set(edge.to, (inDegree.get(edge.to) ?? 0) + 1);
  const stubOf = new Map<number, string>();
  graph.edges.forEach((edge, index) => {
    const label = edge.label ? { width: textWidth(edge.label) + 8, height: lineHeight, labelpos: 'c' } : { width: 0, height: 0 };
    let target = edge.to;
    if (edge.from !== edge.to && (inDegree.get(edge.to) ?? 0) > hubInDegree) {
      // A space cannot be in a node id: the connector's key never meets one.
      target = ` stub ${index}`;
      stubOf.set(index, target);
      layout.setNode(target, { width: textWidth(`→ ${edge.to}`) + 16, height: lineHeight + 6 });
    }
    layout.setEdge(edge.from, target, { ...label, minlen: 1 }, `e${index}`);
  });
  dagre.layout(layout);
  const size = layout.graph();
  const nodes = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (const node of graph.nodes) {
    const placed = layout.node(node.id);
    nodes.set(node.id, { x: placed.x, y: placed.y, width: placed.width, height: placed.height });
  }
  const start = layout.node(startKey);
  const edges: FlowLayout['edges'] = [];
  const stubs: FlowLayout['stubs'] = [];
  const startEdge = layout.edge({ v: startKey, w: graph.start, name: 'start' });
  if (startEdge) edges.push({ from: startKey, to: graph.start, label: '', points: startEdge.points ?? [] });
  graph.edges.forEach((edge, index) => {
    const stub = stubOf.get(index);
    const placed = layout.edge({ v: edge.from, w: stub ?? edge.to, name: `e${index}` });
    if (stub) {
      const box = layout.node(stub);
      stubs.push({ key: stub, target: edge.to, x: box.x, y: box.y, width: box.width, height: box.height });
    }
    if (edge.from === edge.to) {
      // A node that routes to itself: a loop on its right side, the label beside it.
      const box = nodes.get(edge.from)!;
      const right = box.x + box.width / 2;
      const top = box.y - Math.min(10, box.height / 4);
      const bottom = box.y + Math.min(10, box.height / 4);
      const loops = edges.filter((other) => other.from === edge.from && other.to === edge.from).length;
      const reach = 28 + loops * 16;
      edges.push({
        from: edge.from,
        to: edge.to,
        label: edge.label,
        points: [
          { x: right, y: top },
          { x: right + reach, y: top - 14 },
          { x: right + reach, y: bottom + 14 },
          { x: right, y: bottom },
        ],
        loop: true,
        ...(edge.label
          ? { labelAt: { x: right + reach + textWidth(edge.label) / 2 + 6, y: box.y, width: textWidth(edge.label) + 8 } }
          : {}),
      });
      return;
    }
    edges.push({
      from: edge.from,
      to: edge.to,
      label: edge.label,
      points: placed.points ?? [],
      ...(stub ? { stub: true } : {}),
      ...(edge.label && placed.x !== undefined && placed.y !== undefined
        ? { labelAt: { x: placed.x, y: placed.y, width: textWidth(edge.label) + 8 } }
        : {}),
    });
  });
  const widest = Math.max(
    size.width ?? 0,
    ...edges.map((edge) => (edge.labelAt ? edge.labelAt.x + edge.labelAt.width / 2 + 8 : 0)),
    ...edges.flatMap((edge) => edge.points.map((point) => point.x + 8)),
  );
  return {
    width: Math.ceil(widest),
    height: Math.ceil(size.height ?? 0),
    nodes,
    start: { x: start.x, y: start.y, radius: startRadius },
    edges,
    stubs,
  };
}

/** Text made safe for XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

function pathOf(points: ReadonlyArray<{ x: number; y: number }>, loop = false): string {
  if (points.length === 0) return '';
  if (loop && points.length === 4) {
    const [from, first, second, to] = points.map((point) => `${point.x.toFixed(1)},${point.y.toFixed(1)}`);
    return `M${from} C${first} ${second} ${to}`;
  }
  const [first, ...rest] = points;
  if (rest.length === 0) return `M${first!.x.toFixed(1)},${first!.y.toFixed(1)}`;
  // A smooth curve through dagre's bend points: quadratic segments between midpoints.
  let d = `M${first!.x.toFixed(1)},${first!.y.toFixed(1)}`;
  for (let index = 0; index < rest.length - 1; index++) {
    const control = rest[index]!;
    const next = rest[index + 1]!;
    d += ` Q${control.x.toFixed(1)},${control.y.toFixed(1)} ${((control.x + next.x) / 2).toFixed(1)},${((control.y + next.y) / 2).toFixed(1)}`;
  }
  const last = rest[rest.length - 1]!;
  return `${d} L${last.x.toFixed(1)},${last.y.toFixed(1)}`;
}

/** Options of the SVG drawing. */
export interface RenderFlowSvgOptions {
  /** Precomputed layout (the dev console lays out once per reload); default: computed here. */
  layout?: FlowLayout;
  /** For a page: adds ids and accessible labels so it can highlight nodes, and leaves the CSS to the page (`flowSvgStyle`). */
  interactive?: boolean;
}

/** The drawing's CSS: inside a standalone SVG, and served as a stylesheet to the dev console (whose policy forbids inline styles). */
export const flowSvgStyle = `
.cf-flow{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:${fontSize}px}
.cf-node rect{fill:#ffffff;stroke:#4a5568;stroke-width:1.5}
.cf-node .cf-id{font-weight:700;fill:#1a202c}
.cf-node .cf-step{fill:#2d3748}
.cf-node.cf-start rect{stroke:#2f855a;stroke-width:2.5}
.cf-node.cf-unreachable rect{stroke-dasharray:6 4;fill:#f7fafc;stroke:#a0aec0}
.cf-node.cf-unreachable text{fill:#718096}
.cf-node.cf-problem rect{stroke:#c05621}
.cf-node.cf-error rect{stroke:#c53030;stroke-width:2.5}
.cf-badge{fill:#c05621;font-weight:700}
.cf-node.cf-error .cf-badge{fill:#c53030}
.cf-edge path{fill:none;stroke:#718096;stroke-width:1.4}
.cf-edge .cf-label-bg{fill:#edf2f7}
.cf-edge text{fill:#2a4365;font-size:11px}
.cf-stub rect{fill:#faf5ff;stroke:#805ad5;stroke-width:1.2}
.cf-stub text{fill:#553c9a;font-size:11px}
.cf-marker circle{fill:#c6f6d5;stroke:#2f855a;stroke-width:2}
.cf-marker text{fill:#22543d;font-size:10px;font-weight:700}
`;

/**
 * The flow graph as a standalone SVG picture: boxes with each node's steps, arrows labelled by route, fallback or
 * outcome, a green start marker, dashed unreachable nodes and a ⚠ badge (with the messages as a tooltip) on nodes
 * with validation problems.
 * @example writeFileSync('flow.svg', renderFlowSvg(flowGraph(flow, problems)))
 */
export function renderFlowSvg(graph: FlowGraph, options: RenderFlowSvgOptions = {}): string {
  const layout = options.layout ?? layoutFlowGraph(graph);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="cf-flow" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="img" aria-labelledby="cf-title">`,
    `<title id="cf-title">${escapeXml(`Call flow ${graph.name}: ${graph.nodes.length} nodes, starts at ${graph.start}`)}</title>`,
    ...(options.interactive ? [] : [`<style>${flowSvgStyle}</style>`]),
    '<defs><marker id="cf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#718096"/></marker></defs>',
    `<rect width="${layout.width}" height="${layout.height}" fill="#ffffff"/>`,
  );
  out.push('<g class="cf-edges">');
  for (const edge of layout.edges) {
    out.push(
      `<g class="cf-edge" data-from="${escapeXml(edge.from.trim())}" data-to="${escapeXml(edge.to)}"><path d="${pathOf(edge.points, edge.loop)}" marker-end="url(#cf-arrow)"/>`,
    );
    if (edge.labelAt) {
      const { x, y, width } = edge.labelAt;
      out.push(
        `<rect class="cf-label-bg" x="${(x - width / 2).toFixed(1)}" y="${(y - 8).toFixed(1)}" width="${width.toFixed(1)}" height="16" rx="3"/>`,
        `<text x="${x.toFixed(1)}" y="${(y + 4).toFixed(1)}" text-anchor="middle">${escapeXml(edge.label)}</text>`,
      );
    }
    out.push('</g>');
  }
  out.push('</g>');
  out.push(
    `<g class="cf-marker"><circle cx="${layout.start.x.toFixed(1)}" cy="${layout.start.y.toFixed(1)}" r="${layout.start.radius}"/><text x="${layout.start.x.toFixed(1)}" y="${(layout.start.y + 3.5).toFixed(1)}" text-anchor="middle">start</text></g>`,
  );
  for (const stub of layout.stubs) {
    out.push(
      `<g class="cf-stub" data-to="${escapeXml(stub.target)}"><rect x="${(stub.x - stub.width / 2).toFixed(1)}" y="${(stub.y - stub.height / 2).toFixed(1)}" width="${stub.width.toFixed(1)}" height="${stub.height}" rx="${(stub.height / 2).toFixed(1)}"/><text x="${stub.x.toFixed(1)}" y="${(stub.y + 4).toFixed(1)}" text-anchor="middle">${escapeXml(`→ ${stub.target}`)}</text></g>`,
    );
  }
  out.push('<g class="cf-nodes">');
  graph.nodes.forEach((node, index) => {
    const box = layout.nodes.get(node.id)!;
    const left = box.x - box.width / 2;
    const top = box.y - box.height / 2;
    const classes = ['cf-node'];
    if (node.start) classes.push('cf-start');
    if (node.unreachable) classes.push('cf-unreachable');
    if (node.problems.length) classes.push(node.problems.some((problem) => problem.severity === 'error') ? 'cf-error' : 'cf-problem');
    const notes = [
      node.start ? 'start node' : '',
      node.unreachable ? 'unreachable' : '',
      ...node.problems.map((problem) => `${problem.severity}: ${problem.text}`),
    ].filter(Boolean);
    const label = `${node.id}: ${node.steps.join(', ')}${notes.length ? ` (${notes.join('; ')})` : ''}`;
    const attributes = options.interactive ? ` id="cf-node-${index}" role="group" aria-label="${escapeXml(label)}"` : '';
    out.push(`<g class="${classes.join(' ')}" data-node="${escapeXml(node.id)}"${attributes}>`);
    out.push(`<title>${escapeXml(label)}</title>`);
    out.push(`<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${box.width}" height="${box.height}" rx="6"/>`);
    out.push(`<text class="cf-id" x="${(left + padding).toFixed(1)}" y="${(top + padding + 12).toFixed(1)}">${escapeXml(node.id)}</text>`);
    node.steps.forEach((step, line) => {
      out.push(
        `<text class="cf-step" x="${(left + padding).toFixed(1)}" y="${(top + padding + 12 + (line + 1) * lineHeight + 4).toFixed(1)}">${escapeXml(step)}</text>`,
      );
    });
    if (node.problems.length)
      out.push(
        `<text class="cf-badge" x="${(left + box.width - padding - 12).toFixed(1)}" y="${(top + padding + 12).toFixed(1)}">⚠</text>`,
      );
    out.push('</g>');
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
