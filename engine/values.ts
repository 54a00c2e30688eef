// Runtime values of the expression language and the meaning of its functions and comparisons.
// Dates are 'YYYY-MM-DD' strings; datetimes are ISO 8601 strings with their offset, as given.
// A date compared with a datetime compares the datetime's calendar date as written (in its own
// offset): contract clauses speak in days ("valid until"), not in instants.

import { daysInMonth, digitsAt as digits } from '../dsl/index.js';

export type Value = string | number | boolean | null | Value[];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const isDate = (v: unknown): v is string => typeof v === 'string' && DATE.test(v);
export const isDateTime = (v: unknown): v is string => typeof v === 'string' && DATETIME.test(v);

/** Days since 1970-01-01 of a date of the proleptic Gregorian calendar (days-from-civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

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
 * any other text (which Date.parse may still read). A decision reads the same one or two
 * datetimes several times (openedAt and now: in the facts' check, then in each SLA window):
 * the last two read are kept.
 */
export function plainInstant(datetime: string): number {
  if (datetime === lastText) return lastMs;
  if (datetime === earlierText) return earlierMs;
  const ms = readPlainInstant(datetime);
  earlierText = lastText;
  earlierMs = lastMs;
  lastText = datetime;
  lastMs = ms;
  return ms;
}
let lastText = '';
let lastMs = Number.NaN;
let earlierText = '';
let earlierMs = Number.NaN;

function readPlainInstant(s: string): number {
  const n = s.length;
  if (n < 17 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58)
    return Number.NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  let at = 16;
  let second = 0;
  let millis = 0;
  if (s.charCodeAt(at) === 58) {
    second = digits(s, 17, 2);
    at = 19;
    if (s.charCodeAt(at) === 46) {
      let end = at + 1;
      while (end < n && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
      const count = end - at - 1;
      if (count < 1 || count > 3) return Number.NaN;
      millis = digits(s, at + 1, count) * (count === 1 ? 100 : count === 2 ? 10 : 1);
      at = end;
    }
  }
  let offset: number;
  const sign = s.charCodeAt(at);
  if (sign === 90 && at + 1 === n) offset = 0;
  else if ((sign === 43 || sign === 45) && at + 6 === n && s.charCodeAt(at + 3) === 58) {
    const oh = digits(s, at + 1, 2);
    const om = digits(s, at + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Number.NaN;
    offset = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  } else return Number.NaN;
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  return (daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset * 60) * 1000 + millis;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

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
