// Semantic checks: what makes a policy a contract and not just YAML. Each check is a named
// function `(ctx)` in the ordered table below; none throws, all report diagnostics.
import type { Diagnostic } from '../diagnostics.js';
import type { Policy } from '../model.js';
import { checkBilling } from './billing.js';
import { checkCalendars } from './calendars.js';
import { checkChannels } from './channels.js';
import { checkConditions } from './conditions.js';
import type { CheckOptions, Context, Report } from './context.js';
import { checkDecisionOrder, checkDerived } from './derived.js';
import { checkFactDeclarations } from './facts.js';
import { checkNamesUnique } from './names.js';
import { checkPriority } from './priority.js';
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
  ['reachability', checkReachability],
  ['calendars', checkCalendars],
  ['billing', checkBilling],
  ['tests', checkTests],
];

export function checkPolicy(policy: Policy, options: CheckOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report: Report = (d) => out.push(d);
  const ctx: Context = {
    policy,
    scope: new Scope(policy, report),
    report,
    options,
    calendars: new Map(policy.calendars.map((c) => [c.name, c])),
    priorities: [...new Set(policy.priorities.map((p) => p.name))],
    tiers: [...new Set(policy.tiers?.levels.map((l) => l.name) ?? [])],
    facts: new Map(policy.facts.map((f) => [f.name, f])),
  };
  for (const [, check] of CHECKS) check(ctx);
  return out;
}
