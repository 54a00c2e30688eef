// Tiers: which tier a ticket is in, and every tier the policy names.
import type { Expr } from '../ast.js';
import { typeMismatch, unknownFact, unknownTier } from '../problems/index.js';
import { isBroken } from '../read.js';
import type { Context } from './context.js';
import { undeclared } from './names.js';

export function checkTiers({ policy, scope, report, tiers, facts }: Context): void {
  if (!policy.tiers) {
    for (const t of policy.sla) {
      report(unknownTier({ where: 'no-tiers', span: t.tier.span, name: t.tier.name }));
    }
    return;
  }
  if (policy.tiers.ofDefaulted && !facts.has('tier')) {
    report(unknownFact({ where: 'tier-fact', span: policy.tiers.span }));
    return;
  }
  // Every value the tier expression can give must be a declared tier.
  const results = (e: Expr): Expr[] => (e.kind === 'if' ? [...results(e.then), ...results(e.else)] : [e]);
  for (const r of [policy.tiers.of, ...(policy.tiers.slaOf ? [policy.tiers.slaOf] : [])].flatMap(results)) {
    if (isBroken(r)) continue;
    if (r.kind === 'literal' && r.type === 'string' && !tiers.includes(String(r.value))) {
      report(unknownTier({ where: 'name', ...undeclared({ name: String(r.value), span: r.span }, tiers) }));
    }
    if (r.kind !== 'literal') {
      const t = scope.typeOf(r);
      if (t.t === 'enum') {
        const extra = t.values.filter((v) => !tiers.includes(v));
        if (extra.length) {
          const what = r.kind === 'fact' ? r.path.join('.') : 'this';
          report(unknownTier({ where: 'fact-values', span: r.span, what, extra, tiers }));
        }
      } else if (t.t !== 'unknown' && t.t !== 'string') {
        report(typeMismatch({ kind: 'tier-name', span: r.span, got: t }));
      }
    }
  }
  for (const t of policy.sla)
    if (!tiers.includes(t.tier.name)) report(unknownTier({ where: 'name', ...undeclared(t.tier, tiers) }));
  for (const b of policy.channels?.byTier ?? [])
    if (!tiers.includes(b.tier.name)) report(unknownTier({ where: 'name', ...undeclared(b.tier, tiers) }));
}
