// The package as a library: `import { loadPolicy, evaluate } from 'support-policy-engine'`.
// This file is the whole supported surface; what it does not export may change in any release.
// Nothing here throws on what a caller can get wrong: every such problem comes back as a result.
import type { RuleProperties } from 'json-rules-engine';
import { DIAGNOSTIC_CODES, type Diagnostic, formatDiagnostic } from '../dsl/diagnostics.js';
import { formatPolicy } from '../dsl/index.js';
import { type CompiledPolicy, compileSource, evaluate as evaluateCompiled, rulesJson, runPolicyTests } from '../engine/index.js';
import type { Decision, FactProblem } from '../engine/decision.js';

export type { Diagnostic, DiagnosticCode, Severity, Span } from '../dsl/diagnostics.js';
export type {
  Billing,
  BillingLine,
  BillingNotice,
  Decision,
  FactProblem,
  Reason,
  SlaWindow,
  TraceStep,
  ExplainEvent,
} from '../engine/decision.js';
export { DIAGNOSTIC_CODES, formatDiagnostic };

/** A checked, compiled policy, ready to evaluate. Obtain one from `loadPolicy`. */
export interface Policy {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  /** `sha256:…` of the source: part of every decision's identity. */
  readonly revision: string;
  /** The file name given to `loadPolicy`, which diagnostics and `source` fields name. */
  readonly file: string;
}

/** A policy, or why there is none: its diagnostics (errors, and any warnings). */
export type LoadResult = { ok: true; policy: Policy; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Whether a source is a valid policy (no errors; warnings allowed), with every problem found. */
export interface ValidationResult {
  ok: boolean;
  diagnostics: Diagnostic[];
}

/** A decision, or the problems with the facts given (each with its JSON pointer). */
export type EvaluationResult = { ok: true; decision: Decision } | { ok: false; problems: FactProblem[] };

export interface EvaluateOptions {
  /** The time of evaluation (ISO 8601 with offset), for the SLA windows' status. Default: none. */
  now?: string;
  /** Include the trace of the rules that decided (the largest part of a decision). Default: true. */
  trace?: boolean;
  /** Add an `explanation`: every stage reached and every rule considered, with what it read. Default: false. */
  explain?: boolean;
}

/** The policy as json-rules-engine rules: what `spe compile` prints. */
export interface RulesJson {
  policy: { id: string; version: string; revision: string };
  /** How to run the stages with json-rules-engine, in words. */
  howToRun: string[];
  /** The JSON Schema of the facts an evaluation takes. */
  factsSchema: Record<string, unknown>;
  derivedFacts: { id: string; expression: string; source: string; computedBy: 'rules' | 'expression' }[];
  computedFacts: { id: string; expression: string }[];
  stages: { name: string; mode: 'first-match' | 'all-match'; rules: RuleProperties[] }[];
}

/** One of a policy's own tests (`tests:`), run. */
export interface PolicyTestResult {
  name: string;
  /** `file:line:col` of the test. */
  source: string;
  passed: boolean;
  /** Each expected field that differed (`path` like `sla.response.target`); empty when it passed. */
  mismatches: { path: string; expected: unknown; actual: unknown }[];
  /** The problems with the test's facts, when they do not fit the policy. */
  problems: FactProblem[];
}

/** The canonical layout of a source (`spe fmt`), or why it cannot be read as YAML. */
export type FormatResult = { ok: true; text: string; changed: boolean } | { ok: false; diagnostics: Diagnostic[] };

// A Policy is a plain object to its users; the compiled form stays private to this module.
const compiledPolicies = new WeakMap<Policy, CompiledPolicy>();

function compiledOf(policy: Policy): CompiledPolicy {
  const compiled = compiledPolicies.get(policy);
  if (!compiled) throw new TypeError('not a policy from loadPolicy()');
  return compiled;
}

/**
 * Reads, checks and compiles a policy source (YAML). `file` names it in diagnostics and in the
 * decisions' `source` fields. Loads holiday data when a calendar names holidays.
 */
export async function loadPolicy(source: string, file = 'policy.yaml'): Promise<LoadResult> {
  const result = await compileSource(source, file);
  if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
  const c = result.compiled;
  const policy: Policy = Object.freeze({ id: c.id, version: c.version, title: c.policy.title, revision: c.revision, file });
  compiledPolicies.set(policy, c);
  return { ok: true, policy, diagnostics: result.diagnostics };
}

/** Checks a policy source: every diagnostic `spe validate` prints for it. */
export async function validate(source: string, file = 'policy.yaml'): Promise<ValidationResult> {
  const result = await compileSource(source, file);
  return { ok: result.ok, diagnostics: result.diagnostics };
}

/** Decides a ticket: its facts (an object by fact name) into a decision, or the problems with them. */
export function evaluate(policy: Policy, facts: unknown, options: EvaluateOptions = {}): EvaluationResult {
  return evaluateCompiled(compiledOf(policy), facts, options);
}

/** The policy's json-rules-engine rules, for a service that runs json-rules-engine itself. */
export function compile(policy: Policy): RulesJson {
  return rulesJson(compiledOf(policy));
}

/** Runs the tests written in the policy (`tests:`), as `spe test` does. */
export function runTests(policy: Policy): PolicyTestResult[] {
  return runPolicyTests(compiledOf(policy)).results.map((r) => ({
    name: r.name,
    source: r.source,
    passed: r.passed,
    mismatches: r.mismatches,
    problems: r.problems ?? [],
  }));
}

/** Writes a policy source in the canonical layout of `spe fmt`; comments and anchors are kept. */
export function format(source: string, file = 'policy.yaml'): FormatResult {
  return formatPolicy(source, file);
}
