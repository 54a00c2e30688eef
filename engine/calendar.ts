// Business calendars: which instants are business time. An instant is business time when its
// wall-clock time in the calendar's zone, on its own local date, falls inside that date's business
// intervals (weekly hours, or an extra open day's hours), and the date is not closed or a holiday.
//
// Daylight saving follows from that definition, resolved explicitly:
// - a local time that does not exist (spring forward, 02:00–03:00 in Europe/Rome on 2026-03-29)
//   has no instants: an interval boundary inside the gap takes effect at the instant the clock
//   jumps, and a business interval spanning the gap is one hour shorter in real time;
// - a local time that occurs twice (fall back) is business time both times: an interval spanning
//   the repeated hour is one hour longer in real time ("business hours stay on the wall clock").
// A 24x7 calendar is every instant, so its hours are real elapsed hours.
import { BYTES, DAY_KEYS, type ZoneOffsets, boundedCache, civilFromDays, offsetAt, zoneOffsets } from '../dsl/index.js';
import { daysFromCivil } from './values.js';

export { offsetAt };

/** Minutes since local midnight: [start, end), end up to 1440. */
export type MinuteRange = readonly [number, number];
/** Epoch milliseconds: [start, end). */
export type Interval = readonly [number, number];

export interface CalendarRules {
  name: string;
  /** 24x7: every minute of every day (holidays and closed dates still close, if the calendar lists them). */
  always: boolean;
  /** Business hours per ISO weekday, index 0 = Monday … 6 = Sunday, sorted and disjoint. */
  weekly: readonly (readonly MinuteRange[])[];
  closed: ReadonlySet<string>;
  /** Extra open days with their hours; they open even a holiday or a closed date. */
  open: ReadonlyMap<string, readonly MinuteRange[]>;
  /** Holiday closures of a year: date → minute of the day the closure starts. */
  holidays?: (year: number) => ReadonlyMap<string, number>;
  /** The holidays' names of a year, by date: only pictures of the clock read them. */
  holidayNames?: (year: number) => ReadonlyMap<string, string>;
}

const DAY = 86_400_000;
const MINUTE = 60_000;

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * `YYYY-MM-DDTHH:MM:SS` of a count of milliseconds since 1970-01-01T00:00 on a wall clock, with
 * a fraction of a second only when there is one (`.5`, `.25`, `.125`), then `suffix`; null
 * outside years 1000–9999. Plain arithmetic: Date#toISOString costs half a microsecond, more
 * than a whole due date.
 */
export function wallClockText(ms: number, suffix = ''): string | null {
  const days = Math.floor(ms / DAY);
  const [year, month, day] = civilFromDays(days);
  if (year < 1000 || year > 9999) return null;
  let rest = ms - days * DAY;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const fraction =
    millis === 0
      ? ''
      : millis % 100 === 0
        ? `.${millis / 100}`
        : millis % 10 === 0
          ? `.${TWO_DIGITS[millis / 10]}`
          : `.${String(millis).padStart(3, '0')}`;
  const c = Math.floor(year / 100);
  return `${TWO_DIGITS[c]}${TWO_DIGITS[year - c * 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}${fraction}${suffix}`;
}

const isoDate = (utcMidnight: number) =>
  wallClockText(utcMidnight)?.slice(0, 10) ?? new Date(utcMidnight).toISOString().slice(0, 10);
/** The instant a date begins in UTC (dates here are always well formed). */
const utcMidnight = (date: string) =>
  daysFromCivil(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))) * DAY;

/**
 * Business intervals of a local date, of every calendar in every zone: one bounded cache keyed by
 * the calendar's number and the date (days since the epoch), so no run of tickets, however far
 * apart their dates or many their zones, grows memory past its budget.
 */
const businessDays = boundedCache<number, Interval[]>({
  name: 'business intervals by day',
  max: 200_000,
  maxBytes: 24 * 1024 * 1024,
  bytesOf: (intervals) => BYTES.object + intervals.length * (BYTES.object + BYTES.slot),
});
let calendarCount = 0;

/** Business time of one calendar in one zone. */
export class BusinessCalendar {
  /** Distinguishes this calendar's dates in businessDays; never reused. */
  private readonly id = ++calendarCount;
  private readonly zoneOffsets: ZoneOffsets | undefined;

  /** `zone` null: a 24x7 calendar counting real time, with no local dates at all. */
  constructor(
    readonly rules: CalendarRules,
    readonly zone: string | null,
  ) {
    this.zoneOffsets = zone ? zoneOffsets(zone) : undefined;
    if (!zone && !rules.always) throw new Error(`calendar ${rules.name} has business hours but no time zone`);
  }

