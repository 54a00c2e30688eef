// Small expression builders for conditions the compiler writes itself.
import type { Expr, Span } from '../../dsl/index.js';
import { DECISION_FACT } from '../conditions.js';

export const factExpr = (path: string[], span: Span): Expr => ({ kind: 'fact', path, span });
export const str = (value: string, span: Span): Expr => ({ kind: 'literal', type: 'string', value, span });
export const eq = (left: Expr, value: string, span: Span): Expr => ({
  kind: 'compare',
  op: '==',
  left,
  right: str(value, span),
  span,
});
export const not = (operand: Expr): Expr => ({ kind: 'not', operand, span: operand.span });
export const decisionIs = (what: 'tier' | 'priority', value: string, span: Span) =>
  eq(factExpr([DECISION_FACT, what], span), value, span);

/** The branches of an `if` chain: the conditions that lead to each result. */
export function branches(e: Expr, path: Expr[] = []): { when: Expr[]; result: Expr }[] {
  if (e.kind !== 'if') return [{ when: path, result: e }];
  return [...branches(e.then, [...path, e.test]), ...branches(e.else, [...path, not(e.test)])];
}
