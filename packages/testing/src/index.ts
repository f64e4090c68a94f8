export { calleeKey, calleeOf, nextCallerAction, spoken } from './script.js';
export type {
  CalleeBehaviour,
  CallerAction,
  CallScript,
  CallTranscript,
  OutboundPickup,
  TranscriptEntry,
  TransferScript,
} from './script.js';
export { createTwilioEmulator } from './twilio/create-twilio-emulator.js';
export type { TwilioEmulator, TwilioEmulatorOptions, TwilioEmulatorRequest } from './twilio/create-twilio-emulator.js';
export { canonicalXml, parseXml, textOf, XmlSyntaxError } from './twilio/parse-xml.js';
export type { XmlElement, XmlNode, XmlText } from './twilio/parse-xml.js';
export { validateTwiml } from './twilio/validate-twiml.js';
export { storeConformanceCases } from './store-conformance.js';
export type { StoreConformanceCase, StoreConformanceClock } from './store-conformance.js';
export { createVonageEmulator } from './vonage/create-vonage-emulator.js';
export type { VonageEmulator, VonageEmulatorOptions, VonageEmulatorRequest } from './vonage/create-vonage-emulator.js';
export { validateNcco } from './vonage/validate-ncco.js';
export { createVonageRestClient } from './vonage/vonage-rest-client.js';
export { createTelnyxEmulator } from './telnyx/create-telnyx-emulator.js';
export type {
  EmulatedConference,
  TelnyxApiRequest,
  TelnyxCallOptions,
  TelnyxDeliveryOptions,
  TelnyxEmulator,
  TelnyxEmulatorOptions,
} from './telnyx/create-telnyx-emulator.js';
export { createTelnyxWebhookSigner } from './telnyx/sign-telnyx-webhook.js';
export type { TelnyxWebhookSigner } from './telnyx/sign-telnyx-webhook.js';
export { simulateCall, simulatedProviders } from './simulate-call.js';
export type { SimulateCallOptions, SimulateServerCallOptions, SimulatedCall, SimulatedProvider } from './simulate-call.js';
export { callflowMatchers } from './matchers.js';
export type { CallflowMatchers } from './matchers.js';
export {
  conformanceContext,
  conformanceFlow,
  expectStepGolden,
  handlerConformanceCases,
  handlerStepGoldens,
} from './handler-conformance.js';
export type {
  ConformanceProvider,
  HandlerConformanceCase,
  HandlerConformanceDriver,
  HandlerConformanceSubject,
  HandlerConformanceSubjectOptions,
  StepGoldens,
} from './handler-conformance.js';
export { startInteractiveCall } from './interactive-call.js';
export type { CallExchange, CallOutcomes, InteractiveCall, InteractiveCallOptions } from './interactive-call.js';
