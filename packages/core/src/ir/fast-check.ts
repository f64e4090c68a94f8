import { isOptional, oneOf, type Field, type Fields } from './field-kinds.js';
import { commonStepFields, dynamicFlowFields, flowFields, scheduleFields, stepFieldTable } from './flow-fields.js';
import type { Flow, Schedule, Step, StepType } from './types.js';
import { stepTypes } from './types.js';

// The field table's checks without their messages: whether a value is well-formed, and its copy (objects in table
// order) when it is. What a flow that is right needs; the problems of one that is wrong, each with its path, message and
// hint, come from check-fields.ts, in the diagnostics chunk (flow-diagnostics.ts). Both follow the same table, rule for
// rule: a value this refuses, check-fields reports (test/validate-decider.test.ts holds the two to each other).

/** A value refused by a check. */
export const refused: unique symbol = Symbol('refused');

/** Checks a value: its copy when well-formed, else `refused`. */
type FastCheck = (value: unknown) => unknown;

let stepChecks: Record<string, FastCheck> | undefined;
const flowChecks: { flow?: FastCheck; dynamicFlow?: FastCheck } = {};

function steps(): Record<string, FastCheck> {
  if (stepChecks) return stepChecks;
  const checks: Record<string, FastCheck> = {};
  for (const type of stepTypes)
    checks[type] = compileObject({ type: oneOf([type]), ...stepFieldTable[type as StepType], ...commonStepFields }, checks);
  stepChecks = checks;
  return checks;
}

/** The copy of a flow that passes the field table (objects in table order), else `refused`; no graph rules. */
export function fastCheckFlow(input: unknown, dynamic: boolean): Flow | typeof refused {
  const check = dynamic
    ? (flowChecks.dynamicFlow ??= compileObject(dynamicFlowFields, steps()))
    : (flowChecks.flow ??= compileObject(flowFields, steps()));
  return check(input) as Flow | typeof refused;
}

let scheduleCheck: FastCheck | undefined;

/** The copy of a business-hours schedule that passes the field table, else `refused`. */
export function fastCheckSchedule(input: unknown): Schedule | typeof refused {
  return (scheduleCheck ??= compileObject(scheduleFields, steps()))(input) as Schedule | typeof refused;
}

/** The copy of a step of any kind that passes the field table, else `refused`. */
export function fastCheckStep(input: unknown): Step | typeof refused {
  const type = isObject(input) ? input.type : undefined;
  return typeof type === 'string' && type in steps() ? (steps()[type]!(input) as Step | typeof refused) : refused;
}

function compileField(field: Field, checks: Record<string, FastCheck>): FastCheck {
  switch (field.kind) {
    case 'string': {
      const { minLength = 0, maxLength = Infinity, pattern, test } = field;
      return (value) =>
        typeof value === 'string' &&
        value.length >= minLength &&
        value.length <= maxLength &&
        (pattern === undefined || pattern.test(value)) &&
        (test === undefined || test(value))
          ? value
          : refused;
    }
    case 'number': {
      const { integer, min, max } = field;
      return (value) =>
        typeof value === 'number' && Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= min && value <= max
          ? value
          : refused;
    }
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : refused);
    case 'literal': {
      const values: readonly unknown[] = field.values;
      return (value) => (values.includes(value) ? value : refused);
    }
    case 'list': {
      const element = compileField(field.of, checks);
      const maxItems = field.maxItems ?? Infinity;
      return (value) => {
        if (!Array.isArray(value) || value.length > maxItems) return refused;
        const out = new Array<unknown>(value.length);
        for (let index = 0; index < value.length; index++) if ((out[index] = element(value[index])) === refused) return refused;
        return out;
      };
    }
    case 'object':
      return compileObject(field.fields, checks);
    case 'record': {
      const key = compileField(field.key, checks);
      const element = compileField(field.of, checks);
      return (value) => {
        if (!isPlainObject(value)) return refused;
        const out: Record<string, unknown> = {};
        // Own enumerable string keys; `__proto__` (an own key only in JSON.parse output) is never copied.
        for (const name of Object.keys(value)) {
          if (name === '__proto__') continue;
          if (key(name) === refused || (out[name] = element(value[name])) === refused) return refused;
        }
        return out;
      };
    }
    case 'union': {
      const options = field.options.map((option) => compileField(option, checks));
      return (value) => {
        for (const check of options) {
          const parsed = check(value);
          if (parsed !== refused) return parsed;
        }
        return refused;
      };
    }
    case 'step': {
      const allowed: readonly string[] = field.types;
      return (value) => {
        const type = isObject(value) ? value.type : undefined;
        return typeof type === 'string' && allowed.includes(type) ? checks[type]!(value) : refused;
      };
    }
    case 'function':
      return (value) => (typeof value === 'function' ? value : refused);
    case 'unknown':
      return (value) => value;
  }
}

function compileObject(fields: Fields, checks: Record<string, FastCheck>): FastCheck {
  const keys = Object.keys(fields);
  const compiled = keys.map((key) => compileField(fields[key]!, checks));
  const optional = keys.map((key) => isOptional(fields[key]!));
  return (value) => {
    if (!isObject(value)) return refused;
    const out: Record<string, unknown> = {};
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      const present = key in value;
      if (!present && optional[index]) continue;
      const item = present ? value[key] : undefined;
      if (item === undefined && optional[index]) {
        out[key] = undefined;
        continue;
      }
      const parsed = compiled[index]!(item);
      if (parsed === refused) return refused;
      out[key] = parsed;
    }
    for (const key in value) if (!Object.hasOwn(fields, key)) return refused;
    return out;
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object whose prototype is Object's, or none: what a record accepts (not a Date, a Map or a class instance). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype || Object.getPrototypeOf(prototype) === null;
}
