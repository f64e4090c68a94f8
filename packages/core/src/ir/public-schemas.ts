import { fastCheckFlow, fastCheckSchedule, fastCheckStep, refused } from './fast-check.js';
import type { FlowSchemas, Schema } from './schema.js';
import type { Flow, Schedule, StaticFlow, Step } from './types.js';
import { flowDiagnostics } from './validate-flow.js';

export type { Schema, SchemaIssue } from './schema.js';

/**
 * A public schema: a value that is right passes the field table's checks at once; the issues of one that is wrong come
 * from the diagnostics chunk (loaded by `require` on Node; see `loadFlowDiagnostics` for Workers).
 */
function schemaOf<T>(check: (value: unknown) => T | typeof refused, pick: (schemas: FlowSchemas) => Schema<T>): Schema<T> {
  return {
    safeParse(value) {
      const data = check(value);
      return data === refused ? pick(flowDiagnostics().flowSchemas()).safeParse(value) : { success: true, data };
    },
  };
}

/** Schema of one step. */
export const stepSchema: Schema<Step> = schemaOf(fastCheckStep, (schemas) => schemas.stepSchema);
/** Schema of a business-hours schedule. */
export const scheduleSchema: Schema<Schedule> = schemaOf(fastCheckSchedule, (schemas) => schemas.scheduleSchema);
/** Schema of a static flow (JSON or YAML files); use `validateFlow` for graph checks and readable problems. */
export const flowSchema: Schema<StaticFlow> = schemaOf(
  (value) => fastCheckFlow(value, false) as StaticFlow | typeof refused,
  (schemas) => schemas.flowSchema,
);
/** Schema of a flow whose nodes may be functions (the DSL). */
export const dynamicFlowSchema: Schema<Flow> = schemaOf(
  (value) => fastCheckFlow(value, true),
  (schemas) => schemas.dynamicFlowSchema,
);
