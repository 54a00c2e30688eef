// Evaluates ticket facts against a compiled policy into a Decision. Pure and deterministic: the
// same revision, facts and `now` give the same decision, decisionId included.
import type { CompiledPolicy } from './compile.js';
import type { RuleFacts } from './fast/condition.js';
import { unknownRule } from './fast/first-match.js';
import type { FastPlan, FastRule, FastStage } from './fast/plan.js';
import { traceStep } from './fast/trace.js';
import { Explainer, missingOf, unknownStep } from './explain.js';
import { ONLY_WHEN_ELIGIBLE, type StageName, type Target } from './rules.js';
import { decideBilling } from './billing.js';
import { decisionId } from './decision-id.js';
import type { BillingNotice, Decision, EvaluationResult, FactProblem, SlaWindow, TraceStep } from './decision.js';
import type { FactReader } from './expr.js';
import {
  type ClockResult,
  REAL_TIME,
  type Timeline,
  type WindowShare,
  businessCalendar,
  displayZone,
  windowClock,
  windowShare,
  windowTimeline,
} from './sla.js';
import { Instants, type Value, instant } from './values.js';
import { isCountedInstant } from '../dsl/index.js';
import { CLOCK_SPAN_MS } from './clock.js';
import { outsideRangeMessage, pastClockMessage } from './facts.js';
import { decideWindows } from './windows.js';

export interface EvaluateOptions {
  /** The time of evaluation (ISO 8601), for SLA status; part of the decision's identity. */
  now?: string;
  /** Leave the trace out (it is the largest part of a decision). Default: included. */
  trace?: boolean;
  /**
   * Leave the decisionId empty: for a caller that only compares outcomes and identifies the few
   * decisions it keeps by evaluating them again (hashing the facts is a sixth of a decision's cost).
   */
  identify?: boolean;
  /**
   * Add an `explanation` to the decision: every stage reached and every rule considered, with
   * what it read (see engine/explain.ts). Default: none, and no work spent on it.
   */
  explain?: boolean;
}

/** The decision as it is built, stage by stage; later stages read it as the `decision` fact. */
export interface DecisionSoFar {
  tier: string | null;
  priority: string | null;
  /** Null when the channels stage could not decide (a fact it needs is missing). */
  channels: string[] | null;
}

/** What a stage's rules made of the facts: those that hold, and those that are unknown. */
export interface StageMatch<R = FastRule> {
  /** A first-match stage: at most one, and none when a rule is unknown before any holds. */
  matched: R[];
  /** A first-match stage: the first rule that is unknown before any holds; all-match: every unknown rule. */
  unknown: R[];
}

/** No problems: shared, never added to. */
const NO_PROBLEMS: readonly FactProblem[] = [];

/** No stages: shared, never added to. */
const NO_STAGES: FastStage[] = [];

/** No rules: shared, never added to (a list is made when there is one). */
const NO_RULES: FastRule[] = [];

/** One evaluation's view of the facts: given (with defaults), derived and computed, each computed once. */
export class EvaluationFacts implements FactReader, RuleFacts {
  /** Computed values, made on first use: most evaluations compute none. */
  private cache: Map<string, Value> | null = null;
  /** Derived facts given by the `derived` stage's rules (made when one is: most policies have none). */
  private byRules: Map<string, Value> | null = null;
  readonly decision: DecisionSoFar = { tier: null, priority: null, channels: [] };
  private readonly plan: FastPlan;
  constructor(
    readonly compiled: CompiledPolicy,
    /** The declared facts' values in declaration order (defaults applied, null when not given). */
    readonly slots: Value[],
    /** The datetimes this evaluation has read. */
    readonly instants: Instants = new Instants(),
  ) {
    this.plan = compiled.fast;
  }

  get(name: string): Value {
    const slot = this.plan.factIndex.get(name);
    if (slot !== undefined) return this.slots[slot]!;
    if (this.byRules !== null) {
      const byRules = this.byRules.get(name);
      if (byRules !== undefined) return byRules;
    }
    if (name === 'decision') return this.decision as unknown as Value;
    if (name.startsWith('decision.')) return (this.decision as unknown as Record<string, Value>)[name.slice(9)] ?? null;
    const cached = this.cache?.get(name);
    if (cached !== undefined) return cached;
    const compute = this.plan.computeOf.get(name);
    if (!compute) return null;
    const value = compute(this);
    (this.cache ??= new Map()).set(name, value);
    return value;
  }

