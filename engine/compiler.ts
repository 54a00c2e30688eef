// The shared state of one compilation: the rules each stage's compile function (stages/) adds,
// and what they ask of the policy (which facts are plain, what a derived fact reads, whether a
// fact read can be missing).
import { type Expr, type Policy, type Span, factsRead, formatSpan, valueRead } from '../dsl/index.js';
import { type ComputedFact, DECISION_FACT, conditionReads, toCondition, truthConditions } from './conditions.js';
import type { CompiledRule, Outcome, StageName } from './rules.js';
import { asksPolicyZone } from './zone-reads.js';

/** Shared state of one compilation. */
export class Compiler {
  readonly computed = new Map<string, ComputedFact>();
  readonly plain: Set<string>;
  /** The declared facts and their places, which the fast path reads straight from the given facts. */
  readonly declared: Map<string, number>;
  readonly derivedReads = new Map<string, string[]>();
  /** Derived facts whose value the `derived` stage's rules give. */
  readonly ruleComputed = new Set<string>();
  private readonly rules: CompiledRule[] = [];

  /** Whether an expression is true-or-false: a comparison, a logical form, or a boolean fact. */
  isCondition(e: Expr): boolean {
    switch (e.kind) {
      case 'compare':
      case 'in':
      case 'not':
      case 'logical':
        return true;
      case 'literal':
        return e.type === 'boolean';
      case 'fact': {
        const name = e.path.join('.');
        if (this.policy.facts.some((f) => f.name === name && f.type === 'boolean')) return true;
        const d = this.policy.derived.find((x) => x.name === name);
        return d ? this.isCondition(d.expr) : false;
      }
      case 'call':
        return e.name === 'isSet';
      case 'if':
        return this.isCondition(e.then) && this.isCondition(e.else);
      default:
        return false;
    }
  }

  constructor(readonly policy: Policy) {
    // Facts json-rules-engine compares natively: everything but dates, time zones and intervals.
    const temporal = new Set(['date', 'datetime', 'intervals']);
    this.declared = new Map(policy.facts.map((f, i) => [f.name, i]));
    this.plain = new Set(policy.facts.filter((f) => !temporal.has(f.type)).map((f) => f.name));
    for (const d of policy.derived) {
      this.derivedReads.set(
        d.name,
        factsRead(d.expr).map((r) => r.path.join('.')),
      );
      if (!this.readsTemporal(d.expr)) this.plain.add(d.name);
    }
  }

  private readsTemporal(e: Expr): boolean {
    if (e.kind === 'literal') return e.type === 'date' || e.type === 'datetime';
    if (e.kind === 'call') return true;
    return factsRead(e).some((r) => {
      const name = r.path.join('.');
      const fact = this.policy.facts.find((f) => f.name === name);
      if (fact) return fact.type === 'date' || fact.type === 'datetime';
      const derived = this.policy.derived.find((x) => x.name === name);
      return derived ? this.readsTemporal(derived.expr) : false;
    });
  }

  source(span: Span): string {
    return formatSpan(span);
  }

  /** Declared facts a fact id depends on. */
  baseFacts(id: string, seen = new Set<string>()): string[] {
    if (seen.has(id)) return [];
    seen.add(id);
    if (this.policy.facts.some((f) => f.name === id)) return [id];
    const derived = this.derivedReads.get(id);
    if (derived) return derived.flatMap((d) => this.baseFacts(d, seen));
    const computed = this.computed.get(id);
    if (computed) return factsRead(computed.expr).flatMap((r) => this.baseFacts(r.path.join('.'), seen));
    return [];
  }

  /** Whether a fact (and path) the rules read can be missing: see `MayBeMissing`. */
  mayBeMissing(fact: string, path: string | undefined, given?: string): boolean {
    if (fact === given && path === undefined) return false;
    if (fact === DECISION_FACT) return path !== undefined;
    const decl = this.policy.facts.find((f) => f.name === fact);
    if (decl) return !decl.required && decl.default === undefined;
    return true;
  }

  /**
   * Adds a rule. `given` names a fact the rule acts on only when it is given (a priority
   * override, lookup or `from`): its absence is a value there, never unknown.
   */
  add(stage: StageName, name: string, when: Expr[], outcome: Outcome, span: Span, given?: string): void {
    const parts = when.map((e) => toCondition(e, { isPlain: (n) => this.plain.has(n) }, this.computed));
    const {
      whenTrue: conditions,
      whenFalse,
      unknownReads,
    } = truthConditions(parts.length === 1 ? parts[0]! : { all: parts }, (fact, path) => this.mayBeMissing(fact, path, given));
    const reads = [...conditionReads(conditions)];
    this.rules.push({
      name,
      stage,
      priority: 0,
      conditions,
      whenFalse,
      outcome,
      source: this.source(span),
      unknownReads,
      reads,
      dependsOn: [...new Set(reads.flatMap((r) => this.baseFacts(r)))],
      valueReads: [...when.reduce((out, e) => valueRead(e, this.policy, out), new Set<string>())],
      asksZone: when.some((e) => asksPolicyZone(e, this.policy)),
    });
  }

  stage(name: StageName): CompiledRule[] {
    return this.rules.filter((r) => r.stage === name);
  }
}
