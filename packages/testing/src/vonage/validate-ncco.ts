/** One NCCO action as the emulator reads it. */
export type RawAction = Record<string, unknown> & { action: string };

type Check = (value: unknown) => string | undefined;

const isString: Check = (value) => (typeof value === 'string' ? undefined : 'must be a string');
const isBoolean: Check = (value) => (typeof value === 'boolean' ? undefined : 'must be a boolean');
const number =
  (min: number, max: number, integer = false): Check =>
  (value) =>
    typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))
      ? `must be ${integer ? 'an integer' : 'a number'}`
      : value < min || value > max
        ? `must be between ${min} and ${max}`
        : undefined;
const oneOf =
  (...allowed: string[]): Check =>
  (value) =>
    typeof value === 'string' && allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`;
const urlArray =
  (exactlyOne: boolean): Check =>
  (value) => {
    if (!Array.isArray(value) || value.length === 0) return 'must be a non-empty array of URLs';
    if (exactlyOne && value.length !== 1) return 'must hold exactly one URL';
    return value.every((entry) => typeof entry === 'string' && /^https?:\/\//.test(entry)) ? undefined : 'must hold absolute http(s) URLs';
  };
const stringArray: Check = (value) =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'string') ? undefined : 'must be an array of strings';
const object =
  (fields: Record<string, Check>): Check =>
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
    for (const [key, inner] of Object.entries(value)) {
      const check = fields[key];
      if (!check) return `has unknown field '${key}'`;
      const problem = check(inner);
      if (problem) return `.${key} ${problem}`;
    }
    return undefined;
  };
const method = oneOf('GET', 'POST');

const endpoint: Check = (value) => {
  if (typeof value !== 'object' || value === null) return 'must be an object';
  const entry = value as Record<string, unknown>;
  switch (entry.type) {
    case 'phone':
      if (!(typeof entry.number === 'string' && /^[0-9]{6,15}$/.test(entry.number))) return '.number must be E.164 digits without +';
      // provider: dtmfAnswer digits with 'p' for a 500 ms pause; onAnswer { url (required), ringbackTone } (NCCO reference, connect → phone endpoint).
      if (entry.dtmfAnswer !== undefined && !(typeof entry.dtmfAnswer === 'string' && /^[0-9*#p]+$/.test(entry.dtmfAnswer)))
        return '.dtmfAnswer must be digits, * # and p';
      if (entry.onAnswer !== undefined) {
        const onAnswer = entry.onAnswer as Record<string, unknown> | null;
        if (typeof onAnswer !== 'object' || onAnswer === null || typeof onAnswer.url !== 'string' || !/^https?:\/\//.test(onAnswer.url))
          return '.onAnswer.url must be an absolute http(s) URL';
        const unknown = Object.keys(onAnswer).find((key) => key !== 'url' && key !== 'ringbackTone' && key !== 'ringback');
        if (unknown) return `.onAnswer has unknown field '${unknown}'`;
      }
      return undefined;
    case 'sip':
      return typeof entry.uri === 'string' && /^sips?:/.test(entry.uri) ? undefined : '.uri must be a sip: URI';
    case 'app':
      return typeof entry.user === 'string' ? undefined : '.user must be a string';
    case 'websocket':
      return typeof entry.uri === 'string' && /^wss?:/.test(entry.uri) ? undefined : '.uri must be a ws(s) URI';
    case 'vbc':
      return typeof entry.extension === 'string' ? undefined : '.extension must be a string';
    default:
      return `.type '${String(entry.type)}' is not an endpoint type`;
  }
};

/** Fields each action takes (from the NCCO reference), with the required ones. */
const schemas: Record<string, { fields: Record<string, Check>; required: string[] }> = {
  talk: {
    fields: {
      text: isString,
      bargeIn: isBoolean,
      loop: number(0, 100, true),
      level: number(-1, 1),
      language: isString,
      style: (value) => (typeof value === 'number' || typeof value === 'string' ? undefined : 'must be a number'),
      premium: isBoolean,
    },
    required: ['text'],
  },
  stream: {
    fields: { streamUrl: urlArray(true), level: number(-1, 1), bargeIn: isBoolean, loop: number(0, 100, true) },
    required: ['streamUrl'],
  },
  wait: { fields: { timeout: number(0.1, 7200) }, required: [] },
  input: {
    fields: {
      type: (value) =>
        Array.isArray(value) && value.length > 0 && value.every((entry) => entry === 'dtmf' || entry === 'speech')
          ? undefined
          : "must be a non-empty array of 'dtmf'/'speech'",
      dtmf: object({ timeOut: number(0, 10), maxDigits: number(1, 20, true), submitOnHash: isBoolean }),
      speech: object({
        uuid: stringArray,
        endOnSilence: number(0.4, 10),
        language: isString,
        context: stringArray,
        startTimeout: number(1, 60),
        maxDuration: number(1, 60),
        saveAudio: isBoolean,
        sensitivity: number(10, 100),
      }),
      eventUrl: urlArray(true),
      eventMethod: method,
      mode: oneOf('synchronous', 'asynchronous'),
    },
    // Vonage would post to the application's event_url; the emulator demands an explicit eventUrl as callflow always sends one.
    required: ['type', 'eventUrl'],
  },
  record: {
    fields: {
      format: oneOf('mp3', 'wav', 'ogg'),
      split: oneOf('conversation'),
      channels: number(1, 32, true),
      endOnSilence: number(3, 10),
      endOnKey: (value) => (typeof value === 'string' && /^[0-9*#]$/.test(value) ? undefined : 'must be one key of 0-9 * #'),
      timeOut: number(3, 7200),
      beepStart: isBoolean,
      eventUrl: urlArray(true),
      eventMethod: method,
      transcription: (value) => (typeof value === 'object' ? undefined : 'must be an object'),
    },
    required: [],
  },
  connect: {
    fields: {
      endpoint: (value) => (Array.isArray(value) && value.length === 1 ? endpoint(value[0]) : 'must hold exactly one endpoint'),
      from: (value) => (typeof value === 'string' && /^[0-9]{6,15}$/.test(value) ? undefined : 'must be a Vonage number (digits, no +)'),
      randomFromNumber: isBoolean,
      eventType: oneOf('synchronous'),
      timeout: number(1, 120, true),
      limit: number(1, 7200, true),
      machineDetection: oneOf('continue', 'hangup'),
      advancedMachineDetection: (value) => (typeof value === 'object' ? undefined : 'must be an object'),
      eventUrl: urlArray(true),
      eventMethod: method,
      ringbackTone: isString,
    },
    required: ['endpoint'],
  },
  conversation: {
    fields: {
      name: isString,
      musicOnHoldUrl: urlArray(true),
      startOnEnter: isBoolean,
      endOnExit: isBoolean,
      record: isBoolean,
      canSpeak: stringArray,
      canHear: stringArray,
      mute: isBoolean,
      transcription: (value) => (typeof value === 'object' ? undefined : 'must be an object'),
    },
    required: ['name'],
  },
  notify: {
    fields: {
      payload: (value) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'must be an object'),
      eventUrl: urlArray(true),
      eventMethod: method,
    },
    required: ['payload', 'eventUrl'],
  },
};

/** Checks an NCCO the way Vonage does before running it; returns every problem found (empty when valid). */
export function validateNcco(value: unknown): string[] {
  if (!Array.isArray(value)) return ['NCCO must be a JSON array'];
  const problems: string[] = [];
  value.forEach((raw, index) => {
    const where = `[${index}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${where} must be an object`);
      return;
    }
    const action = (raw as Record<string, unknown>).action;
    const schema = typeof action === 'string' ? schemas[action] : undefined;
    if (!schema) {
      problems.push(`${where}.action '${String(action)}' is not an NCCO action the emulator knows`);
      return;
    }
    for (const [key, inner] of Object.entries(raw)) {
      if (key === 'action') continue;
      const check = schema.fields[key];
      if (!check) {
        problems.push(`${where} ${action} has unknown field '${key}'`);
        continue;
      }
      const problem = check(inner);
      if (problem) problems.push(`${where} ${action}.${key} ${problem}`);
    }
    for (const key of schema.required) if (!(key in raw)) problems.push(`${where} ${action} needs '${key}'`);
    const entry = raw as Record<string, unknown>;
    if (action === 'talk' && typeof entry.text === 'string' && entry.text.replace(/<[^>]*>/g, '').length > 1500)
      problems.push(`${where} talk.text is longer than 1500 characters`);
    if (action === 'connect' && 'from' in entry && entry.randomFromNumber === true)
      problems.push(`${where} connect takes either from or randomFromNumber`);
    if (action === 'input' && Array.isArray(entry.type) && !entry.type.includes('dtmf') && 'dtmf' in entry)
      problems.push(`${where} input has dtmf settings but type has no 'dtmf'`);
    if (action === 'input' && Array.isArray(entry.type) && !entry.type.includes('speech') && 'speech' in entry)
      problems.push(`${where} input has speech settings but type has no 'speech'`);
  });
  // provider: bargeIn is sticky; after a barge-in talk/stream the next action that is not talk/stream must be input.
  let bargeIn = false;
  value.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null) return;
    const entry = raw as Record<string, unknown>;
    if ((entry.action === 'talk' || entry.action === 'stream') && entry.bargeIn === true) bargeIn = true;
    else if (entry.action === 'input') bargeIn = false;
    else if (bargeIn && entry.action !== 'talk' && entry.action !== 'stream') {
      problems.push(`[${index}] ${String(entry.action)} follows a bargeIn prompt; Vonage requires the next action to be input`);
      bargeIn = false;
    }
  });
  return problems;
}
