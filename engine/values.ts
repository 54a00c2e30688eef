// Runtime values of the expression language and the meaning of its functions and comparisons.
// Dates are 'YYYY-MM-DD' strings; datetimes are RFC 3339 strings with their offset, as given.
// Wherever an instant becomes a date (a function of dates given a datetime, a date compared
// with a datetime) the date is the instant's local date in a zone: the function's own, else
// the policy's. The same instant written in two offsets is the same date.

import { Temporal } from 'temporal-polyfill';
import { daysFromCivil, daysInMonth, isDate, localDate, readDateTime } from '../dsl/index.js';

export type Value = string | number | boolean | null | Value[];

export { daysFromCivil, isDate };

/** Whether a value is a datetime (dsl's `isDateTime`). */
export const isDateTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(plainInstant(v));

/**
 * Milliseconds since the epoch of a datetime string (its offset applied). The shape facts take
 * (YYYY-MM-DDTHH:MM[:SS[.fff]] then Z or ±HH:MM, every field in range) is read with plain
 * arithmetic: Date.parse costs about 0.3 µs, and a decision with due dates reads several. Any
 * other text goes to Date.parse, so the answer is always Date.parse's.
 */
export function instant(datetime: string): number {
  const plain = plainInstant(datetime);
  return Number.isNaN(plain) ? Date.parse(datetime) : plain;
}

/**
 * The milliseconds of a datetime in the plain shape facts take, every field in range; NaN for
 * any other text (which Date.parse may still read).
 */
export const plainInstant: (datetime: string) => number = readDateTime;

/**
 * The datetimes one evaluation reads, remembered: a decision reads the same one or two (openedAt
 * and now) in the facts' check, its id and each SLA window. One per evaluation, never shared
 * between them; the last two read are kept.
 */
export class Instants {
  private lastText = '';
  private lastMs = Number.NaN;
  private earlierText = '';
  private earlierMs = Number.NaN;

  /** `plainInstant`, remembered. */
  plain(datetime: string): number {
    if (datetime === this.lastText) return this.lastMs;
    if (datetime === this.earlierText) return this.earlierMs;
    const ms = readDateTime(datetime);
    this.earlierText = this.lastText;
    this.earlierMs = this.lastMs;
    this.lastText = datetime;
    this.lastMs = ms;
    return ms;
  }

  /** `instant`, remembered. */
  at(datetime: string): number {
    const plain = this.plain(datetime);
    return Number.isNaN(plain) ? Date.parse(datetime) : plain;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function parts(v: string): { y: number; m: number; d: number } {
  return { y: Number(v.slice(0, 4)), m: Number(v.slice(5, 7)), d: Number(v.slice(8, 10)) };
}

function formatDate(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/**
 * The local date of a datetime in a zone, or a date as it is. Without a zone (a policy that
 * declares none, unchecked) the date is UTC's: never the offset the instant happens to be
 * written in.
 */
export function dateIn(v: string, zone: string | null): string {
  if (isDate(v)) return v;
  return localDate(instant(v), zone ?? 'UTC');
}

/** Months added to a date, the day clamped to the month's end (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(v: string, n: number, zone: string | null = null): string {
  if (!isDate(v)) return shiftInstant(v, { months: Math.trunc(n) }, zone);
  const { y, m, d } = parts(v);
  const total = y * 12 + (m - 1) + Math.trunc(n);
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return formatDate(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

export function addDays(v: string, n: number, zone: string | null = null): string {
  if (!isDate(v)) return shiftInstant(v, { days: Math.trunc(n) }, zone);
  const { y, m, d } = parts(v);
  const t = new Date(Date.UTC(y, m - 1, d + Math.trunc(n)));
  return formatDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/**
 * A datetime moved by calendar days or months in a zone: the same wall-clock time on the new
 * local date (a time that does not exist there is moved forward, as Temporal's `compatible`
 * does), written with the zone's offset then.
 */
function shiftInstant(v: string, by: { days: number } | { months: number }, zone: string | null): string {
  return Temporal.Instant.fromEpochMilliseconds(instant(v))
    .toZonedDateTimeISO(zone ?? 'UTC')
    .add(by)
    .toString({ timeZoneName: 'never', smallestUnit: 'second' });
}

/** The calendar date of a date, or of a datetime in a zone. */
export const dateOf = (v: string, zone: string | null = null): string => dateIn(v, zone);
export const startOfYear = (v: string, zone: string | null = null): string => `${dateIn(v, zone).slice(0, 4)}-01-01`;
export const startOfMonth = (v: string, zone: string | null = null): string => `${dateIn(v, zone).slice(0, 7)}-01`;
export function endOfMonth(v: string, zone: string | null = null): string {
  const { y, m } = parts(dateIn(v, zone));
  return formatDate(y, m, daysInMonth(y, m));
}

/**
 * -1, 0, 1, or undefined when the two values cannot be ordered. A date and a datetime compare
 * by the datetime's local date in `zone`: contract clauses speak in days ("valid until").
 */
export function compareValues(a: Value, b: Value, zone: string | null = null): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') {
    const ad = isDate(a);
    const bd = isDate(b);
    if (ad || bd) {
      if (!(ad || isDateTime(a)) || !(bd || isDateTime(b))) return undefined;
      const x = dateIn(a, zone);
      const y = dateIn(b, zone);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (isDateTime(a) && isDateTime(b)) return Math.sign(instant(a) - instant(b));
  }
  return undefined;
}

/** Equality as conditions mean it: dates and datetimes by what they denote, everything else strictly. */
export function valuesEqual(a: Value, b: Value, zone: string | null = null): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string' && (isDate(a) || isDateTime(a)) && (isDate(b) || isDateTime(b))) {
    return compareValues(a, b, zone) === 0;
  }
  return false;
}
/** Minutes as an ISO 8601 duration of hours and minutes: 90 → PT1H30M, 15 → PT15M, 0 → PT0M. */
export function isoDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `PT${h ? `${h}H` : ''}${m || !h ? `${m}M` : ''}`;
}
