export {
  callbackUrl,
  emptyTwiml,
  renderCalleeTwiml,
  renderEnqueueWait,
  renderScreenAnswerTwiml,
  renderTwiml,
  twilioAdapter,
  twilioDefaultHoldMusic,
  twimlWarnings,
} from './render-twiml.js';
export type { TwilioCallbackEvent, TwimlContext } from './render-twiml.js';
export { twilioCallFeatures } from './twilio-capabilities.js';
export { twilioCapabilities, twilioStepNotes } from './twilio-capability-notes.js';
export { dialStatusOf, isTwilioCallEnded, parseTwilioWebhook, queueResultOf, twilioCallInfo } from './parse-twilio-webhook.js';
export type { TwilioParams, TwilioWebhookKind } from './parse-twilio-webhook.js';
export {
  computeTwilioSignature,
  signTwilioRequest,
  twilioBodyHash,
  twilioSignaturePayload,
  twilioUrlCandidates,
  verifyTwilioSignature,
  withTwilioBodyHash,
} from './verify-twilio-signature.js';
export type { TwilioSignatureCheck, TwilioSignedRequest } from './verify-twilio-signature.js';
export { createTwilioHandler } from './twilio-handler.js';
export type { TwilioHandler } from './twilio-handler.js';
export { twilioActionUrl, twilioProvider, twilioSignedUrl } from './twilio-provider.js';
export type { TwilioExtras, TwilioHandlerOptions } from './twilio-provider.js';
export { readTwilioFields } from './read-twilio-form.js';
export type { TwilioFields } from './read-twilio-form.js';
export { connectAgentToQueue, dequeueTwilioCaller, moveTwilioCall, twilioNodeUrl } from './twilio-live-call.js';
export type { TwilioFlowEndpoint, TwilioLiveClient } from './twilio-live-call.js';
export { attributes, element, escapeAttribute, escapeText, textElement } from './xml.js';
export type { AttributeValue } from './xml.js';
export { startTwilioCall, twilioAnsweredBy } from './twilio-start-call.js';
export type { TwilioCallsClient } from './twilio-start-call.js';
