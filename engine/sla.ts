// SLA windows of a decision: the target's due date on its calendar's business clock, where the
// clock starts, and, given `now` or the response/resolution instants, whether the window is
// running, met or breached and by how much.
import { Temporal } from 'temporal-polyfill';
import {
  type BoundedCache,
  type Calendar,
  type HolidayCatalog,
  type Policy,
  WEEKDAYS,
  canonicalZone,
  factsRead,
  unbudgetedCache,
} from '../dsl/index.js';
import {
  BusinessCalendar,
  type CalendarRules,
  type Interval,
  type MinuteRange,
  merge,
  offsetAt,
  wallClockText,
} from './calendar.js';
import { clockStart, dueAt, elapsed, normalizePauses } from './clock.js';
import { Instants, type Value, instant } from './values.js';

const MIN = 60_000;

export interface CompiledCalendar {
  rules: CalendarRules;
  /** A fixed zone, or none (24x7 counting real time, or a zone taken from a fact). */
  zone: string | null;
  /** The fact that holds the zone (its default applies when it is not given); declared or derived. */
  zoneFact?: string;
  /** A derived zone fact's value is written by the policy, not validated as a fact: canonicalized when read. */
  zoneDerived?: true;
  /** The declared facts a derived zone fact reads: when its zone is unknown, the facts that would decide it. */
  zoneFacts?: string[];
  /** The facts whose values are the holidays' country and region (the calendar's own apply when not given). */
  holidayFacts?: {
    country?: string;
    region?: string;
    defaultCountry: string;
    defaultRegion?: string;
    rules: (country: string, region: string | undefined) => CalendarRules;
  };
  /** By canonical zone name ('' for none): at most the few hundred IANA places, and bounded all the same. */
  instances: BoundedCache<string, BusinessCalendar>;
}

/** Calendar instances a compiled calendar keeps: more than there are IANA places. */
const MAX_INSTANCES = 1024;
/** A calendar instance holds references only; its business days live in a shared bounded cache. */
const instanceCache = () =>
  unbudgetedCache<string, BusinessCalendar>({
    name: 'calendar instances',
    max: MAX_INSTANCES,
    maxBytes: MAX_INSTANCES * 256,
    bytesOf: () => 256,
  });

function mergeRanges(ranges: MinuteRange[]): MinuteRange[] {
  return merge([...ranges].sort((a, b) => a[0] - b[0]) as Interval[]) as MinuteRange[];
}

/** A policy calendar as the clock's rules. Holiday data is needed only when the calendar names holidays. */
export function compileCalendar(c: Calendar, holidays: HolidayCatalog | undefined, policy?: Policy): CompiledCalendar {
  const weekly = WEEKDAYS.map((d) =>
    c.hours.kind === 'always'
      ? []
      : mergeRanges(
          c.hours.groups.filter((g) => g.days.includes(d)).flatMap((g) => g.ranges.map((r) => [r.start, r.end] as const)),
        ),
  );
  const rules: CalendarRules = {
    name: c.name,
    always: c.hours.kind === 'always',
    weekly,
    closed: new Set(c.closed.map((d) => d.date)),
    open: new Map(c.open.map((o) => [o.date, mergeRanges(o.ranges.map((r) => [r.start, r.end] as const))])),
  };
  if (c.holidays) {
    if (!holidays)
      throw new Error(
        `calendar ${c.name} names holidays: load the holiday data (loadHolidayCatalog) and pass it to compilePolicy`,
      );
    const h = c.holidays;
    Object.assign(rules, holidaysOf(holidays, h.country, h.region, h.types));
  }
  const compiled: CompiledCalendar = { rules, zone: c.timezone?.name ?? null, instances: instanceCache() };
  if (c.timezoneFact) compiled.zoneFact = c.timezoneFact.name;
  if (c.timezoneFact && policy?.derived.some((d) => d.name === c.timezoneFact!.name)) {
    compiled.zoneDerived = true;
    compiled.zoneFacts = declaredReads(c.timezoneFact.name, policy);
  }
  const h = c.holidays;
  if (h && holidays && (h.countryFact || h.regionFact)) {
    // The rules of each country and region a ticket names, made when one first does.
    const byPlace = new Map<string, CalendarRules>();
    compiled.holidayFacts = {
      ...(h.countryFact ? { country: h.countryFact.name } : {}),
      ...(h.regionFact ? { region: h.regionFact.name } : {}),
      defaultCountry: h.country,
      ...(h.region !== undefined ? { defaultRegion: h.region } : {}),
      rules: (country, region) => {
        const key = `${country}|${region ?? ''}`;
        let made = byPlace.get(key);
        if (!made) byPlace.set(key, (made = { ...rules, ...holidaysOf(holidays, country, region, h.types) }));
        return made;
      },
    };
  }
  return compiled;
}