  /** Gives a derived fact the value one of the `derived` stage's rules decided. */
  giveDerived(name: string, value: Value): void {
    (this.byRules ??= new Map()).set(name, value);
  }

  /** Whether a rule of the `derived` stage gave the fact its value. */
  hasDerived(name: string): boolean {
    return this.byRules !== null && this.byRules.has(name);
  }

  /** After a stage, forget the values that may have changed with it (`FastPlan.volatile`). */
  forgetComputed(stage: FastStage): void {
    const cache = this.cache;
    if (cache === null || cache.size === 0) return;
    const { decision, derivedRules } = this.plan.volatile;
    const rules = stage.name === 'derived' && derivedRules.size > 0;
    if (decision.size === 0 && !rules) return;
    for (const name of cache.keys()) if (decision.has(name) || (rules && derivedRules.has(name))) cache.delete(name);
  }
}

/** Applies what a stage's matching rules decided. Shared by the fast path and the reference runner. */
export class DecisionBuilder {
  /** false once a deny rule holds; null after the eligibility stage when one is unknown and none holds. */
  eligible: boolean | null = true;
  readonly reasons: Decision['reasons'] = [];
  sla: Extract<FastRule['outcome'], { kind: 'sla' }> | null = null;
  /** The rule that gave `sla`. */
  slaRule: FastRule | null = null;
  billingPlan: string | null = null;
  readonly notices: BillingNotice[] = [];
  readonly entitlements: string[] = [];
  readonly actions: string[] = [];
  readonly trace: TraceStep[] = [];
  /** First-match stages where no rule held and none was unknown. */
  undecided: FastStage[] = NO_STAGES;
  /** Rules that were unknown, and so left their outcome open (first-match) or unapplied (all-match). */
  unknown: FastRule[] = NO_RULES;
  /** Stages whose outcome is open because a rule was unknown (made when one is: most decisions have none). */
  private openStages: StageName[] | null = null;

  /** Whether a stage's outcome is open because a rule was unknown. */
  isOpen(stage: StageName): boolean {
    return this.openStages !== null && this.openStages.includes(stage);
  }

  constructor(
    readonly facts: EvaluationFacts,
    private readonly withTrace = true,
  ) {}

  apply(stage: FastStage, matched: readonly FastRule[], unknown: readonly FastRule[]): void {
    // The trace records what each rule read when it was evaluated, before the decision moves on.
    if (this.withTrace) for (const rule of matched) this.trace.push(traceStep(rule, this.facts));
    if (stage.mode === 'first-match') {
      if (unknown.length > 0) this.leaveOpen(stage, unknown[0]!);
      else if (matched.length === 0 && stage.rules.length > 0) this.noteUndecided(stage);
    } else {
      for (const rule of unknown) this.noteUnknown(rule);
      // Eligibility: a deny rule that holds decides; else one that is unknown leaves it open.
      if (stage.name === 'eligibility' && matched.length === 0 && unknown.length > 0) this.eligible = null;
    }
    for (const rule of matched) this.decide(rule);
    this.facts.forgetComputed(stage);
  }

  /** `apply` for a first-match stage's matcher's answer: the rule that decides, or none, or the rule that is unknown. */
  applyFirst(stage: FastStage, rule: FastRule | null, unknown: FastRule | null): void {
    if (unknown !== null) this.leaveOpen(stage, unknown);
    else if (rule === null) this.noteUndecided(stage);
    else {
      if (this.withTrace) this.trace.push(traceStep(rule, this.facts));
      this.decide(rule);
    }
    this.facts.forgetComputed(stage);
  }

  private noteUndecided(stage: FastStage): void {
    (this.undecided === NO_STAGES ? (this.undecided = []) : this.undecided).push(stage);
  }

  private noteUnknown(rule: FastRule): void {
    (this.unknown === NO_RULES ? (this.unknown = []) : this.unknown).push(rule);
    if (this.withTrace) this.trace.push(unknownStep(rule, this.facts));
  }

