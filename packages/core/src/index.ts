export { CallFlowError, isCallFlowError, formatProblems } from './errors.js';
export type { CallFlowErrorCode, CallFlowErrorOptions, Problem, TokenFailure } from './errors.js';

export { isProviderName, providerEntry, providerNameList, providerNames, providerRegistry } from './providers/provider-registry.js';
export type { ProviderEntry, ProviderName } from './providers/provider-registry.js';

export { isMediaStep, isWaitingStep, stepTypes } from './ir/types.js';
export type {
  CallContext,
  ConferenceStep,
  DayHours,
  DynamicNode,
  EnqueueStep,
  Flow,
  FlowDefaults,
  GatherRetryLimit,
  MachineDetection,
  GatherStep,
  GotoStep,
  HangupStep,
  HoursStep,
  MediaStep,
  PauseStep,
  PlayStep,
  ProviderOptions,
  QueueAnnouncement,
  RecordStep,
  RejectStep,
  SayStep,
  Schedule,
  SpeechOptions,
  StaticFlow,
  Step,
  StepType,
  TransferScreen,
  TransferStep,
  TransferTarget,
  WaitingStep,
  Weekday,
} from './ir/types.js';
export { flowSchema, dynamicFlowSchema, scheduleSchema, stepSchema } from './ir/public-schemas.js';
export type { Schema, SchemaIssue } from './ir/public-schemas.js';
export { assertValidFlow, formatPath, invalidFlowError, loadFlowDiagnostics, stepReferences, validateFlow } from './ir/validate-flow.js';
export type { FlowValidation } from './ir/validate-flow.js';
export { checkFlowSource, loadYamlParser, parseFlow } from './ir/parse-flow.js';
export {
  defaultHoldMusicUrl,
  defaultQueueAnnouncement,
  defaultRingbackUrl,
  formatQueueAnnouncement,
  queueAnnouncementDue,
  queueAnnouncementOf,
} from './ir/queue-announcement.js';
export { assertProviderSupport, assertStepsSupported, unsupportedOptionsOf, unsupportedUses } from './provider/check-provider-support.js';
export type { UnsupportedUse } from './provider/check-provider-support.js';
export type { ParseFlowOptions } from './ir/parse-flow.js';
export { didYouMean, editDistance, nearest } from './ir/did-you-mean.js';

export {
  conference,
  defineFlow,
  enqueue,
  gather,
  goto,
  hangup,
  hours,
  pause,
  play,
  record,
  reject,
  say,
  transfer,
} from './dsl/define-flow.js';
export type { FlowDefinition } from './dsl/define-flow.js';

export { businessHoursLoaded, checkHours, isOpen, loadBusinessHours, nextChange } from './hours/business-hours.js';
export type { HoursStatus } from './hours/business-hours.js';

export { createEngine } from './engine/create-engine.js';
export { applyGather, gatherLimits, matchRoute, type GatherLimits } from './engine/apply-gather.js';
export type { GatherOutcome } from './engine/apply-gather.js';
export { defaultApology } from './engine/default-apology.js';
export type { CallPosition, Engine, EngineOptions } from './engine/create-engine.js';
export { flowVersionOf } from './engine/flow-version.js';
export type { CallInfo, DialStatus, Effect, Outcome, OutcomeType, PlannedMedia, PlannedWait, Turn } from './engine/types.js';
export { silentLogger } from './engine/adapter.js';
export { withCapabilityNotes } from './engine/capability-notes.js';
export type { Capabilities, Logger, ProviderAdapter, Rendered, StepCapability, Support, UnsupportedOption } from './engine/adapter.js';

export { signToken, verifyToken } from './token/call-token.js';
export type { CallState, TokenContent, TokenOptions } from './token/call-token.js';
export { base64UrlToBytes, base64UrlToText, base64UrlToTextUnchecked, bytesToBase64Url, textToBase64Url } from './token/base64url.js';
export { syncHmac } from './token/hmac.js';
export type { HmacAlgorithm, HmacEncoding, SyncHmac } from './token/hmac.js';

export { claimKey, claimOnce, claimStepByStep, setMany, updateJson } from './store/store.js';
export type { Store, StoreClaim, StoreClaimResult, StoreWrite, StoreWriteOptions } from './store/store.js';
export { createMemoryStore } from './store/memory-store.js';
export type { MemoryStore, MemoryStoreOptions } from './store/memory-store.js';
export { hasNativeQueues, queueOperationsOf, storeQueue } from './store/store-queue.js';
export type { QueueOperations, QueuePushOptions, StoreQueue } from './store/store-queue.js';
export { withKeyPrefix } from './store/prefixed-store.js';

export { toNodeListener, reencodedBodyHeader } from './http/node-bridge.js';
export type { NodeRequestLike, NodeResponseLike } from './http/node-bridge.js';
export { emptyReply, jsonReply, jsonTextReply, replyHandlerOf, responseOf, textReply, webHandler, xmlReply } from './http/reply.js';
export type { FetchHandler, Reply, ReplyHandler, WebhookRequest } from './http/reply.js';
export { textResponse } from './http/responses.js';
export { runEffects } from './http/handler-options.js';
export type { BaseHandlerOptions, Hook } from './http/handler-options.js';
export { requestFromEvent, toLambdaHandler } from './http/lambda.js';
export { loadOnce } from './runtime/load-once.js';
export { lazyNodeCrypto, loadNodeCrypto } from './runtime/node-crypto.js';
export type { NodeCryptoLike } from './runtime/node-crypto.js';
export type { ApiGatewayEvent, ApiGatewayResult } from './http/lambda.js';
export type { NodeListenerOptions } from './http/node-bridge.js';

export { createWebhookHandler, defaultMaxBodyBytes, defaultMaxFormFields } from './provider/create-webhook-handler.js';
export type { WebhookHandler } from './provider/create-webhook-handler.js';
export type {
  CommandDelivery,
  OptionProblem,
  OutboundAnswer,
  PositionAnswer,
  Provider,
  ProviderContext,
  ProviderHandlerOptions,
  ProviderInstance,
  RawWebhook,
  RefusalReason,
  RenderInput,
  ReplyDelivery,
  Verdict,
  WebhookEvent,
} from './provider/provider.js';
export { retryLaterReason } from './provider/provider.js';
export {
  checkHandlerOptions,
  commonOptionFaults,
  commonOptionProblems,
  type OptionFault,
  requiredCredential,
} from './provider/check-handler-options.js';
export { consoleLogger, redactingLogger, refusalLogger } from './provider/webhook-logger.js';
export { countFormFields, readWebhookBody } from './provider/read-webhook-body.js';
export type { BodyFailure, LimitedBodySource } from './provider/read-webhook-body.js';
export { createReplyOnce, endedPosition } from './provider/reply-once.js';
export { createCallEvents } from './provider/call-events.js';
export type { AnsweredBy, CallEvent, CallEventHook, CallEventReport, CallEvents, EndedBy } from './provider/call-events.js';
export { answerRoute, checkStartCall, outboundCallId, signOutboundStart } from './provider/outbound-start.js';
export type { CallFeature, CallFeatures, OutboundStart, OutboundTarget, StartCallOptions } from './provider/outbound-start.js';
export type { PositionClaim, ReplyOnce, ReplyWork } from './provider/reply-once.js';
