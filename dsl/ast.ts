// The AST of the expression language. Every node carries the file span it came from;
// `sameExpr` compares meaning and ignores spans.
import type { Span } from './diagnostics.js';

export type LiteralType = 'number' | 'string' | 'boolean' | 'null' | 'date' | 'datetime';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { kind: 'literal'; type: LiteralType; value: string | number | boolean | null; span: Span }
  | { kind: 'fact'; path: string[]; span: Span }
  | { kind: 'call'; name: string; args: Expr[]; span: Span; nameSpan: Span }
  | { kind: 'list'; items: Expr[]; span: Span }
  | { kind: 'not'; operand: Expr; span: Span }
  | { kind: 'logical'; op: 'and' | 'or'; operands: Expr[]; span: Span }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; span: Span }
  | { kind: 'in'; negated: boolean; left: Expr; right: Expr; span: Span }
  | { kind: 'if'; test: Expr; then: Expr; else: Expr; span: Span };

export type DurationUnit = 'minute' | 'hour' | 'day';

/** `15 minutes`, `8 business hours`, `3 business days in office`. */
export interface Duration {
  kind: 'duration';
  amount: number;
  unit: DurationUnit;
  business: boolean;
  calendar?: { name: string; span: Span };
  span: Span;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Minutes since local midnight; `end` may be 1440 (24:00). */
export interface TimeRange {
  start: number;
  end: number;
  span: Span;
}

export interface DayHours {
  days: Weekday[];
  ranges: TimeRange[];
  span: Span;
}

/** `mon-fri 09:00-13:00, 14:00-18:00; sat 09:00-13:00` or `24x7`. */
export type WeeklyHours = { kind: 'always'; span: Span } | { kind: 'weekly'; groups: DayHours[]; span: Span };

/** An exact decimal amount kept as its written digits, e.g. `75.00 EUR`. */
export interface MoneyLiteral {
  kind: 'money';
  amount: string;
  currency: string;
  currencySpan: Span;
  span: Span;
}

/** `75.00 EUR per hour`, `1 logbit per minute`. */
export interface RateLiteral {
  kind: 'rate';
  money: MoneyLiteral;
  per: 'minute' | 'hour';
  span: Span;
}

/** `22%`, kept as written digits. */
export interface PercentLiteral {
  kind: 'percent';
  value: string;
  span: Span;
}

/** Structural equality that ignores spans: two rules with the same condition are the same rule. */
export function sameExpr(a: Expr, b: Expr): boolean {
  return exprKey(a) === exprKey(b);
}

/** A canonical text for an expression (spans left out); used for equality and set membership. */
export function exprKey(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return `${e.type}:${JSON.stringify(e.value)}`;
    case 'fact':
      return `fact:${e.path.join('.')}`;
    case 'call':
      return `${e.name}(${e.args.map(exprKey).join(',')})`;
    case 'list':
      return `[${e.items.map(exprKey).join(',')}]`;
    case 'not':
      return `not(${exprKey(e.operand)})`;
    case 'logical':
      return `${e.op}(${e.operands.map(exprKey).join(',')})`;
    case 'compare':
      return `(${exprKey(e.left)}${e.op}${exprKey(e.right)})`;
    case 'in':
      return `(${exprKey(e.left)} ${e.negated ? 'not in' : 'in'} ${exprKey(e.right)})`;
    case 'if':
      return `if(${exprKey(e.test)},${exprKey(e.then)},${exprKey(e.else)})`;
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** An expression's direct sub-expressions, in the order they are written. */
export function childrenOf(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'literal':
    case 'fact':
      return [];
    case 'call':
      return e.args;
    case 'list':
      return e.items;
    case 'not':
      return [e.operand];
    case 'logical':
      return e.operands;
    case 'compare':
    case 'in':
      return [e.left, e.right];
    case 'if':
      return [e.test, e.then, e.else];
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** Every fact path an expression reads, with the span of each use. */
export function factsRead(e: Expr, out: { path: string[]; span: Span }[] = []): { path: string[]; span: Span }[] {
  if (e.kind === 'fact') out.push({ path: e.path, span: e.span });
  else for (const c of childrenOf(e)) factsRead(c, out);
  return out;
}

/** Operator precedence for printing: an operand binding more loosely than its context is parenthesized. */
const PRECEDENCE = { if: 0, or: 1, and: 2, not: 3, compare: 4, primary: 5 } as const;

function precedence(e: Expr): number {
  switch (e.kind) {
    case 'if':
      return PRECEDENCE.if;
    case 'logical':
      return PRECEDENCE[e.op];
    case 'not':
      return PRECEDENCE.not;
    case 'compare':
    case 'in':
      return PRECEDENCE.compare;
    default:
      return PRECEDENCE.primary;
  }
}

/** An expression as an admin would write it, with only the parentheses it needs. */
export function printExpr(e: Expr): string {
  const wrap = (inner: Expr, min: number) => (precedence(inner) < min ? `(${printExpr(inner)})` : printExpr(inner));
  switch (e.kind) {
    case 'literal':
      return e.type === 'string' ? JSON.stringify(e.value) : String(e.value);
    case 'fact':
      return e.path.join('.');
    case 'call':
      return `${e.name}(${e.args.map(printExpr).join(', ')})`;
    case 'list':
      return `[${e.items.map(printExpr).join(', ')}]`;
    case 'not':
      return `not ${wrap(e.operand, PRECEDENCE.not)}`;
    case 'logical':
      return e.operands.map((o) => wrap(o, PRECEDENCE[e.op] + 1)).join(` ${e.op} `);
    case 'compare':
      return `${wrap(e.left, PRECEDENCE.primary)} ${e.op} ${wrap(e.right, PRECEDENCE.primary)}`;
    case 'in':
      return `${wrap(e.left, PRECEDENCE.primary)} ${e.negated ? 'not in' : 'in'} ${wrap(e.right, PRECEDENCE.primary)}`;
    case 'if':
      return `if ${printExpr(e.test)} then ${printExpr(e.then)} else ${wrap(e.else, PRECEDENCE.if)}`;
    default: {
      const never: never = e;
      return never;
    }
  }
}
