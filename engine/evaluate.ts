// Evaluates ticket facts against a compiled policy into a Decision. Pure and deterministic: the
// same revision, facts and `now` give the same decision, decisionId included.
import { type CompiledPolicy, type CompiledRule, OVERRIDE_NOTE, type Stage, type Target } from './compile.js';
import type { RuleFacts } from './conditions.js';
import { decideBilling } from './billing.js';
import { decisionId } from './decision-id.js';
import type { BillingNotice, Decision, EvaluationResult, FactProblem, SlaWindow, TraceStep } from './decision.js';
import type { FactReader } from './expr.js';
import { type ClockResult, REAL_TIME, type Timeline, businessCalendar, windowClock, windowTimeline } from './sla.js';
import { type Value, instant } from './values.js';

export interface EvaluateOptions {
  /** The time of evaluation (ISO 8601), for SLA status; part of the decision's identity. */
  now?: string;
  /** Leave the trace out (it is the largest part of a decision). Default: included. */
  trace?: boolean;
}

/** The decision as it is built, stage by stage; later stages read it as the `decision` fact. */
export interface DecisionSoFar {
  tier: string | null;
  priority: string | null;
  channels: string[];
}

/** One evaluation's view of the facts: given (with defaults), derived and computed, each computed once. */
export class EvaluationFacts implements FactReader, RuleFacts {
  /** Computed values, made on first use: most evaluations compute none. */
  private cache: Map<string, Value> | null = null;
  /** Derived facts given by the `derived` stage's rules. */
  readonly derivedByRules = new Map<string, Value>();
  readonly decision: DecisionSoFar = { tier: null, priority: null, channels: [] };
  constructor(
    readonly compiled: CompiledPolicy,
    /** The declared facts' values in declaration order (defaults applied, null when not given). */
    readonly slots: Value[],
  ) {}

  get(name: string): Value {
    const slot = this.compiled.factIndex.get(name);
    if (slot !== undefined) return this.slots[slot]!;
    if (name === 'decision') return this.decision as unknown as Value;
    if (name.startsWith('decision.')) return (this.decision as unknown as Record<string, Value>)[name.slice(9)] ?? null;
    const byRules = this.derivedByRules.get(name);
    if (byRules !== undefined) return byRules;
    const cached = this.cache?.get(name);
    if (cached !== undefined) return cached;
    const compute = this.compiled.derivedByName.get(name)?.compute ?? this.compiled.computed.get(name)?.compute;
    if (!compute) return null;
    const value = compute(this);
    (this.cache ??= new Map()).set(name, value);
    return value;
  }

  /** After a stage, forget the values that may have changed with it (`CompiledPolicy.volatile`). */
  forgetComputed(stage: Stage): void {
    const cache = this.cache;
    if (cache === null || cache.size === 0) return;
    const { decision, derivedRules } = this.compiled.volatile;
    const rules = stage.name === 'derived' && derivedRules.size > 0;
    if (decision.size === 0 && !rules) return;
    for (const name of cache.keys()) if (decision.has(name) || (rules && derivedRules.has(name))) cache.delete(name);
  }
}

/** Applies what a stage's matching rules decided. Shared by the fast path and the reference runner. */
export class DecisionBuilder {
  eligible = true;
  readonly reasons: Decision['reasons'] = [];
  sla: Extract<CompiledRule['outcome'], { kind: 'sla' }> | null = null;
  /** The rule that gave `sla`. */
  slaRule: CompiledRule | null = null;
  billingPlan: string | null = null;
  readonly notices: BillingNotice[] = [];
  readonly entitlements: string[] = [];
  readonly actions: string[] = [];
  readonly trace: TraceStep[] = [];
  readonly undecided: Stage[] = [];

  constructor(
    readonly facts: EvaluationFacts,
    private readonly withTrace = true,
  ) {}

