// Calendars: business intervals, zones, dates, holidays, and days of one length for business days.
import { type TimeRange, WEEKDAYS } from '../ast.js';
import { canonicalZone, isRealDate, zoneNames } from '../datetime.js';
import { dayLengths, durationText } from '../durations.js';
import {
  checkedBadValue,
  emptyInterval,
  factType,
  missingTimezone,
  overlap,
  twoTimezones,
  unevenDays,
  unknownFact,
  unknownHolidays,
  unknownTimezone,
} from '../problems/index.js';
import { valueChoices } from '../choices.js';
import type { DerivedFact, Holidays, Named, Policy } from '../model.js';
import type { Context, Report } from './context.js';
import { nearest, undeclared } from './names.js';
import { eachTarget, fmtMinutes } from './sla.js';

/** Empty and overlapping intervals among the ranges of some days (`days` names them in messages). */
function checkIntervals(perDay: Map<string, TimeRange[]>, report: Report): void {
  const checkedEmpty = new Set<TimeRange>();
  const overlaps = new Map<string, { a: TimeRange; b: TimeRange; days: string[] }>();
  for (const [day, all] of perDay) {
    for (const r of all) {
      if (r.end > r.start || checkedEmpty.has(r)) continue;
      checkedEmpty.add(r);
      report(emptyInterval({ kind: 'interval', span: r.span, range: fmtRange(r), endsWhenStarts: r.end === r.start }));
    }
    const sorted = all.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1]!, sorted[i]!];
      if (b.start >= a.end) continue;
      // One overlap is one problem, however many days it happens on.
      const key = `${a.span.offset}:${b.span.offset}`;
      const entry = overlaps.get(key) ?? { a, b, days: [] };
      entry.days.push(day);
      overlaps.set(key, entry);
    }
  }
  for (const { a, b, days } of overlaps.values()) {
    const later = a.span.offset > b.span.offset ? a : b;
    const earlier = later === a ? b : a;
    report(overlap({ span: later.span, days, later: fmtRange(later), earlier: fmtRange(earlier) }));
  }
}

const COUNTRY_ALIASES: Record<string, string> = { UK: 'GB', EN: 'GB', EL: 'GR' };

export function checkCalendars({ policy, report, options, facts }: Context): void {
  for (const c of policy.calendars) {
    if (c.hours.kind === 'weekly' && !c.hoursInvalid) {
      const groups = c.hours.groups;
      checkIntervals(
        new Map(WEEKDAYS.map((d) => [d, groups.filter((g) => g.days.includes(d)).flatMap((g) => g.ranges)])),
        report,
      );
      if (groups.length === 0 && c.open.length === 0)
        report(emptyInterval({ kind: 'never-open', span: c.span, calendar: c.name }));
    }
    for (const o of c.open) checkIntervals(new Map([[o.date, o.ranges]]), report);
    const calendarZone = c.timezone ? canonicalZone(c.timezone.name) : undefined;
    if (c.timezone && calendarZone && !calendarZone.ok) {
      const { name, span } = c.timezone;
      report(unknownTimezone({ span, name, result: calendarZone, ...nearest(name, zoneNames()) }));
    }
    if (c.timezoneFact) {
      const f = facts.get(c.timezoneFact.name);
      const derived = policy.derived.find((d) => d.name === c.timezoneFact!.name);
      if (derived) checkDerivedZone(derived, policy, report);
      else if (!f) report(unknownFact({ where: 'field', ...undeclared(c.timezoneFact, [...facts.keys()]) }));
      else if (f.type !== 'timezone' && f.type !== 'string') {
        report(factType({ kind: 'timezone-fact', span: c.timezoneFact.span, fact: f.name, type: f.type }));
      }
    }
    if (c.timezone && c.timezoneFact) {
      report(twoTimezones({ span: c.timezoneFact.span, calendar: c.name }));
    }
    // Dates and business hours are local times: they need a zone (a 24x7 calendar needs one only for its dates).
    const needsZone = c.hours.kind === 'weekly' || c.holidays !== undefined || c.closed.length > 0 || c.open.length > 0;
    if (!c.timezone && !c.timezoneFact && needsZone) {
      const has = c.hours.kind === 'weekly' ? 'business hours' : 'holidays or dates';
      report(missingTimezone({ span: c.span, calendar: c.name, has }));
    }
    for (const d of [...c.closed, ...c.open]) {
      if (!isRealDate(d.date)) report(checkedBadValue({ kind: 'not-a-date', span: d.span, date: d.date }));
    }
    if (c.holidays) checkHolidayFacts(c.holidays, facts, report, options.holidays);
    if (c.holidays && options.holidays) {
      const h = c.holidays;
      const countries = options.holidays.countries();
      if (!(h.country in countries)) {
        const alias = Object.hasOwn(COUNTRY_ALIASES, h.country.toUpperCase())
          ? COUNTRY_ALIASES[h.country.toUpperCase()]
          : undefined;
        const near = alias !== undefined ? { near: alias } : nearest(h.country, Object.keys(countries));
        report(unknownHolidays({ kind: 'country', span: h.countrySpan, country: h.country, ...near }));
      } else if (h.region !== undefined) {
        const regions = options.holidays.regions(h.country);
        if (!(h.region in regions)) {
          report(
            unknownHolidays({
              kind: 'region',
              span: h.regionSpan ?? h.span,
              country: h.country,
              region: h.region,
              regions: Object.entries(regions).map(([k, v]) => `${k} (${v})`),
              ...nearest(h.region, Object.keys(regions)),
            }),
          );
        }
      }
    }
  }
  // Business days need days of one length: "3 business days" must mean one number of minutes.
  eachTarget(policy, (d, calendarName) => {
    const cal = calendarName ? policy.calendars.find((c) => c.name === calendarName.name) : undefined;
    if (d.unit !== 'day' || !d.business || !cal || cal.hoursInvalid) return;
    const lengths = [...new Set(dayLengths(cal).filter((l) => l > 0))];
    if (lengths.length > 1) {
      report(unevenDays({ span: d.span, duration: durationText(d), calendar: cal.name, lengths: lengths.map(fmtMinutes) }));
    }
  });
}

