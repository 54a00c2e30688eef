// Conditions as json-rules-engine JSON: what the compiler writes for each rule, when it holds and
// when it is false. json-rules-engine is the reference semantics; engine/fast/ evaluates the same
// JSON as plain functions, and a differential test holds the two to the same outcomes.
import { type Expr, printExpr } from '../dsl/index.js';
import type { Value } from './values.js';

export type Operator =
  'equal' | 'notEqual' | 'in' | 'notIn' | 'lessThan' | 'lessThanInclusive' | 'greaterThan' | 'greaterThanInclusive';

export interface FactCondition {
  fact: string;
  path?: string;
  operator: Operator;
  value: Value | { fact: string; path?: string };
  /** json-rules-engine evaluates higher priorities first: a check that a value is known comes before its use. */
  priority?: number;
}

export type Condition = FactCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

/** Facts that a condition needs beyond the given ones: values of expressions too rich for json-rules-engine. */
export interface ComputedFact {
  /** The fact's id in the rules: the expression as an admin writes it. */
  id: string;
  expr: Expr;
}

/** Names the rules read that are not plain facts: the decision so far, as one fact with a path. */
export const DECISION_FACT = 'decision';

/** What a fact name in an expression is, for choosing a native condition. */
export interface NameKinds {
  /** Declared or derived facts whose values json-rules-engine can compare natively (no dates). */
  isPlain(name: string): boolean;
}

function factRef(path: string[]): { fact: string; path?: string } {
  if (path[0] === DECISION_FACT && path.length > 1) return { fact: DECISION_FACT, path: `$.${path.slice(1).join('.')}` };
  return { fact: path.join('.') };
}

const FLIP: Record<string, Operator> = {
  '==': 'equal',
  '!=': 'notEqual',
  '<': 'greaterThan',
  '<=': 'greaterThanInclusive',
  '>': 'lessThan',
  '>=': 'lessThanInclusive',
};
const DIRECT: Record<string, Operator> = {
  '==': 'equal',
  '!=': 'notEqual',
  '<': 'lessThan',
  '<=': 'lessThanInclusive',
  '>': 'greaterThan',
  '>=': 'greaterThanInclusive',
};

const isPlainLiteral = (e: Expr): e is Extract<Expr, { kind: 'literal' }> =>
  e.kind === 'literal' && (e.type === 'string' || e.type === 'number' || e.type === 'boolean' || e.type === 'null');

/**
 * Translates a condition to json-rules-engine JSON. What its operators can say natively (a fact
 * against a literal or another fact, membership in a list, and/or/not) stays readable; anything
 * richer (dates, functions, `if`) becomes a computed fact whose id is the expression itself.
 */
export function toCondition(e: Expr, kinds: NameKinds, computed: Map<string, ComputedFact>): Condition {
  const plainFact = (x: Expr): x is Extract<Expr, { kind: 'fact' }> =>
    x.kind === 'fact' && (kinds.isPlain(x.path.join('.')) || (x.path[0] === DECISION_FACT && x.path.length === 2));
  switch (e.kind) {
    case 'logical':
      return e.op === 'and'
        ? { all: e.operands.map((o) => toCondition(o, kinds, computed)) }
        : { any: e.operands.map((o) => toCondition(o, kinds, computed)) };
    case 'not':
      return { not: toCondition(e.operand, kinds, computed) };
    case 'literal':
      if (e.value === true) return { all: [] };
      break;
    case 'fact':
      if (plainFact(e)) return { ...factRef(e.path), operator: 'equal', value: true };
      break;
    case 'compare': {
      if (plainFact(e.left) && isPlainLiteral(e.right))
        return { ...factRef(e.left.path), operator: DIRECT[e.op]!, value: e.right.value };
      if (plainFact(e.right) && isPlainLiteral(e.left))
        return { ...factRef(e.right.path), operator: FLIP[e.op]!, value: e.left.value };
      if (plainFact(e.left) && plainFact(e.right))
        return { ...factRef(e.left.path), operator: DIRECT[e.op]!, value: factRef(e.right.path) };
      break;
    }
    case 'in':
      if (plainFact(e.left) && e.right.kind === 'list' && e.right.items.every(isPlainLiteral)) {
        return {
          ...factRef(e.left.path),
          operator: e.negated ? 'notIn' : 'in',
          value: e.right.items.map((i) => (i as Extract<Expr, { kind: 'literal' }>).value),
        };
      }
      if (plainFact(e.left) && e.right.kind === 'fact' && e.right.path[0] === DECISION_FACT) {
        return { ...factRef(e.left.path), operator: e.negated ? 'notIn' : 'in', value: factRef(e.right.path) };
      }
      break;
    default:
      break;
  }
  const id = printExpr(e);
  if (!computed.has(id)) computed.set(id, { id, expr: e });
  return { fact: id, operator: 'equal', value: true };
}

