import { assertValidFlow } from '../ir/validate-flow.js';
import type {
  ConferenceStep,
  DynamicNode,
  EnqueueStep,
  Flow,
  FlowDefaults,
  MachineDetection,
  GatherStep,
  GotoStep,
  HangupStep,
  HoursStep,
  MediaStep,
  PauseStep,
  PlayStep,
  RecordStep,
  RejectStep,
  SayStep,
  Schedule,
  Step,
  TransferStep,
  TransferTarget,
} from '../ir/types.js';

/** What `defineFlow` takes: node ids are inferred from `nodes`, so every reference is checked by the compiler. */
export interface FlowDefinition<N extends string, S extends string> {
  name: string;
  start: NoInfer<N>;
  nodes: { [K in N]: Step<NoInfer<N>, NoInfer<S>>[] | DynamicNode<NoInfer<N>, NoInfer<S>> };
  schedules?: { [K in S]: Schedule };
  defaults?: FlowDefaults;
  /** Routes of outbound calls placed with machine detection (`startCall`). */
  machineDetection?: MachineDetection<NoInfer<N>>;
}

/**
 * Defines a flow in TypeScript; validates it at once and throws `CallFlowError('invalid-flow')` listing every problem.
 * @example
 * const flow = defineFlow({
 *   name: 'hello',
 *   start: 'menu',
 *   nodes: {
 *     menu: [gather({ prompt: [say('Press 1 for sales.')], routes: { '1': 'sales' } })],
 *     sales: [say('Connecting you.'), transfer('+14155550100')],
 *   },
 * });
 */
export function defineFlow<const N extends string, const S extends string = never>(definition: FlowDefinition<N, S>): Flow<N, S> {
  const flow = { version: 1 as const, ...definition } as Flow<N, S>;
  assertValidFlow(flow as Flow);
  return flow;
}

type Options<T extends { type: string }, Omitted extends keyof T = never> = Omit<T, 'type' | Omitted>;

/** Speak text. */
export function say(text: string, options: Options<SayStep, 'text'> = {}): SayStep {
  return { type: 'say', text, ...options };
}

/** Play an audio URL. */
export function play(url: string, options: Options<PlayStep, 'url'> = {}): PlayStep {
  return { type: 'play', url, ...options };
}

/** Silence for some seconds. */
export function pause(seconds: number, options: Options<PauseStep, 'seconds'> = {}): PauseStep {
  return { type: 'pause', seconds, ...options };
}

/** Media as the DSL takes it: text to say, one media step or a list. */
type MediaInput = MediaStep[] | MediaStep | string;

function mediaSteps(media: MediaInput): MediaStep[] {
  return typeof media === 'string' ? [say(media)] : Array.isArray(media) ? media : [media];
}

/**
 * Collect digits or speech and route on them. `prompt`, `invalidPrompt` and `noInputPrompt` may be a single media step or text to say.
 * @example
 * gather({ prompt: 'Press 1 for appointments.', routes: { '1': 'appointments' }, noInput: { attempts: 2, then: 'operator' }, invalid: { attempts: 3, then: 'goodbye' } })
 */
export function gather<const N extends string = never>(
  options: Omit<GatherStep<N>, 'type' | 'prompt' | 'invalidPrompt' | 'noInputPrompt'> & {
    prompt: MediaInput;
    invalidPrompt?: MediaInput;
    noInputPrompt?: MediaInput;
  },
): GatherStep<NoInfer<N>> {
  const { prompt, ...rest } = options;
  // Spread first so the fields keep the order they were written in (the flow version hashes it).
  const step = { type: 'gather', prompt: mediaSteps(prompt), ...rest } as GatherStep<N>;
  if (rest.invalidPrompt !== undefined) step.invalidPrompt = mediaSteps(rest.invalidPrompt);
  if (rest.noInputPrompt !== undefined) step.noInputPrompt = mediaSteps(rest.noInputPrompt);
  return step;
}

/** Connect the caller to a number or SIP address. */
export function transfer<const N extends string = never>(
  to: TransferTarget,
  options: Options<TransferStep<N>, 'to'> = {},
): TransferStep<NoInfer<N>> {
  return { type: 'transfer', to, ...options };
}

/** Record the caller (voicemail). */
export function record<const N extends string = never>(options: Options<RecordStep<N>> = {}): RecordStep<NoInfer<N>> {
  return { type: 'record', ...options };
}

/** Wait in a named queue until an agent takes the call. */
export function enqueue<const N extends string = never>(
  queue: string,
  options: Options<EnqueueStep<N>, 'queue'> = {},
): EnqueueStep<NoInfer<N>> {
  return { type: 'enqueue', queue, ...options };
}

/** Join a conference room. */
export function conference<const N extends string = never>(
  room: string,
  options: Options<ConferenceStep<N>, 'room'> = {},
): ConferenceStep<NoInfer<N>> {
  return { type: 'conference', room, ...options };
}

/** Jump to a node. */
export function goto<const N extends string>(node: N): GotoStep<NoInfer<N>> {
  return { type: 'goto', node };
}

/** End the call. */
export function hangup(): HangupStep {
  return { type: 'hangup' };
}

/**
 * Decline an inbound call without answering it, as busy or rejected (default); the first thing a call does.
 * @example incoming: [reject({ reason: 'busy' })]
 */
export function reject(options: Options<RejectStep> = {}): RejectStep {
  return { type: 'reject', ...options };
}

/** Branch on business hours. */
export function hours<const N extends string, const S extends string>(
  schedule: S,
  targets: { open: N; closed: N; holiday?: N },
): HoursStep<NoInfer<N>, NoInfer<S>> {
  return { type: 'hours', schedule, ...targets };
}
