// Conditions as json-rules-engine JSON, and the fast path that evaluates that same JSON as
// plain functions. json-rules-engine is the reference semantics: the operators below mirror its
// default operators exactly, and a differential test holds the two to the same outcomes.
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
const KNOWN_FIRST = 2;

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

/**
 * Whether any of the reads that can make a condition unknown is missing: only then can a
 * condition that does not hold be unknown rather than false (the fast path asks `whenFalse`
 * only then). Null when the condition can never be unknown.
 */
export function unknownTest(
  reads: readonly { fact: string; path?: string }[],
  declared: ReadonlyMap<string, number>,
): CompiledCondition | null {
  if (reads.length === 0) return null;
  const code = new ConditionCode(declared);
  return build(reads.map((r) => `(${code.read(r.fact, r.path)} === null)`).join(' || '), code);
}

/** Fact values as the rules see them; `decision` is an object read through a path. */
export interface RuleFacts {
  get(fact: string): unknown;
  /** The declared facts' values in declaration order (null when not given). */
  readonly slots: readonly unknown[];
  /** The decision so far: the `decision` fact. */
  readonly decision: object;
}

// json-rules-engine's default operators, including their fact value validators.
const numberValidator = (v: unknown) => Number.parseFloat(v as string).toString() !== 'NaN';
const OPERATORS: Record<Operator, (a: unknown, b: unknown) => boolean> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  in: (a, b) => (b as unknown[]).indexOf(a) > -1,
  notIn: (a, b) => (b as unknown[]).indexOf(a) === -1,
  lessThan: (a, b) => numberValidator(a) && (a as number) < (b as number),
  lessThanInclusive: (a, b) => numberValidator(a) && (a as number) <= (b as number),
  greaterThan: (a, b) => numberValidator(a) && (a as number) > (b as number),
  greaterThanInclusive: (a, b) => numberValidator(a) && (a as number) >= (b as number),
};

/** A reader of `$.a.b` paths (the only ones the compiler writes), split once at compile time. */
function pathReader(path: string | undefined): (value: unknown) => unknown {
  if (path === undefined) return (value) => value;
  const keys = path.slice(2).split('.');
  return (value) => {
    let at = value;
    for (const key of keys) {
      if (at === null || typeof at !== 'object') return undefined;
      at = (at as Record<string, unknown>)[key];
    }
    return at;
  };
}

export type CompiledCondition = (facts: RuleFacts) => boolean;
export type Reader = (facts: RuleFacts) => unknown;

/**
 * The JavaScript of a condition, for the fast path. The text holds only the condition's shape:
 * `&&`, `||`, `!`, `===`, `!==`, numbers and fixed names. Every value of the policy (fact names,
 * literals, lists) stays data, passed in the array K and referred to by its index; operators
 * and path readers likewise in O and P. So nothing an admin writes is ever part of the code.
 */
class ConditionCode {
  readonly K: unknown[] = [];
  readonly O: ((a: unknown, b: unknown) => boolean)[] = [];
  readonly P: ((value: unknown) => unknown)[] = [];

  constructor(private readonly declared: ReadonlyMap<string, number>) {}

  private constant(v: unknown): string {
    this.K.push(v);
    return `K[${this.K.length - 1}]`;
  }

  /**
   * Reads a fact (and path) the quickest way that means the same as `get` and the path: a
   * declared fact by its place in the given facts (an array read by index stays fast whichever
   * fact it is), `decision.x` straight from the decision so far.
   */
  read(fact: string, path: string | undefined): string {
    const slot = path === undefined ? this.declared.get(fact) : undefined;
    if (slot !== undefined) return `s[${slot}]`;
    if (fact === DECISION_FACT && path !== undefined && /^\$\.[^.]+$/.test(path)) return `d[${this.constant(path.slice(2))}]`;
    if (path === undefined) return `f.get(${this.constant(fact)})`;
    this.P.push(pathReader(path));
    return `P[${this.P.length - 1}](f.get(${this.constant(fact)}))`;
  }

