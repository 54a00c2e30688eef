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
  factsRead,
  formatSpan,
  holidaysFor,
  loadPolicy,
} from '../dsl/index.js';
import { Compiler } from './compiler.js';
import { type FastPlan, buildPlan } from './fast/plan.js';
import { type CompiledRule, ONLY_WHEN_ELIGIBLE, type Stage, type StageName } from './rules.js';
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
import { asksPolicyZone } from './zone-reads.js';

export type { CompiledRule, Outcome, Stage, StageName, Target } from './rules.js';
export { ONLY_WHEN_ELIGIBLE } from './rules.js';

export interface CompiledPolicy {
  policy: Policy;
  id: string;
  version: string;
  /** `sha256:` of the policy source. */
  revision: string;
  validateFacts: FactsValidator;
  /** The declared facts' names, in declaration order (the order of a decision's identity). */
  factNames: string[];
  factsSchema: Record<string, unknown>;
  /** Derived facts in an order where each comes after those it reads. */
  derived: { name: string; compute: Compiled; source: string; expr: Expr; byRules: boolean }[];
  computed: Map<string, { compute: Compiled; expr: Expr }>;
  /** The policy's `assert:` conditions, checked once the facts fit their declarations. */
  assertions: CompiledAssertion[];
  stages: Stage[];
  calendars: Map<string, CompiledCalendar>;
  /** Declared facts whose absence the policy reads as information (`absenceTestedFacts`): never "missing". */
  informative: ReadonlySet<string>;
  /** The policy's zone in an evaluation (`zone:`, or its `zoneFact:`'s value); null when it declares none. */
  zone: ZoneOf;
  /** The fast path's plan, built from the above (engine/fast/). */
  fast: FastPlan;
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

// ---- the stages, in order ----------------------------------------------------------------------

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
    return { name, mode, rules, eligibleOnly: ONLY_WHEN_ELIGIBLE.has(name) };
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
  const computed = new Map([...c.computed.values()].map((f) => [f.id, { compute: compileExpr(f.expr, inZone), expr: f.expr }]));
  const revision = revisionOf(source);
  return {
    policy,
    id: policy.id,
    version: policy.version,
    revision,
    validateFacts: createFactsValidator(policy),
    factNames: policy.facts.map((f) => f.name),
    factsSchema: factsSchema(policy),
    derived,
    computed,
    assertions: compileAssertions(policy, inZone),
    stages,
    calendars: compileCalendars(policy, options.holidays),
    informative: absenceTestedFacts(policy),
    zone,
    fast: buildPlan({
      id: policy.id,
      version: policy.version,
      revision,
      facts: policy.facts,
      stages,
      derived,
      computed: [...computed].map(([name, v]) => ({ name, ...v })),
    }),
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