/** The declared facts a fact reads, through derived facts. */
function declaredReads(name: string, policy: Policy, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  if (policy.facts.some((f) => f.name === name)) return [name];
  const d = policy.derived.find((x) => x.name === name);
  return d ? [...new Set(factsRead(d.expr).flatMap((r) => declaredReads(r.path.join('.'), policy, seen)))] : [];
}

/**
 * A region's holiday closures (and names) by year, kept per calendar: the catalog's key is a
 * string built from the region and types.
 */
function holidaysOf(
  holidays: HolidayCatalog,
  country: string,
  region: string | undefined,
  types: readonly string[],
): Required<Pick<CalendarRules, 'holidays' | 'holidayNames'>> {
  const byYear = unbudgetedCache<number, ReadonlyMap<string, number>>({
    name: 'holiday years of a calendar',
    max: 256,
    maxBytes: 256 * 4096,
    bytesOf: () => 4096,
  });
  return {
    holidays: (year) => {
      let days = byYear.get(year);
      if (days === undefined) byYear.set(year, (days = holidays.closures(country, region, types, year)));
      return days;
    },
    // Read for the editor's pictures only: the catalog's own bounded cache is enough.
    holidayNames: (year) => holidays.names(country, region, types, year),
  };
}

export function compileCalendars(policy: Policy, holidays: HolidayCatalog | undefined): Map<string, CompiledCalendar> {
  return new Map(policy.calendars.map((c) => [c.name, compileCalendar(c, holidays, policy)]));
}

/**
 * The business clock of a calendar for one ticket (the zone, and the holidays' country and region,
 * may come from the ticket's facts); null when a calendar with local hours has no zone for this
 * ticket (a derived zone fact that is unknown, or not a zone): its due dates are not known.
 */
export function businessCalendar(c: CompiledCalendar, facts: { get(name: string): Value }): BusinessCalendar | null {
  const fromFact = c.zoneFact ? facts.get(c.zoneFact) : null;
  let zone = typeof fromFact === 'string' ? fromFact : c.zone;
  if (c.zoneDerived && zone !== null) {
    const canonical = canonicalZone(zone);
    zone = canonical.ok ? canonical.zone : null;
  }
  if (zone === null && c.zoneDerived && !c.rules.always) return null;
  let rules = c.rules;
  let key = zone ?? '';
  const place = c.holidayFacts;
  if (place) {
    // Not given, the calendar's own country and region apply (the checker knows every value has data).
    const givenCountry = place.country ? facts.get(place.country) : null;
    const givenRegion = place.region ? facts.get(place.region) : null;
    if (typeof givenCountry === 'string' || typeof givenRegion === 'string') {
      const country = typeof givenCountry === 'string' ? givenCountry : place.defaultCountry;
      // The calendar's region is of its own country: another country given, it does not apply.
      const region =
        typeof givenRegion === 'string' ? givenRegion : country === place.defaultCountry ? place.defaultRegion : undefined;
      rules = place.rules(country, region);
      key = `${key}|${country}|${region ?? ''}`;
    }
  }
  let instance = c.instances.get(key);
  if (!instance) {
    instance = new BusinessCalendar(rules, zone);
    c.instances.set(key, instance);
  }
  return instance;
}

