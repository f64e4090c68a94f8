import { CallFlowError, isCallFlowError } from '../errors.js';
import { businessHoursLoaded, checkHours, loadBusinessHours } from '../hours/business-hours.js';
import { fastCheckStep, refused as refusedStep } from '../ir/fast-check.js';
import { assertValidFlow, flowDiagnosticsLoaded, stepReferences } from '../ir/validate-flow.js';
import type { DynamicNode, Flow, GatherStep, MediaStep, SayStep, Step, WaitingStep } from '../ir/types.js';
import { isWaitingStep } from '../ir/types.js';
import {
  secretsOf,
  signCallState,
  signToken,
  verifyCallToken,
  type CallState,
  type TokenContent,
  type TokenOptions,
} from '../token/call-token.js';
import { applyGather } from './apply-gather.js';
import { defaultApology } from './default-apology.js';
import { flowVersionOf } from './flow-version.js';
import { moveTo } from './move-to.js';
import type { CallInfo, Effect, Outcome, PlannedMedia, Turn } from './types.js';

/** Engine settings. */
export interface EngineOptions {
  /** HMAC secret(s) for continuation tokens; first signs, all verify. */
  secret: string | readonly string[];
  /** The clock, injected; default `Date.now`. */
  now?: () => number;
  /** Seconds a continuation token stays valid; default 86,400. */
  tokenTtlSeconds?: number;
  /** Goto/hours hops allowed in one turn before the flow is declared stuck; default 100. */
  maxHops?: number;
  /** Called when the flow fails and the caller hears the apology. */
  onError?: (error: CallFlowError, call: CallInfo) => void;
}

/** A compiled flow that plans turns. Pure apart from the injected clock and dynamic nodes. */
export interface Engine {
  readonly flow: Flow;
  /** Short hash of the flow's static content, carried in tokens. */
  readonly flowVersion: string;
  /** The first turn of a new call. */
  start(call: CallInfo): Promise<Turn>;
  /** The next turn after the provider reports `outcome` for the position in `token`. */
  resume(token: string, outcome: Outcome, call: CallInfo): Promise<Turn>;
  /** A turn that starts at `node` (moving a live call), keeping `vars`. */
  goTo(node: string, call: CallInfo, vars?: Record<string, string>): Promise<Turn>;
  /** Verifies a token and returns its state and the step it points at. */
  inspect(token: string, call: CallInfo): Promise<CallPosition>;
  /** `resume` from a position `inspect` returned, without verifying the token a second time. */
  resumeAt(position: { state: CallState }, outcome: Outcome, call: CallInfo): Promise<Turn>;
  /**
   * The turn for a token `inspect` refused, as `resume` would give it: an authentic token whose position a redeployed
   * flow no longer has ends the call with the apology (or quietly, when the caller hung up); any other refusal is thrown again.
   */
  refusedTurn(error: unknown, call: CallInfo, options?: { hungUp?: boolean }): Promise<Turn>;
  /** The apology turn for a failure outside the flow (the caller hears `flow.defaults.apology`, then the call ends). */
  apology(call: CallInfo, error: CallFlowError): Turn;
  /** Signs a state into a token for `call` (command providers sign one per played step). */
  sign(state: CallState, call: CallInfo): Promise<string>;
}

/** The step of the position after an apology: nothing is left to play, the call ends. */
const endOfCall = -1;

/**
 * Compiles a flow into an engine. Validates the flow first.
 * @example
 * const engine = createEngine(flow, { secret: process.env.CALLFLOW_SECRET! });
 * const turn = await engine.start({ callId: 'CA123' });
 */