/**
 * Whether a fact (with its path) can be missing when the rules run: a fact not given and
 * without default, a derived fact computed from one, or `decision.*` before its stage decided.
 */
export type MayBeMissing = (fact: string, path: string | undefined) => boolean;

const NEGATED: Record<Operator, Operator> = {
  equal: 'notEqual',
  notEqual: 'equal',
  in: 'notIn',
  notIn: 'in',
  lessThan: 'greaterThanInclusive',
  lessThanInclusive: 'greaterThan',
  greaterThan: 'lessThanInclusive',
  greaterThanInclusive: 'lessThan',
};

/** The priority of a check that a value is known: json-rules-engine then never applies `in` to a missing list. */
export const KNOWN_FIRST = 2;

const isFactRef = (v: FactCondition['value']): v is { fact: string; path?: string } =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A three-valued condition as the two two-valued conditions json-rules-engine can run: when it
 * is true, and when it is false; when neither holds it is unknown (a fact it needs is missing).
 * `not` is pushed down into the operators, so neither form contains one. A comparison is true
 * or false only when the facts it reads are known: where an operator would hold of a missing
 * value (`notEqual`, `notIn`, and any comparison with another fact), the form checks first that
 * the value is known (`notEqual null`). A comparison with a literal null asks whether the fact
 * was given, and is always known.
 */
export function truthConditions(
  c: Condition,
  mayBeMissing: MayBeMissing,
): { whenTrue: Condition; whenFalse: Condition; unknownReads: { fact: string; path?: string }[] } {
  const known = (fact: string, path: string | undefined): FactCondition[] =>
    mayBeMissing(fact, path)
      ? [{ fact, ...(path === undefined ? {} : { path }), operator: 'notEqual', value: null, priority: KNOWN_FIRST }]
      : [];
  const atom = (a: FactCondition, negate: boolean): Condition => {
    const operator = negate ? NEGATED[a.operator] : a.operator;
    const out: FactCondition = { ...a, operator };
    if (a.value === null) return out;
    const guards = [
      ...(operator === 'notEqual' || operator === 'notIn' || isFactRef(a.value) ? known(a.fact, a.path) : []),
      ...(isFactRef(a.value) ? known(a.value.fact, a.value.path) : []),
    ];
    return guards.length === 0 ? out : { all: [...guards, out] };
  };
  const walk = (x: Condition, negate: boolean): Condition => {
    if ('all' in x) return negate ? { any: x.all.map((y) => walk(y, true)) } : { all: x.all.map((y) => walk(y, false)) };
    if ('any' in x) return negate ? { all: x.any.map((y) => walk(y, true)) } : { any: x.any.map((y) => walk(y, false)) };
    if ('not' in x) return walk(x.not, !negate);
    return atom(x, negate);
  };
  // json-rules-engine needs all/any at the top of a rule.
  const top = (x: Condition): Condition => ('fact' in x ? { all: [x] } : x);
  // The reads that can make the condition unknown: those that may be missing, but for a test
  // whether a value was given.
  const unknownReads = new Map<string, { fact: string; path?: string }>();
  const collect = (x: Condition): void => {
    if ('all' in x) x.all.forEach(collect);
    else if ('any' in x) x.any.forEach(collect);
    else if ('not' in x) collect(x.not);
    else if (x.value !== null) {
      for (const r of [{ fact: x.fact, path: x.path }, ...(isFactRef(x.value) ? [x.value] : [])])
        if (mayBeMissing(r.fact, r.path))
          unknownReads.set(`${r.fact}\u0000${r.path ?? ''}`, { fact: r.fact, ...(r.path === undefined ? {} : { path: r.path }) });
    }
  };
  collect(c);
  return { whenTrue: top(walk(c, false)), whenFalse: top(walk(c, true)), unknownReads: [...unknownReads.values()] };
}


/** What a condition reads, as names: `decision.tier` rather than the fact `decision` and its path. */
export function conditionReads(c: Condition, out = new Set<string>()): Set<string> {
  if ('all' in c) c.all.forEach((x) => conditionReads(x, out));
  else if ('any' in c) c.any.forEach((x) => conditionReads(x, out));
  else if ('not' in c) conditionReads(c.not, out);
  else {
    out.add(c.path ? `${c.fact}.${c.path.slice(2)}` : c.fact);
    const v = c.value;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.add(v.path ? `${v.fact}.${v.path.slice(2)}` : v.fact);
  }
  return out;
}

/** Every fact id a condition reads. */
export function conditionFacts(c: Condition, out = new Set<string>()): Set<string> {
  if ('all' in c) c.all.forEach((x) => conditionFacts(x, out));
  else if ('any' in c) c.any.forEach((x) => conditionFacts(x, out));
  else if ('not' in c) conditionFacts(c.not, out);
  else {
    out.add(c.fact);
    if (c.value !== null && typeof c.value === 'object' && !Array.isArray(c.value)) out.add(c.value.fact);
  }
  return out;
}
