// Fact domains for the analyzer: the values each fact a condition reads can take. Enum and
// boolean facts (and `decision.tier`/`decision.priority`) have finite domains, listed. A number
// or integer fact compared only with constants gets a finite set of representatives: the
// constants themselves, a point between each two, and one beyond each end, clipped to the fact's
// `min`/`max` — every comparison with those constants gives the same answer on a whole interval
// of the number line, so one point per interval decides it exactly (interval reasoning). Every
// other value (dates, instants, text, numbers compared with other facts) is opaque: a comparison
// that reads it is an independent true-or-false atom.
import { type Expr, childrenOf } from '../ast.js';
import type { FactDecl, Policy } from '../model.js';

/** A value that the analyzer does not follow (a date, an instant, text). */
export const OPAQUE: unique symbol = Symbol('opaque');
export type AbstractValue = string | number | boolean | null | typeof OPAQUE;

export type Domain = { kind: 'finite'; values: AbstractValue[] } | { kind: 'numbers'; fact: FactDecl } | { kind: 'opaque' };

/**
 * The domain of a declared fact. `null` (not given) is one of its values only when the policy
 * reads a missing value as information (`isSet`, `coalesce`, `== null`) and the fact has no
 * default and is not required: elsewhere a condition is judged on the tickets that give what it
 * reads, as Kleene's tables make a missing fact's conditions unknown, never true or false.
 */
export function factDomain(f: FactDecl, absenceTested: ReadonlySet<string>): Domain {
  const mayBeMissing = absenceTested.has(f.name) && !f.required && f.default === undefined;
  const withNull = (values: AbstractValue[]): Domain => ({ kind: 'finite', values: mayBeMissing ? [...values, null] : values });
  switch (f.type) {
    case 'enum':
      return withNull([...(f.values ?? [])]);
    case 'boolean':
      return withNull([true, false]);
    case 'number':
    case 'integer':
      return mayBeMissing ? { kind: 'opaque' } : { kind: 'numbers', fact: f };
    default:
      return mayBeMissing ? withNull([OPAQUE]) : { kind: 'opaque' };
  }
}

/** The domains of the decision so far, as conditions read them. */
export function decisionDomains(policy: Policy): Map<string, Domain> {
  return new Map<string, Domain>([
    ['decision.tier', { kind: 'finite', values: [...new Set(policy.tiers?.levels.map((l) => l.name) ?? [])] }],
    ['decision.priority', { kind: 'finite', values: [...new Set(policy.priorities.map((p) => p.name))] }],
  ]);
}

/**
 * Representative points for a number fact compared with `constants`: one point per interval the
 * constants cut the fact's range into, and the constants themselves.
 */
export function numberPoints(f: FactDecl, constants: number[]): number[] {
  const integer = f.type === 'integer';
  const lo = f.min ?? -Infinity;
  const hi = f.max ?? Infinity;
  const cs = [...new Set(constants)].sort((a, b) => a - b);
  const points = new Set<number>();
  const step = (c: number, dir: 1 | -1) => (integer ? (dir > 0 ? Math.floor(c) + 1 : Math.ceil(c) - 1) : c + dir * 0.5);
  if (cs.length === 0) points.add(Number.isFinite(lo) ? lo : Number.isFinite(hi) ? hi : 0);
  cs.forEach((c, i) => {
    if (!integer || Number.isInteger(c)) points.add(c);
    if (i === 0) points.add(step(c, -1));
    const next = cs[i + 1];
    if (next !== undefined) {
      const mid = integer ? Math.floor(c) + 1 : (c + next) / 2;
      if (mid < next) points.add(mid);
    } else points.add(step(c, 1));
  });
  if (Number.isFinite(lo)) points.add(lo);
  if (Number.isFinite(hi)) points.add(hi);
  return [...points].filter((p) => p >= lo && p <= hi && (!integer || Number.isInteger(p))).sort((a, b) => a - b);
}

/** The number constants a fact is compared with in an expression (`x > 5`, `5 <= x`, `x in [1, 2]`). */
export function numberConstants(e: Expr, fact: string, out: number[] = []): number[] {
  const isFact = (x: Expr) => x.kind === 'fact' && x.path.join('.') === fact;
  const num = (x: Expr) => (x.kind === 'literal' && x.type === 'number' ? (x.value as number) : undefined);
  if (e.kind === 'compare') {
    const a = isFact(e.left) ? num(e.right) : isFact(e.right) ? num(e.left) : undefined;
    if (a !== undefined) out.push(a);
  } else if (e.kind === 'in' && isFact(e.left) && e.right.kind === 'list')
    for (const i of e.right.items) if (num(i) !== undefined) out.push(num(i)!);
  for (const c of childrenOf(e)) numberConstants(c, fact, out);
  return out;
}

/** Whether a number fact is read anywhere but in a comparison with a number constant. */
export function readOtherwise(e: Expr, fact: string): boolean {
  const isFact = (x: Expr) => x.kind === 'fact' && x.path.join('.') === fact;
  const isNum = (x: Expr) => x.kind === 'literal' && x.type === 'number';
  switch (e.kind) {
    case 'fact':
      return isFact(e);
    case 'literal':
      return false;
    case 'compare':
      if ((isFact(e.left) && isNum(e.right)) || (isFact(e.right) && isNum(e.left))) return false;
      return readOtherwise(e.left, fact) || readOtherwise(e.right, fact);
    case 'in':
      if (isFact(e.left) && e.right.kind === 'list' && e.right.items.every(isNum)) return false;
      return readOtherwise(e.left, fact) || readOtherwise(e.right, fact);
    case 'call':
      return e.args.some((a) => readOtherwise(a, fact));
    case 'list':
      return e.items.some((a) => readOtherwise(a, fact));
    case 'not':
      return readOtherwise(e.operand, fact);
    case 'logical':
      return e.operands.some((a) => readOtherwise(a, fact));
    case 'if':
      return [e.test, e.then, e.else].some((a) => readOtherwise(a, fact));
    default: {
      const never: never = e;
      return never;
    }
  }
}
