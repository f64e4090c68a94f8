/**
 * A fast reader for the plain YAML that flow files are written in: block mappings and sequences, one-line flow
 * collections (`{ type: say, text: Hi }`, `["09:00-12:00"]`), plain and quoted one-line scalars, comments. It
 * returns what the `yaml` package returns for the same text (YAML 1.2 core schema), or `undefined` for anything
 * outside that subset or anything the `yaml` package would report (anchors, tags, block scalars, multi-line
 * scalars, duplicate keys, tabs, directives …), which then goes through the `yaml` package as before.
 */
export function parsePlainYaml(source: string, withLines = false): PlainYaml | undefined {
  try {
    const reader = new Reader(source, withLines);
    return { value: reader.document(), lines: reader.positions };
  } catch (error) {
    if (error === outside) return undefined;
    throw error;
  }
}

/** The parsed value and, when asked for, the 1-based line of each key and list item of each object and list. */
export interface PlainYaml {
  value: unknown;
  lines: WeakMap<object, Map<string | number, number>> | undefined;
}

/** The line of a problem's path (`nodes.menu[0].routes.1`): the deepest key or item of it that exists. */
export function lineOfPath(parsed: PlainYaml, path: string): number | undefined {
  if (path === '' || !parsed.lines) return undefined;
  let node: unknown = parsed.value;
  let line: number | undefined;
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    const segment: string | number = match[2] !== undefined ? Number(match[2]) : match[1]!;
    if (typeof node !== 'object' || node === null) break;
    const lines = parsed.lines.get(node);
    const found = lines?.get(Array.isArray(node) ? segment : String(segment));
    if (found === undefined) break;
    line = found;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return line;
}

/** Thrown (and caught above) when the text leaves the subset. */
const outside: unique symbol = Symbol('outside the plain YAML subset');

function leave(): never {
  throw outside;
}

const space = 0x20;
const hash = 0x23;
const colon = 0x3a;
const dash = 0x2d;

class Reader {
  /** Per content line (blank and comment lines dropped): where its content starts and ends, its indent, its number. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly indents: number[] = [];
  private readonly begins: number[] = [];
  private readonly numbers: number[] = [];
  private at = 0;
  private pos = 0;
  readonly positions: WeakMap<object, Map<string | number, number>> | undefined;

  constructor(
    private readonly text: string,
    withLines: boolean,
  ) {
    this.positions = withLines ? new WeakMap() : undefined;
    const { length } = text;
    if (text.charCodeAt(0) === 0xfeff) leave();
    let begin = 0;
    let number = 0;
    while (begin <= length) {
      number++;
      let end = text.indexOf('\n', begin);
      if (end === -1) end = length;
      let contentEnd = end;
      if (contentEnd > begin && text.charCodeAt(contentEnd - 1) === 0x0d) contentEnd--;
      let start = begin;
      while (start < contentEnd && text.charCodeAt(start) === space) start++;
      if (start < contentEnd) {
        const first = text.charCodeAt(start);
        if (first === 0x09) leave();
        if (first !== hash) {
          // Directives and document markers (`%YAML`, `---`, `...`) are left to the yaml package.
          if (
            start === begin &&
            (first === 0x25 || ((first === dash || first === 0x2e) && /^(---|\.\.\.)(\s|$)/.test(text.slice(start, start + 4))))
          )
            leave();
          this.starts.push(start);
          this.ends.push(contentEnd);
          this.indents.push(start - begin);
          this.begins.push(begin);
          this.numbers.push(number);
        }
      }
      begin = end + 1;
    }
    if (text.includes('\r') && /\r(?!\n)/.test(text)) leave();
  }

  document(): unknown {
    if (this.starts.length === 0) leave();
    const value = this.blockAt(this.indents[0]!);
    if (this.at !== this.starts.length || !isMap(value)) leave();
    return value;
  }

  private blockAt(indent: number): unknown {
    return this.isItem(this.starts[this.at]!, this.ends[this.at]!) ? this.sequence(indent) : this.mapping(indent);
  }

  private isItem(start: number, end: number): boolean {
    return this.text.charCodeAt(start) === dash && (start + 1 === end || this.text.charCodeAt(start + 1) === space);
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const lines = this.positions ? new Map<string | number, number>() : undefined;
    if (lines) this.positions!.set(out, lines);
    const { starts, ends, indents, text } = this;
    while (this.at < starts.length && indents[this.at] === indent) {
      const end = ends[this.at]!;
      if (this.isItem(starts[this.at]!, end)) leave();
      this.pos = starts[this.at]!;
      const key = this.blockKey(end);
      if (Object.hasOwn(out, key)) leave();
      lines?.set(key, this.numbers[this.at]!);
      this.skipSpaces(end);
      if (this.pos === end || text.charCodeAt(this.pos) === hash) {
        this.at++;
        out[key] = this.nested(indent, true);
      } else {
        out[key] = this.inline(end);
        this.lineEnd(end);
        this.at++;
      }
    }
    if (this.at < starts.length && indents[this.at]! > indent) leave();
    return out;
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    const lines = this.positions ? new Map<string | number, number>() : undefined;
    if (lines) this.positions!.set(out, lines);
    const { starts, ends, indents, text } = this;
    while (this.at < starts.length && indents[this.at] === indent && this.isItem(starts[this.at]!, ends[this.at]!)) {
      const end = ends[this.at]!;
      this.pos = starts[this.at]! + 1;
      this.skipSpaces(end);
      if (this.pos === end || text.charCodeAt(this.pos) === hash) {
        this.at++;
        lines?.set(out.length, this.numbers[Math.min(this.at, starts.length - 1)]!);
        out.push(this.nested(indent, false));
        continue;
      }
      lines?.set(out.length, this.numbers[this.at]!);
      if (this.isItem(this.pos, end) || text.charCodeAt(this.pos - 1) !== space) leave();
      if (this.startsKey(this.pos, end)) {
        // `- key: value`: a mapping whose column is where its first key starts.
        starts[this.at] = this.pos;
        indents[this.at] = this.pos - this.begins[this.at]!;
        out.push(this.mapping(indents[this.at]!));
        continue;
      }
      out.push(this.inline(end));
      this.lineEnd(end);
      this.at++;
    }
    if (this.at < starts.length && indents[this.at]! > indent) leave();
    return out;
  }

  /** The value after `key:` with nothing on its line: a deeper block, a list at the key's own indent, or null. */
  private nested(indent: number, inMapping: boolean): unknown {
    if (this.at >= this.starts.length) return null;
    const next = this.indents[this.at]!;
    if (next > indent) return this.blockAt(next);
    if (inMapping && next === indent && this.isItem(this.starts[this.at]!, this.ends[this.at]!)) return this.sequence(next);
    return null;
  }

