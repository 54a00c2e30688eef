// The `eligibility` stage: the policy's refusals, and a channel the ticket may not use.
import type { Expr } from '../../dsl/index.js';
import { DECISION_FACT } from '../conditions.js';
import type { Compiler } from '../compiler.js';
import { factExpr, not, str } from './exprs.js';

export function compileEligibility(c: Compiler): void {
  for (const r of c.policy.eligibility) {
    c.add(
      'eligibility',
      `eligibility.${r.code}`,
      [r.when],
      { kind: 'deny', code: r.code, message: r.message ?? `not eligible: ${r.code}` },
      r.span,
    );
  }
  const ch = c.policy.channels;
  if (ch) {
    // A channel that was given and is not among those the ticket may use.
    const channel = factExpr([ch.fact.name], ch.fact.span);
    const notGiven: Expr = {
      kind: 'compare',
      op: '==',
      left: channel,
      right: { kind: 'literal', type: 'null', value: null, span: ch.fact.span },
      span: ch.fact.span,
    };
    const allowed = factExpr([DECISION_FACT, 'channels'], ch.fact.span);
    const notIn = (right: Expr): Expr => ({ kind: 'in', negated: true, left: channel, right, span: ch.fact.span });
    const list = (names: string[]): Expr => ({
      kind: 'list',
      items: names.map((n) => str(n, ch.fact.span)),
      span: ch.fact.span,
    });
    // When the channels are open (a fact their rules read is missing), a channel every rule
    // allows is still allowed, and one no rule allows still refused: only the rest is unknown.
    // The channels the rules can give, and those all of them give (when one of them must apply:
    // the last rule has no condition).
    const lists = [...ch.rules.map((r) => r.allow), ...ch.byTier.map((b) => b.allow)].map((a) => a.map((n) => n.name));
    const ever = [...new Set(lists.flat())];
    const catchAll = ch.byTier.length === 0 && ch.rules.length > 0 && ch.rules[ch.rules.length - 1]!.when === undefined;
    const always = catchAll ? ever.filter((n) => lists.every((l) => l.includes(n))) : [];
    // (A channel fact whose every value some rule allows needs no check against them all.)
    const values = c.policy.facts.find((f) => f.name === ch.fact.name)?.values;
    const everyValue = values !== undefined && values.every((v) => ever.includes(v));
    const notAllowed: Expr = everyValue
      ? notIn(allowed)
      : { kind: 'logical', op: 'or', operands: [notIn(list(ever)), notIn(allowed)], span: ch.fact.span };
    c.add(
      'eligibility',
      `eligibility.${ch.deny.code}`,
      [not(notGiven), ...(always.length > 0 ? [notIn(list(always))] : []), notAllowed],
      { kind: 'deny', code: ch.deny.code, message: ch.deny.message ?? `channel not offered` },
      ch.fact.span,
    );
  }
}
