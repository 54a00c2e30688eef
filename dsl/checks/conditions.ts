// Every condition of the policy is true-or-false; assertions read no decision.
import { cycle } from '../problems/index.js';
import { isBroken } from '../read.js';
import type { Context } from './context.js';
import { readsThrough } from './derived.js';

export function checkConditions({ policy, scope, report }: Context): void {
  for (const a of policy.assert) {
    scope.condition(a.check, 'an assertion');
    // Checked before anything is decided: there is no decision yet to read.
    const decided = isBroken(a.check) ? undefined : [...readsThrough(a.check, policy)].find((n) => n.startsWith('decision.'));
    if (decided) report(cycle({ kind: 'assertion', span: a.check.span, code: a.code, reads: decided }));
  }
  for (const r of policy.eligibility) scope.condition(r.when);
  for (const r of policy.priority?.rules ?? []) scope.condition(r.when);
  for (const r of policy.channels?.rules ?? []) if (r.when) scope.condition(r.when);
  for (const p of policy.billing?.plans ?? []) if (p.when) scope.condition(p.when);
  for (const g of [...policy.entitlements, ...policy.actions, ...(policy.billing?.notices ?? [])])
    if (g.when) scope.condition(g.when);
  for (const tier of policy.sla) {
    for (const { cell } of tier.cells) if (cell.kind === 'rules') for (const r of cell.rules) if (r.when) scope.condition(r.when);
  }
}