  /** True when the line from `start` is `key: …` (a plain or quoted key, then a colon and a space or the line end). */
  private startsKey(start: number, end: number): boolean {
    const { text } = this;
    const first = text.charCodeAt(start);
    if (first === 0x7b || first === 0x5b) return false;
    if (first === 0x22 || first === 0x27) {
      const close = text.indexOf(first === 0x22 ? '"' : "'", start + 1);
      return close !== -1 && close < end && text.charCodeAt(close + 1) === colon;
    }
    for (let index = start; index < end; index++) {
      const code = text.charCodeAt(index);
      if (code === colon && (index + 1 === end || text.charCodeAt(index + 1) === space)) return true;
      if (code === hash && text.charCodeAt(index - 1) === space) return false;
    }
    return false;
  }

  private blockKey(end: number): string {
    const { text } = this;
    const first = text.charCodeAt(this.pos);
    let key: string;
    if (first === 0x22 || first === 0x27) {
      key = first === 0x22 ? this.doubleQuoted(end) : this.singleQuoted(end);
      if (text.charCodeAt(this.pos) !== colon) leave();
    } else {
      if (isIndicator(first) || ((first === dash || first === 0x3f || first === colon) && text.charCodeAt(this.pos + 1) === space)) leave();
      const start = this.pos;
      let colonAt = -1;
      for (let index = start; index < end; index++) {
        const code = text.charCodeAt(index);
        if (code === colon && (index + 1 === end || text.charCodeAt(index + 1) === space)) {
          colonAt = index;
          break;
        }
        if ((code === hash && text.charCodeAt(index - 1) === space) || code < 0x20) leave();
      }
      // The yaml package refuses implicit keys longer than 1024 characters.
      if (colonAt === -1 || colonAt === start || colonAt - start > 1000) leave();
      key = plainKey(text.slice(start, colonAt).trimEnd());
      this.pos = colonAt;
    }
    this.pos++;
    if (this.pos < end && text.charCodeAt(this.pos) !== space) leave();
    if (key === '__proto__' || key === '<<') leave();
    return key;
  }

