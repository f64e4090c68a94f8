import type { XmlElement } from './parse-xml.js';

/** Verbs Twilio accepts under `<Response>` in a voice document. */
export const twilioVoiceVerbs = new Set([
  'Say',
  'Play',
  'Pause',
  'Gather',
  'Record',
  'Dial',
  'Enqueue',
  'Leave',
  'Hangup',
  'Redirect',
  'Reject',
  'Refer',
  'Connect',
  'Start',
  'Stop',
  'Pay',
  'Prompt',
  'Sms',
  'Echo',
]);

/** Verbs the emulator can run; the others are valid TwiML it reports as not emulated. */
export const emulatedVerbs = new Set([
  'Say',
  'Play',
  'Pause',
  'Gather',
  'Record',
  'Dial',
  'Enqueue',
  'Leave',
  'Hangup',
  'Redirect',
  'Reject',
]);

/** The verbs a `<Conference waitUrl>` document may hold (provider: https://www.twilio.com/docs/api/errors/13238). */
export const conferenceWaitVerbs = new Set(['Say', 'Play', 'Pause', 'Redirect']);

/** Verbs allowed in an `<Enqueue waitUrl>` document (twilio.com/docs/voice/twiml/enqueue#attributes-waiturl). */
export const waitUrlVerbs = new Set(['Say', 'Play', 'Pause', 'Hangup', 'Redirect', 'Leave', 'Gather']);

const ssml = new Set(['break', 'emphasis', 'lang', 'p', 'phoneme', 'prosody', 's', 'say-as', 'sub', 'w', 'amazon:effect', 'amazon:domain']);
const dialNouns = new Set(['Number', 'Client', 'Sip', 'Conference', 'Queue', 'Sim', 'Application', 'WhatsApp']);

