export {
  continuationStates,
  loadTelnyxPlanning,
  nativeGatherRetries,
  planCommands,
  splitGatherPrompt,
  telnyxVoice,
} from './plan-commands.js';
export type {
  NativeGatherRetries,
  PlanCommandsOptions,
  TelnyxAction,
  TelnyxCommand,
  TelnyxConferenceBody,
  TelnyxResumeEvent,
} from './plan-commands.js';
export { telnyxCallFeatures } from './telnyx-capabilities.js';
export { telnyxCapabilities, telnyxStepNotes } from './telnyx-capability-notes.js';
export { dialStatusOf, parseTelnyxEvent } from './parse-telnyx-event.js';
export type { ParsedTelnyxEvent, TelnyxEvent } from './parse-telnyx-event.js';
export {
  generateTelnyxKeyPair,
  signTelnyxEvent,
  telnyxSignatureHeader,
  telnyxTimestampHeader,
  verifyTelnyxSignature,
} from './verify-telnyx-signature.js';
export type { TelnyxKeyPair, TelnyxSignatureCheck, TelnyxSignatureFailure, VerifyTelnyxSignatureInput } from './verify-telnyx-signature.js';
export { executeCommands, forgetConference, roomKey } from './execute-commands.js';
export type {
  ExecuteCommandsOptions,
  ExecutionReport,
  TelnyxCallActions,
  TelnyxClient,
  TelnyxDialParams,
  TelnyxRequestOptions,
} from './execute-commands.js';
export { createCallControlClient } from './call-control-client.js';
export type { CallControlClientOptions, CallControlRequestError } from './call-control-client.js';
export { createTelnyxHandler } from './telnyx-handler.js';
export type { TelnyxHandler } from './telnyx-handler.js';
export { telnyxProvider } from './telnyx-provider.js';
export type { TelnyxExtras, TelnyxHandlerOptions } from './telnyx-provider.js';
export { createTelnyxDelivery, telnyxPositionKey } from './telnyx-delivery.js';
export type { TelnyxDeliveryOptions, TelnyxHandle } from './telnyx-delivery.js';
export { commandIdOf, decodeClientState, encodeClientState, maxClientStateLength } from './client-state.js';
export type { ClientState } from './client-state.js';
export { startTelnyxCall } from './telnyx-start-call.js';
export type { TelnyxDialClient, TelnyxStartCallOptions } from './telnyx-start-call.js';
