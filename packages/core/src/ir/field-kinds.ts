import type { FieldWordsKey } from './flow-field-words.js';
import type { DynamicNode, Step, StepType } from './types.js';

// The vocabulary of the flow's field table (flow-fields.ts): plain descriptors, read by the checker
// (check-fields.ts), the node-reference list, the "did you mean" hints, the docs check and the type check.

/** A text field; `ref` marks a node id or a schedule name, which the graph checks resolve. */
export interface StringField {
  kind: 'string';
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Extra test, e.g. that a URL parses. */
  test?: (value: string) => boolean;
  ref?: 'node' | 'schedule';
  /** Its words in flow-field-words.ts: the message when `pattern` or `test` fails, when too short or long, its docs type name. */
  words?: FieldWordsKey;
}

/** A finite number within `min`–`max`, a whole one when `integer`. */
export interface NumberField {
  kind: 'number';
  integer: boolean;
  min: number;
  max: number;
}

/** `true` or `false`. */
export interface BooleanField {
  kind: 'boolean';
}

/** One of a few fixed values. */
export interface LiteralField<V extends string | number = string | number> {
  kind: 'literal';
  values: readonly V[];
  /** Its words in flow-field-words.ts: the message when the value is none of them. */
  words?: FieldWordsKey;
}

/** A list of one kind of value. */
export interface ListField<F extends Field = Field> {
  kind: 'list';
  of: F;
  maxItems?: number;
}

/** An object with known fields and no others. */
export interface ObjectField<S extends Fields = Fields> {
  kind: 'object';
  fields: S;
}

/** An object of any keys (each checked by `key`) to one kind of value. */
export interface RecordField<F extends Field = Field> {
  kind: 'record';
  key: StringField;
  of: F;
}

/** One of several shapes, told apart by the value's type (string, object, list …) and then by fewest problems. */
export interface UnionField<O extends readonly Field[] = readonly Field[]> {
  kind: 'union';
  options: O;
  /** Its words in flow-field-words.ts: the message when no shape fits the value's type. */
  words?: FieldWordsKey;
}

/** A step of one of the given kinds, told apart by its `type`. */
export interface StepField<T extends StepType = StepType> {
  kind: 'step';
  types: readonly T[];
}

/** A TypeScript function (a dynamic node). */
export interface FunctionField {
  kind: 'function';
  /** Its words in flow-field-words.ts: the message for a value that is not a function. */
  words: FieldWordsKey;
}

/** Anything, passed through (provider settings). */
export interface UnknownField {
  kind: 'unknown';
}

/** Any field descriptor. */
export type Field =
  | StringField
  | NumberField
  | BooleanField
  | LiteralField
  | ListField
  | ObjectField
  | RecordField
  | UnionField
  | StepField
  | FunctionField
  | UnknownField;

/** A descriptor that may be left out. */
export type Optional<F extends Field> = F & { optional: true };

/** The fields of an object, by name. */
export type Fields = Record<string, Field>;

/** A text field. */
export function text(options: Omit<StringField, 'kind'> = {}): StringField {
  return { kind: 'string', ...options };
}

/** A node id: resolved against `nodes` by the graph checks, and listed by `stepReferences`. */
export function nodeRef(): StringField {
  return { kind: 'string', minLength: 1, ref: 'node', words: 'nodeRef' };
}

/** A number within `min`–`max`. */
export function number(min: number, max: number): NumberField {
  return { kind: 'number', integer: false, min, max };
}

/** A whole number within `min`–`max`. */
export function integer(min: number, max: number): NumberField {
  return { kind: 'number', integer: true, min, max };
}

/** `true` or `false`. */
export function boolean(): BooleanField {
  return { kind: 'boolean' };
}

/** One of the given values. */
export function oneOf<const V extends string | number>(values: readonly V[], words?: FieldWordsKey): LiteralField<V> {
  return words === undefined ? { kind: 'literal', values } : { kind: 'literal', values, words };
}

/** A list of `of`. */
export function list<F extends Field>(of: F, maxItems?: number): ListField<F> {
  return maxItems === undefined ? { kind: 'list', of } : { kind: 'list', of, maxItems };
}

/** An object with exactly these fields. */
export function object<const S extends Fields>(fields: S): ObjectField<S> {
  return { kind: 'object', fields };
}

/** An object of checked keys to `of`. */
export function record<F extends Field>(key: StringField, of: F): RecordField<F> {
  return { kind: 'record', key, of };
}

/** One of several shapes. */
export function union<const O extends readonly Field[]>(options: O, words?: FieldWordsKey): UnionField<O> {
  return words === undefined ? { kind: 'union', options } : { kind: 'union', options, words };
}

/** A step of one of these kinds. */
export function step<const T extends StepType>(types: readonly T[]): StepField<T> {
  return { kind: 'step', types };
}

/** A function (a dynamic node). */
export function func(words: FieldWordsKey): FunctionField {
  return { kind: 'function', words };
}

/** Any value. */
export function unknown(): UnknownField {
  return { kind: 'unknown' };
}

/** The field, allowed to be left out. */
export function optional<F extends Field>(field: F): Optional<F> {
  return { ...field, optional: true };
}

/** True for a field that may be left out. */
export function isOptional(field: Field): boolean {
  return (field as { optional?: boolean }).optional === true;
}

/** The TypeScript type a descriptor accepts (node ids and schedule names as `string`). */
export type Infer<F> = F extends StringField
  ? string
  : F extends NumberField
    ? number
    : F extends BooleanField
      ? boolean
      : F extends LiteralField<infer V>
        ? V
        : F extends ListField<infer E>
          ? Array<Infer<E>>
          : F extends ObjectField<infer S>
            ? InferFields<S>
            : F extends RecordField<infer E>
              ? Record<string, Infer<E>>
              : F extends UnionField<infer O>
                ? Infer<O[number]>
                : F extends StepField<infer T>
                  ? Extract<Step, { type: T }>
                  : F extends FunctionField
                    ? DynamicNode
                    : unknown;

/** The object type of a field table: required fields, then the optional ones with `?`. */
export type InferFields<S> = Flatten<
  { -readonly [K in keyof S as S[K] extends { optional: true } ? never : K]: Infer<S[K]> } & {
    -readonly [K in keyof S as S[K] extends { optional: true } ? K : never]?: Infer<S[K]>;
  }
>;

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** True when two types are the same (used to hold the hand-written IR types to the field table). */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
