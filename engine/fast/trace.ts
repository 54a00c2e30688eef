// The trace's steps: what each rule that decided read, and what it decided.
import type { Condition } from '../conditions.js';
import type { TraceStep } from '../decision.js';
import type { CompiledRule, Outcome } from '../rules.js';
import type { Reader, RuleFacts } from './condition.js';
import { readsWhenMatched } from './first-match.js';

/** Said in the trace when a requested priority decided. */
export const OVERRIDE_NOTE = "the customer's requested priority overrides the policy's rules";

/** What a rule decided, as the trace shows it. */
export function outcomeOf(o: Outcome): unknown {
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

/**
 * A rule's whole trace step when it is the same for every decision: a rule whose condition only
 * compares what it reads with literals read exactly those literals when it matched. Else null.
 */
export function fixedStep(rule: CompiledRule, traceOutcome: unknown): TraceStep | null {
  const literals = readsWhenMatched(rule.conditions as Condition);
  if (!literals || literals.size !== rule.reads.length) return null;
  const facts = Object.fromEntries(rule.reads.map((r) => [r, literals.get(r) ?? null]));
  const note = rule.outcome.kind === 'priority' && rule.outcome.override ? { note: OVERRIDE_NOTE } : {};
  return deepFreeze({ rule: rule.name, source: rule.source, outcome: traceOutcome, facts, ...note });
}

export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** What the trace needs of a rule: the rule, its readers, and its outcome's picture (and whole step, when fixed). */
export interface TracedRule extends CompiledRule {
  readers: Reader[];
  traceOutcome: unknown;
  fixedStep: TraceStep | null;
}

/** The step of a rule that held: what it read, and what it decided. */
export function traceStep(rule: TracedRule, facts: RuleFacts): TraceStep {
  if (rule.fixedStep !== null) return rule.fixedStep;
  const read: Record<string, unknown> = {};
  for (let i = 0; i < rule.reads.length; i++) read[rule.reads[i]!] = rule.readers[i]!(facts) ?? null;
  const step: TraceStep = { rule: rule.name, source: rule.source, outcome: rule.traceOutcome, facts: read };
  if (rule.outcome.kind === 'priority' && rule.outcome.override) step.note = OVERRIDE_NOTE;
  return step;
}
