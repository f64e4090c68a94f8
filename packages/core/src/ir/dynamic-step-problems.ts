import { stepReferences } from './flow-references.js';
import { formatPath } from './format-path.js';
import { flowSchemas } from './schema.js';
import type { Flow, Step } from './types.js';

// In the diagnostics chunk: what is wrong with the steps a dynamic node returned, one line each. The engine tells right
// steps from wrong ones without it (createEngine's check of a dynamic node's steps) and loads it only to word them.

/** Every problem with the steps a dynamic node returned: each step's shape, and that the nodes and schedules it names exist. */
export function dynamicStepProblems(steps: readonly unknown[], flow: Flow): string[] {
  const problems: string[] = [];
  const { stepSchema } = flowSchemas();
  steps.forEach((step, index) => {
    const parsed = stepSchema.safeParse(step);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`[${index}]${issue.path.length ? `.${formatPath(issue.path)}` : ''}: ${issue.message}`);
      return;
    }
    const checked = step as Step;
    for (const reference of stepReferences(checked)) {
      if (!(reference.node in flow.nodes)) problems.push(`[${index}].${reference.field}: unknown node '${reference.node}'`);
    }
    if (checked.type === 'hours' && !(checked.schedule in (flow.schedules ?? {})))
      problems.push(`[${index}].schedule: unknown schedule '${checked.schedule}'`);
  });
  return problems;
}