/** An always-open real-time clock, for targets that name no calendar. */
export const REAL_TIME = new BusinessCalendar(
  { name: '24x7', always: true, weekly: [], closed: new Set(), open: new Map() },
  null,
);

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
/** `+01:00`, `-03:30`, `+00:00`: an offset of whole minutes as Temporal writes it. */
const OFFSETS = new Map<number, string>();
const offsetText = (ms: number) => {
  let text = OFFSETS.get(ms);
  if (text === undefined) {
    const m = Math.abs(ms) / MIN;
    OFFSETS.set(ms, (text = `${ms < 0 ? '-' : '+'}${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`));
  }
  return text;
};

/**
 * `2026-03-09T15:30:00+01:00`: in the zone when there is one, else in the given fixed offset.
 * Written as Temporal's ZonedDateTime#toString writes it (seconds always, a fraction only when
 * there is one), from the zone's cached offsets: formatting through Temporal cost more than the
 * due date itself. Odd cases (offsets with seconds, years beyond four digits) go to Temporal.
 */
export function formatInstant(ms: number, zone: string | null, fallbackOffset: string): string {
  let offset: number;
  if (zone) offset = offsetAt(zone, ms);
  else {
    const m = /^([+-])(\d{2}):(\d{2})$/.exec(fallbackOffset);
    offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * MIN : 0;
  }
  const text = offset % MIN === 0 ? wallClockText(ms + offset, offsetText(offset)) : null;
  if (text !== null) return text;
  const tz = zone ?? (offset % MIN === 0 ? offsetText(offset) : 'UTC');
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(tz).toString({ timeZoneName: 'never' });
}