const integerAttributes: Record<string, string[]> = {
  Say: ['loop'],
  Play: ['loop'],
  Pause: ['length'],
  Gather: ['timeout', 'numDigits', 'maxSpeechTime'],
  Record: ['timeout', 'maxLength'],
  Dial: ['timeout', 'timeLimit'],
  Conference: ['maxParticipants'],
};
const booleanAttributes: Record<string, string[]> = {
  Gather: ['actionOnEmptyResult', 'bargeIn', 'profanityFilter', 'enhanced', 'debug'],
  Record: ['playBeep', 'transcribe'],
  Dial: ['answerOnBridge', 'hangupOnStar'],
  Conference: ['startConferenceOnEnter', 'endConferenceOnExit', 'muted'],
};
const enumAttributes: Record<string, Record<string, RegExp>> = {
  Gather: {
    input: /^(dtmf|speech|dtmf speech|speech dtmf)$/,
    finishOnKey: /^[0-9#*]?$/,
    method: /^(GET|POST)$/,
    speechTimeout: /^(auto|\d+)$/,
  },
  Record: { method: /^(GET|POST)$/, finishOnKey: /^[0-9#*]*$/ },
  Dial: {
    method: /^(GET|POST)$/,
    record: /^(do-not-record|record-from-answer|record-from-ringing|record-from-answer-dual|record-from-ringing-dual|true|false)$/,
  },
  Enqueue: { method: /^(GET|POST)$/, waitUrlMethod: /^(GET|POST)$/ },
  Redirect: { method: /^(GET|POST)$/ },
  Conference: { beep: /^(true|false|onEnter|onExit)$/ },
  Reject: { reason: /^(rejected|busy)$/ },
  // provider: <Number sendDigits url method> and <Sip url method> (https://www.twilio.com/docs/voice/twiml/number; twilio SDK VoiceResponse.SipAttributes).
  Number: { method: /^(GET|POST)$/, sendDigits: /^[0-9#*w]+$/ },
  Sip: { method: /^(GET|POST)$/ },
};

function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => child.type === 'element');
}

function hasText(element: XmlElement): boolean {
  return element.children.some((child) => child.type === 'text' && child.text.trim() !== '');
}

function checkAttributes(element: XmlElement, path: string, problems: string[]): void {
  for (const name of integerAttributes[element.name] ?? []) {
    const value = element.attributes[name];
    if (value !== undefined && !/^\d+$/.test(value)) problems.push(`${path}: ${name}="${value}" is not a whole number`);
  }
  for (const name of booleanAttributes[element.name] ?? []) {
    const value = element.attributes[name];
    if (value !== undefined && value !== 'true' && value !== 'false') problems.push(`${path}: ${name}="${value}" is not true or false`);
  }
  for (const [name, pattern] of Object.entries(enumAttributes[element.name] ?? {})) {
    const value = element.attributes[name];
    if (value !== undefined && !pattern.test(value)) problems.push(`${path}: ${name}="${value}" is not an allowed value`);
  }
}

function checkLeaf(element: XmlElement, path: string, problems: string[], needsText: boolean): void {
  if (childElements(element).length) problems.push(`${path}: <${element.name}> cannot contain <${childElements(element)[0]!.name}>`);
  if (needsText && !hasText(element)) problems.push(`${path}: <${element.name}> needs text content`);
  if (!needsText && hasText(element)) problems.push(`${path}: <${element.name}> takes no text`);
}

function checkSay(element: XmlElement, path: string, problems: string[]): void {
  const walk = (node: XmlElement) => {
    for (const child of childElements(node)) {
      if (!ssml.has(child.name)) problems.push(`${path}: <${child.name}> is not allowed in <Say>`);
      else walk(child);
    }
  };
  walk(element);
}

function checkVerb(verb: XmlElement, path: string, problems: string[]): void {
  checkAttributes(verb, path, problems);
  switch (verb.name) {
    case 'Say':
      checkSay(verb, path, problems);
      return;
    case 'Play':
      if (childElements(verb).length) problems.push(`${path}: <Play> cannot contain elements`);
      if (!hasText(verb) && verb.attributes.digits === undefined) problems.push(`${path}: <Play> needs a URL or digits`);
      return;
    case 'Redirect':
    case 'Enqueue':
      checkLeaf(verb, path, problems, verb.name === 'Redirect' || verb.attributes.workflowSid === undefined);
      return;
    case 'Pause':
    case 'Hangup':
    case 'Leave':
    case 'Reject':
    case 'Record':
      checkLeaf(verb, path, problems, false);
      return;
    case 'Gather':
      if (hasText(verb)) problems.push(`${path}: <Gather> takes no text; nest <Say> or <Play>`);
      childElements(verb).forEach((child, index) => {
        const childPath = `${path}/${child.name}[${index}]`;
        if (child.name !== 'Say' && child.name !== 'Play' && child.name !== 'Pause')
          problems.push(`${childPath}: <${child.name}> is not allowed in <Gather> (only Say, Play, Pause)`);
        else checkVerb(child, childPath, problems);
      });
      return;
    case 'Dial': {
      const nouns = childElements(verb);
      if (nouns.length === 0 && !hasText(verb)) problems.push(`${path}: <Dial> needs a number or a noun`);
      if (nouns.length > 0 && hasText(verb)) problems.push(`${path}: <Dial> mixes text with nouns`);
      nouns.forEach((noun, index) => {
        const nounPath = `${path}/${noun.name}[${index}]`;
        if (!dialNouns.has(noun.name)) problems.push(`${nounPath}: <${noun.name}> is not allowed in <Dial>`);
        else {
          checkAttributes(noun, nounPath, problems);
          if (noun.name !== 'Client' && noun.name !== 'Application') checkLeaf(noun, nounPath, problems, true);
        }
      });
      if (nouns.filter((noun) => noun.name === 'Conference' || noun.name === 'Queue').length > 0 && nouns.length > 1) {
        problems.push(`${path}: <Conference> and <Queue> must be the only noun in <Dial>`);
      }
      return;
    }
    default:
      return;
  }
}

/**
 * Checks a parsed document the way Twilio would before running it: `<Response>` root, known verbs, legal nesting,
 * well-typed attributes. Returns every problem found (empty when the document is accepted).
 */
export function validateTwiml(root: XmlElement, options: { allowed?: ReadonlySet<string> } = {}): string[] {
  const problems: string[] = [];
  if (root.name !== 'Response') return [`root element is <${root.name}>, not <Response>`];
  if (hasText(root)) problems.push('Response: text directly inside <Response>');
  const allowed = options.allowed ?? twilioVoiceVerbs;
  childElements(root).forEach((verb, index) => {
    const path = `Response/${verb.name}[${index}]`;
    if (!twilioVoiceVerbs.has(verb.name)) problems.push(`${path}: unknown verb <${verb.name}>`);
    else if (!allowed.has(verb.name)) problems.push(`${path}: <${verb.name}> is not allowed here`);
    else checkVerb(verb, path, problems);
  });
  return problems;
}
