export { spoken } from './script.js';
export type { CallerAction, CallScript, CallTranscript, TranscriptEntry, TransferScript } from './script.js';
export { createTwilioEmulator } from './twilio/create-twilio-emulator.js';
export type { TwilioEmulator, TwilioEmulatorOptions, TwilioEmulatorRequest } from './twilio/create-twilio-emulator.js';
export { canonicalXml, parseXml, textOf, XmlSyntaxError } from './twilio/parse-xml.js';
export type { XmlElement, XmlNode, XmlText } from './twilio/parse-xml.js';
export { validateTwiml } from './twilio/validate-twiml.js';
