import type { Document, LineCounter } from 'yaml';
import type { Problem } from '../errors.js';
import type { StaticFlow } from './types.js';
import { lazyDependency } from '../runtime/lazy-dependency.js';
import { lineOfPath, parsePlainYaml } from './parse-plain-yaml.js';
import { invalidFlowError, validateFlow, wellFormedFlow, type FlowValidation } from './validate-flow.js';

/**
 * The YAML parser, in its own chunk, loaded on first use: handlers never parse YAML, plain flow files are read
 * without it, and cold starts should not pay for it. On Node it loads synchronously when needed.
 */
const yaml = lazyDependency<typeof import('./yaml-chunk.js')>({
  chunk: 'yaml',
  source: 'yaml',
  load: () => import('./yaml-chunk.js'),
  preload: 'loadYamlParser',
});

/**
 * Loads the YAML parser (its own chunk) once, so `parseFlow` and `checkFlowSource` read any YAML on every runtime;
 * on Node they load it themselves when a file needs it.
 */
export async function loadYamlParser(): Promise<void> {
  await yaml.load();
}

/** Options for `parseFlow`. */
export interface ParseFlowOptions {
  /** Default: `json` when the text starts with `{`, else `yaml`. */
  format?: 'json' | 'yaml';
  /** File name used in messages. */
  fileName?: string;
}

/** Parses and validates a JSON or YAML flow, reporting every problem with its path and line. */
export function checkFlowSource(source: string, options: ParseFlowOptions = {}): FlowValidation<StaticFlow> {
  const format = options.format ?? (/^\s*\{/.test(source) ? 'json' : 'yaml');
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(source);
    } catch (error) {
      return { ok: false, problems: [jsonSyntaxProblem(source, error)] };
    }
    // Fast path: valid JSON without duplicate keys needs the YAML parser only to place problems on lines.
    if (countKeysInText(source) === countKeys(data)) {
      const result = validateFlow(data);
      if (result.problems.length === 0) return result as FlowValidation<StaticFlow>;
    }
  } else {
    // Fast path: plain YAML (what flow files hold) is read without building a YAML document; lines are looked up
    // only when there are problems to place. Anything else goes through the yaml package below.
    const plain = parsePlainYaml(source);
    if (plain) {
      const result = validateFlow(plain.value);
      if (result.problems.length === 0) return result as FlowValidation<StaticFlow>;
      const located = parsePlainYaml(source, true)!;
      for (const problem of result.problems) problem.line ??= lineOfPath(located, problem.path);
      return result as FlowValidation<StaticFlow>;
    }
  }
  const { LineCounter, parseDocument } = yaml.now();
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const syntax: Problem[] = [...document.errors, ...document.warnings].map((error) => ({
    path: '',
    message: `${format === 'json' ? 'JSON' : 'YAML'}: ${error.message.split('\n')[0]}`,
    line: error.linePos?.[0]?.line ?? (error.pos?.[0] === undefined ? undefined : lineCounter.linePos(error.pos[0]).line),
    severity: document.errors.includes(error as never) ? ('error' as const) : ('warning' as const),
  }));
  if (syntax.some((problem) => problem.severity === 'error')) return { ok: false, problems: syntax };
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  const result = validateFlow(data);
  for (const problem of result.problems) problem.line ??= lineOf(document, lineCounter, problem.path);
  return { ...result, problems: [...syntax, ...result.problems] } as FlowValidation<StaticFlow>;
}

/**
 * Parses a flow file's text (JSON or YAML) into a validated flow; throws `CallFlowError('invalid-flow')`
 * listing every problem, with lines.
 */
export function parseFlow(source: string, options: ParseFlowOptions = {}): StaticFlow {
  // A file that is right, in JSON without duplicate keys or in plain YAML, is read without the diagnostics chunk.
  const data = plainData(source, options);
  const flow = data === undefined ? undefined : wellFormedFlow(data);
  if (flow !== undefined) return flow as StaticFlow;
  const result = checkFlowSource(source, options);
  if (!result.ok || !result.flow) {
    const error = invalidFlowError(result.problems);
    if (options.fileName) error.message = error.message.replace('invalid flow', `invalid flow ${options.fileName}`);
    throw error;
  }
  return result.flow;
}

/** The value of JSON without duplicate keys, or of plain YAML; undefined for anything else (or text that does not parse). */
function plainData(source: string, options: ParseFlowOptions): unknown {
  const format = options.format ?? (/^\s*\{/.test(source) ? 'json' : 'yaml');
  if (format === 'yaml') return parsePlainYaml(source)?.value;
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch {
    return undefined;
  }
  return countKeysInText(source) === countKeys(data) ? data : undefined;
}

function jsonSyntaxProblem(source: string, error: unknown): Problem {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  const lineMatch = /line (\d+)/.exec(message);
  let line: number | undefined = lineMatch ? Number(lineMatch[1]) : undefined;
  if (line === undefined && position) line = source.slice(0, Number(position[1])).split('\n').length;
  return { path: '', message: `JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`, line, severity: 'error' };
}

/** The line of a problem's path in a YAML document: the deepest key or item of it that exists. */
export function lineOf(document: Document, lineCounter: LineCounter, path: string): number | undefined {
  const { isMap, isScalar, isSeq } = yaml.now();
  if (path === '') return undefined;
  const segments: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segments.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

/** Keys in a parsed JSON value, counted through every object. */
function countKeys(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) count += countKeys(value[index]);
    return count;
  }
  for (const key in value) count += 1 + countKeys((value as Record<string, unknown>)[key]);
  return count;
}

/**
 * Keys written in JSON text: string tokens followed by a colon (duplicates included). Only called on text that
 * `JSON.parse` accepted, so a quote after an odd run of backslashes is the only escaped one, and only JSON
 * whitespace can sit between a key and its colon.
 */
function countKeysInText(source: string): number {
  let count = 0;
  let open = source.indexOf('"');
  while (open !== -1) {
    let close = source.indexOf('"', open + 1);
    while (close !== -1 && isEscaped(source, close, open)) close = source.indexOf('"', close + 1);
    if (close === -1) break;
    let next = close + 1;
    while (isJsonSpace(source.charCodeAt(next))) next++;
    if (source.charCodeAt(next) === 0x3a) count++;
    open = source.indexOf('"', next);
  }
  return count;
}

function isEscaped(source: string, quote: number, open: number): boolean {
  let backslashes = 0;
  for (let index = quote - 1; index > open && source.charCodeAt(index) === 0x5c; index--) backslashes++;
  return backslashes % 2 === 1;
}

function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
