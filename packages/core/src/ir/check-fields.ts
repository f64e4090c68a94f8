import { isOptional, type Field, type Fields, type StepField } from './field-kinds.js';
import { wordsOf } from './flow-field-words.js';
import { didYouMean } from './suggest.js';
import { stepTypes } from './types.js';

/** One thing wrong with a value, where it sits, and what to do about it. */
export interface FieldIssue {
  /** zod-style code: invalid_type, too_small, too_big, invalid_format, invalid_value, unrecognized_keys, invalid_key, invalid_union. */
  code: string;
  path: PropertyKey[];
  message: string;
  hint?: string;
}

/** Where a check in report mode writes: the path it is at, and the issues found so far. */
export interface Report {
  path: PropertyKey[];
  issues: FieldIssue[];
}

/** What a checker returns for a value it refuses. */
export const rejected: unique symbol = Symbol('rejected');

/**
 * Checks a value and returns a fresh copy of it (objects in table order), or `rejected`. Without a report it
 * stops at the first problem (the fast path for flows that are right); with one it lists every problem.
 */
export type Checker = (value: unknown, report: Report | undefined) => unknown;

/** The checker of each step kind, filled in by `compileSteps`; step fields refer to it. */
export type StepCheckers = Record<string, Checker>;

/** Compiles a field descriptor into its checker. */
export function compileField(field: Field, stepCheckers: StepCheckers): Checker {
  switch (field.kind) {
    case 'string':
      return compileString(field);
    case 'number': {
      const { integer, min, max } = field;
      return (value, report) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          return fail(
            report,
            'invalid_type',
            typeof value === 'number'
              ? `must be a finite number, got ${value}`
              : typeMessage(value, integer ? 'a whole number' : 'number', 'number'),
          );
        }
        if (integer && !Number.isInteger(value)) return fail(report, 'invalid_type', 'must be a whole number');
        if (value < min) return fail(report, 'too_small', `${value} is out of range: must be at least ${min}`);
        if (value > max) return fail(report, 'too_big', `${value} is out of range: must be at most ${max}`);
        return value;
      };
    }
    case 'boolean':
      return (value, report) =>
        typeof value === 'boolean' ? value : fail(report, 'invalid_type', typeMessage(value, 'boolean', 'boolean'));
    case 'literal': {
      const { values } = field;
      const message = wordsOf(field).message ?? `must be ${values.map((item) => JSON.stringify(item)).join(' or ')}`;
      if (values.length === 1) {
        const only = values[0];
        return (value, report) => (value === only ? value : fail(report, 'invalid_value', message));
      }
      return (value, report) => ((values as readonly unknown[]).includes(value) ? value : fail(report, 'invalid_value', message));
    }
    case 'list':
      return compileList(compileField(field.of, stepCheckers), field.maxItems);
    case 'object':
      return compileObject(field.fields, stepCheckers);
    case 'record':
      return compileRecord(compileString(field.key), compileField(field.of, stepCheckers));
    case 'union':
      return compileUnion(
        field.options.map((option) => ({ option, check: compileField(option, stepCheckers) })),
        wordsOf(field).message,
      );
    case 'step':
      return compileStep(field, stepCheckers);
    case 'function': {
      const message = wordsOf(field).message ?? 'must be a function';
      return (value, report) => (typeof value === 'function' ? value : fail(report, 'invalid_type', message));
    }
    case 'unknown':
      return (value) => value;
  }
}

/** The checker of an object with exactly `fields`. */
export function compileObject(fields: Fields, stepCheckers: StepCheckers): Checker {
  const keys = Object.keys(fields);
  const checks = keys.map((key) => compileField(fields[key]!, stepCheckers));
  const optional = keys.map((key) => isOptional(fields[key]!));
  return (value, report) => {
    if (!isObject(value)) return fail(report, 'invalid_type', typeMessage(value, 'object', 'object'));
    const out: Record<string, unknown> = {};
    let failed = false;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      const present = key in value;
      if (!present && optional[index]) continue;
      const item = present ? value[key] : undefined;
      if (item === undefined && optional[index]) {
        out[key] = undefined;
        continue;
      }
      report?.path.push(key);
      const parsed = checks[index]!(item, report);
      report?.path.pop();
      if (parsed === rejected) {
        if (!report) return rejected;
        failed = true;
      } else out[key] = parsed;
    }
    let unknown: string[] | undefined;
    for (const key in value) {
      if (Object.hasOwn(fields, key)) continue;
      if (!report) return rejected;
      (unknown ??= []).push(key);
    }
    if (unknown && report) {
      const single = unknown.length === 1;
      report.issues.push({
        code: 'unrecognized_keys',
        path: single ? [...report.path, unknown[0]!] : [...report.path],
        message: `unknown field${single ? '' : 's'} ${unknown.map((key) => `'${key}'`).join(', ')}`,
        ...hint(single ? didYouMean(unknown[0]!, keys) : undefined),
      });
      failed = true;
    }
    return failed ? rejected : out;
  };
}

