import { compileField, compileObject, rejected, type Checker, type FieldIssue, type StepCheckers } from './check-fields.js';
import { oneOf, type Fields } from './field-kinds.js';
import { commonStepFields, dynamicFlowFields, flowFields, scheduleFields, stepFieldTable } from './flow-fields.js';
import type { Flow, Schedule, StaticFlow, Step, StepType } from './types.js';
import { stepTypes } from './types.js';

/** One validation issue, as the schemas report it. */
export interface SchemaIssue {
  code: string;
  path: PropertyKey[];
  message: string;
}

/** A schema values can be checked against (the same checks `validateFlow` runs, without the graph rules). */
export interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: SchemaIssue[] } };
}

/** The schemas of the IR, derived from the field table, and the field names each step type knows. */
export interface FlowSchemas {
  /** Schema of one step. */
  stepSchema: Schema<Step>;
  /** Schema of a business-hours schedule. */
  scheduleSchema: Schema<Schedule>;
  /** Schema of a static flow (JSON or YAML files). */
  flowSchema: Schema<StaticFlow>;
  /** Schema of a flow whose nodes may be functions (the DSL). */
  dynamicFlowSchema: Schema<Flow>;
  /** Known field names per step type, for "did you mean" hints. */
  stepFields: Record<string, string[]>;
}

/** The checker of each step kind, compiled on first use; the flow checkers and public schemas share them. */
let stepCheckers: StepCheckers | undefined;
const flowCheckers: { flow?: Checker; dynamicFlow?: Checker } = {};
let schemas: FlowSchemas | undefined;

function steps(): StepCheckers {
  if (stepCheckers) return stepCheckers;
  const checkers: StepCheckers = {};
  for (const type of stepTypes) checkers[type] = compileObject(stepShape(type), checkers);
  stepCheckers = checkers;
  return checkers;
}

/** The schemas, compiled from the field table on first use. */
export function flowSchemas(): FlowSchemas {
  schemas ??= {
    stepSchema: schemaOf(compileField({ kind: 'step', types: stepTypes }, steps())),
    scheduleSchema: schemaOf(compileObject(scheduleFields, steps())),
    flowSchema: schemaOf(flowChecker(false)),
    dynamicFlowSchema: schemaOf(flowChecker(true)),
    stepFields: Object.fromEntries(stepTypes.map((type) => [type, Object.keys(stepShape(type))])),
  };
  return schemas;
}

function flowChecker(dynamic: boolean): Checker {
  if (dynamic) return (flowCheckers.dynamicFlow ??= compileObject(dynamicFlowFields, steps()));
  return (flowCheckers.flow ??= compileObject(flowFields, steps()));
}

/**
 * Checks a flow against the field table: the copy of it (objects in table order) when it is well-formed, else
 * every issue with its path. A well-formed flow takes the fast path, which stops at the first problem; only a
 * flow with problems is walked again to list them.
 */
export function checkFlowFields(input: unknown, dynamic: boolean): { data: Flow } | { issues: FieldIssue[] } {
  const result = runCheck(flowChecker(dynamic), input);
  return result.success ? { data: result.data as Flow } : { issues: result.issues };
}

function runCheck(check: Checker, value: unknown): { success: true; data: unknown } | { success: false; issues: FieldIssue[] } {
  const data = check(value, undefined);
  if (data !== rejected) return { success: true, data };
  const report = { path: [], issues: [] as FieldIssue[] };
  check(value, report);
  // The two modes run the same code; a refusal always names its reason, so this is only a guard.
  if (report.issues.length === 0) report.issues.push({ code: 'custom', path: [], message: 'is invalid' });
  return { success: false, issues: report.issues };
}

function schemaOf<T>(check: Checker): Schema<T> {
  return {
    safeParse(value) {
      const result = runCheck(check, value);
      if (result.success) return { success: true, data: result.data as T };
      return { success: false, error: { issues: result.issues.map(({ code, path, message }) => ({ code, path, message })) } };
    },
  };
}

/** All the fields of a step kind: its `type`, its own fields, then the ones every step has. */
export function stepShape(type: StepType): Fields {
  return { type: oneOf([type]), ...stepFieldTable[type], ...commonStepFields };
}