export function createEngine(flow: Flow, options: EngineOptions): Engine {
  assertValidFlow(flow);
  const flowVersion = flowVersionOf(flow);
  const now = options.now ?? Date.now;
  const tokenOptions: TokenOptions = { secret: options.secret, ttlSeconds: options.tokenTtlSeconds, now };
  const maxHops = options.maxHops ?? 100;
  // Fail at construction, not on the first call, when the secret is unusable.
  secretsOf(tokenOptions);
  // A flow with schedules starts loading luxon (its own chunk) now, so its first hours check rarely waits; a flow
  // without never loads it. A failed load is retried, and reported, by the first hours step that needs it.
  if (flow.schedules && Object.keys(flow.schedules).length > 0 && !businessHoursLoaded()) loadBusinessHours().catch(() => {});

  /** Steps of a node; synchronous for static nodes so the common path never waits on a microtask. */
  function stepsOf(node: string, call: CallInfo, vars: Record<string, string>): Step[] | Promise<Step[]> {
    const definition = flow.nodes[node];
    if (definition === undefined) throw new CallFlowError('flow-failed', `unknown node '${node}'`, { node });
    if (typeof definition !== 'function') return definition;
    return evaluateDynamic(definition, node, call, vars);
  }

  async function evaluateDynamic(definition: DynamicNode, node: string, call: CallInfo, vars: Record<string, string>): Promise<Step[]> {
    let steps: Step[];
    try {
      steps = await definition({ callId: call.callId, from: call.from, to: call.to, provider: call.provider, vars, now: new Date(now()) });
    } catch (error) {
      throw new CallFlowError('flow-failed', `dynamic node '${node}' threw: ${error instanceof Error ? error.message : String(error)}`, {
        node,
        cause: error,
      });
    }
    if (!Array.isArray(steps)) throw new CallFlowError('flow-failed', `dynamic node '${node}' did not return a list of steps`, { node });
    return assertDynamicSteps(steps, node);
  }

  async function assertDynamicSteps(steps: Step[], node: string): Promise<Step[]> {
    // Check only what the node returned: each step's shape, and that the nodes and schedule it names exist. Right steps
    // pass without the diagnostics chunk; the words for wrong ones come from it, loaded then (on every runtime).
    if (steps.every((step) => fastCheckStep(step) !== refusedStep && referencesExist(step))) return steps;
    const problems = (await flowDiagnosticsLoaded()).dynamicStepProblems(steps, flow);
    if (problems.length) {
      throw new CallFlowError('flow-failed', `dynamic node '${node}' returned invalid steps: ${problems.join('; ')}`, { node });
    }
    return steps;
  }

  function referencesExist(step: Step): boolean {
    for (const reference of stepReferences(step)) if (!(reference.node in flow.nodes)) return false;
    return step.type !== 'hours' || step.schedule in (flow.schedules ?? {});
  }

  // Steps without templates get the same defaulted copy every time: compute it once.
  const defaulted = new WeakMap<MediaStep, MediaStep>();

  function withDefaults<T extends MediaStep>(step: T, vars: Record<string, string>): T {
    if (step.type !== 'say') return step;
    const templated = step.text.includes('{{');
    if (!templated) {
      const cached = defaulted.get(step);
      if (cached) return cached as T;
    }
    const say: SayStep = { ...step, text: templated ? interpolate(step.text, vars) : step.text };
    if (say.voice === undefined && flow.defaults?.voice) say.voice = flow.defaults.voice;
    if (say.language === undefined && flow.defaults?.language) say.language = flow.defaults.language;
    if (!templated) defaulted.set(step, say);
    return say as T;
  }

  /**
   * Plays on from `from` until a step waits or the call ends. Synchronous while the nodes are static and the HMAC is
   * (node:crypto); a dynamic node or WebCrypto continues the same walk after its promise.
   */
  function plan(
    from: CallState,
    call: CallInfo,
    effects: Effect[],
    media: PlannedMedia[] = [],
    hops = 0,
    resolved?: Step[],
    unanswered = false,
  ): Turn | Promise<Turn> {
    if (from.step === endOfCall) return { call, steps: media, ended: true, effects, node: from.node };
    let state: CallState = { ...from };
    for (;;) {
      let steps = resolved;
      resolved = undefined;
      if (steps === undefined) {
        const found = stepsOf(state.node, call, state.vars);
        if (!Array.isArray(found)) {
          const at = state;
          const hopsSoFar = hops;
          return found.then((dynamic) => plan(at, call, effects, media, hopsSoFar, dynamic, unanswered));
        }
        steps = found;
      }
      const step = steps[state.step];
      if (step === undefined) return { call, steps: media, ended: true, effects, node: state.node };
      switch (step.type) {
        case 'say':
        case 'play':
        case 'pause':
          state = { ...state, step: state.step + 1, kind: 'media', promptOffset: 0, reask: undefined };
          media.push({ step: withDefaults(step, state.vars), after: state });
          continue;
        case 'goto':
          if (++hops > maxHops) throw tooManyHops(maxHops, step.node);
          state = { ...state, node: step.node, step: 0, kind: 'media', promptOffset: 0, reask: undefined };
          continue;
        case 'hours': {
          const schedule = flow.schedules?.[step.schedule];
          if (!schedule) throw new CallFlowError('flow-failed', `unknown schedule '${step.schedule}'`, { node: state.node });
          if (!businessHoursLoaded()) {
            // The first hours check of this process: load luxon, then continue the same walk at this step.
            const at = state;
            const hopsSoFar = hops;
            const current = steps;
            return loadBusinessHours().then(() => plan(at, call, effects, media, hopsSoFar, current, unanswered));
          }
          const status = checkHours(schedule, now(), { withNextChange: false });
          const target = status.open ? step.open : status.source === 'holiday' ? (step.holiday ?? step.closed) : step.closed;
          if (++hops > maxHops) throw tooManyHops(maxHops, target);
          state = { ...state, node: target, step: 0, kind: 'media', promptOffset: 0, reask: undefined };
          continue;
        }
        case 'hangup':
          return { call, steps: media, ended: true, effects, node: state.node };
        case 'reject':
          // Declining is only possible before anything answers the call: in the first turn, before any media.
          if (!unanswered || media.length > 0) {
            throw new CallFlowError(
              'flow-failed',
              `reject at ${state.node}[${state.step}] after the call was answered; reject must come before anything plays`,
              { node: state.node },
            );
          }
          return { call, steps: [], ended: true, rejected: step.reason ?? 'rejected', effects, node: state.node };
        default: {
          const waitState: CallState = { ...state, kind: step.type };
          const wait = { step: step.type === 'gather' ? gatherForTurn(step, waitState) : step, state: waitState };
          const node = state.node;
          const token = signCallState(waitState, { callId: call.callId, flowVersion }, tokenOptions);
          if (typeof token !== 'string')
            return token.then((signed): Turn => ({ call, steps: media, wait, token: signed, ended: false, effects, node }));
          return { call, steps: media, wait, token, ended: false, effects, node };
        }
      }
    }
  }

  // A gather asked for the first time, with no templated prompt, is the same defaulted copy every time: built once.
  const plainGathers = new WeakMap<GatherStep, GatherStep>();

  function gatherForTurn(step: GatherStep, state: CallState): GatherStep {
    const plain = state.reask === undefined && state.promptOffset === 0;
    if (plain) {
      const cached = plainGathers.get(step);
      if (cached) return cached;
    }
    const out = defaultedGather(step, state);
    if (plain && !step.prompt.some((media) => media.type === 'say' && media.text.includes('{{'))) plainGathers.set(step, out);
    return out;
  }

  function defaultedGather(step: GatherStep, state: CallState): GatherStep {
    const extra = state.reask === 'invalid' ? (step.invalidPrompt ?? []) : state.reask === 'no-input' ? (step.noInputPrompt ?? []) : [];
    const prompt = [...extra, ...step.prompt].slice(state.promptOffset).map((media) => withDefaults(media, state.vars));
    const speech =
      step.speech && step.speech.language === undefined && flow.defaults?.language
        ? { ...step.speech, language: flow.defaults.language }
        : step.speech;
    const out: GatherStep = { ...step, prompt };
    if (speech) out.speech = speech;
    return out;
  }

  function applyOutcome(state: CallState, step: WaitingStep, outcome: Outcome, call: CallInfo, effects: Effect[]): CallState | 'end' {
    switch (step.type) {
      case 'gather':
        if (outcome.type !== 'digits' && outcome.type !== 'speech' && outcome.type !== 'no-input') throw mismatch(outcome, step, state);
        return applyGather(state, step, outcome);
      case 'transfer': {
        if (outcome.type !== 'dial') throw mismatch(outcome, step, state);
        if (outcome.status === 'completed') return moveTo(state, step.then, 'end');
        if (outcome.status === 'busy') return moveTo(state, step.onBusy ?? step.onFailed, 'next');
        if (outcome.status === 'no-answer') return moveTo(state, step.onNoAnswer ?? step.onFailed, 'next');
        return moveTo(state, step.onFailed, 'next');
      }
      case 'record': {
        if (outcome.type !== 'recording') throw mismatch(outcome, step, state);
        const vars = step.saveAs && outcome.url ? { ...state.vars, [step.saveAs]: outcome.url } : state.vars;
        state = { ...state, vars };
        if (step.notify) {
          effects.push({
            type: 'notify',
            hook: step.notify,
            call,
            node: state.node,
            recording: { url: outcome.url, durationSeconds: outcome.durationSeconds },
            vars,
          });
        }
        return moveTo(state, step.then, 'next');
      }
      case 'enqueue': {
        if (outcome.type !== 'queue') throw mismatch(outcome, step, state);
        if (outcome.result === 'bridged') return moveTo(state, step.then, 'end');
        if (outcome.result === 'hangup') return 'end';
        if (outcome.result === 'timeout') return moveTo(state, step.onTimeout, 'next');
        if (outcome.result === 'left' && step.escape && (outcome.digit === undefined || outcome.digit === step.escape.digit))
          return moveTo(state, step.escape.to, 'next');
        return moveTo(state, undefined, 'next');
      }
      case 'conference':
        if (outcome.type !== 'conference') throw mismatch(outcome, step, state);
        return moveTo(state, step.then, 'next');
    }
  }

  function apology(call: CallInfo, error: CallFlowError, node: string): Turn {
    options.onError?.(error, call);
    const text = flow.defaults?.apology ?? defaultApology;
    const step: SayStep = { type: 'say', text };
    if (flow.defaults?.voice) step.voice = flow.defaults.voice;
    if (flow.defaults?.language) step.language = flow.defaults.language;
    // After the apology the call ends: step -1 is that position (command providers resume there once it has played),
    // at the start node, which always exists, so it never leads back into the failing node or a removed one.
    return {
      call,
      steps: [{ step, after: { node: flow.start, step: endOfCall, kind: 'media', tries: {}, vars: {}, promptOffset: 0 } }],
      ended: true,
      effects: [],
      error,
      node,
    };
  }

  /** Runs a turn, turning a flow failure into the apology; a synchronous turn answers without an extra promise hop. */
  function guarded(call: CallInfo, node: string, run: () => Turn | Promise<Turn>): Promise<Turn> {
    try {
      const turn = run();
      return turn instanceof Promise ? turn.catch((error: unknown) => recovered(call, node, error)) : Promise.resolve(turn);
    } catch (error) {
      return new Promise((resolve) => resolve(recovered(call, node, error)));
    }
  }

  /** The apology for a failed flow; any other error (a refused token, a bad outcome) is thrown on. */
  function recovered(call: CallInfo, node: string, error: unknown): Turn {
    if (isCallFlowError(error) && error.code !== 'flow-failed') throw error;
    const failure = isCallFlowError(error)
      ? error
      : new CallFlowError('flow-failed', `flow failed: ${error instanceof Error ? error.message : String(error)}`, {
          node,
          cause: error,
        });
    return apology(call, failure, failure.node ?? node);
  }

  function open(token: string, call: CallInfo): CallPosition | Promise<CallPosition> {
    const content = verifyCallToken(token, call, tokenOptions);
    return content instanceof Promise ? content.then(locate) : locate(content);
  }

  function locate({ state }: TokenContent): CallPosition {
    const node = flow.nodes[state.node];
    if (node === undefined) {
      throw new CallFlowError('invalid-token', `token points at node '${state.node}', which this flow no longer has`, {
        reason: 'unknown-position',
        node: state.node,
      });
    }
    if (typeof node === 'function') return { state, step: undefined };
    const step = node[state.step];
    const fits = state.kind === 'media' ? state.step <= node.length : step !== undefined && step.type === state.kind;
    if (!fits) {
      throw new CallFlowError('invalid-token', `token points at ${state.node}[${state.step}], which is no longer a ${state.kind} step`, {
        reason: 'unknown-position',
        node: state.node,
      });
    }
    return { state, step };
  }

  /** A refused token: an authentic one for a position a redeployed flow no longer has ends the call politely, not with a 403. */
  async function refused(error: unknown, call: CallInfo, hungUp: boolean): Promise<Turn> {
    if (isCallFlowError(error, 'invalid-token') && error.reason === 'unknown-position') {
      return hungUp
        ? { call, steps: [], ended: true, effects: [], node: error.node ?? flow.start }
        : apology(call, error, error.node ?? flow.start);
    }
    throw error;
  }

  /** The turn after `outcome` at a verified position. */
  function proceed(state: CallState, outcome: Outcome, call: CallInfo): Turn | Promise<Turn> {
    if (outcome.type === 'hangup') return { call, steps: [], ended: true, effects: [], node: state.node };
    if (outcome.type === 'media-done') {
      if (state.kind !== 'media' && !(state.kind === 'gather' && state.promptOffset > 0)) {
        throw new CallFlowError('unexpected-outcome', `outcome 'media-done' does not answer a ${state.kind} step`, { node: state.node });
      }
      return plan(state, call, []);
    }
    if (state.kind === 'media')
      throw new CallFlowError('unexpected-outcome', `outcome '${outcome.type}' arrived for a position that waits for nothing`, {
        node: state.node,
      });
    const found = stepsOf(state.node, call, state.vars);
    if (!Array.isArray(found)) return found.then((steps) => proceedWith(steps, state, outcome, call));
    return proceedWith(found, state, outcome, call);
  }

  function proceedWith(steps: Step[], state: CallState, outcome: Outcome, call: CallInfo): Turn | Promise<Turn> {
    const step = steps[state.step];
    if (step === undefined || !isWaitingStep(step) || step.type !== state.kind) {
      throw new CallFlowError('flow-failed', `no ${state.kind} step at ${state.node}[${state.step}]`, { node: state.node });
    }
    const effects: Effect[] = [];
    const next = applyOutcome(state, step, outcome, call, effects);
    if (next === 'end') return { call, steps: [], ended: true, effects, node: state.node };
    return plan(next, call, effects);
  }

  return {
    flow,
    flowVersion,
    start(call) {
      return guarded(call, flow.start, () =>
        plan({ node: flow.start, step: 0, kind: 'media', tries: {}, vars: {}, promptOffset: 0 }, call, [], [], 0, undefined, true),
      );
    },
    goTo(node, call, vars = {}) {
      if (!(node in flow.nodes)) return Promise.reject(new CallFlowError('flow-failed', `unknown node '${node}'`, { node }));
      return guarded(call, node, () => plan({ node, step: 0, kind: 'media', tries: {}, vars: { ...vars }, promptOffset: 0 }, call, []));
    },
    resume(token, outcome, call) {
      let found: CallPosition | Promise<CallPosition>;
      try {
        found = open(token, call);
      } catch (error) {
        return refused(error, call, outcome.type === 'hangup');
      }
      if (found instanceof Promise) {
        return found.then(
          ({ state }) => guarded(call, state.node, () => proceed(state, outcome, call)),
          (error: unknown) => refused(error, call, outcome.type === 'hangup'),
        );
      }
      const { state } = found;
      return guarded(call, state.node, () => proceed(state, outcome, call));
    },
    async inspect(token, call) {
      return open(token, call);
    },
    resumeAt({ state }, outcome, call) {
      return guarded(call, state.node, () => proceed(state, outcome, call));
    },
    refusedTurn(error, call, { hungUp = false } = {}) {
      return refused(error, call, hungUp);
    },
    apology(call, error) {
      return apology(call, error, error.node ?? flow.start);
    },
    sign(state, call) {
      return signToken(state, { callId: call.callId, flowVersion }, tokenOptions);
    },
  };
}

/** A verified token's state and the step it points at (undefined in a dynamic node): what `inspect` returns. */
export type CallPosition = { state: CallState; step: Step | undefined };

function mismatch(outcome: Outcome, step: WaitingStep, state: CallState): CallFlowError {
  return new CallFlowError('unexpected-outcome', `outcome '${outcome.type}' does not answer a ${step.type} step`, { node: state.node });
}

function tooManyHops(maxHops: number, node: string): CallFlowError {
  return new CallFlowError('flow-failed', `more than ${maxHops} goto/hours hops without waiting for the caller`, { node });
}

function interpolate(text: string, vars: Record<string, string>): string {
  if (!text.includes('{{')) return text;
  return text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => vars[name] ?? '');
}
