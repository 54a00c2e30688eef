// The reference: the compiled rules run by json-rules-engine itself, one Engine per stage, with
// the facts the fast path computes (derived and computed facts are inputs to the rules). Used by
// the differential test and by `spe eval --reference`.
import type { Engine as JreEngine, RuleProperties } from 'json-rules-engine';
import type { CompiledPolicy, CompiledRule, Stage } from './compile.js';
import { conditionFacts } from './conditions.js';
import { type EvaluateOptions, type EvaluationFacts, evaluateWith } from './evaluate.js';
import type { EvaluationResult } from './decision.js';

/** json-rules-engine, loaded on first use: the fast path never needs it, and a cold `spe eval` should not load it. */
let jre: Promise<typeof JreEngine> | undefined;

/** A stage's rules as json-rules-engine rule JSON. */
export function stageRules(stage: Stage): RuleProperties[] {
  return stage.rules.map((r) => ({
    name: r.name,
    priority: r.priority,
    conditions: r.conditions as RuleProperties['conditions'],
    event: { type: r.stage, params: { rule: r.name, source: r.source, outcome: r.outcome } },
  }));
}

/** The facts a stage's rules read, as json-rules-engine wants them: every one present (null when not given). */
function stageFacts(stage: Stage, facts: EvaluationFacts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const rule of stage.rules) {
    for (const id of conditionFacts(rule.conditions))
      out[id] = id === 'decision' ? structuredClone(facts.decision) : facts.get(id);
  }
  return out;
}

export async function matchWithJre(stage: Stage, facts: EvaluationFacts): Promise<CompiledRule[]> {
  if (stage.rules.length === 0) return [];
  if (stage.name === 'derived') {
    // One engine per derived fact, in dependency order, each seeing the values given before.
    const matched: CompiledRule[] = [];
    const byFact = new Map<string, CompiledRule[]>();
    for (const r of stage.rules)
      if (r.outcome.kind === 'derived') byFact.set(r.outcome.fact, [...(byFact.get(r.outcome.fact) ?? []), r]);
    for (const rules of byFact.values()) {
      const found = await matchWithJre({ ...stage, name: 'tier', mode: 'first-match', rules }, facts);
      for (const r of found) if (r.outcome.kind === 'derived') facts.derivedByRules.set(r.outcome.fact, r.outcome.value);
      matched.push(...found);
    }
    return matched;
  }
  // A CommonJS package: its exports are named or under `default`, depending on who loads it.
  const Engine = await (jre ??= import('json-rules-engine').then(
    (m) => m.Engine ?? (m as unknown as { default: { Engine: typeof JreEngine } }).default.Engine,
  ));
  const engine = new Engine(stageRules(stage));
  const { results } = await engine.run(stageFacts(stage, facts));
  const fired = new Set(results.map((r) => r.name));
  const matched = stage.rules.filter((r) => fired.has(r.name));
  return stage.mode === 'first-match' ? matched.slice(0, 1) : matched;
}

/** Evaluates through json-rules-engine: slower, and the semantics the fast path must equal. */
export function evaluateReference(
  compiled: CompiledPolicy,
  input: unknown,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  return evaluateWith(compiled, input, matchWithJre, options);
}
