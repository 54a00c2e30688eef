// The reference: the compiled rules run by json-rules-engine itself, one Engine per stage, with
// the facts the fast path computes (derived and computed facts are inputs to the rules). Used by
// the differential test and by `spe eval --reference`.
import type { Engine as JreEngine, RuleProperties } from 'json-rules-engine';
import type { CompiledPolicy } from './compile.js';
import type { CompiledRule, Stage } from './rules.js';
import { conditionFacts } from './conditions.js';
import { type EvaluateOptions, type EvaluationFacts, type StageMatch, evaluateWith } from './evaluate.js';
import type { EvaluationResult } from './decision.js';

/** A stage whose rules may carry more (the fast path's functions): matches give back the same objects. */
type StageOf<R extends CompiledRule> = Omit<Stage, 'rules'> & { rules: R[] };

/** json-rules-engine, loaded on first use: the fast path never needs it, and a cold `spe eval` should not load it. */
let jre: Promise<typeof JreEngine> | undefined;

/** The event type of the rule that fires when another rule's conditions are false. */
export const FALSE_EVENT = 'false';

/**
 * A stage's rules as json-rules-engine rule JSON: each rule, then its twin that fires when the
 * rule is false (json-rules-engine has no "unknown": a rule neither of which fires is unknown).
 */
export function stageRules(stage: Stage): RuleProperties[] {
  return stage.rules.flatMap((r) => [
    {
      name: r.name,
      priority: r.priority,
      conditions: r.conditions as RuleProperties['conditions'],
      event: { type: r.stage, params: { rule: r.name, source: r.source, outcome: r.outcome } },
    },
    {
      name: `${r.name}#false`,
      priority: r.priority,
      conditions: r.whenFalse as RuleProperties['conditions'],
      event: { type: FALSE_EVENT, params: { rule: r.name } },
    },
  ]);
}

/** The facts a stage's rules read, as json-rules-engine wants them: every one present (null when not given). */
function stageFacts(stage: Stage, facts: EvaluationFacts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const rule of stage.rules) {
    for (const id of [...conditionFacts(rule.conditions), ...conditionFacts(rule.whenFalse)])
      out[id] = id === 'decision' ? structuredClone(facts.decision) : facts.get(id);
  }
  return out;
}

export async function matchWithJre<R extends CompiledRule>(
  stage: StageOf<R>,
  facts: EvaluationFacts,
): Promise<StageMatch<R>> {
  if (stage.rules.length === 0) return { matched: [], unknown: [] };
  if (stage.name === 'derived') {
    // One engine per derived fact, in dependency order, each seeing the values given before.
    // A derived fact none of whose rules holds is computed from its expression when read.
    const matched: R[] = [];
    const byFact = new Map<string, R[]>();
    for (const r of stage.rules)
      if (r.outcome.kind === 'derived') byFact.set(r.outcome.fact, [...(byFact.get(r.outcome.fact) ?? []), r]);
    for (const rules of byFact.values()) {
      const found = await matchWithJre({ ...stage, name: 'tier', mode: 'first-match', rules }, facts);
      for (const r of found.matched) if (r.outcome.kind === 'derived') facts.giveDerived(r.outcome.fact, r.outcome.value);
      matched.push(...found.matched);
    }
    return { matched, unknown: [] };
  }
  // A CommonJS package: its exports are named or under `default`, depending on who loads it.
  const Engine = await (jre ??= import('json-rules-engine').then(
    (m) => m.Engine ?? (m as unknown as { default: { Engine: typeof JreEngine } }).default.Engine,
  ));
  const engine = new Engine(stageRules(stage));
  const { events } = await engine.run(stageFacts(stage, facts));
  return stageMatchOf(stage, events);
}

/** What the events of a run of `stageRules(stage)` say of each rule: holds, false, or (neither) unknown. */
export function stageMatchOf<R extends CompiledRule>(
  stage: StageOf<R>,
  events: readonly { type: string; params?: Record<string, unknown> }[],
): StageMatch<R> {
  const held = new Set<string>();
  const failed = new Set<string>();
  for (const e of events) (e.type === FALSE_EVENT ? failed : held).add(String(e.params?.rule));
  if (stage.mode === 'all-match')
    return {
      matched: stage.rules.filter((r) => held.has(r.name)),
      // A derived fact none of whose rules holds is computed from its expression instead.
      unknown: stage.name === 'derived' ? [] : stage.rules.filter((r) => !held.has(r.name) && !failed.has(r.name)),
    };
  // In declared order: the first rule that holds decides, unless one before it is unknown.
  for (const r of stage.rules) {
    if (held.has(r.name)) return { matched: [r], unknown: [] };
    if (!failed.has(r.name)) return { matched: [], unknown: [r] };
  }
  return { matched: [], unknown: [] };
}

/** Evaluates through json-rules-engine: slower, and the semantics the fast path must equal. */
export function evaluateReference(
  compiled: CompiledPolicy,
  input: unknown,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  return evaluateWith(compiled, input, matchWithJre, options);
}
