import type { Fields } from './field-kinds.js';
import { stepFieldTable } from './flow-fields.js';
import type { Step, StepType } from './types.js';
import { stepTypes } from './types.js';

/** Where a step holds a reference: a field path, and whether each value of the object there is one (routes). */
export interface ReferenceField {
  keys: string[];
  each: boolean;
}

/** The fields of each step kind that hold a reference of the given kind, in table order. */
export function referenceFields(kind: 'node' | 'schedule'): Record<StepType, ReferenceField[]> {
  const out = {} as Record<StepType, ReferenceField[]>;
  for (const type of stepTypes) {
    const found: ReferenceField[] = [];
    const walk = (fields: Fields, prefix: string[]) => {
      for (const [key, field] of Object.entries(fields)) {
        const keys = [...prefix, key];
        if (field.kind === 'string' && field.ref === kind) found.push({ keys, each: false });
        else if (field.kind === 'object') walk(field.fields, keys);
        else if (field.kind === 'record' && field.of.kind === 'string' && field.of.ref === kind) found.push({ keys, each: true });
      }
    };
    walk(stepFieldTable[type], []);
    out[type] = found;
  }
  return out;
}

/** The fields holding node ids and schedule names, read from the field table once. */
let references:
  | {
      nodes: Record<StepType, ReferenceField[]>;
      schedules: Record<StepType, ReferenceField[]>;
      collect: Record<string, (step: Step, into: string[]) => void>;
    }
  | undefined;

/** The reference fields of every step kind, and a reader per kind that appends a step's node ids to a list. */
export function referenceTables(): NonNullable<typeof references> {
  if (references) return references;
  const nodes = referenceFields('node');
  const collect: Record<string, (step: Step, into: string[]) => void> = {};
  for (const [type, fields] of Object.entries(nodes)) {
    const readers = fields.map(({ keys, each }) => {
      const read = (step: Step) => valueAt(step, keys);
      if (each) {
        return (step: Step, into: string[]) => {
          const map = read(step);
          if (typeof map === 'object' && map !== null)
            for (const key of Object.keys(map)) pushNode(into, (map as Record<string, unknown>)[key]);
        };
      }
      if (keys.length === 1) {
        const [key] = keys as [string];
        return (step: Step, into: string[]) => pushNode(into, (step as unknown as Record<string, unknown>)[key]);
      }
      return (step: Step, into: string[]) => pushNode(into, read(step));
    });
    collect[type] = (step, into) => {
      for (const reader of readers) reader(step, into);
    };
  }
  references = { nodes, schedules: referenceFields('schedule'), collect };
  return references;
}

/** The value at a path of keys, or undefined where the path leaves the objects. */
export function valueAt(root: unknown, keys: readonly string[]): unknown {
  let current = root;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Node references of a step, with the field they sit in. */
export function stepReferences(step: Step): Array<{ field: string; node: string }> {
  const out: Array<{ field: string; node: string }> = [];
  const { nodes } = referenceTables();
  // Only the step kinds the table knows (a wrong step's `type` may be any string, `toString` too).
  for (const { keys, each } of Object.hasOwn(nodes, step.type) ? nodes[step.type] : []) {
    const value = valueAt(step, keys);
    const field = keys.join('.');
    if (each) {
      if (typeof value === 'object' && value !== null)
        for (const [key, node] of Object.entries(value)) if (typeof node === 'string') out.push({ field: `${field}.${key}`, node });
    } else if (typeof value === 'string') out.push({ field, node: value });
  }
  return out;
}

/** Node ids a step references, in `stepReferences` order, appended to `into`; no objects, so the graph checks stay cheap. */
export function collectTargets(step: Step, into: string[]): void {
  const { collect } = referenceTables();
  if (Object.hasOwn(collect, step.type)) collect[step.type]!(step, into);
}

function pushNode(into: string[], node: unknown): void {
  if (typeof node === 'string') into.push(node);
}
