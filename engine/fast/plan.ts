// The fast path's plan of a compiled policy: built once from the compiled rules' JSON, shared by
// every decision of the revision. The compiled product (engine/rules.ts) stays plain data; what
// only the fast path needs (condition functions, lookup tables, readers, frozen trace steps,
// where each fact sits, what decisions of a revision can share) lives here.
import { type Expr, factsRead } from '../../dsl/index.js';
import { type ChargeTable, chargeTable } from '../billing.js';
import { DECISION_FACT } from '../conditions.js';
import { type SlotKinds, revisionLanes, slotKinds } from '../decision-id.js';
import type { Compiled } from '../expr.js';
import type { CompiledRule, Stage } from '../rules.js';
import { type CompiledCondition, type RuleFacts, compileCondition, nameReader, unknownTest } from './condition.js';
import { firstMatcher } from './first-match.js';
import { type TracedRule, deepFreeze, fixedStep, outcomeOf } from './trace.js';

/** A compiled rule with the fast path's functions. */
export interface FastRule extends TracedRule {
  /** `conditions` as a function. */
  test: CompiledCondition;
  /** `whenFalse` as a function. */
  testFalse: CompiledCondition;
  /**
   * Whether a value that can make the rule unknown is missing (null when none can be): a rule
   * that does not hold is false, without asking `testFalse`, unless this says yes.
   */
  mayBeUnknown: CompiledCondition | null;
}

export interface FastStage extends Stage {
  rules: FastRule[];
  /** A first-match stage's matcher (see `firstMatcher`). */
  first?: (facts: RuleFacts) => number;
}

/** A derived or computed fact: its expression, and that expression as a function. */
export interface ComputedValue {
  name: string;
  compute: Compiled;
  expr: Expr;
}

export interface FastPlan {
  stages: FastStage[];
  /** Each declared fact's place in a validated evaluation's values. */
  factIndex: ReadonlyMap<string, number>;
  /** Derived and computed facts by name. */
  computeOf: ReadonlyMap<string, Compiled>;
  /**
   * The derived and computed facts whose value can change as an evaluation goes on, to be worked
   * out again: after any stage, those that read the decision so far; after the `derived` stage,
   * also those that read a derived fact its rules give (themselves or through others).
   */
  volatile: { decision: ReadonlySet<string>; derivedRules: ReadonlySet<string> };
  /** decisionId's state after the revision, the same for every decision of it. */
  revisionLanes: readonly number[];
  /** How decisionId hashes each declared fact. */
  slotKinds: SlotKinds;
  /** Each billing plan's charges by billable minutes, shared by the revision's decisions. */
  charges: ChargeTable;
  /** The decision's `policy` field, the same (frozen) for every decision of the revision. */
  policyRef: Readonly<{ id: string; version: string; revision: string }>;
}

export interface PlanInput {
  id: string;
  version: string;
  revision: string;
  facts: readonly { name: string; type: string; values?: readonly string[] }[];
  stages: readonly Stage[];
  /** Derived facts (those the `derived` stage's rules give flagged `byRules`) and computed facts. */
  derived: readonly (ComputedValue & { byRules: boolean })[];
  computed: readonly ComputedValue[];
}

export function fastRule(rule: CompiledRule, declared: ReadonlyMap<string, number>): FastRule {
  const traceOutcome = deepFreeze(outcomeOf(rule.outcome));
  // Every field written out, none spread: the fast path reads these on every decision, and an
  // object literal keeps them all in the object itself.
  return {
    name: rule.name,
    stage: rule.stage,
    priority: rule.priority,
    conditions: rule.conditions,
    whenFalse: rule.whenFalse,
    outcome: rule.outcome,
    source: rule.source,
    unknownReads: rule.unknownReads,
    reads: rule.reads,
    dependsOn: rule.dependsOn,
    valueReads: rule.valueReads,
    asksZone: rule.asksZone,
    test: compileCondition(rule.conditions, declared),
    testFalse: compileCondition(rule.whenFalse, declared),
    mayBeUnknown: unknownTest(rule.unknownReads, declared),
    readers: rule.reads.map((r) => nameReader(r, declared)),
    traceOutcome,
    fixedStep: fixedStep(rule, traceOutcome),
  };
}

export function buildPlan(input: PlanInput): FastPlan {
  const factIndex = new Map(input.facts.map((f, i) => [f.name, i]));
  const stages = input.stages.map((stage): FastStage => {
    const rules = stage.rules.map((r) => fastRule(r, factIndex));
    const { name, mode, eligibleOnly } = stage;
    return mode === 'first-match'
      ? { name, mode, rules, eligibleOnly, first: firstMatcher(rules, factIndex) }
      : { name, mode, rules, eligibleOnly };
  });
  // Derived facts last: where a name is both, the derived fact's own expression wins.
  const values = [...input.computed, ...input.derived];
  return {
    stages,
    factIndex,
    computeOf: new Map(values.map((v) => [v.name, v.compute])),
    volatile: volatileFacts(values, new Set(input.derived.filter((d) => d.byRules).map((d) => d.name))),
    revisionLanes: revisionLanes(input.revision),
    slotKinds: slotKinds(input.facts),
    charges: chargeTable(),
    policyRef: Object.freeze({ id: input.id, version: input.version, revision: input.revision }),
  };
}

/** See `FastPlan.volatile`. */
function volatileFacts(values: readonly ComputedValue[], byRules: ReadonlySet<string>): FastPlan['volatile'] {
  const exprOf = new Map(values.map((v) => [v.name, v.expr]));
  /** The names that read, themselves or through the facts they read, a name `source` says yes to. */
  const reading = (source: (path: readonly string[]) => boolean): Set<string> => {
    const known = new Map<string, boolean>();
    const reads = (name: string): boolean => {
      const done = known.get(name);
      if (done !== undefined) return done;
      known.set(name, false); // derived facts have no cycles; this only ends a walk early
      const e = exprOf.get(name);
      const yes = e !== undefined && factsRead(e).some((r) => source(r.path) || reads(r.path.join('.')));
      known.set(name, yes);
      return yes;
    };
    return new Set([...exprOf.keys()].filter(reads));
  };
  return {
    decision: reading((path) => path[0] === DECISION_FACT),
    derivedRules: reading((path) => byRules.has(path.join('.'))),
  };
}