  apply(stage: Stage, matched: CompiledRule[]): void {
    // The trace records what each rule read when it was evaluated, before the decision moves on.
    if (this.withTrace) for (const rule of matched) this.trace.push(traceStep(rule, this.facts));
    if (matched.length === 0 && stage.rules.length > 0 && stage.mode === 'first-match') this.undecided.push(stage);
    for (const rule of matched) this.decide(rule);
    this.facts.forgetComputed(stage);
  }

  /** `apply` for the one rule that decides a first-match stage (or null: none did). */
  applyFirst(stage: Stage, rule: CompiledRule | null): void {
    if (rule === null) this.undecided.push(stage);
    else {
      if (this.withTrace) this.trace.push(traceStep(rule, this.facts));
      this.decide(rule);
    }
    this.facts.forgetComputed(stage);
  }

  private decide(rule: CompiledRule): void {
    const d = this.facts.decision;
    const o = rule.outcome;
    switch (o.kind) {
      case 'tier':
        d.tier = o.tier;
        break;
      case 'priority':
        d.priority = o.priority;
        break;
      case 'channels':
        d.channels = o.channels;
        break;
      case 'deny':
        this.eligible = false;
        this.reasons.push({ code: o.code, message: o.message, source: rule.source });
        break;
      case 'sla':
        this.sla = o;
        this.slaRule = rule;
        break;
      case 'billing':
        this.billingPlan = o.plan;
        break;
      case 'notice':
        this.notices.push({ code: o.id, message: o.message });
        break;
      case 'derived':
        this.facts.derivedByRules.set(o.fact, o.value);
        break;
      case 'grant':
        (rule.stage === 'actions' ? this.actions : this.entitlements).push(o.id);
        break;
      default: {
        const never: never = o;
        return never;
      }
    }
  }
}

/** The fast path's matching: the rules' conditions as plain functions, no cloning, synchronous. */
export function matchStage(stage: Stage, facts: EvaluationFacts): CompiledRule[] {
  if (stage.name === 'derived') {
    // In dependency order: a derived fact's rules read the values the rules before gave.
    const matched: CompiledRule[] = [];
    for (const rule of stage.rules) {
      if (rule.outcome.kind !== 'derived' || facts.derivedByRules.has(rule.outcome.fact) || !rule.test(facts)) continue;
      facts.derivedByRules.set(rule.outcome.fact, rule.outcome.value);
      matched.push(rule);
    }
    return matched;
  }
  // (evaluate asks a stage's `first` matcher itself; this scan is for stages made without one.)
  if (stage.mode === 'first-match') {
    for (const rule of stage.rules) if (rule.test(facts)) return [rule];
    return [];
  }
  return stage.rules.filter((rule) => rule.test(facts));
}

/**
 * One evaluation, driven stage by stage by its caller: `next()` gives the next stage to match
 * (skipping those an ineligible ticket does not reach), `apply` records what matched, `finish`
 * makes the decision. The fast path and the reference runner differ only in how they match.
 */
class Evaluation {
  readonly facts: EvaluationFacts;
  readonly builder: DecisionBuilder;
  private index = 0;

  constructor(
    readonly compiled: CompiledPolicy,
    slots: Value[],
    readonly options: EvaluateOptions,
  ) {
    this.facts = new EvaluationFacts(compiled, slots);
    this.builder = new DecisionBuilder(this.facts, options.trace !== false);
  }

  next(): Stage | undefined {
    for (; this.index < this.compiled.stages.length; this.index++) {
      const stage = this.compiled.stages[this.index]!;
      // A stage without rules decides nothing and leaves nothing undecided.
      if (stage.rules.length > 0 && (!stage.eligibleOnly || this.builder.eligible)) return this.compiled.stages[this.index++];
    }
    return undefined;
  }

  finish(): EvaluationResult {
    return { ok: true, decision: finishDecision(this.compiled, this.facts, this.builder, this.options) };
  }
}

