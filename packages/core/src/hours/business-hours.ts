import type { Schedule } from '../ir/types.js';
import { lazyDependency } from '../runtime/lazy-dependency.js';
import { linkedChunks } from '../runtime/linked-chunks.js';

/** Why a schedule is open or closed at an instant. */
export interface HoursStatus {
  open: boolean;
  /** `holiday` for a dated closure, `special` for dated special hours, else `weekly`. */
  source: 'weekly' | 'holiday' | 'special';
  /** Name of the closure or special day, if any. */
  name?: string;
  /** The next instant the open/closed state flips, or null if it never does within two years. */
  nextChange: Date | null;
}

/**
 * The hours logic and luxon, in their own chunk: a handler whose flow has no business hours never loads them. The
 * engine awaits `loadBusinessHours()` before its first hours check; a direct synchronous call loads it by `require` on
 * Node (unless callflow was bundled again, where the chunk has another name).
 */
const luxon = lazyDependency<typeof import('./luxon-chunk.js')>({
  chunk: 'luxon',
  linked: () => linkedChunks.luxon,
  load: () => import('./luxon-chunk.js'),
  preload: 'loadBusinessHours',
});

/**
 * Loads what business hours need (luxon, in its own chunk) once; `checkHours`, `isOpen` and `nextChange` are then
 * synchronous on every runtime. On Node they also work without it (loading luxon on the first call), unless callflow
 * was bundled again (esbuild for a Lambda): there, and on Workers, they throw until it has resolved.
 * @example await loadBusinessHours(); isOpen(schedule, Date.now());
 */
export async function loadBusinessHours(): Promise<void> {
  await luxon.load();
}

/** True once business hours can be checked without loading anything. */
export function businessHoursLoaded(): boolean {
  return luxon.loaded() !== undefined;
}

/**
 * True when the schedule is open at `instant`.
 *
 * A range `from-to` on a date is open from the first moment the local clock reads `from` to the first
 * moment it reads `to` (the next day's clock when `to <= from`). A time the clock skips (spring forward)
 * means the moment it jumps; a time it repeats (fall back) means its first occurrence.
 * @example isOpen(schedule, new Date('2026-03-08T14:00:00Z'))
 */
export function isOpen(schedule: Schedule, instant: Date | number): boolean {
  return checkHours(schedule, instant, { withNextChange: false }).open;
}

/** The next instant the schedule opens or closes after `instant`, or null if none within two years. */
export function nextChange(schedule: Schedule, instant: Date | number): Date | null {
  return checkHours(schedule, instant).nextChange;
}

/** Open or closed at `instant`, why, and when that changes. */
export function checkHours(schedule: Schedule, instant: Date | number, options: { withNextChange?: boolean } = {}): HoursStatus {
  return luxon.now().checkHours(schedule, instant, options);
}
