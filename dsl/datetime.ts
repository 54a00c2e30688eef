// Dates, datetimes and time zones: the one place that reads them, checks them and turns an
// instant into a local date. The checker, the fact validator, the engine and the server import it.
//
// A datetime is RFC 3339 with its offset required: `YYYY-MM-DDTHH:MM[:SS[.fraction]]` then `Z`
// or `±HH:MM`, hours 00–23, seconds 00–59 (no leap second), a real date. Seconds may be left out,
// as facts have always been allowed to; the fraction has 1 to 9 digits and is kept to the
// millisecond. A time zone is an IANA name of a place (or `UTC`), matched without regard to case
// and canonicalized; fixed offsets (`EST`, `Etc/GMT+5`) are refused: they ignore daylight saving.

import { Temporal } from 'temporal-polyfill';
import { BYTES, boundedCache } from './bounded-cache.js';

const DAY = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month (1–12) of a year of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

/** The number written by `length` ASCII digits at `at`; -1 when one of them is not a digit. */
export function digitsAt(s: string, at: number, length: number): number {
  let v = 0;
  for (let i = at; i < at + length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Whether a text is a date `YYYY-MM-DD` of the calendar. */
export function isRealDate(text: string): boolean {
  // Read digit by digit: facts carry dates, and a regular expression cost more than the rest of the check.
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

export const isDate = (v: unknown): v is string => typeof v === 'string' && isRealDate(v);

/** Days since 1970-01-01 of a date of the proleptic Gregorian calendar (days-from-civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** Year, month and day of a count of days since 1970-01-01 (civil-from-days). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, doy - Math.floor((153 * mp + 2) / 5) + 1];
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `YYYY-MM-DD` of a count of days since 1970-01-01. */
export function dateOfDays(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

/**
 * Milliseconds since the epoch of an RFC 3339 datetime (see the top of this file); NaN for any
 * other text. Read field by field with plain arithmetic: Date.parse and a regular expression each
 * cost more than the rest of a fact check, and a decision reads its instants several times.
 */
export function readDateTime(s: string): number {
  const n = s.length;
  if (n < 17 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58)
    return Number.NaN;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  let at = 16;
  let second = 0;
  let millis = 0;
  if (s.charCodeAt(at) === 58) {
    second = digitsAt(s, 17, 2);
    at = 19;
    if (s.charCodeAt(at) === 46) {
      let end = at + 1;
      while (end < n && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
      const count = end - at - 1;
      if (count < 1 || count > 9) return Number.NaN;
      // Kept to the millisecond: the digits beyond are dropped, not rounded.
      const kept = Math.min(count, 3);
      millis = digitsAt(s, at + 1, kept) * (kept === 1 ? 100 : kept === 2 ? 10 : 1);
      at = end;
    }
  }
  let offset: number;
  const sign = s.charCodeAt(at);
  if (sign === 90 && at + 1 === n) offset = 0;
  else if ((sign === 43 || sign === 45) && at + 6 === n && s.charCodeAt(at + 3) === 58) {
    const oh = digitsAt(s, at + 1, 2);
    const om = digitsAt(s, at + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Number.NaN;
    offset = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  } else return Number.NaN;
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  return (daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset * 60) * 1000 + millis;
}

/**
 * The instants the engine counts: from 2000-01-01T00:00:00Z to 2100-12-31T23:59:59.999Z (DESIGN
 * §3 "Bounded work"). Facts and `now` outside are refused: a zone's offsets and a calendar's
 * days are worked out only for dates that real tickets have.
 */
export const FIRST_INSTANT = Date.UTC(2000, 0, 1);
export const LAST_INSTANT = Date.UTC(2101, 0, 1) - 1;
export const INSTANT_RANGE_TEXT = 'between 2000-01-01T00:00:00Z and 2100-12-31T23:59:59Z';
export const isCountedInstant = (ms: number): boolean => ms >= FIRST_INSTANT && ms <= LAST_INSTANT;

/** Whether a value is an RFC 3339 datetime with its offset. */
export const isDateTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(readDateTime(v));

/** The instant of a datetime in UTC, as `toISOString` writes it: the canonical text of an instant. */
export function utcText(datetime: string): string | null {
  const ms = readDateTime(datetime);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

// ---- time zones ----------------------------------------------------------------------------------

/**
 * A zone name read: its canonical name, or why it is refused — `unknown` (no such zone) or
 * `fixed` (an offset, or a name of no place) — with a reason that reads after the name.
 */
export type ZoneResult = { ok: true; zone: string } | { ok: false; kind: 'unknown' | 'fixed'; reason: string };

/** `unknown time zone 'Europe/Roma'`, `time zone 'EST' is not the name of a place; …`: a refusal in words. */
export function zoneProblem(name: string, result: Extract<ZoneResult, { ok: false }>): string {
  return result.kind === 'unknown' ? `unknown time zone '${name}'` : `time zone '${name}' ${result.reason}`;
}

/**
 * Zones that are fixed offsets or the old US and European rule zones (`EST5EDT`, `CET`): names
 * of no place, which ICU maps to some place (`EST` → America/Panama) the writer did not mean.
 */
const LEGACY = new Set(['EST', 'MST', 'HST', 'EST5EDT', 'CST6CDT', 'MST7MDT', 'PST8PDT', 'CET', 'EET', 'MET', 'WET']);
/** `Etc/GMT+5`, `GMT-3`, `UTC+1`, `+01:00`: a sign followed by a digit anywhere is an offset. */
const SIGNED = /[+-]\d/;

let placeNames: Map<string, string> | undefined;
/** Names resolved through Intl (aliases, odd case): bounded, so no input can grow it without end. */
const resolved = boundedCache<string, ZoneResult>({
  name: 'zone names',
  max: 1024,
  maxBytes: 512 * 1024,
  bytesOf: (r, name) => BYTES.object + BYTES.string(name) + (r.ok ? BYTES.string(r.zone) : BYTES.string(r.reason)),
});

/**
 * The canonical name of a time zone, or why the name is refused. Canonical is what Intl resolves
 * the name to (`eUrope/rome` → `Europe/Rome`; `Etc/UTC`, `GMT`, `Zulu` → `UTC`). Names of places
 * in Intl's list are answered from it; others (aliases, case) are asked of Intl once and kept.
 */
export function canonicalZone(name: string): ZoneResult {
  placeNames ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
  const known = placeNames.get(name.toLowerCase());
  // Intl's list holds names of places only (no `Etc/…`, no `EST`).
  if (known !== undefined) return known === name ? { ok: true, zone: name } : { ok: true, zone: known };
  let result = resolved.get(name);
  if (result === undefined) {
    result = resolve(name);
    resolved.set(name, result);
  }
  return result;
}

function resolve(name: string): ZoneResult {
  const fixed = 'a fixed offset ignores daylight saving: name the place, like America/New_York or Europe/Rome';
  const unknown = { ok: false, kind: 'unknown', reason: 'is not an IANA time zone' } as const;
  if (name === '') return unknown;
  if (name.toUpperCase() === 'Z') return { ok: false, kind: 'fixed', reason: 'is an offset, not a time zone: write UTC' };
  if (SIGNED.test(name)) return { ok: false, kind: 'fixed', reason: `is a fixed offset; ${fixed}` };
  if (LEGACY.has(name.toUpperCase())) return { ok: false, kind: 'fixed', reason: `is not the name of a place; ${fixed}` };
  let zone: string;
  try {
    zone = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return unknown;
  }
  if (zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Etc/GMT') return { ok: true, zone: 'UTC' };
  if (zone.startsWith('Etc/') || LEGACY.has(zone.toUpperCase()))
    return { ok: false, kind: 'fixed', reason: `is not the name of a place; ${fixed}` };
  return { ok: true, zone };
}

/** Whether a name is an IANA time zone this project accepts (a place, or UTC), in any case. */
export const isTimeZone = (name: string): boolean => canonicalZone(name).ok;

/** The IANA names of places, for "did you mean" hints. */
export const zoneNames = (): string[] => Intl.supportedValuesOf('timeZone');

// ---- instants in a zone --------------------------------------------------------------------------

/** A stretch of time during which a zone's UTC offset is constant. */
export interface OffsetPiece {
  from: number;
  to: number;
  offset: number;
}

/** A zone's offsets through one year (and two days either side): the offset at the start, then each change. */
interface ZoneYear {
  offsets: number[];
  /** `changes[i]` is the instant `offsets[i + 1]` starts. */
  changes: number[];
}

/**
 * A zone's offsets by year, from Temporal's transitions: a handful of Temporal calls a year
 * (asking one per date made a far-dated ticket in a new zone cost 60–700 ms). Keyed by the
 * zone's number and the year; bounded, like every cache here (dsl/bounded-cache.ts).
 */
const zoneYears = boundedCache<number, ZoneYear>({
  name: 'zone offsets by year',
  max: 20_000,
  maxBytes: 4 * 1024 * 1024,
  bytesOf: (y) => BYTES.object * 3 + 2 * BYTES.slot * (y.offsets.length + y.changes.length),
});
/** The offset pieces of a date in a zone, by zone number and day (the hot path of every clock). */
const dayPieces = boundedCache<number, OffsetPiece[]>({
  name: 'zone offset pieces by day',
  max: 200_000,
  maxBytes: 24 * 1024 * 1024,
  bytesOf: (pieces) => BYTES.object + pieces.length * (BYTES.object + BYTES.slot),
});
/**
 * Keys of the caches by day (here, and the calendar's business days): owner number × DAY_KEYS +
 * day, for days 0 (1970) to 2328; others are not kept.
 */
export const DAY_KEYS = 131_072;
let zoneCount = 0;

/**
 * A zone's UTC offsets around each date: the first instant of a day costs a look-up of its
 * year's transitions, every later one a scan of one or two pieces.
 */
export class ZoneOffsets {
  /** Distinguishes this zone's entries in the shared caches; never reused. */
  private readonly id = ++zoneCount;

  constructor(readonly zone: string) {}

  offsetAt(ms: number): number {
    // The pieces around the instant's UTC date always contain it: no Temporal call once cached.
    for (const piece of this.piecesOf(Math.floor(ms / DAY))) if (ms >= piece.from && ms < piece.to) return piece.offset;
    return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(this.zone).offsetNanoseconds / 1e6;
  }

  /**
   * Pieces covering every instant whose local date can be the date `day` days after 1970-01-01
   * (offsets lie within ±15 h).
   */
  piecesOf(day: number): OffsetPiece[] {
    const kept = day >= 0 && day < DAY_KEYS;
    const key = this.id * DAY_KEYS + day;
    let pieces = kept ? dayPieces.get(key) : undefined;
    if (pieces) return pieces;
    const from = day * DAY - 15 * 3_600_000;
    const to = (day + 1) * DAY + 15 * 3_600_000;
    const year = this.year(civilFromDays(Math.floor(from / DAY))[0]);
    const { offsets, changes } = year;
    let i = 0;
    while (i < changes.length && changes[i]! <= from) i++;
    pieces = [];
    let at = from;
    for (; i < changes.length && changes[i]! < to; i++) {
      pieces.push({ from: at, to: changes[i]!, offset: offsets[i]! });
      at = changes[i]!;
    }
    pieces.push({ from: at, to, offset: offsets[i]! });
    if (kept) dayPieces.set(key, pieces);
    return pieces;
  }

  /**
   * Whether the offset is the same through every instant whose local date can be `day` (no
   * transition near it): then a local time on that date lasts as long as it reads.
   */
  steadyAround(day: number): boolean {
    const from = day * DAY - 15 * 3_600_000;
    const to = (day + 1) * DAY + 15 * 3_600_000;
    for (const c of this.year(civilFromDays(Math.floor(from / DAY))[0]).changes) if (c > from && c < to) return false;
    return true;
  }

  /** The offsets of a year, from two days before it starts to two days after it ends (UTC). */
  private year(y: number): ZoneYear {
    const key = this.id * 16_384 + y;
    const kept = y >= 0 && y < 16_384;
    let out = kept ? zoneYears.get(key) : undefined;
    if (out) return out;
    const from = (daysFromCivil(y, 1, 1) - 2) * DAY;
    const to = (daysFromCivil(y + 1, 1, 1) + 2) * DAY;
    let zdt = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(this.zone);
    out = { offsets: [zdt.offsetNanoseconds / 1e6], changes: [] };
    for (;;) {
      const next = zdt.getTimeZoneTransition('next');
      if (!next || next.epochMilliseconds >= to) break;
      out.changes.push(next.epochMilliseconds);
      out.offsets.push(next.offsetNanoseconds / 1e6);
      zdt = next;
    }
    if (kept) zoneYears.set(key, out);
    return out;
  }
}

/** By zone name (callers pass canonical names); bounded all the same. */
const zones = boundedCache<string, ZoneOffsets>({
  name: 'zones',
  max: 1024,
  maxBytes: 512 * 1024,
  bytesOf: (z) => BYTES.object + BYTES.string(z.zone),
});
export function zoneOffsets(zone: string): ZoneOffsets {
  let z = zones.get(zone);
  if (!z) {
    z = new ZoneOffsets(zone);
    zones.set(zone, z);
  }
  return z;
}

/** The UTC offset of a zone (a canonical name) at an instant, in milliseconds. UTC costs nothing. */
export function offsetAt(zone: string, ms: number): number {
  return zone === 'UTC' ? 0 : zoneOffsets(zone).offsetAt(ms);
}

/** The local date `YYYY-MM-DD` of an instant in a zone (a canonical name). */
export function localDate(ms: number, zone: string): string {
  return dateOfDays(Math.floor((ms + offsetAt(zone, ms)) / DAY));
}

/** `+01:00`, `-03:00`, `+00:00`: an offset of whole minutes. */
export function offsetText(offsetMs: number): string {
  const m = Math.abs(Math.round(offsetMs / 60_000));
  return `${offsetMs < 0 ? '-' : '+'}${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`;
}

/** An instant written with a zone's offset at that instant: `2026-03-09T22:00:00-03:00`. */
export function formatInZone(ms: number, zone: string): string {
  const offset = offsetAt(zone, ms);
  const local = new Date(ms + offset).toISOString(); // `YYYY-MM-DDTHH:MM:SS.mmmZ` of the wall clock
  const millis = local.slice(19, 23) === '.000' ? '' : local.slice(19, 23);
  return `${local.slice(0, 19)}${millis}${offsetText(offset)}`;
}
