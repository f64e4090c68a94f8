import type { GatherStep } from '../ir/types.js';
import type { CallState } from '../token/call-token.js';
import { moveTo } from './move-to.js';
import type { Outcome } from './types.js';

/** The input a gather can receive. */
export type GatherOutcome = Extract<Outcome, { type: 'digits' | 'speech' | 'no-input' }>;

/**
 * The state after a gather's outcome: the matched route or the next step for accepted input, a re-ask with the
 * attempt counted, a detour (`onInvalid`, `onNoInput`), or `onExhausted` / the end once the attempts are used up.
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
  const reason = outcome.type === 'no-input' || (outcome.type === 'digits' && stripFinishKey(outcome.digits, step.finishOnKey ?? '#') === '') || (outcome.type === 'speech' && outcome.text.trim() === '') ? 'no-input' : 'invalid';
  const used = (state.tries[key] ?? 0) + Math.max(1, outcome.attemptsUsed ?? 1);
  if (used >= (step.attempts ?? 3)) {
    state = { ...state, tries: withoutTries(state.tries, key) };
    return moveTo(state, step.onExhausted, 'end');
  }
  state = { ...state, tries: { ...state.tries, [key]: used } };
  const detour = reason === 'invalid' ? step.onInvalid : step.onNoInput;
  if (detour !== undefined) return moveTo(state, detour, 'end');
  return { ...state, kind: 'media', promptOffset: 0, reask: reason };
}

function withoutTries(tries: Record<string, number>, key: string): Record<string, number> {
  // `delete` turns an object into a slow dictionary; most turns have no tries to clear.
  if (!Object.hasOwn(tries, key)) return { ...tries };
  const rest = { ...tries };
  delete rest[key];
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

const digitWords: Record<string, string> = { zero: '0', oh: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9' };

/** The node a digit string or utterance routes to, if any. Speech matches whole words of a route key, or a spoken digit. */
export function matchRoute(step: GatherStep, input: string, type: 'digits' | 'speech'): string | undefined {
  const routes = step.routes;
  if (!routes) return undefined;
  if (type === 'digits') return Object.hasOwn(routes, input) ? routes[input] : undefined;
  const spoken = input.toLowerCase().replace(/[^\p{L}\p{N}' ]+/gu, ' ').replace(/\s+/g, ' ').trim();
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
