import { flowSchemas, type FlowSchemas, type Schema } from './schema.js';
import type { Flow, Schedule, StaticFlow, Step } from './types.js';

export type { Schema, SchemaIssue } from './schema.js';

/** A public schema that compiles the field table on its first use. */
function lazySchema<T>(pick: (schemas: FlowSchemas) => Schema<T>): Schema<T> {
  return { safeParse: (value) => pick(flowSchemas()).safeParse(value) };
}

/** Schema of one step. */
export const stepSchema: Schema<Step> = lazySchema((schemas) => schemas.stepSchema);
/** Schema of a business-hours schedule. */
export const scheduleSchema: Schema<Schedule> = lazySchema((schemas) => schemas.scheduleSchema);
/** Schema of a static flow (JSON or YAML files); use `validateFlow` for graph checks and readable problems. */
export const flowSchema: Schema<StaticFlow> = lazySchema((schemas) => schemas.flowSchema);
/** Schema of a flow whose nodes may be functions (the DSL). */
export const dynamicFlowSchema: Schema<Flow> = lazySchema((schemas) => schemas.dynamicFlowSchema);
