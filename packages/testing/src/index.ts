export { spoken } from './script.js';
export type { CallerAction, CallScript, CallTranscript, TranscriptEntry, TransferScript } from './script.js';
