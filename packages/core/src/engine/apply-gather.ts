import type { GatherStep } from '../ir/types.js';
import type { CallState } from '../token/call-token.js';
import { moveTo } from './move-to.js';
import type { Outcome } from './types.js';

/** The input a gather can receive. */
export type GatherOutcome = Extract<Outcome, { type: 'digits' | 'speech' | 'no-input' }>;

/**
 * The state after a gather's outcome: the matched route or the next step for accepted input, a re-ask with the
 * attempt counted, a detour (`onInvalid`, `onNoInput`), `noInput.then` / `invalid.then` once that kind's own limit is
 * reached, or `onExhausted` / the end once the attempts in all are used up.
 */
export function applyGather(state: CallState, step: GatherStep, outcome: GatherOutcome): CallState | 'end' {
  const key = `${state.node}:${state.step}`;
  let accepted: string | undefined;
  let route: string | undefined;
  if (outcome.type !== 'no-input') {
    const input = outcome.type === 'digits' ? stripFinishKey(outcome.digits, step.finishOnKey ?? '#') : outcome.text.trim();
    const match = matchRoute(step, input, outcome.type);
    if (match) {
      accepted = input;
      route = match;
    } else if (!step.routes && input !== '' && lengthOk(step, input, outcome.type)) {
      accepted = input;
    }
  }
  if (accepted !== undefined) {
    const vars = step.saveAs ? { ...state.vars, [step.saveAs]: accepted } : state.vars;
    state = { ...state, vars, tries: withoutTries(state.tries, key) };
    return moveTo(state, route, 'next');
  }
  const reason =
    outcome.type === 'no-input' ||
    (outcome.type === 'digits' && stripFinishKey(outcome.digits, step.finishOnKey ?? '#') === '') ||
    (outcome.type === 'speech' && outcome.text.trim() === '')
      ? 'no-input'
      : 'invalid';
  const limits = gatherLimits(step);
  const tries = Math.max(1, outcome.attemptsUsed ?? 1);
  const used = (state.tries[key] ?? 0) + tries;
  const kindKey = `${key}${reason === 'invalid' ? invalidSuffix : noInputSuffix}`;
  const usedOfKind = (state.tries[kindKey] ?? 0) + tries;
  const kindLimit = limits[reason];
  if (usedOfKind >= kindLimit.attempts || used >= limits.attempts) {
    state = { ...state, tries: withoutTries(state.tries, key) };
    return moveTo(state, usedOfKind >= kindLimit.attempts ? (kindLimit.then ?? step.onExhausted) : step.onExhausted, 'end');
  }
  state = { ...state, tries: { ...state.tries, [key]: used, ...(limits.perKind ? { [kindKey]: usedOfKind } : {}) } };
  const detour = reason === 'invalid' ? step.onInvalid : step.onNoInput;
  if (detour !== undefined) return moveTo(state, detour, 'end');
  return { ...state, kind: 'media', promptOffset: 0, reask: reason };
}

// The per-kind counts sit beside the overall one in the token, only for gathers that set `noInput` or `invalid`.
const noInputSuffix = '~n';
const invalidSuffix = '~i';

/** A gather's limits as the engine applies them: the overall `attempts`, and each kind's own limit and target. */
export interface GatherLimits {
  /** True when `noInput` or `invalid` sets a limit of its own. */
  perKind: boolean;
  /** Tries in all before `onExhausted`. */
  attempts: number;
  'no-input': { attempts: number; then?: string };
  invalid: { attempts: number; then?: string };
}

/**
 * The limits of a gather, defaults applied: without per-kind limits, `attempts` (default 3) counts both kinds together;
 * with one, `attempts` defaults to no overall limit and a kind without its own limit stops at 3 tries of it, or at `attempts` when set.
 */
export function gatherLimits(step: GatherStep): GatherLimits {
  const perKind = step.noInput !== undefined || step.invalid !== undefined;
  const attempts = step.attempts ?? (perKind ? Infinity : 3);
  const kindDefault = perKind && step.attempts === undefined ? 3 : Infinity;
  return {
    perKind,
    attempts,
    'no-input': step.noInput ? { attempts: step.noInput.attempts, then: step.noInput.then } : { attempts: kindDefault },
    invalid: step.invalid ? { attempts: step.invalid.attempts, then: step.invalid.then } : { attempts: kindDefault },
  };
}

function withoutTries(tries: Record<string, number>, key: string): Record<string, number> {
  // `delete` turns an object into a slow dictionary; most turns have no tries to clear.
  const kinds = [`${key}${noInputSuffix}`, `${key}${invalidSuffix}`];
  if (!Object.hasOwn(tries, key) && !kinds.some((kind) => Object.hasOwn(tries, kind))) return { ...tries };
  const rest = { ...tries };
  delete rest[key];
  for (const kind of kinds) delete rest[kind];
  return rest;
}

function stripFinishKey(digits: string, finishOnKey: string): string {
  return finishOnKey !== '' && digits.endsWith(finishOnKey) ? digits.slice(0, -1) : digits;
}

function lengthOk(step: GatherStep, input: string, type: 'digits' | 'speech'): boolean {
  if (type === 'speech') return true;
  if (!/^[0-9*#]+$/.test(input)) return false;
  if (step.numDigits !== undefined) return input.length === step.numDigits;
  if (step.minDigits !== undefined && input.length < step.minDigits) return false;
  if (step.maxDigits !== undefined && input.length > step.maxDigits) return false;
  return true;
}

const digitWords: Record<string, string> = {
  zero: '0',
  oh: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};

/** The node a digit string or utterance routes to, if any. Speech matches whole words of a route key, or a spoken digit. */
export function matchRoute(step: GatherStep, input: string, type: 'digits' | 'speech'): string | undefined {
  const routes = step.routes;
  if (!routes) return undefined;
  if (type === 'digits') return Object.hasOwn(routes, input) ? routes[input] : undefined;
  const spoken = input
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (spoken === '') return undefined;
  const words = spoken.split(' ');
  const asDigits = words.map((word) => digitWords[word] ?? word).join('');
  let best: { node: string; length: number } | undefined;
  for (const [key, node] of Object.entries(routes)) {
    const normal = key.toLowerCase();
    if (/^[0-9*#]+$/.test(normal)) {
      if (asDigits === normal || words.includes(normal)) return node;
      continue;
    }
    if (` ${spoken} `.includes(` ${normal} `) && (!best || normal.length > best.length)) best = { node, length: normal.length };
  }
  return best?.node;
}
