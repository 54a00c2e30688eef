// Compiles a checked policy into stages of json-rules-engine rules. Compilation is an ordered
// list of named, pure stages; the order matters because later stages read what earlier ones
// decided (`decision.tier`, `decision.priority`, `decision.channels`).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  absenceTestedFacts,
  canonicalZone,
  type Diagnostic,
  type Expr,
  type HolidayCatalog,
  type Policy,
  type Span,
  factsRead,
  formatSpan,
  holidaysFor,
  loadPolicy,
} from '../dsl/index.js';
import {
  type CompiledCondition,
  type ComputedFact,
  type Condition,
  DECISION_FACT,
  compileCondition,
  firstMatcher,
  nameReader,
  readsWhenMatched,
  type Reader,
  type RuleFacts,
  conditionReads,
  toCondition,
  truthConditions,
  unknownTest,
} from './conditions.js';
import { type SlotKind, slotKindsOf } from './decision-id.js';
import type { TraceStep } from './decision.js';
import { type Compiled, type CompileExprOptions, type ZoneOf, compileExpr } from './expr.js';
import { type FactsValidator, createFactsValidator, factsSchema } from './facts.js';
import { type CompiledCalendar, compileCalendars } from './sla.js';
import { compileChannels } from './stages/channels.js';
import { compileDerived, derivedInOrder } from './stages/derived.js';
import { compileEligibility } from './stages/eligibility.js';
import { compileBilling, compileGrants } from './stages/grants.js';
import { compilePriority } from './stages/priority.js';
import { compileSla } from './stages/sla.js';
import { compileTier } from './stages/tier.js';

export type StageName =
  'derived' | 'tier' | 'priority' | 'channels' | 'eligibility' | 'sla' | 'billing' | 'notices' | 'entitlements' | 'actions';

/** What a rule decides when it matches. */
export type Outcome =
  | { kind: 'tier'; tier: string }
  | { kind: 'priority'; priority: string; override?: boolean }
  | { kind: 'channels'; channels: string[] }
  | { kind: 'deny'; code: string; message: string }
  | {
      kind: 'sla';
      tier: string;
      priority: string;
      bestEffort: boolean;
      response: Target | null;
      resolution: Target | null;
      /** Targets of declared windows (`windows:`), when the rule gives any. */
      windows?: { window: string; target: Target }[];
    }
  | { kind: 'billing'; plan: string }
  | { kind: 'notice'; id: string; message: string }
  | { kind: 'derived'; fact: string; value: string | number | boolean | null }
  | { kind: 'grant'; id: string; message?: string };

export interface Target {
  minutes: number;
  /** `minutes` as an ISO 8601 duration, as decisions show it. */
  iso: string;
  text: string;
  calendar: string | null;
}

export interface CompiledRule {
  name: string;
  stage: StageName;
  /** json-rules-engine priority: within a stage, higher runs and wins first. */
  priority: number;
  /** When the rule holds (json-rules-engine JSON). */
  conditions: Condition;
  /** When it does not hold; when neither does, the rule is unknown (a fact it needs is missing). */
  whenFalse: Condition;
  outcome: Outcome;
  source: string;
  /** The fast path's evaluation of `conditions`. */
  test: CompiledCondition;
  /** The fast path's evaluation of `whenFalse`. */
  testFalse: CompiledCondition;
  /**
   * Whether a value that can make the rule unknown is missing (null when none can be): a rule
   * that does not hold is false, without asking `testFalse`, unless this says yes.
   */
  mayBeUnknown: CompiledCondition | null;
  /** What the conditions read: fact ids, and `decision.*` names. */
  reads: string[];
  /** The fast path's readers of `reads`, for the trace. */
  readers: Reader[];
  /** The trace's picture of `outcome` (the same for every decision, so made once, and frozen). */
  traceOutcome: unknown;
  /**
   * The rule's whole trace step, when it is the same for every decision: a rule whose condition
   * only compares what it reads with literals read exactly those literals when it matched.
   */
  fixedStep: TraceStep | null;
  /** Declared facts the rule depends on, through derived and computed facts. */
  dependsOn: string[];
}

