/** An attribute value; `undefined` leaves the attribute out. */
export type AttributeValue = string | number | boolean | undefined;

/** Escapes text content: `&`, `<`, `>` (so a caller-supplied string can never open an element). */
export function escapeText(text: string): string {
  return needsTextEscape.test(text) ? text.replace(/[&<>\r]/g, (character) => textEntities[character]!) : text;
}

/** Escapes an attribute value for double quotes, keeping tabs and line breaks as character references. */
export function escapeAttribute(value: string): string {
  return needsAttributeEscape.test(value) ? value.replace(/[&<>"\t\n\r]/g, (character) => attributeEntities[character]!) : value;
}

const needsTextEscape = /[&<>\r]/;
const needsAttributeEscape = /[&<>"\t\n\r]/;

const textEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const attributeEntities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

// XML 1.0 forbids most control characters even as references; drop them rather than emit a document Twilio rejects.
const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const hasForbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function clean(value: string): string {
  return hasForbidden.test(value) ? value.replace(forbidden, '') : value;
}

/** Serialises attributes in the order given, skipping `undefined`. */
export function attributes(values: Record<string, AttributeValue>): string {
  let out = '';
  for (const name in values) {
    const value = values[name];
    if (value === undefined) continue;
    out += typeof value === 'string' ? ` ${name}="${escapeAttribute(clean(value))}"` : ` ${name}="${value}"`;
  }
  return out;
}

/** One element: self-closing when it has no content; `content` is already-serialised XML. */
export function element(name: string, values: Record<string, AttributeValue>, content = ''): string {
  return content === '' ? `<${name}${attributes(values)}/>` : `<${name}${attributes(values)}>${content}</${name}>`;
}

/** One element whose content is text, escaped. */
export function textElement(name: string, values: Record<string, AttributeValue>, text: string): string {
  return element(name, values, escapeText(clean(text)));
}
