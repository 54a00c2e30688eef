// The decision log's line: what `spe serve --decision-log` writes for every decision served, and
// how `spe impact` reads such a line back as a ticket to replay. Facts a policy marks
// `personal: true` are written masked, so a masked line cannot be replayed as it was decided.
import type { CompiledPolicy } from './compile.js';
import type { Decision } from './decision.js';

/** What a masked fact's value is written as. */
export const MASKED = '***';

/** One line of the decision log (JSON). */
export interface DecisionLogLine {
  /** When the decision was made (ISO 8601, UTC). */
  time: string;
  policy: string;
  revision: string;
  decisionId: string;
  /** The evaluation time the request gave, when it gave one. */
  now?: string;
  /** The facts as the request gave them, personal ones as MASKED. */
  facts: Record<string, unknown>;
  /** The personal facts given, whose values are masked. */
  masked?: string[];
  decision: {
    eligible: boolean | null;
    reasons: string[];
    tier: string | null;
    priority: string | null;
    channels: string[] | null;
    dueAt: { response: string | null; resolution: string | null } | null;
    billing: { currency: string; total: string } | null;
  };
}

/** The names of a policy's personal facts. */
export function personalFacts(compiled: CompiledPolicy): string[] {
  return compiled.policy.facts.filter((f) => f.personal === true).map((f) => f.name);
}

/** A decision as its log line; `facts` are the facts the decision was made from (an object: they passed the check). */
export function decisionLogLine(
  compiled: CompiledPolicy,
  facts: unknown,
  d: Decision,
  time: Date,
  now?: string,
): DecisionLogLine {
  const given = (facts !== null && typeof facts === 'object' ? facts : {}) as Record<string, unknown>;
  let logged = given;
  const masked: string[] = [];
  for (const name of personalFacts(compiled)) {
    if (!Object.hasOwn(given, name)) continue;
    if (logged === given) logged = { ...given };
    logged[name] = MASKED;
    masked.push(name);
  }
  return {
    time: time.toISOString(),
    policy: compiled.id,
    revision: compiled.revision,
    decisionId: d.decisionId,
    ...(now === undefined ? {} : { now }),
    facts: logged,
    ...(masked.length > 0 ? { masked } : {}),
    decision: {
      eligible: d.eligible,
      reasons: d.reasons.map((r) => r.code),
      tier: d.tier,
      priority: d.priority,
      channels: d.channels,
      dueAt: d.sla ? { response: d.sla.response?.dueAt ?? null, resolution: d.sla.resolution?.dueAt ?? null } : null,
      billing: d.billing ? { currency: d.billing.currency, total: d.billing.total } : null,
    },
  };
}

/** A parsed JSON line that is a decision log line (its own fields, not facts of a ticket). */
export function isDecisionLogLine(value: unknown): value is DecisionLogLine {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.decisionId === 'string' &&
    typeof v.policy === 'string' &&
    typeof v.revision === 'string' &&
    v.facts !== null &&
    typeof v.facts === 'object' &&
    !Array.isArray(v.facts) &&
    v.decision !== null &&
    typeof v.decision === 'object'
  );
}

/** Why a decision log line cannot be replayed through `policy`, or null when it can. */
export function unreplayable(line: DecisionLogLine, policy: string): 'other-policy' | 'masked' | null {
  if (line.policy !== policy) return 'other-policy';
  return Array.isArray(line.masked) && line.masked.length > 0 ? 'masked' : null;
}