export interface Stage {
  name: StageName;
  /** first-match: the highest-priority matching rule decides; all-match: every matching rule counts. */
  mode: 'first-match' | 'all-match';
  rules: CompiledRule[];
  /** Skipped for a ticket that is not eligible. */
  eligibleOnly: boolean;
  /** A first-match stage's matcher: the index of the rule that decides, or -1. */
  first?: (facts: RuleFacts) => number;
}

export interface CompiledPolicy {
  policy: Policy;
  id: string;
  version: string;
  /** `sha256:` of the policy source. */
  revision: string;
  validateFacts: FactsValidator;
  /** The declared facts' names, in declaration order (the order of a decision's identity). */
  factNames: string[];
  /** Each declared fact's place in `factNames` (and in a validated evaluation's values). */
  factIndex: Map<string, number>;
  factsSchema: Record<string, unknown>;
  /** Derived facts in an order where each comes after those it reads. */
  derived: { name: string; compute: Compiled; source: string; expr: Expr; byRules: boolean }[];
  derivedByName: Map<string, { name: string; compute: Compiled }>;
  computed: Map<string, { compute: Compiled; expr: Expr }>;
  /**
   * The derived and computed facts whose value can change as an evaluation goes on, to be worked
   * out again: after any stage, those that read the decision so far; after the `derived` stage,
   * also those that read a derived fact its rules give (themselves or through others).
   */
  volatile: { decision: Set<string>; derivedRules: Set<string> };
  /** The policy's `assert:` conditions, checked once the facts fit their declarations. */
  assertions: CompiledAssertion[];
  stages: Stage[];
  calendars: Map<string, CompiledCalendar>;
  /** Declared facts whose absence the policy reads as information (`absenceTestedFacts`): never "missing". */
  informative: ReadonlySet<string>;
  /** How decisionId hashes each declared fact: instants by their UTC milliseconds. */
  slotKinds: SlotKind[];
  /** The policy's zone in an evaluation (`zone:`, or its `zoneFact:`'s value); null when it declares none. */
  zone: ZoneOf;
}

/**
 * Where the policy's instants become dates: its `zone:` (canonical), or the value of its
 * `zoneFact:` in the facts (canonical once validated, its default applying).
 */
function policyZone(policy: Policy): ZoneOf {
  const derived = policy.zoneFact && policy.derived.some((d) => d.name === policy.zoneFact!.name);
  if (policy.zoneFact && derived) {
    // A derived fact's value is the policy's text, not a validated fact: canonicalized here.
    const name = policy.zoneFact.name;
    return (facts) => {
      const v = facts.get(name);
      const zone = typeof v === 'string' ? canonicalZone(v) : null;
      return zone?.ok ? zone.zone : null;
    };
  }
  if (policy.zoneFact) {
    const name = policy.zoneFact.name;
    return (facts) => {
      const v = facts.get(name);
      return typeof v === 'string' ? v : null;
    };
  }
  const zone = policy.zone ? canonicalZone(policy.zone.name) : null;
  const fixed = zone?.ok ? zone.zone : null;
  return () => fixed;
}

/** Whether the policy's zone is known for these facts: not when its `zoneFact:` was not given. */
function policyZoneKnown(policy: Policy): (facts: { get(name: string): unknown }) => boolean {
  const fact = policy.zoneFact?.name;
  return fact === undefined ? () => true : (facts) => typeof facts.get(fact) === 'string';
}

export interface CompiledAssertion {
  code: string;
  message: string;
  check: Compiled;
  /** The declared facts it reads (through derived facts), by place: it is checked only when all are given. */
  slots: number[];
  /** The one fact it reads, where a refusal points; '' when it reads several. */
  fact: string;
  pointer: string;
}

export interface CompileOptions {
  /** Holiday data, needed when a calendar names holidays (`loadHolidayCatalog`). */
  holidays?: HolidayCatalog;
}