/** A zone from a derived fact: every zone name it can give is an IANA zone of a place. */
export function checkDerivedZone(derived: DerivedFact, policy: Policy, report: Report): void {
  const c = valueChoices(derived.expr, policy);
  if (!c.ok) return; // a computed zone (coalesce of timezone facts, say): checked as a value when the ticket comes
  for (const name of c.values) {
    const zone = canonicalZone(name);
    if (!zone.ok) report(unknownTimezone({ span: derived.expr.span, name, result: zone, ...nearest(name, zoneNames()) }));
  }
}

/** `countryFact` and `regionFact`: declared enum facts whose every value has holiday data. */
function checkHolidayFacts(
  h: Holidays,
  facts: Context['facts'],
  report: Report,
  catalog: Context['options']['holidays'],
): void {
  const enumValues = (named: Named | undefined, field: 'countryFact' | 'regionFact'): string[] | undefined => {
    if (!named) return undefined;
    const f = facts.get(named.name);
    if (!f) {
      report(unknownFact({ where: 'field', ...undeclared(named, [...facts.keys()]) }));
      return undefined;
    }
    if (f.type !== 'enum' || !f.values) {
      report(factType({ kind: 'holiday-fact', span: named.span, field, fact: f.name, type: f.type }));
      return undefined;
    }
    return f.values;
  };
  const countryValues = enumValues(h.countryFact, 'countryFact');
  const regionValues = enumValues(h.regionFact, 'regionFact');
  if (!catalog) return;
  const countries = catalog.countries();
  for (const country of countryValues ?? []) {
    if (!(country in countries))
      report(unknownHolidays({ kind: 'country', span: h.countryFact!.span, country, ...nearest(country, Object.keys(countries)) }));
  }
  // A region is checked against the countries it can go with: the fact's values, or the calendar's country.
  const withCountries = (countryValues ?? [h.country]).filter((c) => c in countries);
  for (const region of regionValues ?? []) {
    if (withCountries.some((c) => region in catalog.regions(c))) continue;
    const country = withCountries[0] ?? h.country;
    const regions = catalog.regions(country);
    report(
      unknownHolidays({
        kind: 'region',
        span: h.regionFact!.span,
        country,
        region,
        regions: Object.entries(regions).map(([k, v]) => `${k} (${v})`),
        ...nearest(region, Object.keys(regions)),
      }),
    );
  }
}

const fmtRange = (r: TimeRange) => `${fmtClock(r.start)}-${fmtClock(r.end)}`;

function fmtClock(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
