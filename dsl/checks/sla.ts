// SLA targets: calendars and priorities they name, missing targets, and better tiers never slower.
import type { Duration } from '../ast.js';
import type { Span } from '../diagnostics.js';
import { businessDayMinutes, durationMinutes, durationText } from '../durations.js';
import { valueChoices } from '../choices.js';
import type { Calendar, CalendarChoice, Named, Policy, SlaCell, SlaTargets } from '../model.js';
import {
  calendarChoice,
  missingTarget,
  noCalendar,
  slaWindow,
  tierSlower,
  unknownCalendar,
  unknownPriority,
  unknownTargetField,
} from '../problems/index.js';
import { isBroken } from '../read.js';
import type { Context } from './context.js';
import { nearMisses, undeclared } from './names.js';

/** The calendar a target counts in: its own `in …`, else the cell's, else the tier's. */
function targetCalendar(d: Duration, targets: SlaTargets, tierCalendar: Named | undefined): Named | undefined {
  if (d.calendar) return d.calendar;
  return targets.calendar ?? tierCalendar;
}

/**
 * The calendars a target can count in: its own, the cell's, or the tier's, by name or chosen by
 * an expression (each value it can take, at the expression's place; none when its values are not
 * known, which is reported on its own).
 */
export function targetCalendars(
  d: Duration,
  targets: SlaTargets,
  tier: { calendar?: Named; calendarOf?: CalendarChoice },
  policy: Policy,
): { calendars: Named[]; chosen: boolean } {
  if (d.calendar) return { calendars: [d.calendar], chosen: false };
  if (targets.calendar) return { calendars: [targets.calendar], chosen: false };
  const choice = targets.calendarOf ?? (tier.calendar ? undefined : tier.calendarOf);
  if (!choice) return { calendars: tier.calendar ? [tier.calendar] : [], chosen: false };
  const c = isBroken(choice.expr) ? undefined : valueChoices(choice.expr, policy);
  return { calendars: c?.ok ? c.values.map((name) => ({ name, span: choice.span })) : [], chosen: true };
}

/** Events every ticket has from its facts: `openedAt`, `respondedAt`, `resolvedAt`. */
const BUILT_IN_EVENTS = new Set(['opened', 'responded', 'resolved']);

/** Declared windows: names apart from the built-in ones, a way to stop; targets only of declared windows. */
function checkWindows({ policy, report, facts }: Context): void {
  const eventsFact = facts.get('events')?.type === 'events';
  for (const w of policy.windows) {
    if (w.name === 'response' || w.name === 'resolution') report(slaWindow({ kind: 'built-in', span: w.span, window: w.name }));
    else if (w.stop.length === 0 && w.end.length === 0) report(slaWindow({ kind: 'never-stops', span: w.span, window: w.name }));
    // Events beyond opened, responded and resolved come from the `events` fact: without it, they never happen.
    const other = [...w.start, ...w.stop, ...w.pause, ...w.resume, ...w.end].find((e) => !BUILT_IN_EVENTS.has(e.name));
    if (other && !eventsFact) report(slaWindow({ kind: 'no-events-fact', span: other.span, window: w.name, event: other.name }));
  }
  const declared = policy.windows.map((w) => w.name);
  const fields = ['response', 'resolution', 'calendar', 'note', ...declared];
  for (const tier of policy.sla)
    for (const { cell } of tier.cells)
      for (const t of cellTargets(cell))
        for (const { window } of t.windows ?? [])
          if (!declared.includes(window.name)) report(unknownTargetField({ span: window.span, field: window.name, fields, declared }));
}

/** Every value of a `calendar:` expression names a declared calendar. */
function checkChoice(choice: CalendarChoice, ctx: Context): void {
  if (isBroken(choice.expr)) return;
  ctx.scope.typeOf(choice.expr); // unknown facts and type errors inside, reported as anywhere else
  const c = valueChoices(choice.expr, ctx.policy);
  const names = [...ctx.calendars.keys()];
  if (!c.ok) {
    if (!c.what.includes('not a declared fact'))
      ctx.report(calendarChoice({ kind: 'unbounded', span: c.span, expr: choice.text, what: c.what }));
    return;
  }
  for (const value of c.values)
    if (!ctx.calendars.has(value))
      ctx.report(calendarChoice({ kind: 'undeclared', span: choice.span, expr: choice.text, value, calendars: names }));
}

function cellTargets(cell: SlaCell): (SlaTargets & { span?: Span })[] {
  return cell.kind === 'targets' ? [cell.targets] : cell.kind === 'rules' ? cell.rules : [];
}

/** Each target with each calendar it can count in (once with none when it names none). */
export function eachTarget(
  policy: Policy,
  visit: (d: Duration, calendar: Named | undefined, tier: Policy['sla'][number], chosen: boolean) => void,
): void {
  for (const tier of policy.sla) {
    for (const { cell } of tier.cells) {
      for (const t of cellTargets(cell)) {
        for (const d of [t.response, t.resolution, ...(t.windows ?? []).map((w) => w.duration)]) {
          if (!d) continue;
          const { calendars, chosen } = targetCalendars(d, t, tier, policy);
          if (calendars.length === 0) visit(d, undefined, tier, chosen);
          for (const calendar of calendars) visit(d, calendar, tier, chosen);
        }
      }
    }
  }
}