export function revisionOf(source: string): string {
  return `sha256:${bytesToHex(sha256(utf8ToBytes(source)))}`;
}

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
    const traceOutcome = deepFreeze(outcomeOf(outcome));
    this.rules.push({
      name,
      stage,
      priority: 0,
      conditions,
      whenFalse,
      outcome,
      source: this.source(span),
      test: compileCondition(conditions, this.declared),
      testFalse: compileCondition(whenFalse, this.declared),
      mayBeUnknown: unknownTest(unknownReads, this.declared),
      reads,
      readers: reads.map((r) => nameReader(r, this.declared)),
      traceOutcome,
      fixedStep: fixedStep(name, this.source(span), outcome, traceOutcome, reads, conditions),
      dependsOn: [...new Set(reads.flatMap((r) => this.baseFacts(r)))],
    });
  }

  stage(name: StageName): CompiledRule[] {
    return this.rules.filter((r) => r.stage === name);
  }
}

/** What a rule decided, as the trace shows it. */
function outcomeOf(o: Outcome): unknown {
  switch (o.kind) {
    case 'tier':
      return o.tier;
    case 'priority':
      return o.priority;
    case 'channels':
      return o.channels;
    case 'deny':
      return o.code;
    case 'sla':
      return o.bestEffort
        ? 'best-effort'
        : {
            response: o.response?.text ?? null,
            resolution: o.resolution?.text ?? null,
            ...(o.windows ? Object.fromEntries(o.windows.map((w) => [w.window, w.target.text])) : {}),
          };
    case 'billing':
      return o.plan;
    case 'derived':
      return { [o.fact]: o.value };
    case 'notice':
    case 'grant':
      return o.id;
    default: {
      const never: never = o;
      return never;
    }
  }
}

/** Said in the trace when a requested priority decided. */
export const OVERRIDE_NOTE = "the customer's requested priority overrides the policy's rules";

