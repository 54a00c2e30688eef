// What the analyzer (dsl/analyze/) finds: conditions that are always or never true, comparisons
// with values a derived fact never takes, ordered rules covered by earlier rules together
// (through derived facts too), and tiers no ticket reaches.
import { type Expr, childrenOf, factsRead, printExpr } from '../ast.js';
import type { Analyzer } from '../analyze/analyzer.js';
import { OPAQUE } from '../analyze/domains.js';
import type { Span } from '../diagnostics.js';
import {
  type ConditionPlace,
  conditionTruth,
  impossibleValue,
  unreachableOutcome,
  unreachableTogether,
} from '../problems/index.js';
import { isBroken } from '../read.js';
import type { Context } from './context.js';
import { nearest } from './names.js';

/** Conditions the checker can judge: parsed, typed without error, and not a literal written on purpose (`when: "true"`). */
function judged(ctx: Context, e: Expr | undefined): e is Expr {
  if (!e || isBroken(e) || e.kind === 'literal' || ctx.hasErrorIn(e.span)) return false;
  return factsRead(e).every(
    (r) => ctx.scope.types.has(r.path.join('.')) && ctx.scope.types.get(r.path.join('.'))!.t !== 'unknown',
  );
}

/**
 * The slip behind a condition that cannot decide, when it is a well-known one: one fact equal
 * to two values joined by `and`, or different from two values joined by `or`.
 */
function slipHint(e: Expr, truth: 'always' | 'never'): string | undefined {
  if (e.kind !== 'logical') return undefined;
  const op = truth === 'never' && e.op === 'and' ? '==' : truth === 'always' && e.op === 'or' ? '!=' : undefined;
  if (!op) return undefined;
  const byFact = new Map<string, string[]>();
  for (const o of e.operands)
    if (o.kind === 'compare' && o.op === op && o.left.kind === 'fact' && o.right.kind === 'literal') {
      const name = o.left.path.join('.');
      byFact.set(name, [...(byFact.get(name) ?? []), printExpr(o.right)]);
    }
  const found = [...byFact].find(([, values]) => new Set(values).size > 1);
  if (!found) return undefined;
  const [fact, values] = found;
  return op === '=='
    ? `'${fact}' holds one value at a time; to match either, write '${fact} in [${values.join(', ')}]'`
    : `'${fact}' always differs from one of two values; to match neither, write '${fact} not in [${values.join(', ')}]'`;
}

export function checkConditionTruth(ctx: Context): void {
  const { policy, report } = ctx;
  const analyzer = ctx.analyzer();
  const judge = (e: Expr | undefined, place: ConditionPlace) => {
    if (!judged(ctx, e)) return;
    const v = analyzer.verdict(e);
    if (v === 'depends') return;
    report(conditionTruth({ span: e.span, truth: v, place, text: printExpr(e), ...opt(slipHint(e, v)) }));
  };
  for (const a of policy.assert) judge(a.check, { kind: 'assertion', code: a.code });
  for (const r of policy.eligibility) judge(r.when, { kind: 'deny', code: r.code });
  const ordered = (rules: { when?: Expr }[], what: string) =>
    rules.forEach((r, i) => judge(r.when, { kind: 'rule', what, index: i + 1 }));
  ordered(policy.priority?.rules ?? [], 'priority rule');
  ordered(policy.channels?.rules ?? [], 'channel rule');
  ordered(policy.billing?.plans ?? [], 'billing plan');
  for (const t of policy.sla) for (const { cell } of t.cells) if (cell.kind === 'rules') ordered(cell.rules, 'SLA rule');
  const grants = (list: { id: string; when?: Expr }[], what: string) =>
    list.forEach((g) => judge(g.when, { kind: 'grant', what, id: g.id }));
  grants(policy.entitlements, 'entitlement');
  grants(policy.actions, 'action');
  grants(policy.billing?.notices ?? [], 'notice');
}

const opt = (hint: string | undefined) => (hint === undefined ? {} : { hint });

/** `slaTier == "standart"`: a value the derived fact can never take. */
export function checkImpossibleValues(ctx: Context): void {
  const analyzer = ctx.analyzer();
  const visit = (e: Expr): void => {
    if (isBroken(e)) return;
    if (e.kind === 'compare' && (e.op === '==' || e.op === '!=')) {
      compare(e.left, e.right);
      compare(e.right, e.left);
    }
    if (e.kind === 'in' && e.right.kind === 'list') for (const item of e.right.items) compare(e.left, item);
    for (const child of childrenOf(e)) visit(child);
  };
  const compare = (side: Expr, literal: Expr) => {
    if (side.kind !== 'fact' || literal.kind !== 'literal' || literal.type !== 'string') return;
    const name = side.path.join('.');
    if (!analyzer.isDerived(name)) return;
    const values = analyzer.possibleValues(name)?.filter((v): v is string => typeof v === 'string');
    const all = analyzer.possibleValues(name);
    // Only a derived fact that is always text (or missing) has a set of values to compare with.
    if (!values || !all || values.length === 0 || all.some((v) => v !== null && v !== OPAQUE && typeof v !== 'string')) return;
    const value = String(literal.value);
    if (values.includes(value)) return;
    ctx.report(impossibleValue({ span: literal.span, fact: name, value, values, ...nearest(value, values) }));
  };
  for (const e of conditionsOf(ctx)) visit(e);
}