  expr(c: Condition): string {
    if ('all' in c) return c.all.length === 0 ? 'true' : `(${c.all.map((x) => this.expr(x)).join(' && ')})`;
    if ('any' in c) return c.any.length === 0 ? 'false' : `(${c.any.map((x) => this.expr(x)).join(' || ')})`;
    if ('not' in c) return `!${this.expr(c.not)}`;
    const left = this.read(c.fact, c.path);
    const v = c.value;
    const right = v !== null && typeof v === 'object' && !Array.isArray(v) ? this.read(v.fact, v.path) : this.constant(v);
    // json-rules-engine's equal and notEqual are exactly === and !==.
    if (c.operator === 'equal') return `(${left} === ${right})`;
    if (c.operator === 'notEqual') return `(${left} !== ${right})`;
    this.O.push(OPERATORS[c.operator]);
    return `O[${this.O.length - 1}](${left}, ${right})`;
  }
}

/** The function of a body of ConditionCode; the one place code is made from text. */
function build<T>(body: string, code: ConditionCode): T {
  const make = new Function('K', 'O', 'P', `"use strict"; return (f) => { const s = f.slots, d = f.decision; return ${body}; };`);
  return make(code.K, code.O, code.P) as T;
}

/**
 * The fast path: the same JSON as one plain function with no cloning, which the JIT compiles
 * as a whole. `declared` names the policy's declared facts and their places in `slots`, which
 * are read directly.
 */
export function compileCondition(c: Condition, declared: ReadonlyMap<string, number> = new Map()): CompiledCondition {
  const code = new ConditionCode(declared);
  return build(code.expr(c), code);
}

/** The reader of a name as `conditionReads` gives it (a fact id, or `decision.x`), for the trace. */
export function nameReader(name: string, declared: ReadonlyMap<string, number>): Reader {
  const code = new ConditionCode(declared);
  const decisionPath = name.startsWith(`${DECISION_FACT}.`) && !declared.has(name);
  return build(
    decisionPath ? code.read(DECISION_FACT, `$.${name.slice(DECISION_FACT.length + 1)}`) : code.read(name, undefined),
    code,
  );
}

/**
 * A condition made only of `fact == literal` tests on different facts (or paths): those tests,
 * or null. A literal is compared with ===: an object or list literal never equals a fact's
 * value, so conditions with one are left be.
 */
function equalityTests(c: Condition): FactCondition[] | null {
  const parts = 'all' in c ? c.all : 'any' in c || 'not' in c ? null : [c];
  if (parts === null) return null;
  const seen = new Set<string>();
  for (const p of parts) {
    if (!('fact' in p) || p.operator !== 'equal' || (p.value !== null && typeof p.value === 'object')) return null;
    const read = `${p.fact}\u0000${p.path ?? ''}`;
    if (seen.has(read)) return null;
    seen.add(read);
  }
  return parts as FactCondition[];
}

/** Such a condition as what it reads (in a fixed order, the same for every rule reading the same) and the literals. */
function equalities(c: Condition): { reads: string[]; values: unknown[] } | null {
  const tests = equalityTests(c)?.map((p) => [`${p.fact}\u0000${p.path ?? ''}`, p.value] as const);
  if (!tests || tests.length === 0) return null;
  tests.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { reads: tests.map((t) => t[0]), values: tests.map((t) => t[1]) };
}

/**
 * What a rule that matched must have read, when its condition is only `name == literal` tests:
 * each name (as `conditionReads` gives it) with its literal (a value read as missing is null,
 * as is a null literal). Otherwise null.
 */
export function readsWhenMatched(c: Condition): Map<string, unknown> | null {
  const tests = equalityTests(c);
  return tests && new Map(tests.map((p) => [p.path ? `${p.fact}.${p.path.slice(2)}` : p.fact, p.value]));
}

/** A nested lookup table: each level is one read's value; the last holds a rule's index. */
type Table = Map<unknown, unknown>;

/** The reads (`fact\u0000path`) a condition checks are known before using them. */
function knownChecks(c: Condition, out: Set<string>): Set<string> {
  if ('all' in c) c.all.forEach((x) => knownChecks(x, out));
  else if ('any' in c) c.any.forEach((x) => knownChecks(x, out));
  else if ('not' in c) knownChecks(c.not, out);
  else if (c.priority === KNOWN_FIRST) out.add(`${c.fact}\u0000${c.path ?? ''}`);
  return out;
}

