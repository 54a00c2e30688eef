// The business clock: when a target of business time falls due from a start instant, and how
// much business time passed between two instants, with paused intervals not counted. It jumps
// from interval to interval and day to day; it never steps minute by minute.
import { type BusinessCalendar, type Interval, merge } from './calendar.js';

/**
 * How far the clock counts from `openedAt`: 5 years (DESIGN §3 "Bounded work"). Facts and `now`
 * further on are refused before the clock runs (engine/facts.ts); a target the calendar does
 * not provide within it has no due date (null).
 */
export const CLOCK_YEARS = 5;
/** Five years as the clock counts them: 1,827 days, the longest any five calendar years last. */
export const CLOCK_SPAN_MS = 1827 * 86_400_000;
/** The span's days, the day before the start (a date that falls back reaches past its midnight) and one spare. */
const HORIZON_DAYS = 1827 + 2;

/** Pauses sorted and merged, so the clock can walk them with its intervals. */
export function normalizePauses(pauses: readonly Interval[]): Interval[] {
  return merge(pauses.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]));
}

/** Calls `visit` with each stretch of unpaused business time from `start` on, in order, until it returns false. */
function walk(
  calendar: BusinessCalendar,
  start: number,
  pauses: readonly Interval[],
  visit: (from: number, to: number) => boolean,
): void {
  let p = 0;
  const emit = (from: number, to: number): boolean => {
    // Subtract the pauses from [from, to).
    let at = from;
    while (p < pauses.length && pauses[p]![1] <= at) p++;
    for (let i = p; i < pauses.length && pauses[i]![0] < to; i++) {
      const [pa, pb] = pauses[i]!;
      if (pa > at && !visit(at, Math.min(pa, to))) return false;
      at = Math.max(at, pb);
      if (at >= to) return true;
    }
    return at < to ? visit(at, to) : true;
  };
  if (calendar.realTime) {
    emit(start, Number.MAX_SAFE_INTEGER);
    return;
  }
  // Intervals of the previous local date can reach past midnight in zones that fall back then.
  const first = calendar.localDay(start) - 1;
  for (let day = first; day < first + HORIZON_DAYS; day++) {
    for (const [a, b] of calendar.dayAt(day)) {
      if (b <= start) continue;
      if (!emit(Math.max(a, start), b)) return;
    }
  }
}

/**
 * The earliest instant at which `target` milliseconds of business time have passed since
 * `start` (so a target reached at closing time is the closing instant); null when the calendar
 * does not provide that much time within CLOCK_YEARS years.
 */
export function dueAt(
  calendar: BusinessCalendar,
  start: number,
  target: number,
  pauses: readonly Interval[] = [],
): number | null {
  let remaining = target;
  let due: number | null = null;
  walk(calendar, start, pauses, (from, to) => {
    if (remaining <= to - from) {
      due = from + remaining;
      return false;
    }
    remaining -= to - from;
    return true;
  });
  return due;
}

/** The first business instant at or after `start`: where the clock starts. */
export function clockStart(calendar: BusinessCalendar, start: number, pauses: readonly Interval[] = []): number | null {
  return dueAt(calendar, start, 0, pauses);
}

/** Business time, in milliseconds, between two instants (0 when `end` is not after `start`). */
export function elapsed(calendar: BusinessCalendar, start: number, end: number, pauses: readonly Interval[] = []): number {
  if (end <= start) return 0;
  if (pauses.length === 0 && !calendar.realTime) {
    // Business time is the union of each local date's intervals, so this is their sum clipped to
    // [start, end). A date two or more days from both ends lies wholly inside (offsets move local
    // dates by hours, not days) and counts in full, without a walk through its intervals.
    const first = calendar.localDay(start);
    const last = calendar.localDay(end);
    if (last - first <= HORIZON_DAYS) {
      let sum = 0;
      for (let day = first - 1; day <= last + 1; day++) {
        // Whole dates count by their length: a ticket years old reads no intervals for them.
        if (day >= first + 2 && day <= last - 2) sum += calendar.dayLength(day);
        else for (const [a, b] of calendar.dayAt(day)) if (b > start && a < end) sum += Math.min(b, end) - Math.max(a, start);
      }
      return sum;
    }
  }
  let total = 0;
  walk(calendar, start, pauses, (from, to) => {
    if (from >= end) return false;
    total += Math.min(to, end) - from;
    return to < end;
  });
  return total;
}