  /** True when every instant is business time: no zone, no dates, just real elapsed time. */
  get realTime(): boolean {
    return this.zone === null;
  }

  /** The local date of an instant in this calendar's zone. */
  localDate(ms: number): string {
    return isoDate(this.localDay(ms) * DAY);
  }

  /** The local date of an instant, as days since 1970-01-01. */
  localDay(ms: number): number {
    return Math.floor((ms + this.zoneOffsets!.offsetAt(ms)) / DAY);
  }

  /** The business minutes of a local date, before conversion to instants. */
  hoursOf(date: string): readonly MinuteRange[] {
    const open = this.rules.open.get(date);
    if (open) return open;
    if (this.rules.closed.has(date)) return [];
    const weekday = (new Date(utcMidnight(date)).getUTCDay() + 6) % 7;
    const hours = this.rules.always ? [[0, 1440] as const] : this.rules.weekly[weekday]!;
    const closesAt = this.rules.holidays?.(Number(date.slice(0, 4))).get(date);
    if (closesAt === undefined) return hours;
    // A holiday closes from its start (usually the whole day).
    return hours.flatMap(([a, b]) => (a >= closesAt ? [] : [[a, Math.min(b, closesAt)] as const]));
  }

  /** Why a local date has time outside business hours, for pictures of the clock. */
  closedReason(date: string): 'holiday' | 'weekend' | 'closed' {
    if (this.rules.open.has(date) || this.rules.closed.has(date)) return 'closed';
    if (this.rules.holidays?.(Number(date.slice(0, 4))).has(date)) return 'holiday';
    const weekday = (new Date(utcMidnight(date)).getUTCDay() + 6) % 7;
    return !this.rules.always && this.rules.weekly[weekday]!.length === 0 ? 'weekend' : 'closed';
  }

  /** The name of the holiday on a local date, when it is one the calendar closes for. */
  holidayName(date: string): string | undefined {
    if (this.closedReason(date) !== 'holiday') return undefined;
    return this.rules.holidayNames?.(Number(date.slice(0, 4))).get(date);
  }

  /** The instant a local date begins (its local midnight, or the first instant after it). */
  startOf(dayNumber: number): number {
    const offsets = this.zoneOffsets!;
    let t = dayNumber * DAY - offsets.offsetAt(dayNumber * DAY);
    t = dayNumber * DAY - offsets.offsetAt(t);
    return t;
  }

  /** Business time of a local date as instants, sorted. */
  day(date: string): readonly Interval[] {
    return this.dayAt(utcMidnight(date) / DAY);
  }

  /**
   * The business time of a whole local date, in ms: its hours as they read when its zone's offset
   * holds all day (most dates: no intervals made or kept), else the sum of its intervals.
   */
  dayLength(dayNumber: number): number {
    const known = dayNumber >= 0 && dayNumber < DAY_KEYS ? businessDays.get(this.id * DAY_KEYS + dayNumber) : undefined;
    if (known === undefined && this.zoneOffsets!.steadyAround(dayNumber)) {
      let minutes = 0;
      for (const [a, b] of this.hoursOf(isoDate(dayNumber * DAY))) minutes += b - a;
      return minutes * MINUTE;
    }
    let sum = 0;
    for (const [a, b] of known ?? this.dayAt(dayNumber)) sum += b - a;
    return sum;
  }

  /** Business time of a local date given as days since the epoch (the clock's loop uses these). */
  dayAt(dayNumber: number): readonly Interval[] {
    const kept = dayNumber >= 0 && dayNumber < DAY_KEYS;
    const key = this.id * DAY_KEYS + dayNumber;
    let out = kept ? businessDays.get(key) : undefined;
    if (out) return out;
    const date = isoDate(dayNumber * DAY);
    out = [];
    const hours = this.hoursOf(date);
    if (hours.length > 0) {
      const midnight = utcMidnight(date);
      for (const piece of this.zoneOffsets!.piecesOf(utcMidnight(date) / DAY)) {
        for (const [a, b] of hours) {
          // Instants in this piece whose wall clock reads between a and b on this date.
          const lo = Math.max(piece.from, midnight + a * MINUTE - piece.offset);
          const hi = Math.min(piece.to, midnight + b * MINUTE - piece.offset);
          if (lo < hi) out.push([lo, hi]);
        }
      }
      out.sort((x, y) => x[0] - y[0]);
      out = merge(out);
    }
    if (kept) businessDays.set(key, out);
    return out;
  }
}

/** Sorted intervals with touching and overlapping ones joined. */
export function merge(sorted: Interval[]): Interval[] {
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