function begin(
  compiled: CompiledPolicy,
  input: unknown,
  options: EvaluateOptions,
): Evaluation | Extract<EvaluationResult, { ok: false }> {
  // The time of evaluation comes from the caller, not the facts; one the clock cannot read is
  // a problem to report, never a crash deep in the SLA windows.
  if (options.now !== undefined && Number.isNaN(instant(options.now)))
    return { ok: false, problems: [{ pointer: '', fact: 'now', message: `now '${options.now}' is not a date and time` }] };
  const validated = compiled.validateFacts(input);
  if (!validated.ok) return validated;
  const problems = failedAssertions(compiled, validated.slots);
  return problems.length === 0 ? new Evaluation(compiled, validated.slots, options) : { ok: false, problems };
}

/**
 * The policy's assertions the facts fail: checked after the facts fit their declarations and
 * before anything is decided, so a request that fails one is refused, never decided. One that
 * reads a fact not given has nothing to check; only a condition that is false (not one that
 * is unknown) refuses.
 */
export function failedAssertions(compiled: CompiledPolicy, slots: Value[]): FactProblem[] {
  const assertions = compiled.assertions;
  if (assertions.length === 0) return [];
  // Facts of their own: derived values worked out here must not stay in the evaluation's cache.
  const facts = new EvaluationFacts(compiled, slots);
  const problems: FactProblem[] = [];
  for (const a of assertions) {
    if (a.slots.some((i) => slots[i] === null)) continue;
    if (a.check(facts) === false) problems.push({ pointer: a.pointer, fact: a.fact, message: a.message, code: a.code });
  }
  return problems;
}

export function evaluate(compiled: CompiledPolicy, input: unknown, options: EvaluateOptions = {}): EvaluationResult {
  const run = begin(compiled, input, options);
  if (!(run instanceof Evaluation)) return run;
  for (let stage = run.next(); stage; stage = run.next()) {
    if (stage.first) {
      const i = stage.first(run.facts);
      run.builder.applyFirst(stage, i < 0 ? null : stage.rules[i]!);
    } else run.builder.apply(stage, matchStage(stage, run.facts));
  }
  return run.finish();
}

/** Runs the stages with any matcher; the reference runner passes json-rules-engine's. */
export async function evaluateWith(
  compiled: CompiledPolicy,
  input: unknown,
  match: (stage: Stage, facts: EvaluationFacts) => Promise<CompiledRule[]>,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const run = begin(compiled, input, options);
  if (!(run instanceof Evaluation)) return run;
  for (let stage = run.next(); stage; stage = run.next()) run.builder.apply(stage, await match(stage, run.facts));
  return run.finish();
}

/** SLA facts the clock reads, when the policy declares them. */
const str = (v: Value): string | null => (typeof v === 'string' ? v : null);

function window(
  compiled: CompiledPolicy,
  facts: EvaluationFacts,
  t: Target | null,
  kind: 'response' | 'resolution',
  source: string,
  now: string | null,
): SlaWindow | null {
  if (!t) return null;
  const openedAt = str(facts.get('openedAt'));
  let c: ClockResult | null = null;
  if (openedAt) {
    const calendar = t.calendar ? compiled.calendars.get(t.calendar) : undefined;
    const clock = calendar ? businessCalendar(calendar, facts) : REAL_TIME;
    const pauses = facts.get('pauses');
    const stopped = str(facts.get(kind === 'response' ? 'respondedAt' : 'resolvedAt'));
    const pauseList = Array.isArray(pauses) ? (pauses as unknown as { from: string; to: string }[]) : [];
    c = windowClock(clock, openedAt, t.minutes * 60_000, pauseList, stopped, now);
  }
  return {
    target: t.iso,
    targetText: t.text,
    calendar: t.calendar ?? '24x7',
    dueAt: c ? c.dueAt : null,
    startsAt: c ? c.startsAt : null,
    status: c ? c.status : null,
    elapsed: c ? c.elapsed : null,
    remaining: c ? c.remaining : null,
    exceeded: c ? c.exceeded : null,
    source,
  };
}

function traceStep(rule: CompiledRule, facts: EvaluationFacts): TraceStep {
  if (rule.fixedStep !== null) return rule.fixedStep;
  const read: Record<string, unknown> = {};
  for (let i = 0; i < rule.reads.length; i++) read[rule.reads[i]!] = rule.readers[i]!(facts) ?? null;
  const step: TraceStep = { rule: rule.name, source: rule.source, outcome: rule.traceOutcome, facts: read };
  if (rule.outcome.kind === 'priority' && rule.outcome.override) step.note = OVERRIDE_NOTE;
  return step;
}