/** An ISO 8601 duration of hours, minutes and seconds. */
export function isoDurationMs(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!h && !m) ? `${s}S` : ''}`;
}

export type WindowStatus = 'running' | 'met' | 'breached';

export interface ClockResult {
  startsAt: string | null;
  dueAt: string | null;
  status: WindowStatus | null;
  elapsed: string | null;
  remaining: string | null;
  exceeded: string | null;
}

const NO_PAUSES: readonly Interval[] = [];

/**
 * What a decision's windows share: its two windows usually have the same calendar, opening and
 * pauses, so the start and the time spent so far are worked out once (see windowClock). One per
 * decision, made by `windowShare`.
 */
export interface WindowShare {
  calendar: BusinessCalendar | null;
  opened: number;
  paused: readonly Interval[];
  offset: string;
  startsAt: string | null;
  at: number;
  spent: number;
}

export const windowShare = (): WindowShare => ({
  calendar: null,
  opened: Number.NaN,
  paused: NO_PAUSES,
  offset: '',
  startsAt: null,
  at: Number.NaN,
  spent: 0,
});

/**
 * The zone a window's instants are written in, and the offset when there is none: the calendar's
 * zone, else the policy's (`policyZone`), so the same ticket written in two offsets gets the same
 * `dueAt`. Only a policy that declares no zone falls back to the offset `openedAt` is written in.
 */
export function displayZone(
  calendar: BusinessCalendar,
  policyZone: string | null,
  openedAt: string,
): { zone: string | null; offset: string } {
  const zone = calendar.zone ?? policyZone;
  return { zone, offset: zone ? '' : (/([+-]\d{2}:\d{2})$/.exec(openedAt)?.[1] ?? '+00:00') };
}

/**
 * The clock of one window: from `openedAt`, `target` ms of business time, with `pauses` not
 * counted; its status at `stoppedAt` (the response or resolution) or else at `now`. Instants are
 * written in the calendar's zone, else in `policyZone` (see displayZone).
 */
export function windowClock(
  calendar: BusinessCalendar,
  openedAt: string,
  target: number,
  pauses: readonly { from: string; to: string }[],
  stoppedAt: string | null,
  now: string | null,
  policyZone: string | null = null,
  last: WindowShare = windowShare(),
  instants: Instants = new Instants(),
): ClockResult {
  const instant = (v: string) => instants.at(v);
  const opened = instant(openedAt);
  const paused = pauses.length === 0 ? NO_PAUSES : normalizePauses(pauses.map((p) => [instant(p.from), instant(p.to)] as const));
  const shown = displayZone(calendar, policyZone, openedAt);
  const offset = shown.zone ?? shown.offset;
  const fmt = (ms: number | null) => (ms === null ? null : formatInstant(ms, shown.zone, shown.offset));
  const due = dueAt(calendar, opened, target, paused);
  // What the decision's other window worked out, when it had the same calendar, opening and pauses.
  const same = last.calendar === calendar && last.opened === opened && last.paused === paused && last.offset === offset;
  if (!same) {
    last.calendar = calendar;
    last.opened = opened;
    last.paused = paused;
    last.offset = offset;
    last.startsAt = fmt(clockStart(calendar, opened, paused));
    last.at = Number.NaN;
  }
  const result: ClockResult = {
    startsAt: last.startsAt,
    dueAt: fmt(due),
    status: null,
    elapsed: null,
    remaining: null,
    exceeded: null,
  };
  const at = stoppedAt ?? now;
  if (at === null) return result;
  const atMs = instant(at);
  if (last.at !== atMs) {
    last.at = atMs;
    last.spent = elapsed(calendar, opened, atMs, paused);
  }
  const spent = last.spent;
  result.elapsed = isoDurationMs(spent);
  // No due date: the target is not used up within the clock's reach (pauses took the rest), so
  // it was met, or it runs.
  if (stoppedAt !== null) result.status = due === null || atMs <= due ? 'met' : 'breached';
  else result.status = due === null || atMs <= due ? 'running' : 'breached';
  if (result.status === 'breached') result.exceeded = isoDurationMs(Math.max(0, spent - target));
  else result.remaining = isoDurationMs(Math.max(0, target - spent));
  return result;
}

/** A closed piece of a window: from, to, why, and for a holiday its name. */
export type ClosedPiece = [from: string, to: string, why: 'holiday' | 'weekend' | 'closed', holiday?: string];

export interface Timeline {
  from: string;
  to: string;
  business: [string, string][];
  closed: ClosedPiece[];
  paused: [string, string][];
}

/**
 * A window's time from `from` to `to` cut into business time, closed time (by local day, with
 * why: a holiday, a weekend, or outside hours) and paused time, for a picture of the clock.
 */
export function windowTimeline(
  calendar: BusinessCalendar,
  from: number,
  to: number,
  pauses: readonly Interval[],
  zoneOffset: string,
  zone: string | null = calendar.zone,
): Timeline {
  const fmt = (ms: number) => formatInstant(ms, zone, zoneOffset);
  const paused = normalizePauses(pauses)
    .filter(([a, b]) => b > from && a < to)
    .map(([a, b]) => [fmt(Math.max(a, from)), fmt(Math.min(b, to))] as [string, string]);
  if (calendar.realTime) return { from: fmt(from), to: fmt(to), business: [[fmt(from), fmt(to)]], closed: [], paused };
  const business: Interval[] = [];
  const first = calendar.localDay(from);
  const last = calendar.localDay(to);
  for (let day = first - 1; day <= last + 1 && day - first < 400; day++) {
    for (const [a, b] of calendar.dayAt(day)) if (b > from && a < to) business.push([Math.max(a, from), Math.min(b, to)]);
  }
  business.sort((x, y) => x[0] - y[0]);
  // The gaps between business intervals, cut at local midnights so each piece has one reason.
  const closed: ClosedPiece[] = [];
  let at = from;
  const gap = (a: number, b: number) => {
    for (let day = calendar.localDay(a); a < b && day - first < 400; day++) {
      const end = Math.min(b, calendar.startOf(day + 1));
      if (end > a) {
        const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
        const why = calendar.closedReason(date);
        const name = why === 'holiday' ? calendar.holidayName(date) : undefined;
        closed.push(name === undefined ? [fmt(a), fmt(end), why] : [fmt(a), fmt(end), why, name]);
      }
      a = end;
    }
  };
  for (const [a, b] of business) {
    if (a > at) gap(at, a);
    at = Math.max(at, b);
  }
  if (at < to) gap(at, to);
  return { from: fmt(from), to: fmt(to), business: business.map(([a, b]) => [fmt(a), fmt(b)]), closed, paused };
}
