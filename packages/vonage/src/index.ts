export { renderNcco } from './render-ncco-complete.js';
export { parseVonageConnectEvent, parseVonageRecordEvent, renderCalleeNcco, toEndpoint } from './vonage-chunked-exports.js';
export {
  stringifyNcco,
  callbackUrl,
  queueConversationName,
  defaultQueuePrefix,
  vonageLimits,
  vonageWebhookPaths,
} from './render-ncco.js';
export type { RenderNccoContext } from './render-ncco.js';
export { nccoActions, mp3Format, synchronousEventType } from './ncco-types.js';
export type {
  Ncco,
  NccoAction,
  NccoConnect,
  NccoConversation,
  NccoDtmfSettings,
  NccoInput,
  NccoNotify,
  NccoPhoneEndpoint,
  NccoRecord,
  NccoSipEndpoint,
  NccoSpeechSettings,
  NccoStream,
  NccoTalk,
  NccoWait,
} from './ncco-types.js';
export { vonageAdapter, vonageCallFeatures } from './vonage-capabilities.js';
export { vonageCapabilities, vonageStepNotes } from './vonage-capability-notes.js';
export { parseVonageAnswer, parseVonageEvent, parseVonageInput } from './parse-vonage-webhook.js';
export type { VonageAnswerWebhook, VonageCallEvent, VonageInputWebhook, VonageRecordEvent } from './parse-vonage-webhook.js';
export type { VonageConnectEvent } from './parse-vonage-connect-event.js';
export {
  createVonageJwt,
  jtiSeenIn,
  queryPayload,
  sha256Hex,
  signVonageRequest,
  verifyVonageSignature,
  vonageJtiKeyPrefix,
} from './verify-vonage-signature.js';
export type {
  SignVonageRequestOptions,
  VerifyVonageSignatureOptions,
  VonageJwtClaims,
  VonageSignatureResult,
  VonageSignedRequest,
} from './verify-vonage-signature.js';
export { createVonageHandler } from './vonage-handler.js';
export type { VonageHandler } from './vonage-handler.js';
export { vonageCallInfo, vonageKeys, vonageProvider } from './vonage-provider.js';
export type { VonageHandlerOptions } from './vonage-provider.js';
export { addToQueue, createQueueControl, listQueue, removeFromQueue, takeFromQueue } from './vonage-queue-exports.js';
export type { QueueTarget, VonageQueueControl } from './vonage-queue-control.js';
export { transferCallToNcco, transferCallToUrl } from './vonage-live-call-exports.js';
export type { VonageVoiceClient } from './vonage-live-call.js';
export type { QueuedCaller } from './vonage-queue.js';
export { startVonageCall } from './vonage-start-call.js';
export type { VonageCallsClient, VonageFlowEndpoint, VonageOutboundCallRequest } from './vonage-start-call.js';
