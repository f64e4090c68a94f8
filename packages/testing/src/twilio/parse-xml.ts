/** An XML element: name, attributes in document order, children. */
export interface XmlElement {
  type: 'element';
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}

/** Character data (entities decoded). */
export interface XmlText {
  type: 'text';
  text: string;
}

/** A node of a parsed document. */
export type XmlNode = XmlElement | XmlText;

/** Thrown for a document that is not well-formed XML. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlSyntaxError';
  }
}

const nameStart = /[A-Za-z_:]/;
const nameChar = /[A-Za-z0-9_:.-]/;

function decodeEntities(raw: string, offset: number): string {
  return raw.replace(/&([^;&\s]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new XmlSyntaxError(`bare '&' (write &amp;)`, offset);
    switch (body) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = body.startsWith('#x')
      ? Number.parseInt(body.slice(2), 16)
      : body.startsWith('#')
        ? Number.parseInt(body.slice(1), 10)
        : Number.NaN;
    if (!Number.isInteger(code) || code <= 0 || code > 0x10ffff) throw new XmlSyntaxError(`unknown entity '&${body};'`, offset);
    return String.fromCodePoint(code);
  });
}

/**
 * Parses a well-formed XML document into its root element; throws `XmlSyntaxError` otherwise.
 * Enough XML for TwiML: declaration, comments, CDATA, entities; no DTDs.
 */
export function parseXml(source: string): XmlElement {
  let position = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (message: string): never => {
    throw new XmlSyntaxError(message, position);
  };
  const skipSpace = () => {
    while (position < source.length && /\s/.test(source[position]!)) position++;
  };
  const readName = (): string => {
    const start = position;
    if (!nameStart.test(source[position] ?? '')) fail('expected a name');
    position++;
    while (position < source.length && nameChar.test(source[position]!)) position++;
    return source.slice(start, position);
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', position)) {
        const end = source.indexOf('-->', position + 4);
        if (end === -1) fail('unterminated comment');
        position = end + 3;
      } else if (source.startsWith('<?', position) && !source.startsWith('<?xml ', position)) {
        const end = source.indexOf('?>', position);
        if (end === -1) fail('unterminated processing instruction');
        position = end + 2;
      } else return;
    }
  };

  skipSpace();
  if (source.startsWith('<?xml', position)) {
    if (position !== (source.charCodeAt(0) === 0xfeff ? 1 : 0)) fail('XML declaration must come first');
    const end = source.indexOf('?>', position);
    if (end === -1) fail('unterminated XML declaration');
    position = end + 2;
  }
  skipMisc();
  if (source.startsWith('<!DOCTYPE', position)) fail('DOCTYPE is not allowed');
  if (source[position] !== '<') fail(position >= source.length ? 'empty document' : 'text before the root element');

  const parseElement = (): XmlElement => {
    position++; // <
    const name = readName();
    const attributes: Record<string, string> = {};
    for (;;) {
      const before = position;
      skipSpace();
      if (source.startsWith('/>', position)) {
        position += 2;
        return { type: 'element', name, attributes, children: [] };
      }
      if (source[position] === '>') {
        position++;
        break;
      }
      if (position === before) fail(`expected whitespace before an attribute of <${name}>`);
      const attribute = readName();
      skipSpace();
      if (source[position] !== '=') fail(`attribute '${attribute}' of <${name}> has no value`);
      position++;
      skipSpace();
      const quote = source[position];
      if (quote !== '"' && quote !== "'") fail(`attribute '${attribute}' of <${name}> is not quoted`);
      const end = source.indexOf(quote!, position + 1);
      if (end === -1) fail('unterminated attribute value');
      const raw = source.slice(position + 1, end);
      if (raw.includes('<')) fail(`'<' in attribute '${attribute}' of <${name}>`);
      if (Object.hasOwn(attributes, attribute)) fail(`duplicate attribute '${attribute}' on <${name}>`);
      // XML attribute-value normalisation: literal tabs and line breaks become spaces, references survive.
      attributes[attribute] = decodeEntities(raw.replace(/[\t\n\r]/g, ' '), position);
      position = end + 1;
    }
    const children: XmlNode[] = [];
    let text = '';
    const flush = () => {
      if (text !== '') children.push({ type: 'text', text });
      text = '';
    };
    for (;;) {
      if (position >= source.length) fail(`<${name}> is not closed`);
      if (source.startsWith('</', position)) {
        position += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`);
        skipSpace();
        if (source[position] !== '>') fail(`malformed </${closing}>`);
        position++;
        flush();
        return { type: 'element', name, attributes, children };
      }
      if (source.startsWith('<!--', position)) {
        const end = source.indexOf('-->', position + 4);
        if (end === -1) fail('unterminated comment');
        position = end + 3;
        continue;
      }
      if (source.startsWith('<![CDATA[', position)) {
        const end = source.indexOf(']]>', position);
        if (end === -1) fail('unterminated CDATA');
        text += source.slice(position + 9, end);
        position = end + 3;
        continue;
      }
      if (source[position] === '<') {
        flush();
        children.push(parseElement());
        continue;
      }
      const next = source.indexOf('<', position);
      const end = next === -1 ? source.length : next;
      text += decodeEntities(source.slice(position, end), position);
      position = end;
    }
  };

  const root = parseElement();
  skipMisc();
  if (position < source.length) fail('content after the root element');
  return root;
}

/** The element's text content, child text nodes joined (SSML children included). */
export function textOf(element: XmlElement): string {
  return element.children.map((child) => (child.type === 'text' ? child.text : textOf(child))).join('');
}

/** A canonical form for comparing documents: attributes sorted, whitespace-only text between elements dropped. */
export function canonicalXml(node: XmlNode): string {
  if (node.type === 'text') return node.text.replace(/[&<>]/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[character]!);
  const attributes = Object.keys(node.attributes)
    .sort()
    .map(
      (name) =>
        ` ${name}="${node.attributes[name]!.replace(/[&<"]/g, (character) => ({ '&': '&amp;', '<': '&lt;', '"': '&quot;' })[character]!)}"`,
    )
    .join('');
  const hasElements = node.children.some((child) => child.type === 'element');
  const children = node.children.filter((child) => !(hasElements && child.type === 'text' && child.text.trim() === ''));
  return `<${node.name}${attributes}>${children.map(canonicalXml).join('')}</${node.name}>`;
}
