// The `derived` stage: derived facts that are conditions or `if` chains of values, as rules.
import { type Expr, type Policy, factsRead } from '../../dsl/index.js';
import { DECISION_FACT } from '../conditions.js';
import type { Compiler } from '../compiler.js';
import type { Outcome } from '../rules.js';
import { branches, eq, not } from './exprs.js';

/** Derived facts sorted so that each comes after the derived facts it reads. */
export function derivedInOrder(policy: Policy): Policy['derived'] {
  const byName = new Map(policy.derived.map((d) => [d.name, d]));
  const out: Policy['derived'] = [];
  const seen = new Set<string>();
  const visit = (d: Policy['derived'][number]) => {
    if (seen.has(d.name)) return;
    seen.add(d.name);
    for (const r of factsRead(d.expr)) {
      const dep = byName.get(r.path.join('.'));
      if (dep) visit(dep);
    }
    out.push(d);
  };
  policy.derived.forEach(visit);
  return out;
}

/** Whether an expression (through the derived facts it reads) reads what the decision decides. */
function readsDecision(c: Compiler, e: Expr, seen = new Set<string>()): boolean {
  return factsRead(e).some((r) => {
    const name = r.path.join('.');
    if (r.path[0] === DECISION_FACT) return true;
    if (seen.has(name)) return false;
    seen.add(name);
    const d = c.policy.derived.find((x) => x.name === name);
    return d ? readsDecision(c, d.expr, seen) : false;
  });
}

/**
 * Derived facts that are conditions or `if` chains of values become rules too, one per outcome,
 * exclusive and exhaustive: `slaTier: if trial then "premium" else tier` is a rule for trial
 * tickets and one per tier for the rest. Derived facts that compute dates or read the decision
 * stay expressions, computed when read.
 */
export function compileDerived(c: Compiler): void {
  for (const d of derivedInOrder(c.policy)) {
    if (readsDecision(c, d.expr)) continue;
    const isIf = d.expr.kind === 'if';
    const results = branches(d.expr);
    const literal = (e: Expr) => e.kind === 'literal' && e.type !== 'date' && e.type !== 'datetime';
    // A result that is an enum fact becomes one rule per value of the enum.
    const enumValues = (e: Expr) =>
      e.kind === 'fact' && e.path.length === 1
        ? c.policy.facts.find((f) => f.name === e.path[0] && f.type === 'enum')?.values
        : undefined;
    const outcome = (value: unknown): Outcome => ({
      kind: 'derived',
      fact: d.name,
      value: value as string | number | boolean | null,
    });
    if (isIf && results.every((r) => literal(r.result) || enumValues(r.result))) {
      results.forEach(({ when, result }, i) => {
        const name = `derived.${d.name}.${i + 1}`;
        if (literal(result))
          c.add('derived', name, when, outcome((result as Extract<Expr, { kind: 'literal' }>).value), result.span);
        else
          for (const v of enumValues(result)!)
            c.add('derived', `${name}.${v}`, [...when, eq(result, v, result.span)], outcome(v), result.span);
      });
    } else if (!isIf && c.isCondition(d.expr)) {
      c.add('derived', `derived.${d.name}.true`, [d.expr], outcome(true), d.span);
      c.add('derived', `derived.${d.name}.false`, [not(d.expr)], outcome(false), d.span);
    } else continue;
    c.ruleComputed.add(d.name);
  }
}
