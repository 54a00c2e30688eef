// Diagnostics of zones and calendars: zone names, zones a policy or calendar needs, business
// intervals, days and holidays.
import { zoneProblem } from '../datetime.js';
import { type Diagnostic, type Span, diagnostic } from '../diagnostics.js';
import type { FactValueProblem } from '../fact-values.js';
import { type Failed, IANA_EXAMPLE, factValueDiagnostic, meant } from './words.js';

/** `policy.zone-required`: an instant becomes a date with no zone to say which date. */
export function zoneRequired(p: { span: Span; why: string }): Diagnostic {
  return diagnostic(
    'policy.zone-required',
    p.span,
    `${p.why}, and the date of an instant depends on the zone: the policy declares no zone`,
    'add zone: <IANA name> (like zone: Europe/Rome) at the top of the policy, or zoneFact: a timezone fact; or name the zone here, like dateOf(openedAt, "Europe/Rome")',
  );
}

/** `policy.unknown-zone`: the policy's zone (or a date function's) is no IANA zone of a place. */
export function unknownZone(p: { span: Span; name: string; result: Failed; near?: string }): Diagnostic {
  return diagnostic('policy.unknown-zone', p.span, zoneProblem(p.name, p.result), meant(p.near) ?? IANA_EXAMPLE);
}

/** `policy.two-zones`: the policy names both a zone and a zoneFact. */
export function twoZones(p: { span: Span }): Diagnostic {
  return diagnostic(
    'policy.two-zones',
    p.span,
    'the policy names both a zone and a zoneFact',
    'keep one: zoneFact (with a default) when the zone is the customer’s',
  );
}

/** `calendar.unknown-timezone`: a calendar's time zone name (written, or derived for its fact) that is no IANA zone. */
export function unknownTimezone(p: { span: Span; name: string; result: Failed; near?: string }): Diagnostic {
  return diagnostic('calendar.unknown-timezone', p.span, zoneProblem(p.name, p.result), meant(p.near) ?? IANA_EXAMPLE);
}

/** `fact.unknown-timezone`: a timezone fact's default or test value that is no IANA zone. */
export function factUnknownTimezone(p: { span: Span; problem: FactValueProblem; context: string }): Diagnostic {
  return factValueDiagnostic('fact.unknown-timezone', p);
}

/** `calendar.missing-timezone`: local business hours or dates with no zone to place them in. */
export function missingTimezone(p: { span: Span; calendar: string; has: 'business hours' | 'holidays or dates' }): Diagnostic {
  return diagnostic(
    'calendar.missing-timezone',
    p.span,
    `calendar '${p.calendar}' has ${p.has} but no time zone`,
    'add timezone: Europe/Rome (or timezoneFact: a fact)',
  );
}

/** `calendar.two-timezones`: a calendar with both a time zone and a time zone fact. */
export function twoTimezones(p: { span: Span; calendar: string }): Diagnostic {
  return diagnostic(
    'calendar.two-timezones',
    p.span,
    `calendar '${p.calendar}' names both a time zone and a time zone fact`,
    'keep one: the fact (with a default) when the zone is the customer’s',
  );
}

// ---- calendars ------------------------------------------------------------------------------------

/** `calendar.empty-interval` */
export type EmptyInterval =
  { kind: 'interval'; span: Span; range: string; endsWhenStarts: boolean } | { kind: 'never-open'; span: Span; calendar: string };

export function emptyInterval(p: EmptyInterval): Diagnostic {
  if (p.kind === 'never-open') return diagnostic('calendar.empty-interval', p.span, `calendar '${p.calendar}' is never open`);
  return diagnostic(
    'calendar.empty-interval',
    p.span,
    `the interval ${p.range} is empty: it ends ${p.endsWhenStarts ? 'when' : 'before'} it starts`,
    'write the earlier time first; to stay open past midnight, split it at 24:00',
  );
}

/** `calendar.overlap` */
export function overlap(p: { span: Span; days: readonly string[]; later: string; earlier: string }): Diagnostic {
  return diagnostic(
    'calendar.overlap',
    p.span,
    `on ${p.days.join(', ')}, ${p.later} overlaps ${p.earlier}`,
    'merge them into one interval',
  );
}

/** `calendar.uneven-days` */
export function unevenDays(p: { span: Span; duration: string; calendar: string; lengths: readonly string[] }): Diagnostic {
  return diagnostic(
    'calendar.uneven-days',
    p.span,
    `'${p.duration}' is ambiguous: calendar '${p.calendar}' has days of ${p.lengths.join(' and ')}`,
    'state the target in business hours instead',
  );
}

/** `calendar.unknown-holidays` */
export type UnknownHolidays = { span: Span; country: string } & (
  | { kind: 'country'; near?: string }
  | { kind: 'region'; region: string; near?: string; regions: readonly string[] }
);

export function unknownHolidays(p: UnknownHolidays): Diagnostic {
  if (p.kind === 'country')
    return diagnostic(
      'calendar.unknown-holidays',
      p.span,
      `no holiday data for country '${p.country}'`,
      meant(p.near) ?? 'use an ISO 3166 code like IT or BR',
    );
  return diagnostic(
    'calendar.unknown-holidays',
    p.span,
    `no holiday data for region '${p.region}' of ${p.country}`,
    meant(p.near) ??
      (p.regions.length
        ? `regions: ${p.regions.slice(0, 40).join(', ')}${p.regions.length > 40 ? ', …' : ''}`
        : `${p.country} has no regions`),
  );
}

/** `sla.calendar-choice`: a `calendar:` expression that can give a value naming no declared calendar. */
export type CalendarChoiceProblem = { span: Span; expr: string } & (
  | { kind: 'undeclared'; value: string; calendars: string[] }
  | { kind: 'unbounded'; what: string }
);

export function calendarChoice(p: CalendarChoiceProblem): Diagnostic {
  const code = 'sla.calendar-choice';
  switch (p.kind) {
    case 'undeclared':
      return diagnostic(
        code,
        p.span,
        `calendar '${p.expr}' can be '${p.value}', which is not a declared calendar`,
        p.calendars.length > 0
          ? `declare calendar '${p.value}' under calendars: (declared: ${p.calendars.join(', ')}), or map the value to one: if ${p.expr} == "${p.value}" then "${p.calendars[0]}" else ${p.expr}`
          : `declare calendar '${p.value}' under calendars:`,
      );
    case 'unbounded':
      return diagnostic(
        code,
        p.span,
        `calendar '${p.expr}' reads ${p.what}, whose values are not known in advance: no check can say it names a calendar`,
        'choose the calendar with enum facts, quoted calendar names and if … then … else, like: if federal then "us-federal" else region',
      );
    default: {
      const never: never = p;
      return never;
    }
  }
}
