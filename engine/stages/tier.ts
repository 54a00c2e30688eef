// The `tier` stage: the ticket's tier, one rule per value `tiers.of` can take.
import type { Expr } from '../../dsl/index.js';
import type { Compiler } from '../compiler.js';
import type { Outcome, StageName } from '../rules.js';
import { branches, eq } from './exprs.js';

/** One rule per value a result can take: a literal gives itself; anything else is compared with each value. */
function resultRules(
  c: Compiler,
  stage: StageName,
  prefix: string,
  e: Expr,
  values: string[],
  outcome: (v: string) => Outcome,
): void {
  const all = branches(e);
  all.forEach(({ when, result }, i) => {
    const name = all.length === 1 ? prefix : `${prefix}.${i + 1}`;
    if (result.kind === 'literal' && typeof result.value === 'string') {
      c.add(stage, name, when, outcome(result.value), result.span);
    } else {
      for (const v of values) c.add(stage, `${name}.${v}`, [...when, eq(result, v, result.span)], outcome(v), result.span);
    }
  });
}

export function compileTier(c: Compiler): void {
  const tiers = c.policy.tiers;
  if (!tiers) return;
  const levels = tiers.levels.map((l) => l.name);
  resultRules(c, 'tier', 'tier', tiers.of, levels, (tier) => ({ kind: 'tier', tier }));
}
