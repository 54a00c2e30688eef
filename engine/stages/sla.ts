// The `sla` stage: the response and resolution targets of the ticket's tier and priority.
import {
  type Duration,
  type Named,
  type SlaTargets,
  businessDayMinutes,
  durationMinutes,
  durationText,
} from '../../dsl/index.js';
import type { Compiler, Outcome, Target } from '../compile.js';
import { isoDuration } from '../values.js';
import { decisionIs, eq } from './exprs.js';

export function compileSla(c: Compiler): void {
  const calendars = new Map(c.policy.calendars.map((cal) => [cal.name, cal]));
  const dayMinutes = (name: string | undefined): number | undefined => {
    const cal = name ? calendars.get(name) : undefined;
    return cal ? businessDayMinutes(cal) : undefined;
  };
  const target = (d: Duration | undefined, t: SlaTargets, tierCalendar: Named | undefined): Target | null => {
    if (!d) return null;
    const calendar = d.calendar?.name ?? t.calendar?.name ?? tierCalendar?.name ?? null;
    const minutes = durationMinutes(d, dayMinutes(calendar ?? undefined));
    return { minutes, iso: isoDuration(minutes), text: durationText(d), calendar };
  };
  // The targets are those of the ticket's tier, or of the tier `tiers.slaOf` names.
  const slaOf = c.policy.tiers?.slaOf;
  for (const tier of c.policy.sla) {
    const base = `sla.${tier.tier.name}`;
    const isTier = slaOf ? eq(slaOf, tier.tier.name, tier.tier.span) : decisionIs('tier', tier.tier.name, tier.tier.span);
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
      else if (cell.kind === 'targets') {
        const t = cell.targets;
        c.add(
          'sla',
          name,
          when,
          {
            kind: 'sla',
            tier: tier.tier.name,
            priority: priority.name,
            bestEffort: false,
            response: target(t.response, t, tier.calendar),
            resolution: target(t.resolution, t, tier.calendar),
          },
          cell.span,
        );
      } else {
        cell.rules.forEach((r, i) =>
          c.add(
            'sla',
            `${name}.${r.id ?? i + 1}`,
            r.when ? [...when, r.when] : when,
            {
              kind: 'sla',
              tier: tier.tier.name,
              priority: priority.name,
              bestEffort: false,
              response: target(r.response, r, tier.calendar),
              resolution: target(r.resolution, r, tier.calendar),
            },
            r.span,
          ),
        );
      }
    }
  }
}