  /** A value on the rest of a line: quoted, a one-line flow collection, or plain. */
  private inline(end: number): unknown {
    const { text } = this;
    const first = text.charCodeAt(this.pos);
    if (first === 0x22) return this.doubleQuoted(end);
    if (first === 0x27) return this.singleQuoted(end);
    if (first === 0x7b || first === 0x5b) return this.flow(end);
    if (
      isIndicator(first) ||
      ((first === dash || first === 0x3f || first === colon) && (this.pos + 1 === end || text.charCodeAt(this.pos + 1) === space))
    )
      leave();
    const start = this.pos;
    let stop = end;
    for (let index = start; index < end; index++) {
      const code = text.charCodeAt(index);
      if (code === hash && text.charCodeAt(index - 1) === space) {
        stop = index;
        break;
      }
      if (code < 0x20) leave();
      // `a: b: c` is an error, and `key: value:` too; the yaml package says which.
      if (code === colon && (index + 1 === end || text.charCodeAt(index + 1) === space)) leave();
    }
    const raw = text.slice(start, stop).trimEnd();
    this.pos = start + raw.length;
    return plainScalar(raw);
  }

  /** `{ … }` or `[ … ]`, closed on the same line. */
  private flow(end: number): unknown {
    const { text } = this;
    const open = text.charCodeAt(this.pos);
    this.pos++;
    const lines = this.positions;
    const line = this.numbers[this.at]!;
    if (open === 0x5b) {
      const out: unknown[] = [];
      lines?.set(out, new Map());
      this.skipSpaces(end);
      if (text.charCodeAt(this.pos) === 0x5d) {
        this.pos++;
        return out;
      }
      for (;;) {
        if (lines) lines.get(out)!.set(out.length, line);
        out.push(this.flowValue(end, false));
        this.skipSpaces(end);
        const code = text.charCodeAt(this.pos++);
        if (code === 0x5d) return out;
        if (code !== 0x2c) leave();
        this.skipSpaces(end);
        if (text.charCodeAt(this.pos) === 0x5d) leave();
      }
    }
    const out: Record<string, unknown> = {};
    lines?.set(out, new Map());
    this.skipSpaces(end);
    if (text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      const first = text.charCodeAt(this.pos);
      let key: string;
      if (first === 0x22 || first === 0x27) {
        key = first === 0x22 ? this.doubleQuoted(end) : this.singleQuoted(end);
        this.skipSpaces(end);
        if (text.charCodeAt(this.pos) !== colon) leave();
        this.pos++;
      } else {
        const raw = this.flowPlain(end, true);
        if (text.charCodeAt(this.pos) !== colon) leave();
        this.pos++;
        if (text.charCodeAt(this.pos) !== space) leave();
        key = plainKey(raw);
      }
      if (Object.hasOwn(out, key) || key === '__proto__' || key === '<<') leave();
      if (lines) lines.get(out)!.set(key, line);
      this.skipSpaces(end);
      const next = text.charCodeAt(this.pos);
      if (next === 0x2c || next === 0x7d) leave();
      out[key] = this.flowValue(end, true);
      this.skipSpaces(end);
      const code = text.charCodeAt(this.pos++);
      if (code === 0x7d) return out;
      if (code !== 0x2c) leave();
      this.skipSpaces(end);
      if (text.charCodeAt(this.pos) === 0x7d) leave();
    }
  }

  private flowValue(end: number, inMapping: boolean): unknown {
    const first = this.text.charCodeAt(this.pos);
    if (first === 0x22) return this.doubleQuoted(end);
    if (first === 0x27) return this.singleQuoted(end);
    if (first === 0x7b || first === 0x5b) return this.flow(end);
    const raw = this.flowPlain(end, false);
    // `[a: b]` is a one-pair mapping in YAML; left to the yaml package.
    if (!inMapping && this.text.charCodeAt(this.pos) === colon) leave();
    return plainScalar(raw);
  }

  /** A plain scalar inside a flow collection: up to `,`, a closing bracket, `: ` or a comment. */
  private flowPlain(end: number, isKey: boolean): string {
    const { text } = this;
    const start = this.pos;
    const first = text.charCodeAt(start);
    if (isIndicator(first) || ((first === dash || first === 0x3f || first === colon) && !isPlainSafe(text.charCodeAt(start + 1)))) leave();
    let index = start;
    for (; index < end; index++) {
      const code = text.charCodeAt(index);
      if (code === 0x2c || code === 0x5d || code === 0x7d) break;
      if (code === 0x5b || code === 0x7b || code < 0x20) leave();
      if (code === colon) {
        const after = text.charCodeAt(index + 1);
        if (after === space || after === 0x2c || after === 0x5d || after === 0x7d || index + 1 === end) {
          if (!isKey) leave();
          break;
        }
      }
      if (code === hash && text.charCodeAt(index - 1) === space) leave();
    }
    if (index === end) leave();
    this.pos = index;
    const raw = text.slice(start, index).trimEnd();
    if (raw === '') leave();
    return raw;
  }

