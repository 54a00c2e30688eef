// A first-match stage's matcher: the first rule that holds, none, or the first that is unknown.
import { type Condition, type FactCondition, KNOWN_FIRST } from '../conditions.js';
import { type CompiledCondition, ConditionCode, type Reader, type RuleFacts, build } from './condition.js';

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