function finishDecision(
  compiled: CompiledPolicy,
  facts: EvaluationFacts,
  builder: DecisionBuilder,
  options: EvaluateOptions,
): Decision {
  const d = facts.decision;
  const index = compiled.factIndex;
  const missing = new Set<string>();
  // An open outcome names the facts its rules needed that were not given.
  for (const stage of builder.undecided) {
    if (!builder.eligible && stage.eligibleOnly) continue;
    for (const rule of stage.rules) for (const f of rule.dependsOn) if (facts.slots[index.get(f) ?? -1] === null) missing.add(f);
  }
  const slaRule = builder.slaRule;
  const now = options.now ?? null;
  const sla = builder.eligible
    ? builder.sla && !builder.sla.bestEffort
      ? {
          response: window(compiled, facts, builder.sla.response, 'response', slaRule?.source ?? '', now),
          resolution: window(compiled, facts, builder.sla.resolution, 'resolution', slaRule?.source ?? '', now),
        }
      : { response: null, resolution: null }
    : null;
  if (sla && (sla.response || sla.resolution) && str(facts.get('openedAt')) === null) missing.add('openedAt');
  const changedAt = str(facts.get('priorityChangedAt'));
  if (sla && changedAt && slaRule && options.trace !== false) {
    builder.trace.push({
      rule: 'sla.priority-changed',
      source: slaRule.source,
      outcome: d.priority,
      facts: { priorityChangedAt: changedAt, openedAt: facts.get('openedAt') },
      note: `the priority changed at ${changedAt}; the ${d.priority} targets are measured from openedAt, as if the ticket had had this priority from the start`,
    });
  }
  return {
    decisionId: decisionId(compiled.revision, facts.slots, now),
    policy: { id: compiled.id, version: compiled.version, revision: compiled.revision },
    eligible: builder.eligible,
    reasons: builder.reasons,
    priority: d.priority,
    tier: d.tier,
    channels: d.channels,
    sla,
    billing: builder.eligible ? decideBilling(compiled.policy, builder.billingPlan, facts, builder.notices) : null,
    actions: builder.eligible ? builder.actions : [],
    entitlements: builder.eligible ? builder.entitlements : [],
    missingFacts: [...missing].sort(),
    trace: builder.trace,
  };
}

/**
 * Pictures of a decision's SLA windows: from `openedAt` to `dueAt` (or a week on, when there is
 * none), cut into business, closed and paused time. For the editor's timeline.
 */
export function slaTimelines(
  compiled: CompiledPolicy,
  input: unknown,
  decision: Decision,
): { response: Timeline | null; resolution: Timeline | null } {
  const validated = compiled.validateFacts(input);
  const none = { response: null, resolution: null };
  if (!validated.ok || !decision.sla) return none;
  const facts = new EvaluationFacts(compiled, validated.slots);
  const openedAt = str(facts.get('openedAt'));
  if (!openedAt) return none;
  const pauses = facts.get('pauses');
  const paused = (Array.isArray(pauses) ? (pauses as unknown as { from: string; to: string }[]) : []).map(
    (p) => [instant(p.from), instant(p.to)] as const,
  );
  const offset = /([+-]\d{2}:\d{2})$/.exec(openedAt)?.[1] ?? '+00:00';
  const picture = (w: SlaWindow | null): Timeline | null => {
    if (!w) return null;
    const calendar = compiled.calendars.get(w.calendar);
    const clock = calendar ? businessCalendar(calendar, facts) : REAL_TIME;
    const from = instant(openedAt);
    const to = w.dueAt ? instant(w.dueAt) : from + 7 * 86_400_000;
    return windowTimeline(clock, from, Math.max(from, to), paused, offset);
  };
  return { response: picture(decision.sla.response), resolution: picture(decision.sla.resolution) };
}