  private doubleQuoted(end: number): string {
    const { text } = this;
    const start = this.pos + 1;
    let out = '';
    let chunk = start;
    for (let index = start; index < end; index++) {
      const code = text.charCodeAt(index);
      if (code === 0x22) {
        this.pos = index + 1;
        return out + text.slice(chunk, index);
      }
      if (code === 0x5c) {
        out += text.slice(chunk, index);
        const escape = text[index + 1];
        const simple = escape === undefined ? undefined : simpleEscapes[escape];
        if (simple !== undefined) {
          out += simple;
          index++;
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) {
          const unit = parseInt(text.slice(index + 2, index + 6), 16);
          if (unit >= 0xd800 && unit <= 0xdfff) leave();
          out += String.fromCharCode(unit);
          index += 5;
        } else leave();
        chunk = index + 1;
      } else if (code < 0x20) leave();
    }
    return leave();
  }

  private singleQuoted(end: number): string {
    const { text } = this;
    let out = '';
    let chunk = this.pos + 1;
    for (let index = chunk; index < end; index++) {
      if (text.charCodeAt(index) < 0x20) leave();
      if (text.charCodeAt(index) !== 0x27) continue;
      if (text.charCodeAt(index + 1) === 0x27) {
        out += text.slice(chunk, index + 1);
        chunk = index + 2;
        index++;
        continue;
      }
      this.pos = index + 1;
      return out + text.slice(chunk, index);
    }
    return leave();
  }

  private skipSpaces(end: number): void {
    while (this.pos < end && this.text.charCodeAt(this.pos) === space) this.pos++;
    if (this.pos < end && this.text.charCodeAt(this.pos) === 0x09) leave();
  }

  /** Only spaces, or a comment after a space, may follow a value. */
  private lineEnd(end: number): void {
    const before = this.pos;
    this.skipSpaces(end);
    if (this.pos === end) return;
    if (this.text.charCodeAt(this.pos) === hash && this.pos > before) return;
    leave();
  }
}

const simpleEscapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };

/** Characters that start something other than a plain scalar: tags, anchors, aliases, block scalars, reserved. */
function isIndicator(code: number): boolean {
  // ! & * | > % @ ` # , [ ] { }
  return (
    code === 0x21 ||
    code === 0x26 ||
    code === 0x2a ||
    code === 0x7c ||
    code === 0x3e ||
    code === 0x25 ||
    code === 0x40 ||
    code === 0x60 ||
    code === hash ||
    code === 0x2c ||
    code === 0x5b ||
    code === 0x5d ||
    code === 0x7b ||
    code === 0x7d
  );
}

/** A plain key as the yaml package stringifies it: text, or a small integer; any other non-text key is left to it. */
function plainKey(raw: string): string {
  const value = plainScalar(raw);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && /^(0|[1-9][0-9]{0,14})$/.test(raw)) return raw;
  return leave();
}

/** The YAML 1.2 core schema's reading of a plain scalar; the rarer forms (.inf, 0x, 0o, long integers) are left to the yaml package. */
function plainScalar(raw: string): unknown {
  const first = raw.charCodeAt(0);
  // Letters other than the keywords below, and most punctuation, are text.
  if (first === 0x7e || first === 0x6e || first === 0x4e || first === 0x74 || first === 0x54 || first === 0x66 || first === 0x46) {
    switch (raw) {
      case '~':
      case 'null':
      case 'Null':
      case 'NULL':
        return null;
      case 'true':
      case 'True':
      case 'TRUE':
        return true;
      case 'false':
      case 'False':
      case 'FALSE':
        return false;
      default:
        return raw;
    }
  }
  if ((first >= 0x30 && first <= 0x39) || first === dash || first === 0x2b || first === 0x2e) {
    if (/^[-+]?[0-9]+$/.test(raw)) return raw.length > 16 ? leave() : Number(raw);
    if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(raw)) return raw.length > 16 ? leave() : Number(raw);
    if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(raw)) leave();
  }
  return raw;
}

/** After a leading `-`, `?` or `:`, a character that keeps the scalar plain (not a space, flow punctuation or the line end). */
function isPlainSafe(code: number): boolean {
  return (
    !Number.isNaN(code) &&
    code !== space &&
    code !== 0x2c &&
    code !== 0x5b &&
    code !== 0x5d &&
    code !== 0x7b &&
    code !== 0x7d &&
    code !== 0x0d &&
    code !== 0x0a
  );
}

function isMap(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