  /** A first-match stage reached an unknown rule before any that holds: its outcome stays null. */
  private leaveOpen(stage: FastStage, rule: FastRule): void {
    this.noteUnknown(rule);
    (this.openStages ??= []).push(stage.name);
    if (stage.name === 'channels') this.facts.decision.channels = null;
  }

  private decide(rule: FastRule): void {
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
        this.facts.giveDerived(o.fact, o.value);
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

/** The fast path's matching of an all-match stage: the rules' conditions as plain functions, no cloning, synchronous. */
export function matchStage(stage: FastStage, facts: EvaluationFacts): StageMatch {
  const matched: FastRule[] = [];
  let unknown: FastRule[] = NO_RULES;
  if (stage.name === 'derived') {
    // In dependency order: a derived fact's rules read the values the rules before gave. A
    // derived fact none of whose rules holds is computed from its expression when read
    // (unknown there too), so its unknown rules are not reported twice.
    for (const rule of stage.rules) {
      if (rule.outcome.kind !== 'derived' || facts.hasDerived(rule.outcome.fact) || !rule.test(facts)) continue;
      facts.giveDerived(rule.outcome.fact, rule.outcome.value);
      matched.push(rule);
    }
    return { matched, unknown };
  }
  for (const rule of stage.rules) {
    if (rule.test(facts)) matched.push(rule);
    else if (rule.mayBeUnknown !== null && rule.mayBeUnknown(facts) && !rule.testFalse(facts))
      (unknown === NO_RULES ? (unknown = []) : unknown).push(rule);
  }
  return { matched, unknown };
}

/**
 * One evaluation, driven stage by stage by its caller: `next()` gives the next stage to match
 * (skipping those an ineligible ticket does not reach), `apply` records what matched, `finish`
 * makes the decision. The fast path and the reference runner differ only in how they match.
 */
class Evaluation {
  readonly facts: EvaluationFacts;
  readonly builder: DecisionBuilder;
  /** Null unless the caller asked for an explanation. */
  readonly explainer: Explainer | null;
  private index = 0;

  constructor(
    readonly compiled: CompiledPolicy,
    slots: Value[],
    readonly options: EvaluateOptions,
    instants: Instants,
  ) {
    this.facts = new EvaluationFacts(compiled, slots, instants);
    this.builder = new DecisionBuilder(this.facts, options.trace !== false);
    this.explainer = options.explain === true ? new Explainer() : null;
  }

  next(): FastStage | undefined {
    const stages = this.compiled.fast.stages;
    for (; this.index < stages.length; this.index++) {
      const stage = stages[this.index]!;
      // A stage without rules decides nothing and leaves nothing undecided.
      if (stage.rules.length > 0 && (!stage.eligibleOnly || this.builder.eligible === true))
        return stages[this.index++];
      if (stage.rules.length > 0 && this.explainer !== null)
        this.explainer.skip(stage, this.builder.eligible === false ? 'the ticket is not eligible' : 'eligibility is not known');
    }
    return undefined;
  }

  finish(): EvaluationResult {
    const decision = finishDecision(this.compiled, this.facts, this.builder, this.options);
    return { ok: true, decision: this.explainer === null ? decision : { ...decision, explanation: this.explainer.events } };
  }
}

function begin(
  compiled: CompiledPolicy,
  input: unknown,
  options: EvaluateOptions,
): Evaluation | Extract<EvaluationResult, { ok: false }> {
  // The time of evaluation comes from the caller, not the facts; one the clock cannot read is
  // a problem to report, never a crash deep in the SLA windows.
  const instants = new Instants();
  const now = options.now;
  if (now !== undefined && Number.isNaN(instants.plain(now)))
    return { ok: false, problems: [{ pointer: '', fact: 'now', message: `now '${now}' is not a date and time` }] };
  if (now !== undefined && !isCountedInstant(instants.at(now)))
    return { ok: false, problems: [{ pointer: '', fact: 'now', message: outsideRangeMessage('now', now) }] };
  const validated = compiled.validateFacts(input, instants);
  if (!validated.ok) return validated;
  // The clock counts 5 years from openedAt: a `now` further on would ask it for more.
  const openedSlot = compiled.fast.factIndex.get('openedAt');
  const openedAt = openedSlot === undefined ? null : validated.slots[openedSlot];
  if (now !== undefined && typeof openedAt === 'string' && instants.at(now) - instants.at(openedAt) > CLOCK_SPAN_MS)
    return { ok: false, problems: [{ pointer: '', fact: 'now', message: pastClockMessage('now', now, openedAt) }] };
  const problems = failedAssertions(compiled, validated.slots);
  return problems.length === 0 ? new Evaluation(compiled, validated.slots, options, instants) : { ok: false, problems: [...problems] };
}

/**
 * The policy's assertions the facts fail: checked after the facts fit their declarations and
 * before anything is decided, so a request that fails one is refused, never decided. One that
 * reads a fact not given has nothing to check; only a condition that is false (not one that
 * is unknown) refuses.
 */
export function failedAssertions(compiled: CompiledPolicy, slots: Value[]): readonly FactProblem[] {
  const assertions = compiled.assertions;
  if (assertions.length === 0) return NO_PROBLEMS;
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
      const unknown = unknownRule(i);
      if (run.explainer !== null)
        run.explainer.stage(stage, i < 0 ? [] : [stage.rules[i]!], unknown < 0 ? [] : [stage.rules[unknown]!], run.facts);
      run.builder.applyFirst(stage, i < 0 ? null : stage.rules[i]!, unknown < 0 ? null : stage.rules[unknown]!);
    } else {
      const { matched, unknown } = matchStage(stage, run.facts);
      if (run.explainer !== null) run.explainer.stage(stage, matched, unknown, run.facts);
      run.builder.apply(stage, matched, unknown);
    }
  }
  return run.finish();
}