function fixedStep(
  rule: string,
  source: string,
  outcome: Outcome,
  traceOutcome: unknown,
  reads: string[],
  conditions: Condition,
): TraceStep | null {
  const literals = readsWhenMatched(conditions);
  if (!literals || literals.size !== reads.length) return null;
  const facts = Object.fromEntries(reads.map((r) => [r, literals.get(r) ?? null]));
  const note = outcome.kind === 'priority' && outcome.override ? { note: OVERRIDE_NOTE } : {};
  return deepFreeze({ rule, source, outcome: traceOutcome, facts, ...note });
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** See `CompiledPolicy.volatile`. */
function volatileFacts(c: Compiler): CompiledPolicy['volatile'] {
  const exprOf = (name: string) => c.policy.derived.find((d) => d.name === name)?.expr ?? c.computed.get(name)?.expr;
  const names = [...c.policy.derived.map((d) => d.name), ...c.computed.keys()];
  /** The names that read, themselves or through the facts they read, a name `source` says yes to. */
  const reading = (source: (path: readonly string[]) => boolean): Set<string> => {
    const known = new Map<string, boolean>();
    const reads = (name: string): boolean => {
      const done = known.get(name);
      if (done !== undefined) return done;
      known.set(name, false); // derived facts have no cycles; this only ends a walk early
      const e = exprOf(name);
      const yes = e !== undefined && factsRead(e).some((r) => source(r.path) || reads(r.path.join('.')));
      known.set(name, yes);
      return yes;
    };
    return new Set(names.filter(reads));
  };
  return {
    decision: reading((path) => path[0] === DECISION_FACT),
    derivedRules: reading((path) => c.ruleComputed.has(path.join('.'))),
  };
}

// ---- the stages, in order ----------------------------------------------------------------------

/** Stages that are skipped for a ticket that is not eligible. */
export const ONLY_WHEN_ELIGIBLE: ReadonlySet<StageName> = new Set<StageName>([
  'sla',
  'billing',
  'notices',
  'entitlements',
  'actions',
]);

/**
 * The stages in the order they run; each reads only what the ones before it decided. Each
 * stage's compile function lives in stages/<name>.ts and owns that stage's rules.
 */
const STAGES: [StageName, 'first-match' | 'all-match', (c: Compiler) => void][] = [
  // Exclusive rules, one firing per derived fact, in dependency order. First: every later
  // stage's rules may read a derived fact.
  ['derived', 'all-match', compileDerived],
  ['tier', 'first-match', compileTier],
  // Order matters from here on: channels read `decision.tier` (byTier), eligibility reads
  // `decision.channels`, sla reads `decision.tier` and `decision.priority`.
  ['priority', 'first-match', compilePriority],
  ['channels', 'first-match', compileChannels],
  ['eligibility', 'all-match', compileEligibility],
  ['sla', 'first-match', compileSla],
  // compileBilling also adds the `notices` stage's rules, compileGrants the `actions` stage's.
  ['billing', 'first-match', compileBilling],
  ['notices', 'all-match', () => undefined],
  ['entitlements', 'all-match', compileGrants],
  ['actions', 'all-match', () => undefined],
];

/** Each assertion with the declared facts it reads, following derived facts to what they read. */
function compileAssertions(policy: Policy, zone: CompileExprOptions): CompiledAssertion[] {
  const derived = new Map(policy.derived.map((d) => [d.name, d.expr]));
  const slot = new Map(policy.facts.map((f, i) => [f.name, i]));
  const declared = (e: Expr, seen: Set<string>): void => {
    for (const r of factsRead(e)) {
      const name = r.path.join('.');
      if (seen.has(name)) continue;
      seen.add(name);
      const d = derived.get(name);
      if (d) declared(d, seen);
    }
  };
  return policy.assert.map((a) => {
    const seen = new Set<string>();
    declared(a.check, seen);
    const names = [...seen].filter((n) => slot.has(n));
    const one = names.length === 1 ? names[0]! : '';
    return {
      code: a.code,
      message: a.message,
      check: compileExpr(a.check, zone),
      slots: names.map((n) => slot.get(n)!),
      fact: one,
      pointer: one ? `/${one}` : '',
    };
  });
}

/** Compiles a policy that loaded without errors. */
export function compilePolicy(policy: Policy, source: string, options: CompileOptions = {}): CompiledPolicy {
  const c = new Compiler(policy);
  for (const [, , compile] of STAGES) compile(c);
  const stages: Stage[] = STAGES.map(([name, mode]) => {
    const rules = c.stage(name);
    // Declared order is precedence: the first rule gets the highest json-rules-engine priority.
    rules.forEach((r, i) => (r.priority = rules.length - i));
    const first = mode === 'first-match' ? firstMatcher(rules, c.declared) : undefined;
    return { name, mode, rules, eligibleOnly: ONLY_WHEN_ELIGIBLE.has(name), ...(first ? { first } : {}) };
  });
  const zone = policyZone(policy);
  const inZone: CompileExprOptions = { zone, zoneKnown: policyZoneKnown(policy) };
  const derived = derivedInOrder(policy).map((d) => ({
    name: d.name,
    compute: compileExpr(d.expr, inZone),
    source: formatSpan(d.span),
    expr: d.expr,
    byRules: c.ruleComputed.has(d.name),
  }));
  return {
    policy,
    id: policy.id,
    version: policy.version,
    revision: revisionOf(source),
    validateFacts: createFactsValidator(policy),
    factNames: policy.facts.map((f) => f.name),
    factIndex: new Map(policy.facts.map((f, i) => [f.name, i])),
    factsSchema: factsSchema(policy),
    derived,
    derivedByName: new Map(derived.map((d) => [d.name, d])),
    computed: new Map([...c.computed.values()].map((f) => [f.id, { compute: compileExpr(f.expr, inZone), expr: f.expr }])),
    volatile: volatileFacts(c),
    assertions: compileAssertions(policy, inZone),
    stages,
    calendars: compileCalendars(policy, options.holidays),
    informative: absenceTestedFacts(policy),
    zone,
    slotKinds: slotKindsOf(policy.facts),
  };
}

/** The result of loading and compiling a policy source in one step. */
export type CompileResult =
  { ok: true; compiled: CompiledPolicy; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Loads, checks and compiles a policy source. The holiday data (large) is loaded only when the
 * source names holidays; it is then used both to check the calendars and to run their clocks.
 */
export async function compileSource(source: string, file: string): Promise<CompileResult> {
  const holidays = await holidaysFor(source);
  const loaded = loadPolicy(source, file, holidays ? { holidays } : {});
  if (!loaded.ok) return { ok: false, diagnostics: loaded.diagnostics };
  return {
    ok: true,
    compiled: compilePolicy(loaded.policy, source, holidays ? { holidays } : {}),
    diagnostics: loaded.diagnostics,
  };
}
