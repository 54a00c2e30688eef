// Ordered rules: a rule an earlier rule always shadows can never apply.
import { type Expr, exprKey } from '../ast.js';
import type { Span } from '../diagnostics.js';
import { unreachableRule } from '../problems/index.js';
import { isBroken } from '../read.js';
import type { Context, Report } from './context.js';

/** Conjuncts of a condition as canonical keys; a rule whose conjuncts include all of an earlier rule's is shadowed. */
function conjuncts(e: Expr | undefined): Set<string> | 'always' {
  if (!e || (e.kind === 'literal' && e.value === true)) return 'always';
  if (e.kind === 'logical' && e.op === 'and') return new Set(e.operands.map(exprKey));
  return new Set([exprKey(e)]);
}

function checkOrderedRules(rules: { when?: Expr; span: Span }[], what: string, report: Report): void {
  const earlier: { set: Set<string> | 'always'; line: number }[] = [];
  rules.forEach((r, i) => {
    if (r.when && isBroken(r.when)) return;
    const set = conjuncts(r.when);
    const shadow = earlier.find((e) => e.set === 'always' || (set !== 'always' && [...e.set].every((k) => set.has(k))));
    if (shadow) {
      report(unreachableRule({ span: r.span, what, index: i + 1, shadowLine: shadow.line }));
    }
    earlier.push({ set, line: r.span.line });
  });
}

export function checkReachability({ policy, report }: Context): void {
  checkOrderedRules(policy.priority?.rules ?? [], 'priority rule', report);
  checkOrderedRules(policy.channels?.rules ?? [], 'channel rule', report);
  checkOrderedRules(policy.billing?.plans ?? [], 'billing plan', report);
  for (const tier of policy.sla)
    for (const { cell } of tier.cells) if (cell.kind === 'rules') checkOrderedRules(cell.rules, 'SLA rule', report);
}
