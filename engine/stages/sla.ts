// The `sla` stage: the response and resolution targets of the ticket's tier and priority.
// A calendar chosen by the ticket's facts (`calendar: region`) makes one rule per calendar the
// expression can name, each with the condition that it names it: the rule JSON stays plain data.
import {
  type CalendarChoice,
  type Duration,
  type Expr,
  type Named,
  type Span,
  type SlaTargets,
  businessDayMinutes,
  durationMinutes,
  durationText,
  valueChoices,
} from '../../dsl/index.js';
import type { Compiler } from '../compiler.js';
import type { Outcome, Target } from '../rules.js';
import { isoDuration } from '../values.js';
import { branches, decisionIs, eq } from './exprs.js';

export function compileSla(c: Compiler): void {
  const calendars = new Map(c.policy.calendars.map((cal) => [cal.name, cal]));
  const dayMinutes = (name: string | undefined): number | undefined => {
    const cal = name ? calendars.get(name) : undefined;
    return cal ? businessDayMinutes(cal) : undefined;
  };
  const target = (d: Duration | undefined, t: SlaTargets, tierCalendar: Named | undefined, chosen?: string): Target | null => {
    if (!d) return null;
    const calendar = d.calendar?.name ?? t.calendar?.name ?? chosen ?? tierCalendar?.name ?? null;
    const minutes = durationMinutes(d, dayMinutes(calendar ?? undefined));
    return { minutes, iso: isoDuration(minutes), text: durationText(d), calendar };
  };
  // The targets are those of the ticket's tier, or of the tier `tiers.slaOf` names.
  const slaOf = c.policy.tiers?.slaOf;
  for (const tier of c.policy.sla) {
    const base = `sla.${tier.tier.name}`;
    const isTier = slaOf ? eq(slaOf, tier.tier.name, tier.tier.span) : decisionIs('tier', tier.tier.name, tier.tier.span);
    /**
     * Adds the rule of targets `t`: one rule, or, when the calendar is chosen by an expression
     * (the cell's, else the tier's) that some target counts in, one rule per calendar it can name.
     */
    const addTargets = (name: string, when: Expr[], t: SlaTargets, priority: string, span: Span) => {
      const outcome = (chosen?: string): Outcome => ({
        kind: 'sla',
        tier: tier.tier.name,
        priority,
        bestEffort: false,
        response: target(t.response, t, tier.calendar, chosen),
        resolution: target(t.resolution, t, tier.calendar, chosen),
        ...(t.windows
          ? { windows: t.windows.map((w) => ({ window: w.window.name, target: target(w.duration, t, tier.calendar, chosen)! })) }
          : {}),
      });
      const choice: CalendarChoice | undefined = t.calendar
        ? undefined
        : (t.calendarOf ?? (tier.calendar ? undefined : tier.calendarOf));
      const counted = [t.response, t.resolution, ...(t.windows ?? []).map((w) => w.duration)].some((d) => d && !d.calendar);
      if (!choice || !counted) {
        c.add('sla', name, when, outcome(), span);
        return;
      }
      const made = new Set<string>();
      for (const branch of branches(choice.expr)) {
        const values = valueChoices(branch.result, c.policy);
        if (!values.ok) continue; // the checker reports it; a policy with errors is not compiled
        // A value the branch's conditions rule out (`else region` after `if region == "apac"`) names no calendar: no rule.
        for (const calendar of values.values.filter((v) => calendars.has(v))) {
          let ruleName = `${name}@${calendar}`;
          for (let n = 2; made.has(ruleName); n++) ruleName = `${name}@${calendar}.${n}`;
          made.add(ruleName);
          const picks = branch.result.kind === 'literal' ? [] : [eq(branch.result, calendar, choice.span)];
          c.add('sla', ruleName, [...when, ...branch.when, ...picks], outcome(calendar), span);
        }
      }
    };
    const bestEffort = (priority: string): Outcome => ({
      kind: 'sla',
      tier: tier.tier.name,
      priority,
      bestEffort: true,
      response: null,
      resolution: null,
    });
    if (tier.bestEffort) {
      c.add('sla', base, [isTier], bestEffort('*'), tier.tier.span);
      continue;
    }
    for (const { priority, cell } of tier.cells) {
      const when = [isTier, decisionIs('priority', priority.name, priority.span)];
      const name = `${base}.${priority.name}`;
      if (cell.kind === 'best-effort') c.add('sla', name, when, bestEffort(priority.name), cell.span);
      else if (cell.kind === 'targets') addTargets(name, when, cell.targets, priority.name, cell.span);
      else {
        cell.rules.forEach((r, i) =>
          addTargets(`${name}.${r.id ?? i + 1}`, r.when ? [...when, r.when] : when, r, priority.name, r.span),
        );
      }
    }
  }
}
