// Runs the tests written in a policy: each test's facts are evaluated and the decision is
// compared with the expected fields (a partial match; dates and times compared as instants).
// Also measures rule coverage: which rules no test made fire.
import type { PolicyTest } from '../dsl/index.js';
import type { CompiledPolicy, CompiledRule } from './compile.js';
import { evaluate } from './evaluate.js';
import type { Decision, FactProblem } from './decision.js';
import { isDateTime, instant } from './values.js';

export interface Mismatch {
  /** The expected field, e.g. `sla.response.target`. */
  path: string;
  expected: unknown;
  actual: unknown;
}

export interface TestResult {
  name: string;
  source: string;
  passed: boolean;
  mismatches: Mismatch[];
  /** Set when the test's facts do not fit the policy. */
  problems?: FactProblem[];
  decision?: Decision;
  /** Names of the rules that fired. */
  fired: string[];
  ms: number;
}

export interface Coverage {
  total: number;
  covered: number;
  uncovered: { name: string; source: string }[];
}

/** The value at a dotted path (`sla.response.target`, `reasons.0.code`). */
export function valueAt(v: unknown, path: string): unknown {
  let at = v;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * Whether an actual value meets an expected one: objects match on the keys expected, lists
 * item by item, datetimes as instants, and a name stands for an object with that `code` or `id`
 * (so `reasons: [channel-not-offered]` can be written).
 */
export function matches(expected: unknown, actual: unknown): boolean {
  if (expected === actual) return true;
  if (typeof expected === 'string' && typeof actual === 'string' && isDateTime(expected) && isDateTime(actual)) {
    return instant(expected) === instant(actual);
  }
  if (typeof expected === 'string' && actual !== null && typeof actual === 'object' && !Array.isArray(actual)) {
    const o = actual as Record<string, unknown>;
    return o.code === expected || o.id === expected;
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(e, actual[i]));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([k, e]) => matches(e, (actual as Record<string, unknown>)[k]));
  }
  return false;
}

export function runPolicyTest(compiled: CompiledPolicy, test: PolicyTest): TestResult {
  const start = performance.now();
  const result = evaluate(compiled, test.facts, test.now ? { now: test.now } : {});
  const source = `${test.span.file}:${test.span.line}:${test.span.column}`;
  // A test may expect the facts to be refused: `error: invalid-facts`, and which `problems`.
  if (Object.hasOwn(test.expect, 'error')) {
    const actual = result.ok ? { error: null, problems: [] } : { error: 'invalid-facts', problems: result.problems };
    const mismatches: Mismatch[] = [];
    for (const [path, expected] of Object.entries(test.expect)) {
      const found = valueAt(actual, path);
      if (!matches(expected, found)) mismatches.push({ path, expected, actual: found === undefined ? null : found });
    }
    return {
      name: test.name,
      source,
      passed: mismatches.length === 0,
      mismatches,
      ...(result.ok ? { decision: result.decision } : {}),
      fired: result.ok ? result.decision.trace.map((t) => t.rule) : [],
      ms: performance.now() - start,
    };
  }
  if (!result.ok) {
    return {
      name: test.name,
      source,
      passed: false,
      mismatches: [],
      problems: result.problems,
      fired: [],
      ms: performance.now() - start,
    };
  }
  const mismatches: Mismatch[] = [];
  for (const [path, expected] of Object.entries(test.expect)) {
    const actual = valueAt(result.decision, path);
    if (!matches(expected, actual)) mismatches.push({ path, expected, actual: actual === undefined ? null : actual });
  }
  return {
    name: test.name,
    source,
    passed: mismatches.length === 0,
    mismatches,
    decision: result.decision,
    fired: result.decision.trace.map((t) => t.rule),
    ms: performance.now() - start,
  };
}

export function runPolicyTests(compiled: CompiledPolicy): { results: TestResult[]; coverage: Coverage } {
  const results = compiled.policy.tests.map((t) => runPolicyTest(compiled, t));
  const fired = new Set(results.flatMap((r) => r.fired));
  // Rules written once and used in several places (a YAML anchor and its aliases, or a block
  // merged with `<<:`) share their source: they are one rule to test, covered when any of them fired.
  // Rules a policy makes from one part written once (a matrix's cells, a tier expression's
  // branches) stay separate: each is its own behaviour.
  const reused = compiled.policy.reused;
  const bySource = new Map<string, CompiledRule[]>();
  for (const rule of compiled.stages.flatMap((s) => s.rules)) {
    // A target whose calendar the ticket chooses (`calendar: region`) is one rule per calendar,
    // named `<rule>@<calendar>`: written once, tested once.
    const written = rule.name.split('@')[0]!;
    const key = reused?.has(rule.source) ? rule.source : `${written}\u0000${rule.source}`;
    const same = bySource.get(key);
    if (same) same.push(rule);
    else bySource.set(key, [rule]);
  }
  const uncovered = [...bySource.values()]
    .filter((same) => !same.some((r) => fired.has(r.name)))
    .map((same) => ({ name: same[0]!.name, source: same[0]!.source }));
  return { results, coverage: { total: bySource.size, covered: bySource.size - uncovered.length, uncovered } };
}