/** Runs the stages with any matcher; the reference runner passes json-rules-engine's. */
export async function evaluateWith(
  compiled: CompiledPolicy,
  input: unknown,
  match: (stage: FastStage, facts: EvaluationFacts) => Promise<StageMatch>,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const run = begin(compiled, input, options);
  if (!(run instanceof Evaluation)) return run;
  for (let stage = run.next(); stage; stage = run.next()) {
    const { matched, unknown } = await match(stage, run.facts);
    if (run.explainer !== null) run.explainer.stage(stage, matched, unknown, run.facts);
    run.builder.apply(stage, matched, unknown);
  }
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
  openedAt: string | null,
  share: WindowShare | null,
): SlaWindow | null {
  if (!t) return null;
  let c: ClockResult | null = null;
  if (openedAt && share) {
    const calendar = t.calendar ? compiled.calendars.get(t.calendar) : undefined;
    const clock = calendar ? businessCalendar(calendar, facts) : REAL_TIME;
    const pauses = facts.get('pauses');
    const stopped = str(facts.get(kind === 'response' ? 'respondedAt' : 'resolvedAt'));
    const pauseList = Array.isArray(pauses) ? (pauses as unknown as { from: string; to: string }[]) : [];
    // No clock: the calendar's zone, derived from facts not given, is not known.
    if (clock) c = windowClock(clock, openedAt, t.minutes * 60_000, pauseList, stopped, now, compiled.zone(facts), share, facts.instants);
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

function finishDecision(
  compiled: CompiledPolicy,
  facts: EvaluationFacts,
  builder: DecisionBuilder,
  options: EvaluateOptions,
): Decision {
  const d = facts.decision;
  const plan = compiled.fast;
  const index = plan.factIndex;
  // Made when a fact is missing: most decisions miss none.
  let missing: Set<string> | null = null;
  const eligible = builder.eligible === true;
  // An open outcome names the facts its rules needed that were not given: those of the rule
  // that was unknown, or, where no rule held, those any of the stage's rules read.
  for (const rule of builder.unknown) {
    if (!eligible && ONLY_WHEN_ELIGIBLE.has(rule.stage)) continue;
    for (const f of missingOf(rule, facts)) (missing ??= new Set<string>()).add(f);
  }
  for (const stage of builder.undecided) {
    if (!eligible && stage.eligibleOnly) continue;
    for (const rule of stage.rules) for (const f of rule.dependsOn) if (facts.slots[index.get(f) ?? -1] === null) (missing ??= new Set<string>()).add(f);
  }
  const slaRule = builder.slaRule;
  const now = options.now ?? null;
  let sla: Decision['sla'] = null;
  const open = eligible && !builder.isOpen('sla');
  const o = open ? builder.sla : null;
  if (open) {
    if (o && !o.bestEffort) {
      const openedAt = str(facts.get('openedAt'));
      // Made when there is a clock to run: the decision's windows share their start.
      const share = openedAt === null ? null : windowShare();
      const source = slaRule?.source ?? '';
      sla = {
        response: window(compiled, facts, o.response, 'response', source, now, openedAt, share),
        resolution: window(compiled, facts, o.resolution, 'resolution', source, now, openedAt, share),
      };
      if (openedAt === null) {
        if (sla.response || sla.resolution) (missing ??= new Set<string>()).add('openedAt');
      } else {
        // A window with no due date though the ticket's opening is known: its calendar's zone was not.
        for (const w of [sla.response, sla.resolution])
          if (w && w.dueAt === null)
            for (const f of compiled.calendars.get(w.calendar)?.zoneFacts ?? [])
              if (facts.slots[index.get(f) ?? -1] === null) (missing ??= new Set<string>()).add(f);
      }
    } else sla = { response: null, resolution: null };
  }
  // Declared windows, for a policy that declares some (else the decision has no `windows` field).
  const declared = compiled.policy.windows;
  const windows =
    declared.length === 0
      ? undefined
      : sla === null
        ? null
        : decideWindows({
            declared,
            targets: (o && !o.bestEffort && o.windows) || [],
            calendarOf: (name) => {
              const calendar = name ? compiled.calendars.get(name) : undefined;
              return calendar ? businessCalendar(calendar, facts) : REAL_TIME;
            },
            facts,
            policyZone: compiled.zone(facts),
            now,
            source: slaRule?.source ?? '',
          });
  if (windows && Object.values(windows).some((w) => w !== null) && str(facts.get('openedAt')) === null)
    (missing ??= new Set<string>()).add('openedAt');
  // The bill: a quote when a purchase is named (it needs no plan); a ticket's charge when the
  // billing stage chose a plan, once the worked time it charges is given; else open.
  const billing = eligible
    ? decideBilling(
        compiled.policy,
        builder.isOpen('billing') ? null : builder.billingPlan,
        facts,
        builder.notices,
        compiled.policy.billing ? compiled.zone(facts) : null,
        plan.charges,
      )
    : null;
  const worked = compiled.policy.billing?.worked?.name;
  if (eligible && !builder.isOpen('billing') && billing === null && builder.billingPlan !== null && worked)
    if (facts.slots[index.get(worked) ?? -1] === null) (missing ??= new Set<string>()).add(worked);
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
  const decision: Decision = {
    decisionId: options.identify === false ? '' : decisionId(plan.revisionLanes, facts.slots, now, plan.slotKinds, facts.instants),
    policy: plan.policyRef,
    eligible: builder.eligible,
    reasons: builder.reasons,
    priority: d.priority,
    tier: d.tier,
    channels: d.channels,
    sla,
    billing,
    actions: eligible ? builder.actions : [],
    entitlements: eligible ? builder.entitlements : [],
    missingFacts: missing === null ? [] : [...(missing as Set<string>)].sort(),
    trace: builder.trace,
  };
  // Written as a literal: most decisions have no declared windows, and a spread into the literal
  // made every decision's object the slow way.
  return windows === undefined ? decision : withWindows(decision, windows);
}

/** The decision with its declared windows, placed after `sla` as the decision's shape has them. */
function withWindows(d: Decision, windows: Decision['windows']): Decision {
  const { billing, actions, entitlements, missingFacts, trace, ...head } = d;
  return { ...head, windows, billing, actions, entitlements, missingFacts, trace };
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
  const picture = (w: SlaWindow | null): Timeline | null => {
    if (!w) return null;
    const calendar = compiled.calendars.get(w.calendar);
    const clock = calendar ? businessCalendar(calendar, facts) : REAL_TIME;
    if (!clock) return null;
    const from = instant(openedAt);
    const to = w.dueAt ? instant(w.dueAt) : from + 7 * 86_400_000;
    const shown = displayZone(clock, compiled.zone(facts), openedAt);
    return windowTimeline(clock, from, Math.max(from, to), paused, shown.offset, shown.zone);
  };
  return { response: picture(decision.sla.response), resolution: picture(decision.sla.resolution) };
}
