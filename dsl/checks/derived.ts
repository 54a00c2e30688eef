// Derived facts (typed in dependency order, circles reported) and what decisions may read.
import { type Expr, factsRead } from '../ast.js';
import type { Policy } from '../model.js';
import { cycle, duplicateId } from '../problems/index.js';
import { isBroken } from '../read.js';
import { UNKNOWN } from '../value-types.js';
import type { Context } from './context.js';

export function checkDerived({ policy, scope, report }: Context): void {
  const derived = new Map(policy.derived.map((d) => [d.name, d]));
  for (const d of policy.derived) {
    if (policy.facts.some((f) => f.name === d.name)) {
      report(duplicateId({ kind: 'fact-and-derived', span: d.span, name: d.name }));
    }
  }
  // Type derived facts in dependency order; a circle is reported once, at its first member.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    const d = derived.get(name);
    if (!d || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const circle = [...chain.slice(chain.indexOf(name)), name];
      report(cycle({ kind: 'derived', span: d.span, circle }));
      scope.types.set(name, UNKNOWN);
      return;
    }
    state.set(name, 'visiting');
    for (const dep of namesRead(d.expr)) if (derived.has(dep)) visit(dep, [...chain, name]);
    state.set(name, 'done');
    if (!scope.types.has(name)) scope.types.set(name, scope.typeOf(d.expr));
  };
  for (const d of policy.derived) visit(d.name, []);
}

/** The name of every fact an expression reads (dotted: `decision.tier`). */
const namesRead = (e: Expr) => factsRead(e).map((r) => r.path.join('.'));

/** Every fact an expression reads, following derived facts to what they read. */
export function readsThrough(e: Expr, policy: Policy, seen = new Set<string>()): Set<string> {
  for (const name of namesRead(e)) {
    if (seen.has(name)) continue;
    seen.add(name);
    const d = policy.derived.find((x) => x.name === name);
    if (d) readsThrough(d.expr, policy, seen);
  }
  return seen;
}

/** The tier and the priority are decided from facts; a rule that decides one cannot read it. */
export function checkDecisionOrder({ policy, report }: Context): void {
  const circular = (e: Expr, what: 'tier' | 'priority', where: string) => {
    if (isBroken(e) || !readsThrough(e, policy).has(`decision.${what}`)) return;
    report(cycle({ kind: 'decision', span: e.span, where, what }));
  };
  if (policy.tiers && !policy.tiers.ofDefaulted) circular(policy.tiers.of, 'tier', "the tier ('tiers.of')");
  if (policy.tiers?.slaOf) circular(policy.tiers.slaOf, 'tier', "the SLA's tier ('tiers.slaOf')");
  for (const r of policy.priority?.rules ?? []) circular(r.when, 'priority', 'this priority rule');
}
