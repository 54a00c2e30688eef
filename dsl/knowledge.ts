// Which facts a policy reads the absence of as information. Conditions are three-valued: a fact
// that is not given makes what reads it unknown — except where the policy asks whether it was
// given: `isSet(x)`, `coalesce(x, …)`, `x == null`, and the sections that act only on a given
// fact (a priority override, lookup or `from`, the channel fact, billing's worked minutes and
// purchase), and the SLA clock's events (no `respondedAt` yet means not responded yet). Giving
// such a fact may change a decided outcome, by design; giving any other fact only decides what
// was open.
import { type Expr, childrenOf, factsRead } from './ast.js';
import { CLOCK_EVENT_FACTS, type Policy } from './model.js';

const isNull = (e: Expr) => e.kind === 'literal' && e.type === 'null';

/**
 * The sub-expressions whose absence `e` itself asks about: the arguments of `isSet(x)`, those of
 * `coalesce(x, …)` but its last (which it returns as it is), the other side of `x == null`.
 */
function askedIfGiven(e: Expr): readonly Expr[] {
  if (e.kind === 'call' && e.name === 'isSet') return e.args;
  if (e.kind === 'call' && e.name === 'coalesce') return e.args.slice(0, -1);
  if (e.kind === 'compare') return isNull(e.left) ? [e.right] : isNull(e.right) ? [e.left] : [];
  return [];
}

/** Facts (and derived facts) whose absence an expression tests: it reads them as "not given". */
export function absenceRead(e: Expr, out = new Set<string>()): Set<string> {
  for (const x of askedIfGiven(e)) if (x.kind === 'fact') out.add(x.path.join('.'));
  for (const c of childrenOf(e)) absenceRead(c, out);
  return out;
}

/**
 * Facts whose values an expression reads, not only whether they were given, through the derived
 * facts it reads: a fact not given among them leaves the expression unknown, even when the policy
 * reads its absence elsewhere (a channel fact compared in a derived fact).
 */
export function valueRead(e: Expr, policy: Policy, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  const walk = (x: Expr): void => {
    if (x.kind === 'fact') {
      const name = x.path.join('.');
      out.add(name);
      const d = policy.derived.find((y) => y.name === name);
      if (d && !seen.has(name)) {
        seen.add(name);
        walk(d.expr);
      }
      return;
    }
    // A fact only asked whether it was given is not read for its value.
    const asked = askedIfGiven(x);
    for (const c of childrenOf(x)) if (!(c.kind === 'fact' && asked.includes(c))) walk(c);
  };
  walk(e);
  return out;
}

/** Every expression a policy evaluates. */
export function policyExprs(policy: Policy): Expr[] {
  const out: Expr[] = [];
  const add = (e: Expr | undefined) => e && out.push(e);
  policy.derived.forEach((d) => add(d.expr));
  if (policy.tiers) add(policy.tiers.of);
  if (policy.tiers?.slaOf) add(policy.tiers.slaOf);
  policy.eligibility.forEach((r) => add(r.when));
  policy.channels?.rules.forEach((r) => add(r.when));
  policy.priority?.rules.forEach((r) => add(r.when));
  for (const t of policy.sla) {
    // A calendar chosen by an expression: the tier's, a cell's or an ordered rule's.
    add(t.calendarOf?.expr);
    for (const { cell } of t.cells) {
      if (cell.kind === 'targets') add(cell.targets.calendarOf?.expr);
      if (cell.kind === 'rules') cell.rules.forEach((r) => (add(r.when), add(r.calendarOf?.expr)));
    }
  }
  policy.billing?.plans.forEach((p) => add(p.when));
  policy.billing?.notices.forEach((n) => add(n.when));
  policy.entitlements.forEach((g) => add(g.when));
  policy.actions.forEach((g) => add(g.when));
  return out;
}

/**
 * The declared facts whose absence the policy reads as information, directly or through the
 * derived facts that test them.
 */
export function absenceTestedFacts(policy: Policy): Set<string> {
  const names = new Set<string>();
  for (const e of policyExprs(policy)) absenceRead(e, names);
  const p = policy.priority;
  for (const n of [p?.override, p?.lookup?.fact, p?.from, policy.channels?.fact, policy.billing?.worked])
    if (n) names.add(n.name);
  for (const n of CLOCK_EVENT_FACTS) names.add(n);
  if (policy.billing?.purchase) names.add(policy.billing.purchase.sku.name);
  if (policy.billing?.purchase?.quantity) names.add(policy.billing.purchase.quantity.name);
  // A derived fact tested for absence stands for the declared facts it is computed from.
  const derived = new Map(policy.derived.map((d) => [d.name, d.expr]));
  const declared = new Set(policy.facts.map((f) => f.name));
  const out = new Set<string>();
  const expand = (name: string, seen: Set<string>) => {
    if (seen.has(name)) return;
    seen.add(name);
    if (declared.has(name)) out.add(name);
    const e = derived.get(name);
    if (e) for (const r of factsRead(e)) expand(r.path.join('.'), seen);
  };
  for (const n of names) expand(n, new Set());
  return out;
}
