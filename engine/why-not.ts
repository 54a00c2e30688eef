// "Why not P1?": the rules that would have given an outcome, and why each did not decide it,
// read from a decision's explanation (engine/explain.ts): which condition read which value.
import type { CompiledPolicy } from './compile.js';
import type { Condition } from './conditions.js';
import type { Decision, ExplainEvent } from './decision.js';
import { OPERATORS } from './fast/condition.js';
import type { FastRule } from './fast/plan.js';

/** One condition of a rule, what it read and whether it held (null: a value it reads is not known). */
export interface ConditionCheck {
  test: string;
  read: Record<string, unknown>;
  holds: boolean | null;
}

export interface WhyNotRule {
  rule: string;
  source: string;
  stage: string;
  /** held: it decided; failed: its conditions are false; unknown: a value it needs is missing; not-reached: an earlier rule decided, or its stage was skipped. */
  status: 'held' | 'failed' | 'unknown' | 'not-reached';
  /** The conditions of a rule that was tried, each with the values it read. */
  conditions: ConditionCheck[];
  note?: string;
}

export interface WhyNot {
  /** The outcome asked about, as given: `P1`, or `tier=premium`. */
  target: string;
  /** The rules that give it, in the order they are considered. */
  rules: WhyNotRule[];
}

const SYMBOL: Record<string, string> = {
  equal: '==',
  notEqual: '!=',
  in: 'in',
  notIn: 'not in',
  lessThan: '<',
  lessThanInclusive: '<=',
  greaterThan: '>',
  greaterThanInclusive: '>=',
};

/** Whether a rule gives the outcome named `P1` (any kind) or `kind=value` (`tier=premium`, `deny=…`, `billing=…`). */
export function givesOutcome(rule: FastRule, target: string): boolean {
  const eq = target.indexOf('=');
  const kind = eq < 0 ? null : target.slice(0, eq).trim();
  const value = eq < 0 ? target.trim() : target.slice(eq + 1).trim();
  if (kind !== null && kind !== rule.stage && kind !== rule.outcome.kind) return false;
  const o = rule.traceOutcome;
  if (typeof o === 'string') return o === value;
  if (Array.isArray(o)) return o.includes(value);
  return o !== null && typeof o === 'object' && Object.values(o).some((v) => String(v) === value);
}

/** The name under which the explanation records a read of `fact` (and path). */
const readName = (fact: string, path?: string) => (path ? `${fact}.${path.slice(2)}` : fact);

/** A condition's leaves, each checked against the values the rule read. */
function checks(c: Condition, read: Record<string, unknown>, out: ConditionCheck[] = [], negated = false): ConditionCheck[] {
  if ('all' in c) c.all.forEach((x) => checks(x, read, out, negated));
  else if ('any' in c) c.any.forEach((x) => checks(x, read, out, negated));
  else if ('not' in c) checks(c.not, read, out, !negated);
  else {
    const left = readName(c.fact, c.path);
    const v = c.value;
    const ref = v !== null && typeof v === 'object' && !Array.isArray(v) ? readName(v.fact, v.path) : null;
    const seen: Record<string, unknown> = { [left]: read[left] ?? null };
    if (ref !== null) seen[ref] = read[ref] ?? null;
    const known =
      (ref === null || seen[ref] !== null) && (seen[left] !== null || c.operator === 'equal' || c.operator === 'notEqual');
    const holds = OPERATORS[c.operator](seen[left], ref === null ? v : seen[ref]);
    out.push({
      test: `${negated ? 'not ' : ''}${left} ${SYMBOL[c.operator]} ${ref ?? JSON.stringify(v)}`,
      read: seen,
      holds: known ? holds !== negated : null,
    });
  }
  return out;
}

/** Why the decision (made with `explain: true`) did not come out as `target`. */
export function whyNot(compiled: CompiledPolicy, decision: Decision, target: string): WhyNot {
  const events = decision.explanation ?? [];
  const byRule = new Map<string, Extract<ExplainEvent, { rule: string }>>();
  for (const e of events) if ('rule' in e) byRule.set(e.rule, e);
  const rules: WhyNotRule[] = [];
  for (const stage of compiled.fast.stages) {
    const skipped = events.find((e): e is Extract<ExplainEvent, { op: 'skip' }> => e.op === 'skip' && e.stage === stage.name);
    const decidedBy = [...byRule.values()].find((e) => e.stage === stage.name && e.op !== 'fail');
    for (const rule of stage.rules) {
      if (!givesOutcome(rule, target)) continue;
      const e = byRule.get(rule.name);
      const base = { rule: rule.name, source: rule.source, stage: stage.name };
      if (!e) {
        const note = skipped
          ? `the ${stage.name} stage was skipped: ${skipped.reason}`
          : decidedBy
            ? `not tried: ${decidedBy.rule} ${decidedBy.op === 'eval' ? 'decided' : 'was unknown'} first`
            : `the ${stage.name} stage was not reached`;
        // What the rules tried in its stage read: when that is all this rule reads, its conditions
        // are shown as they would have read it.
        const seen: Record<string, unknown> = {};
        for (const other of byRule.values()) if (other.stage === stage.name) Object.assign(seen, other.facts);
        const known = !skipped && rule.reads.every((r) => r in seen);
        rules.push({ ...base, status: 'not-reached', conditions: known ? checks(rule.conditions, seen) : [], note });
        continue;
      }
      const status = e.op === 'eval' ? 'held' : e.op === 'fail' ? 'failed' : 'unknown';
      rules.push({ ...base, status, conditions: checks(rule.conditions, e.facts), ...(e.note ? { note: e.note } : {}) });
    }
  }
  return { target, rules };
}

/** `whyNot`'s answer as text, a rule a paragraph. */
export function whyNotText(answer: WhyNot): string {
  if (answer.rules.length === 0) return `No rule of the policy gives ${answer.target}.\n`;
  const lines = [`Rules that give ${answer.target}:`];
  const said = { held: 'held: it decided', failed: 'did not hold', unknown: 'unknown', 'not-reached': 'not reached' } as const;
  for (const r of answer.rules) {
    lines.push('', `${r.rule} (${r.source}), stage ${r.stage}: ${said[r.status]}${r.note ? ` (${r.note})` : ''}`);
    for (const c of r.conditions) {
      const values = Object.entries(c.read)
        .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
        .join(', ');
      const mark = c.holds === null ? 'unknown' : c.holds ? 'holds' : 'FAILS';
      lines.push(`  ${mark.padEnd(7)} ${c.test}    (read ${values})`);
    }
  }
  return `${lines.join('\n')}\n`;
}
