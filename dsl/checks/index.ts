// Semantic checks: what makes a policy a contract and not just YAML. Each check is a named
// function `(ctx)` in the ordered table below; none throws, all report diagnostics.
import type { Diagnostic } from '../diagnostics.js';
import type { Policy } from '../model.js';
import { Analyzer } from '../analyze/analyzer.js';
import {
  checkConditionTruth,
  checkImpossibleValues,
  checkReachablePriorities,
  checkReachableTiers,
  checkShadowing,
} from './analysis.js';
import { checkBilling } from './billing.js';
import { checkCalendars } from './calendars.js';
import { checkChannels } from './channels.js';
import { checkConditions } from './conditions.js';
import type { CheckOptions, Context, Report } from './context.js';
import { checkDecisionOrder, checkDerived } from './derived.js';
import { checkFactDeclarations } from './facts.js';
import { checkNamesUnique } from './unique.js';
import { checkPriority } from './priority.js';
import { checkAmounts, checkDurations, checkResponseBeforeResolution, checkUnusedFacts } from './ranges.js';
import { checkReachability } from './rules.js';
import { Scope } from './scope.js';
import { checkSla, checkTierOrder } from './sla.js';
import { checkTests } from './tests.js';
import { checkTiers } from './tiers.js';
import { checkZone } from './zone.js';

export type { CheckOptions } from './context.js';
export type { ValueType } from '../value-types.js';

/** The checks, in order: declarations first, since later checks read the types they settle. */
const CHECKS: [string, (ctx: Context) => void][] = [
  ['fact declarations', checkFactDeclarations],
  ['zone', checkZone],
  ['derived facts', checkDerived],
  ['unique names', checkNamesUnique],
  ['conditions', checkConditions],
  ['decision order', checkDecisionOrder],
  ['tiers', checkTiers],
  ['priority', checkPriority],
  ['channels', checkChannels],
  ['sla targets', checkSla],
  ['tier order', checkTierOrder],
  ['positive durations', checkDurations],
  ['response before resolution', checkResponseBeforeResolution],
  ['reachability', checkReachability],
  // The analyzer reads the types settled above; it judges only conditions typed without error.
  ['always or never true', checkConditionTruth],
  ['impossible values', checkImpossibleValues],
  ['shadowing through derived facts', checkShadowing],
  ['reachable tiers', checkReachableTiers],
  ['reachable priorities', checkReachablePriorities],
  ['calendars', checkCalendars],
  ['billing', checkBilling],
  ['amounts and tax rates', checkAmounts],
  ['tests', checkTests],
  // Last: silent when anything above found an error, since a broken part may be what reads a fact.
  ['unused facts', checkUnusedFacts],
];

/** `earlier`: what reading the policy reported, so that checks can stay silent where a part is already wrong. */
export function checkPolicy(policy: Policy, options: CheckOptions = {}, earlier: readonly Diagnostic[] = []): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report: Report = (d) => out.push(d);
  let analyzer: Analyzer | undefined;
  const ctx: Context = {
    policy,
    scope: new Scope(policy, report),
    report,
    options,
    calendars: new Map(policy.calendars.map((c) => [c.name, c])),
    priorities: [...new Set(policy.priorities.map((p) => p.name))],
    tiers: [...new Set(policy.tiers?.levels.map((l) => l.name) ?? [])],
    facts: new Map(policy.facts.map((f) => [f.name, f])),
    analyzer: () => (analyzer ??= new Analyzer(policy)),
    hasErrorIn: (span) =>
      [earlier, out].some((list) =>
        list.some(
          (d) =>
            d.severity === 'error' &&
            (!span || (d.span.offset >= span.offset && d.span.offset < span.offset + Math.max(1, span.length))),
        ),
      ),
  };
  for (const [, check] of CHECKS) check(ctx);
  return out;
}
