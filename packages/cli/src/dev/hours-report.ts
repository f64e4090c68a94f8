import { checkHours, type Flow } from '@callflow/core';

/** Which branch one `hours` step takes at an instant, and when that changes. */
export interface HoursBranch {
  node: string;
  schedule: string;
  open: boolean;
  /** `open`, `closed` or `holiday`: the branch the engine takes. */
  branch: 'open' | 'closed' | 'holiday';
  /** The node that branch leads to. */
  target: string;
  /** Why: weekly hours, a dated closure or special hours (with its name). */
  reason: string;
  nextChange: string | null;
}

/**
 * For every `hours` step of a flow, the branch it takes at `instant`, decided as the engine decides it (open → open,
 * a dated closure → holiday if set, else closed), with the schedule's next change.
 */
export function hoursReport(flow: Flow, instant: number): HoursBranch[] {
  const out: HoursBranch[] = [];
  for (const [node, steps] of Object.entries(flow.nodes)) {
    if (typeof steps === 'function') continue;
    for (const step of steps) {
      if (step.type !== 'hours') continue;
      const schedule = flow.schedules?.[step.schedule];
      if (!schedule) continue;
      const status = checkHours(schedule, instant, { withNextChange: true });
      const branch = status.open ? 'open' : status.source === 'holiday' && step.holiday ? 'holiday' : 'closed';
      const target = status.open ? step.open : status.source === 'holiday' ? (step.holiday ?? step.closed) : step.closed;
      const reason =
        status.source === 'weekly'
          ? 'weekly hours'
          : `${status.source === 'holiday' ? 'closure' : 'special hours'}${status.name ? `: ${status.name}` : ''}`;
      out.push({
        node,
        schedule: step.schedule,
        open: status.open,
        branch,
        target,
        reason,
        nextChange: status.nextChange?.toISOString() ?? null,
      });
    }
  }
  return out;
}