function compileString(field: Extract<Field, { kind: 'string' }>): Checker {
  const { minLength = 0, maxLength = Infinity, pattern, test } = field;
  const words = wordsOf(field);
  const tooShort = words.tooShort ?? (minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters long`);
  const tooLong = words.tooLong ?? `must be at most ${maxLength} characters long`;
  const message = words.message ?? 'is not in the expected form';
  return (value, report) => {
    if (typeof value !== 'string') return fail(report, 'invalid_type', typeMessage(value, 'string', 'string'));
    if (value.length < minLength) return fail(report, 'too_small', tooShort);
    if (value.length > maxLength) return fail(report, 'too_big', tooLong);
    if ((pattern !== undefined && !pattern.test(value)) || (test !== undefined && !test(value)))
      return fail(report, 'invalid_format', message);
    return value;
  };
}

function compileList(element: Checker, maxItems = Infinity): Checker {
  return (value, report) => {
    if (!Array.isArray(value)) return fail(report, 'invalid_type', typeMessage(value, 'a list', 'array'));
    if (value.length > maxItems) return fail(report, 'too_big', `must have at most ${maxItems} items`);
    const out = new Array<unknown>(value.length);
    let failed = false;
    for (let index = 0; index < value.length; index++) {
      report?.path.push(index);
      const item = element(value[index], report);
      report?.path.pop();
      if (item === rejected) {
        if (!report) return rejected;
        failed = true;
      } else out[index] = item;
    }
    return failed ? rejected : out;
  };
}

function compileRecord(key: Checker, element: Checker): Checker {
  return (value, report) => {
    if (!isPlainObject(value)) return fail(report, 'invalid_type', typeMessage(value, 'object', 'record'));
    const out: Record<string, unknown> = {};
    let failed = false;
    // Own enumerable string keys; `__proto__` (an own key only in JSON.parse output) is never copied.
    for (const name of Object.keys(value)) {
      if (name === '__proto__') continue;
      if (key(name, undefined) === rejected) {
        if (!report) return rejected;
        const inner: Report = { path: [], issues: [] };
        key(name, inner);
        report.issues.push({
          code: 'invalid_key',
          path: [...report.path, name],
          message: `key '${name}' is invalid: ${inner.issues[0]?.message ?? 'is invalid'}`,
        });
        failed = true;
        continue;
      }
      report?.path.push(name);
      const parsed = element(value[name], report);
      report?.path.pop();
      if (parsed === rejected) {
        if (!report) return rejected;
        failed = true;
      } else out[name] = parsed;
    }
    return failed ? rejected : out;
  };
}

function compileUnion(options: Array<{ option: Field; check: Checker }>, message: string | undefined): Checker {
  return (value, report) => {
    if (!report) {
      for (const { check } of options) {
        const parsed = check(value, undefined);
        if (parsed !== rejected) return parsed;
      }
      return rejected;
    }
    for (const { check } of options) {
      const parsed = check(value, undefined);
      if (parsed !== rejected) return parsed;
    }
    // Report the problems of the shape the value was most likely meant to have: one of its type, with fewest problems.
    const candidates = options.filter(({ option }) => acceptsTypeOf(option, value));
    if (candidates.length === 0 || (message !== undefined && candidates.every(({ option }) => option.kind === 'literal'))) {
      const expected = options.map(({ option }) => typeName(option)).join(' or ');
      return fail(report, 'invalid_union', message ?? typeMessage(value, expected, expected));
    }
    let best: FieldIssue[] | undefined;
    for (const { check } of candidates) {
      const trial: Report = { path: report.path, issues: [] };
      check(value, trial);
      if (best === undefined || trial.issues.length < best.length) best = trial.issues;
    }
    report.issues.push(...best!);
    return rejected;
  };
}

function compileStep(field: StepField, stepCheckers: StepCheckers): Checker {
  const allowed: readonly string[] = field.types;
  const all: readonly string[] = stepTypes;
  return (value, report) => {
    const type = isObject(value) ? value.type : undefined;
    if (typeof type === 'string' && allowed.includes(type)) return stepCheckers[type]!(value, report);
    if (!report) return rejected;
    const kinds = allowed.join(', ');
    if (typeof type !== 'string') return fail(report, 'invalid_union', 'a step must be an object with a type', `one of ${kinds}`);
    report.issues.push({
      code: 'invalid_union',
      path: [...report.path, 'type'],
      message: all.includes(type) ? `a '${type}' step is not allowed here` : `unknown step type '${type}'`,
      hint: (all.includes(type) ? undefined : didYouMean(type, allowed)) ?? `one of ${kinds}`,
    });
    return rejected;
  };
}

/** True when the value has the JavaScript type the field wants (whatever its checks say). */
function acceptsTypeOf(field: Field, value: unknown): boolean {
  switch (field.kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'literal':
      return field.values.some((item) => typeof item === typeof value);
    case 'list':
      return Array.isArray(value);
    case 'object':
    case 'record':
    case 'step':
      return isObject(value);
    case 'union':
      return field.options.some((option) => acceptsTypeOf(option, value));
    case 'function':
      return typeof value === 'function';
    case 'unknown':
      return true;
  }
}

function typeName(field: Field): string {
  switch (field.kind) {
    case 'list':
      return 'a list';
    case 'record':
    case 'step':
      return 'object';
    case 'literal':
      return field.values.map((item) => JSON.stringify(item)).join(' or ');
    case 'union':
      return field.options.map(typeName).join(' or ');
    default:
      return field.kind;
  }
}

/** `is required (string)` for a missing value, else `expected string, got number`. */
function typeMessage(value: unknown, expected: string, kind: string): string {
  if (value === undefined) return `is required (${kind})`;
  const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
  return `expected ${expected}, got ${got}`;
}

function fail(report: Report | undefined, code: string, message: string, hintText?: string): typeof rejected {
  report?.issues.push({ code, path: [...report.path], message, ...hint(hintText) });
  return rejected;
}

function hint(text: string | undefined): { hint?: string } {
  return text === undefined ? {} : { hint: text };
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
