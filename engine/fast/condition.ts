// The fast path's conditions: the rules' json-rules-engine JSON as plain functions the JIT
// compiles whole. The operators mirror json-rules-engine's defaults exactly; the differential
// test holds the two to the same outcomes.
import { type Condition, DECISION_FACT, type Operator } from '../conditions.js';

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
export const OPERATORS: Record<Operator, (a: unknown, b: unknown) => boolean> = {
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
export class ConditionCode {
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
export function build<T>(body: string, code: ConditionCode): T {
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

/** The text of a condition's function body and the data it refers to. */
export function conditionCode(c: Condition, declared: ReadonlyMap<string, number> = new Map()) {
  const code = new ConditionCode(declared);
  return { text: code.expr(c), K: code.K, O: code.O, P: code.P };
}
