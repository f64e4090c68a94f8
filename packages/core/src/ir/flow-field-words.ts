// The words of the field table (flow-fields.ts): each worded field names its entry here by `words`. Only the checker
// that lists a wrong flow's problems (check-fields.ts, in the diagnostics chunk) reads them, so a flow that is right
// never loads them; `doc` is how docs/flow-format.md names the field's type.

/** What a field's problems say, and how the docs name its type. */
export interface FieldWords {
  /** When `pattern` or `test` fails (a text field), or no value or shape fits (one of a few values, a union, a function). */
  message?: string;
  /** When shorter than `minLength`. */
  tooShort?: string;
  /** When longer than `maxLength`. */
  tooLong?: string;
  /** How the docs name the type, when not derived ("absolute URL", "identifier"). */
  doc?: string;
}

/** The words of each worded field of the flow format, by the key its descriptor names. */
export const fieldWords = {
  absoluteUrl: { message: 'must be an absolute URL', doc: 'absolute URL' },
  oneKeyOrNone: { message: 'must be one key: 0-9, * or #, or empty for none', doc: "one key or ''" },
  identifier: { message: 'must be an identifier', doc: 'identifier' },
  name: { message: 'must be 1-64 letters, digits, _ . : or -', doc: 'name' },
  announcementTemplate: {
    message: 'must be 1-500 characters; the only placeholders are {position} and {waitMinutes}',
    doc: 'text with {position}, {waitMinutes}',
  },
  sayText: { tooShort: 'text must not be empty', tooLong: 'text is longer than 3000 characters; split it' },
  phoneNumber: { message: 'must be a phone number in E.164 form, e.g. +14155550100' },
  sipUri: { message: 'must be a SIP URI, e.g. sip:alice@example.com' },
  dtmfDigits: { message: 'must be 1-64 of 0-9, *, # and w (a half-second pause)', doc: 'DTMF digits' },
  acceptKey: { message: 'must be one key: 0-9, * or #', doc: 'one key' },
  escapeKey: { message: 'must be one key' },
  scheduleName: { doc: 'schedule name' },
  timeRange: { message: 'must be HH:MM-HH:MM, e.g. 09:00-17:30' },
  dayHours: { message: "must be 'closed', 'all-day' or a list of HH:MM-HH:MM ranges" },
  isoDate: { message: 'must be a date YYYY-MM-DD' },
  timezone: { message: 'unknown IANA time zone' },
  nodeId: { message: 'node ids are identifiers: letters, digits, _ and -' },
  version: { message: 'version must be 1' },
  dynamicNode: { message: 'must be a list of steps or a function' },
  nodeRef: { tooShort: 'node reference must not be empty', doc: 'node' },
} satisfies Record<string, FieldWords>;

/** The key of a field's words. */
export type FieldWordsKey = keyof typeof fieldWords;

/** The words of a descriptor (none when it names none). */
export function wordsOf(field: { words?: FieldWordsKey }): FieldWords {
  return field.words === undefined ? {} : fieldWords[field.words];
}
