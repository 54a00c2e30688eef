// A decision's explanation, asked for with `explain: true`: every stage reached and every rule
// considered, in order, as events a reader can walk (`enter` a stage; `eval`, `fail` or `unknown`
// a rule, its `parent` the stage's `enter`; `skip` a stage not reached). The trace says which
// rules decided; the explanation says also which did not, and what they read.
import type { CompiledPolicy } from './compile.js';
import type { ExplainEvent, TraceStep } from './decision.js';
import type { RuleFacts } from './fast/condition.js';
import type { FastRule, FastStage } from './fast/plan.js';
import { traceStep } from './fast/trace.js';
import type { Value } from './values.js';

/** The facts of an evaluation as the explanation reads them. */
export interface ExplainedFacts extends RuleFacts {
  readonly compiled: CompiledPolicy;
  readonly slots: readonly Value[];
}

/** The events of one evaluation, recorded as its stages run (before what they decide is applied). */
export class Explainer {
  readonly events: ExplainEvent[] = [];

  skip(stage: FastStage, reason: string): void {
    this.events.push({ op: 'skip', stage: stage.name, reason });
  }

  /**
   * A stage's rules as the matching found them. First-match: the rules before the one that
   * decided (or was unknown) did not hold, and none after it were tried. All-match: every rule,
   * but for a derived fact's rules after the one that gave it its value.
   */
  stage(stage: FastStage, matched: readonly FastRule[], unknown: readonly FastRule[], facts: ExplainedFacts): void {
    const parent = this.events.length;
    this.events.push({ op: 'enter', stage: stage.name, parent: null });
    const held = new Set(matched);
    const open = new Set(unknown);
    const given = new Set<string>();
    for (const rule of stage.rules) {
      if (stage.name === 'derived' && rule.outcome.kind === 'derived') {
        if (given.has(rule.outcome.fact)) continue;
        if (held.has(rule)) given.add(rule.outcome.fact);
      }
      const op = held.has(rule) ? 'eval' : open.has(rule) ? 'unknown' : 'fail';
      const step = op === 'unknown' ? unknownStep(rule, facts) : traceStep({ ...rule, fixedStep: null }, facts);
      this.events.push({
        op,
        rule: rule.name,
        source: rule.source,
        stage: stage.name,
        parent,
        facts: step.facts,
        outcome: rule.traceOutcome,
        ...(step.note !== undefined && op !== 'fail' ? { note: step.note } : {}),
      });
      if (stage.mode === 'first-match' && op !== 'fail') break;
    }
  }
}

/** The trace step of a rule that was unknown: what it read, and which facts it needed. */
export function unknownStep(rule: FastRule, facts: ExplainedFacts): TraceStep {
  const step = traceStep({ ...rule, fixedStep: null }, facts);
  const needed = missingOf(rule, facts);
  // Else what it read is open itself: a decision field an earlier stage could not decide.
  const open = Object.keys(step.facts).filter((name) => step.facts[name] === null);
  return {
    ...step,
    outcome: null,
    note:
      needed.length > 0
        ? `unknown: ${needed.join(', ')} not given`
        : `unknown: ${open.length > 0 ? `${open.join(', ')} not decided` : 'a value it reads is not known'}`,
  };
}

/**
 * The declared facts a rule depends on that were not given (and whose absence is not itself
 * information). A fact whose absence the policy reads elsewhere (a channel fact, an override) is
 * still missing for a rule that reads its value, itself or through a derived fact: `tiers.of:
 * plan` is open for want of `plan`.
 */
export function missingOf(rule: FastRule, facts: ExplainedFacts): string[] {
  const index = facts.compiled.fast.factIndex;
  const informative = facts.compiled.informative;
  const missing = rule.dependsOn.filter(
    (f) => facts.slots[index.get(f) ?? -1] === null && (!informative.has(f) || rule.valueReads.includes(f)),
  );
  // The rule waits for the policy's zone, to give an instant its date, when it asks for one (or
  // when nothing else it reads is missing): its fact, beside the others.
  const zoneFact = facts.compiled.policy.zoneFact?.name;
  if ((missing.length === 0 || rule.asksZone) && zoneFact !== undefined && facts.slots[index.get(zoneFact) ?? -1] === null)
    return missing.includes(zoneFact) ? missing : [...missing, zoneFact];
  return missing;
}