export function checkSla(ctx: Context): void {
  const { policy, report, priorities, calendars } = ctx;
  const names = [...calendars.keys()];
  checkWindows(ctx);
  for (const tier of policy.sla) {
    if (tier.calendarOf) checkChoice(tier.calendarOf, ctx);
    for (const { cell } of tier.cells) for (const t of cellTargets(cell)) if (t.calendarOf) checkChoice(t.calendarOf, ctx);
  }
  for (const tier of policy.sla) {
    if (tier.calendar && !calendars.has(tier.calendar.name))
      report(unknownCalendar(undeclared(tier.calendar, names)));
    const written = tier.cells.map((c) => c.priority.name);
    const meant = nearMisses(written, priorities);
    for (const { priority, cell } of tier.cells) {
      if (!priorities.includes(priority.name))
        report(unknownPriority({ where: 'name', ...undeclared(priority, priorities, meant.get(priority.name)) }));
      for (const t of cellTargets(cell)) {
        if (t.calendar && !calendars.has(t.calendar.name))
          report(unknownCalendar(undeclared(t.calendar, names)));
        if (!t.response && !t.resolution && !t.invalid) {
          const span = t.span ?? cell.span;
          report(missingTarget({ kind: 'empty-cell', span, priority: priority.name, tier: tier.tier.name }));
        }
      }
    }
    if (tier.bestEffort || tier.othersBestEffort) continue;
    const meantValues = new Set(meant.values());
    const missing = priorities.filter((p) => !written.includes(p) && !meantValues.has(p));
    if (missing.length) {
      report(missingTarget({ kind: 'priorities', span: tier.tier.span, tier: tier.tier.name, missing }));
    }
  }
  // Business time needs a calendar: reported once per tier, at its first such target.
  const reported = new Set<string>();
  eachTarget(policy, (d, calendar, tier, chosen) => {
    if (d.calendar && !calendars.has(d.calendar.name))
      report(unknownCalendar(undeclared(d.calendar, names)));
    if (d.business && !calendar && !chosen && !reported.has(tier.tier.name)) {
      reported.add(tier.tier.name);
      report(noCalendar({ span: d.span, duration: durationText(d), tier: tier.tier.name }));
    }
  });
}

/** Minutes of a target on its own clock (business minutes on a business calendar); undefined when unknown. */
function targetMinutes(d: Duration, calendar: Calendar | undefined): number | undefined {
  if (d.unit !== 'day' || !d.business || !calendar) return durationMinutes(d);
  const day = businessDayMinutes(calendar);
  return day === undefined ? undefined : durationMinutes(d, day);
}

/** The clock a target runs on: a calendar's name, or real time. Targets on different clocks cannot be compared. */
function clockOf(calendar: Calendar | undefined): string {
  return !calendar || calendar.hours.kind === 'always' ? 'real time' : `business time of calendar '${calendar.name}'`;
}

export function checkTierOrder({ policy, report, calendars, tiers }: Context): void {
  if (!policy.tiers) return;
  const byTier = new Map(policy.sla.map((t) => [t.tier.name, t]));
  const ordered = tiers.map((t) => byTier.get(t)).filter((t): t is NonNullable<typeof t> => t !== undefined && !t.bestEffort);
  const simple = (tier: (typeof ordered)[number], priority: string, kind: 'response' | 'resolution') => {
    const cell = tier.cells.find((c) => c.priority.name === priority)?.cell;
    if (cell?.kind !== 'targets') return undefined;
    const d = cell.targets[kind];
    if (!d) return undefined;
    const name = targetCalendar(d, cell.targets, tier.calendar);
    // A calendar chosen by the ticket: no one clock to compare on.
    if (!name && (cell.targets.calendarOf || tier.calendarOf)) return undefined;
    const calendar = name ? calendars.get(name.name) : undefined;
    if (name && !calendar) return undefined;
    const minutes = targetMinutes(d, calendar);
    return minutes === undefined ? undefined : { minutes, d, clock: clockOf(calendar) };
  };
  for (let hi = 1; hi < ordered.length; hi++) {
    for (let lo = 0; lo < hi; lo++) {
      const better = ordered[hi]!;
      const lower = ordered[lo]!;
      for (const p of policy.priorities) {
        for (const kind of ['response', 'resolution'] as const) {
          const a = simple(better, p.name, kind);
          const b = simple(lower, p.name, kind);
          // Business minutes and real minutes are not comparable: 2 business days may be 4 real days.
          if (a && b && a.clock === b.clock && a.minutes > b.minutes) {
            report(
              tierSlower({
                span: a.d.span,
                better: better.tier.name,
                lower: lower.tier.name,
                priority: p.name,
                target: kind,
                slower: fmtMinutes(a.minutes),
                faster: fmtMinutes(b.minutes),
                clock: a.clock,
              }),
            );
          }
        }
      }
    }
  }
}

export function fmtMinutes(m: number): string {
  return m % 60 === 0 ? `${m / 60} h` : `${m} min`;
}
