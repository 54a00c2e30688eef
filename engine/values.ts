// Runtime values of the expression language and the meaning of its functions and comparisons.
// Dates are 'YYYY-MM-DD' strings; datetimes are ISO 8601 strings with their offset, as given.
// A date compared with a datetime compares the datetime's calendar date as written (in its own
// offset): contract clauses speak in days ("valid until"), not in instants.

export type Value = string | number | boolean | null | Value[];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const isDate = (v: unknown): v is string => typeof v === 'string' && DATE.test(v);
export const isDateTime = (v: unknown): v is string => typeof v === 'string' && DATETIME.test(v);

/** Milliseconds since the epoch of a datetime string (its offset applied). */
export function instant(datetime: string): number {
  return Date.parse(datetime);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parts(v: string): { y: number; m: number; d: number; rest: string } {
  return { y: Number(v.slice(0, 4)), m: Number(v.slice(5, 7)), d: Number(v.slice(8, 10)), rest: v.slice(10) };
}

function formatDate(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/** Months added to a date or datetime, the day clamped to the month's end (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(v: string, n: number): string {
  const { y, m, d, rest } = parts(v);
  const total = y * 12 + (m - 1) + Math.trunc(n);
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return formatDate(ny, nm, Math.min(d, daysInMonth(ny, nm))) + rest;
}

export function addDays(v: string, n: number): string {
  const { y, m, d, rest } = parts(v);
  const t = new Date(Date.UTC(y, m - 1, d + Math.trunc(n)));
  return formatDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()) + rest;
}

/** The calendar date of a date or datetime, as written. */
export const dateOf = (v: string): string => v.slice(0, 10);
export const startOfYear = (v: string): string => `${v.slice(0, 4)}-01-01`;
export const startOfMonth = (v: string): string => `${v.slice(0, 7)}-01`;
export function endOfMonth(v: string): string {
  const { y, m } = parts(v);
  return formatDate(y, m, daysInMonth(y, m));
}

/** -1, 0, 1, or undefined when the two values cannot be ordered. */
export function compareValues(a: Value, b: Value): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') {
    const ad = isDate(a);
    const bd = isDate(b);
    if (ad || bd) {
      if (!(ad || isDateTime(a)) || !(bd || isDateTime(b))) return undefined;
      const x = dateOf(a);
      const y = dateOf(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (isDateTime(a) && isDateTime(b)) return Math.sign(instant(a) - instant(b));
  }
  return undefined;
}

/** Equality as conditions mean it: dates and datetimes by what they denote, everything else strictly. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string' && (isDate(a) || isDateTime(a)) && (isDate(b) || isDateTime(b))) {
    return compareValues(a, b) === 0;
  }
  return false;
}

/** Minutes as an ISO 8601 duration of hours and minutes: 90 → PT1H30M, 15 → PT15M, 0 → PT0M. */
export function isoDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `PT${h ? `${h}H` : ''}${m || !h ? `${m}M` : ''}`;
}