/** A first-match matcher's answer when no rule holds and none is unknown. */
export const NONE = -1;
/** A first-match matcher's answer when rule `i` is unknown before any rule held (decode with `unknownRule`). */
export const unknownAt = (i: number) => -2 - i;
/** The rule a matcher's answer found unknown, or -1 when the answer is a rule that holds or NONE. */
export const unknownRule = (answer: number) => (answer <= -2 ? -2 - answer : -1);

/**
 * A first-match stage's matcher: the index of the first rule whose conditions hold, NONE, or
 * `unknownAt(i)` when rule i is unknown (a fact it needs is missing) before any rule held.
 * Consecutive rules that only compare the same facts with literals (a priority matrix, targets
 * by tier and priority) are one lookup: the facts are read once and their values looked up in
 * a table of the rules' literals, where the earliest rule for each combination is kept. A
 * `Map` finds keys by SameValueZero, which is `===` for every value a literal can be (no NaN).
 */
export function firstMatcher(
  rules: readonly {
    conditions: Condition;
    whenFalse: Condition;
    test: CompiledCondition;
    testFalse: CompiledCondition;
    mayBeUnknown: CompiledCondition | null;
  }[],
  declared: ReadonlyMap<string, number>,
): (facts: RuleFacts) => number {
  type Step =
    | { rule: number }
    | { readers: Reader[]; table: Table; from: number; to: number; unknownIfNull: boolean[] };
  const steps: Step[] = [];
  for (let i = 0; i < rules.length;) {
    const first = equalities(rules[i]!.conditions);
    let j = i + 1;
    const signature = first?.reads.join('\u0001');
    while (first && j < rules.length && equalities(rules[j]!.conditions)?.reads.join('\u0001') === signature) j++;
    if (!first || j - i < 2) {
      steps.push({ rule: i++ });
      continue;
    }
    const table: Table = new Map();
    for (let k = i; k < j; k++) {
      const values = equalities(rules[k]!.conditions)!.values;
      let level = table;
      for (let v = 0; v < values.length - 1; v++) {
        if (!level.has(values[v])) level.set(values[v], new Map());
        level = level.get(values[v]) as Table;
      }
      const last = values[values.length - 1];
      if (!level.has(last)) level.set(last, k);
    }
    const readers = first.reads.map((r) => {
      const [fact, path] = r.split('\u0000') as [string, string];
      const code = new ConditionCode(declared);
      return build<Reader>(code.read(fact, path === '' ? undefined : path), code);
    });
    // A read whose value may be missing: the rules check it is known before they call it false.
    const guarded = new Set<string>();
    for (let k = i; k < j; k++) knownChecks(rules[k]!.whenFalse, guarded);
    const unknownIfNull = first.reads.map((r) => guarded.has(r));
    steps.push({ readers, table, from: i, to: j, unknownIfNull });
    i = j;
  }
  return (facts) => {
    for (let s = 0; s < steps.length; s++) {
      const step = steps[s]!;
      if ('rule' in step) {
        const rule = rules[step.rule]!;
        if (rule.test(facts)) return step.rule;
        if (rule.mayBeUnknown !== null && rule.mayBeUnknown(facts) && !rule.testFalse(facts)) return unknownAt(step.rule);
        continue;
      }
      let at: unknown = step.table;
      let missing = false;
      for (let r = 0; r < step.readers.length && at !== undefined; r++) {
        const value = step.readers[r]!(facts);
        if (value === null && step.unknownIfNull[r]) missing = true;
        at = (at as Table).get(value);
      }
      if (missing) {
        // A value not given: some rules of the table may be unknown rather than false, so they
        // are tried one by one, in order (rare: the table is for the common, complete case).
        for (let k = step.from; k < step.to; k++) {
          const rule = rules[k]!;
          if (rule.test(facts)) return k;
          if (rule.mayBeUnknown !== null && rule.mayBeUnknown(facts) && !rule.testFalse(facts)) return unknownAt(k);
        }
        continue;
      }
      if (at !== undefined) return at as number;
    }
    return NONE;
  };
}

/** The text of a condition's function body and the data it refers to. */
export function conditionCode(c: Condition, declared: ReadonlyMap<string, number> = new Map()) {
  const code = new ConditionCode(declared);
  return { text: code.expr(c), K: code.K, O: code.O, P: code.P };
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