/** First-match rules that earlier rules cover together, through derived facts too. */
export function checkShadowing(ctx: Context): void {
  const analyzer = ctx.analyzer();
  const { policy, report } = ctx;
  const ordered = (rules: { when?: Expr; span: Span }[], what: string) => {
    const earlier: { when: Expr; line: number }[] = [];
    rules.forEach((r, i) => {
      if (!r.when) {
        earlier.push({ when: { kind: 'literal', type: 'boolean', value: true, span: r.span }, line: r.span.line });
        return;
      }
      const literal = r.when.kind === 'literal' && !isBroken(r.when);
      if (!literal && !judged(ctx, r.when)) return;
      // A rule covered by one earlier rule alone is the reachability check's (dsl/checks/rules.ts);
      // a rule that is never true on its own is reported as such.
      if (earlier.length > 1 && analyzer.verdict(r.when) !== 'never') {
        const alone = earlier.some((x) => analyzer.verdict(andNot(r.when!, [x.when])) === 'never');
        if (
          !alone &&
          analyzer.verdict(
            andNot(
              r.when,
              earlier.map((x) => x.when),
            ),
          ) === 'never'
        )
          report(unreachableTogether({ span: r.span, what, index: i + 1, lines: earlier.map((x) => x.line) }));
      }
      earlier.push({ when: r.when, line: r.span.line });
    });
  };
  ordered(policy.priority?.rules ?? [], 'priority rule');
  ordered(policy.channels?.rules ?? [], 'channel rule');
  ordered(policy.billing?.plans ?? [], 'billing plan');
  for (const t of policy.sla) for (const { cell } of t.cells) if (cell.kind === 'rules') ordered(cell.rules, 'SLA rule');
}

/** Tiers that `tiers.of` never gives. */
export function checkReachableTiers(ctx: Context): void {
  const tiers = ctx.policy.tiers;
  if (!tiers || tiers.ofDefaulted || isBroken(tiers.of)) return;
  const name = '(tiers.of)';
  const values = ctx.analyzer().valuesOf(name, tiers.of);
  if (!values || values.some((v) => typeof v !== 'string' && v !== null)) return;
  const gives = values.filter((v): v is string => typeof v === 'string');
  for (const level of tiers.levels)
    if (!gives.includes(level.name)) ctx.report(unreachableOutcome({ span: level.span, kind: 'tier', name: level.name, gives }));
}

/** Priority levels that nothing in the priority section can give. */
export function checkReachablePriorities(ctx: Context): void {
  const { policy, facts } = ctx;
  const p = policy.priority;
  // On a policy with errors a misspelt level is reported as such, not also as one never given.
  if (!p || ctx.hasErrorIn()) return;
  // A section that only names a default is a placeholder (every ticket alike), not a slip.
  if (p.rules.length === 0 && !p.lookup && !p.matrix) return;
  const given = new Set<string>();
  let any = false;
  const fromFact = (name: string | undefined) => {
    if (!name) return;
    const f = facts.get(name);
    if (f?.type === 'enum') for (const v of f.values ?? []) given.add(v);
    else any = true; // a fact of another type may hold any level
  };
  fromFact(p.override?.name);
  fromFact(p.from?.name);
  for (const row of p.lookup?.table ?? []) given.add(row.priority.name);
  for (const cell of p.matrix?.cells ?? []) given.add(cell.priority.name);
  if (p.default) given.add(p.default.name);
  const analyzer = ctx.analyzer();
  for (const r of p.rules) if (!judged(ctx, r.when) || analyzer.verdict(r.when) !== 'never') given.add(r.priority.name);
  if (any) return;
  const levels = policy.priorities.filter((l, i, all) => all.findIndex((x) => x.name === l.name) === i);
  for (const level of levels)
    if (!given.has(level.name))
      ctx.report(unreachableOutcome({ span: level.span, kind: 'priority', name: level.name, gives: [...given] }));
}

/** `when and not earlier1 and not earlier2 …`: true exactly where the rule is reached and applies. */
function andNot(when: Expr, earlier: Expr[]): Expr {
  return {
    kind: 'logical',
    op: 'and',
    operands: [when, ...earlier.map((e): Expr => ({ kind: 'not', operand: e, span: e.span }))],
    span: when.span,
  };
}

/** Every expression the checks judge: conditions, derived facts, the tier. */
function conditionsOf({ policy }: Context): Expr[] {
  const out: Expr[] = [];
  const add = (e: Expr | undefined) => e && out.push(e);
  policy.derived.forEach((d) => add(d.expr));
  add(policy.tiers?.of);
  add(policy.tiers?.slaOf);
  policy.assert.forEach((a) => add(a.check));
  policy.eligibility.forEach((r) => add(r.when));
  policy.channels?.rules.forEach((r) => add(r.when));
  policy.priority?.rules.forEach((r) => add(r.when));
  for (const t of policy.sla) for (const { cell } of t.cells) if (cell.kind === 'rules') cell.rules.forEach((r) => add(r.when));
  policy.billing?.plans.forEach((p) => add(p.when));
  for (const g of [...policy.entitlements, ...policy.actions, ...(policy.billing?.notices ?? [])]) add(g.when);
  return out;
}

export type { Analyzer };
