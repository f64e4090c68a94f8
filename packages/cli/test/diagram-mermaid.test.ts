import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineFlow, goto, hangup, say, gather, parseFlow, type Flow } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { readFileSync } from 'node:fs';
import { diagramFlow } from '../src/index.js';

// The real Mermaid parser (the `mermaid` package's own flowchart grammar); it needs a DOM for its sanitizer only.
type Mermaid = typeof import('mermaid').default;
let mermaid: Mermaid;

interface ParsedDiagram {
  vertices: Map<string, string>;
  edges: Array<{ from: string; to: string; label: string }>;
}

const named: Record<string, string> = { quot: '"', lt: '<', gt: '>', amp: '&' };

/** Mermaid keeps `#code;` entities as placeholders until it draws; this is its decoding for the names we use. */
function decodeEntities(text: string): string {
  return text
    .replace(/ﬂ°°(\d+)¶ß/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/ﬂ°(\w+)¶ß/g, (whole, name: string) => named[name] ?? whole);
}

async function parseMermaid(text: string): Promise<ParsedDiagram> {
  await mermaid.parse(text);
  const diagram = (await mermaid.mermaidAPI.getDiagramFromText(text)) as unknown as {
    db: { getVertices(): Map<string, { text?: string }>; getEdges(): Array<{ start: string; end: string; text: string }> };
  };
  const vertices = new Map([...diagram.db.getVertices()].map(([id, vertex]) => [id, decodeEntities(vertex.text ?? '')]));
  return { vertices, edges: diagram.db.getEdges().map((edge) => ({ from: edge.start, to: edge.end, label: decodeEntities(edge.text) })) };
}

beforeAll(async () => {
  const { window } = new JSDOM('');
  Object.assign(globalThis, { window, document: window.document });
  mermaid = (await import('mermaid')).default;
  mermaid.initialize({ startOnLoad: false });
});

const awkwardIds = [
  'end',
  'graph',
  'style',
  'class',
  'subgraph',
  'click',
  'start',
  'classDef',
  'linkStyle',
  'flowchart',
  'direction',
  'call-back',
  'v1.2',
  'café',
  '電話',
  'o',
  'x',
  'A--B',
  'a"b',
  'semi;colon',
  'hash#tag',
  '1st',
];

function awkwardFlow(): Flow {
  const nodes: Record<
    string,
    ReturnType<typeof say>[] | Array<ReturnType<typeof goto> | ReturnType<typeof say> | ReturnType<typeof hangup>>
  > = {};
  awkwardIds.forEach((id, index) => {
    const next = awkwardIds[index + 1];
    nodes[id] = next ? [say(`node <${id}> says "hi" #1`), goto(next)] : [hangup()];
  });
  // A plain object, not defineFlow: diagramFlow draws any flow object, even ids the validator refuses (dots, unicode).
  return { version: 1, name: 'awkward', start: 'start', nodes } as Flow;
}

describe('callflow diagram (Mermaid) through the real Mermaid parser', () => {
  it('parses for ids that are Mermaid keywords, "start", dashes, dots and unicode, with one vertex per node plus the marker', async () => {
    const flow = awkwardFlow();
    const parsed = await parseMermaid(diagramFlow(flow));
    expect(parsed.vertices.size).toBe(awkwardIds.length + 1);
    // Every node's id is in some vertex label, and the start marker points at the node named start, not at itself.
    const labels = [...parsed.vertices.values()];
    for (const id of awkwardIds.slice(0, -1)) expect(labels).toContain(`<b>${id}</b><br>say “node <${id}> says "hi" #1”<br>goto`);
    expect(labels).toContain(`<b>${awkwardIds.at(-1)}</b><br>hang up`);
    const fromMarker = parsed.edges.filter((edge) => parsed.vertices.get(edge.from) === 'start');
    expect(fromMarker).toHaveLength(1);
    expect(parsed.vertices.get(fromMarker[0]!.to)).toContain('<b>start</b>');
    expect(parsed.edges).toHaveLength(awkwardIds.length); // marker + one goto per node but the last
  });

  it('keeps route, fallback and outcome labels as edge labels', async () => {
    const flow = defineFlow({
      name: 'labels',
      start: 'end',
      nodes: {
        end: [
          gather({
            prompt: 'Press 1',
            finishOnKey: '',
            routes: { '1': 'class', '#': 'style' },
            onNoInput: 'click',
            attempts: 2,
            onExhausted: 'click',
          }),
        ],
        class: [hangup()],
        style: [hangup()],
        click: [hangup()],
      },
    });
    const parsed = await parseMermaid(diagramFlow(flow));
    const named = (id: string) => [...parsed.vertices].find(([, label]) => label.includes(`<b>${id}</b>`))![0];
    const edges = parsed.edges.map((edge) => `${edge.from}-${edge.label}-${edge.to}`);
    // Two references between the same nodes share one edge, both labels on it.
    expect(edges).toEqual(
      expect.arrayContaining([`${named('end')}-1-${named('class')}`, `${named('end')}-no input, exhausted-${named('click')}`]),
    );
    expect(parsed.edges.find((edge) => edge.to === named('style'))?.label).toBe('#');
  });

  it('parses the example flows', async () => {
    const yaml = parseFlow(readFileSync(new URL('../../../examples/config-ivr/ivr.yaml', import.meta.url), 'utf8'));
    for (const flow of [phoneTree, yaml]) {
      const parsed = await parseMermaid(diagramFlow(flow));
      expect(parsed.vertices.size).toBe(Object.keys(flow.nodes).length + 1);
    }
  });

  it('rejects what it should: the parser used here does fail on a bare keyword id', async () => {
    await expect(mermaid.parse('flowchart TD\n  end --> graph\n')).rejects.toThrow();
  });
});
