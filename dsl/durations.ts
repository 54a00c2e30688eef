// Durations of the policy language (`15 minutes`, `3 business days`): how many minutes one is
// and how it is written back. The checker, the SLA compiler and billing all read them here.
import { type Duration, WEEKDAYS } from './ast.js';
import type { Calendar } from './model.js';

export const MINUTES_PER_DAY = 1440;

/**
 * Minutes of a duration. A business day lasts `businessDay` minutes (the calendar's business-day
 * length, see `businessDayMinutes`); without one, a day is a calendar day of 1440 minutes.
 */
export function durationMinutes(d: Duration, businessDay?: number): number {
  switch (d.unit) {
    case 'minute':
      return d.amount;
    case 'hour':
      return d.amount * 60;
    case 'day':
      return d.amount * (d.business && businessDay !== undefined ? businessDay : MINUTES_PER_DAY);
    default: {
      const never: never = d.unit;
      return never;
    }
  }
}

/** A count of a unit in words: `1 minute`, `7 minutes`, `1.5 hours` (English: only 1 is singular). */
export const countText = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** A duration as written: `1 hour`, `3 business days`. */
export const durationText = (d: Duration) => countText(d.amount, `${d.business ? 'business ' : ''}${d.unit}`);

/** Length in minutes of each weekday's business hours (0 when closed; overlaps counted once); 1440 for 24x7. */
export function dayLengths(c: Calendar): number[] {
  if (c.hours.kind === 'always') return WEEKDAYS.map(() => MINUTES_PER_DAY);
  const groups = c.hours.groups;
  return WEEKDAYS.map((d) => coveredMinutes(groups.filter((g) => g.days.includes(d)).flatMap((g) => g.ranges)));
}

/**
 * How long a business day of a calendar is: its longest open day (a checked policy's calendar
 * has days of one length wherever business days are counted); undefined when it is never open.
 */
export function businessDayMinutes(c: Calendar): number | undefined {
  const open = dayLengths(c).filter((l) => l > 0);
  return open.length ? Math.max(...open) : undefined;
}

/** Total minutes covered by a day's intervals, counting overlaps once. */
function coveredMinutes(ranges: readonly { start: number; end: number }[]): number {
  let total = 0;
  let reach = 0;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const from = Math.max(r.start, reach);
    if (r.end > from) total += r.end - from;
    reach = Math.max(reach, r.end);
  }
  return total;
}
