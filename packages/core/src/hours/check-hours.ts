import { DateTime } from 'luxon';
import type { DayHours, Schedule, Weekday } from '../ir/types.js';
import type { HoursStatus } from './business-hours.js';

// The business-hours logic, in the luxon chunk (dist/luxon.js) with the part of luxon it uses: a handler whose flow has
// no schedules loads neither. Reached through business-hours.ts, which loads the chunk.

const weekdays: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const dayMs = 86_400_000;

interface Interval {
  start: number;
  end: number;
  source: HoursStatus['source'];
  name?: string;
}

interface DayRule {
  hours: DayHours;
  source: HoursStatus['source'];
  name?: string;
}

/**
 * Open or closed at `instant`, why, and when that changes. A range `from-to` on a date is open from the first moment
 * the local clock reads `from` to the first moment it reads `to` (the next day's clock when `to <= from`). A time the
 * clock skips (spring forward) means the moment it jumps; a time it repeats (fall back) means its first occurrence.
 */
export function checkHours(schedule: Schedule, instant: Date | number, options: { withNextChange?: boolean } = {}): HoursStatus {
  const at = typeof instant === 'number' ? instant : instant.getTime();
  const today = DateTime.fromMillis(at, { zone: schedule.timezone }).startOf('day');
  const intervals: Interval[] = [];
  for (let offset = -1; offset <= 0; offset++) intervals.push(...intervalsOn(schedule, today.plus({ days: offset })));
  const current = intervals.find((interval) => interval.start <= at && at < interval.end);
  const rule = ruleFor(schedule, today);
  const status: HoursStatus = current
    ? { open: true, source: current.source, name: current.name, nextChange: null }
    : { open: false, source: rule.source === 'holiday' ? 'holiday' : rule.source, name: rule.name, nextChange: null };
  if (options.withNextChange !== false) status.nextChange = findNextChange(schedule, at, status.open, today);
  return status;
}

function findNextChange(schedule: Schedule, at: number, openNow: boolean, today: DateTime): Date | null {
  // Walk forward day by day; an open stretch may chain across several touching intervals.
  let cursor = at;
  const open = openNow;
  const pending: Interval[] = [];
  for (let offset = -1; offset <= 0; offset++) pending.push(...intervalsOn(schedule, today.plus({ days: offset })));
  for (let day = 1; day <= 731; day++) {
    pending.push(...intervalsOn(schedule, today.plus({ days: day })));
    pending.sort((a, b) => a.start - b.start);
    if (open) {
      // Extend through every interval that covers the cursor.
      let moved = true;
      while (moved) {
        moved = false;
        for (const interval of pending) {
          if (interval.start <= cursor && cursor < interval.end) {
            cursor = interval.end;
            moved = true;
          }
        }
      }
      const horizon = today.plus({ days: day }).toMillis();
      if (cursor < horizon) return new Date(cursor);
    } else {
      const next = pending.find((interval) => interval.start > cursor && interval.end > interval.start);
      if (next) return new Date(next.start);
    }
    // Keep only intervals that can still matter.
    for (let index = pending.length - 1; index >= 0; index--) if (pending[index]!.end < cursor - dayMs) pending.splice(index, 1);
  }
  return null;
}

function ruleFor(schedule: Schedule, date: DateTime): DayRule {
  const iso = date.toISODate()!;
  const special = schedule.special?.find((entry) => entry.date === iso);
  if (special) return { hours: special.hours, source: 'special', name: special.name };
  for (const closure of schedule.closures ?? []) {
    const hit = 'date' in closure ? closure.date === iso : closure.from <= iso && iso <= closure.to;
    if (hit) return { hours: 'closed', source: 'holiday', name: closure.name };
  }
  const weekday = weekdays[date.weekday - 1]!;
  const weekly = schedule.weekly;
  const isWeekend = weekday === 'sat' || weekday === 'sun';
  const hours = weekly[weekday] ?? (isWeekend ? weekly.weekend : weekly.weekdays) ?? weekly.daily ?? 'closed';
  return { hours, source: 'weekly' };
}

function intervalsOn(schedule: Schedule, date: DateTime): Interval[] {
  const rule = ruleFor(schedule, date);
  const ranges = rule.hours === 'closed' ? [] : rule.hours === 'all-day' ? ['00:00-24:00'] : rule.hours;
  const out: Interval[] = [];
  for (const range of ranges) {
    const [from, to] = range.split('-').map(minutesOf) as [number, number];
    const start = wallToInstant(schedule.timezone, date, from);
    const end = to > from ? wallToInstant(schedule.timezone, date, to) : wallToInstant(schedule.timezone, date.plus({ days: 1 }), to);
    if (end > start) out.push({ start, end, source: rule.source, name: rule.name });
  }
  return out;
}

function minutesOf(time: string): number {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return hour * 60 + minute;
}

/** The first instant at which the local clock in `zone` reads at least `minutes` past midnight on `date`. */
export function wallToInstant(zone: string, date: DateTime, minutes: number): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * 60_000;
  const offsetAt = (instant: number) => DateTime.fromMillis(instant, { zone }).offset * 60_000;
  const candidates = new Set([offsetAt(wall - dayMs / 2), offsetAt(wall + dayMs / 2), offsetAt(wall)]);
  let best: number | undefined;
  for (const offset of candidates) {
    const instant = wall - offset;
    if (offsetAt(instant) === offset && (best === undefined || instant < best)) best = instant;
  }
  if (best !== undefined) return best;
  // The wall time falls in a gap: the answer is the instant the clock jumps.
  let low = wall - Math.max(...candidates);
  let high = wall - Math.min(...candidates);
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2);
    if (middle + offsetAt(middle) >= wall) high = middle;
    else low = middle;
  }
  return Math.ceil(high / 1000) * 1000;
}
