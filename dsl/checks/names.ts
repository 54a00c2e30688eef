// Names: what an unknown name probably means, names declared twice, and the unique-names check.
import { zoneNames, type ZoneResult } from '../datetime.js';
import { closest, type Diagnostic, type Span } from '../diagnostics.js';
import type { FactDecl, Named } from '../model.js';
import { duplicateId, nearest, type UnknownValue, unknownZone } from '../problems/index.js';
import type { Context, Report } from './context.js';

/** The closest of `known` to a name, as a constructor's `near` field (for the checks that import it from here). */
export { nearest };

/** A name that is not among `known`, with what it probably means (`meant`, else the closest). */
export function undeclared(n: Named, known: string[], meant?: string) {
  return { span: n.span, name: n.name, known, ...(meant !== undefined ? { near: meant } : nearest(n.name, known)) };
}

/** `'medium' is not a value of 'urgency' (high, low)`, written in a table or list. */
export function tableValue(n: Named, f: FactDecl, meant?: string): UnknownValue {
  const values = f.values ?? [];
  return {
    where: 'table',
    span: n.span,
    value: n.name,
    fact: f.name,
    values,
    ...(meant !== undefined ? { near: meant } : nearest(n.name, values)),
  };
}

/** A zone name that is no IANA zone of a place. */
export function zoneNameProblem(span: Span, name: string, result: Extract<ZoneResult, { ok: false }>): Diagnostic {
  return unknownZone({ span, name, result, ...(result.kind === 'unknown' ? nearest(name, zoneNames()) : {}) });
}

/**
 * What each unknown name written where `known` names were expected probably means: the closest
 * known name, or, when exactly one name is unknown and exactly one known name is missing, that
 * one ('P5' written where 'P4' is the only priority without a target).
 */
export function nearMisses(written: string[], known: string[]): Map<string, string> {
  const meant = new Map<string, string>();
  const unknown = written.filter((w) => !known.includes(w));
  for (const w of unknown) {
    const c = closest(w, known);
    if (c && !written.includes(c)) meant.set(w, c);
  }
  const unpaired = unknown.filter((w) => !meant.has(w));
  const missing = known.filter((k) => !written.includes(k) && ![...meant.values()].includes(k));
  if (unpaired.length === 1 && missing.length === 1) meant.set(unpaired[0]!, missing[0]!);
  return meant;
}

interface Identified {
  span: Span;
  idSpan?: Span;
}

function duplicates<T extends Identified>(items: T[], key: (t: T) => string | undefined, what: string, report: Report): void {
  const seen = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const first = seen.get(k);
    if (first) {
      const at = first.idSpan ?? first.span;
      report(duplicateId({ kind: 'twice', span: item.idSpan ?? item.span, what, name: k, firstLine: at.line }));
    } else seen.set(k, item);
  }
}

export function checkNamesUnique({ policy, report }: Context): void {
  duplicates(policy.priorities, (p) => p.name, 'priority level', report);
  if (policy.tiers) duplicates(policy.tiers.levels, (l) => l.name, 'tier', report);
  duplicates(policy.assert, (a) => a.code, 'assertion', report);
  duplicates(policy.eligibility, (r) => r.code, 'eligibility rule', report);
  duplicates(policy.priority?.rules ?? [], (r) => r.id, 'priority rule', report);
  duplicates(policy.channels?.rules ?? [], (r) => r.id, 'channel rule', report);
  duplicates(policy.billing?.plans ?? [], (p) => p.id, 'billing plan', report);
  duplicates(policy.billing?.notices ?? [], (n) => n.id, 'billing notice', report);
  duplicates(policy.entitlements, (g) => g.id, 'entitlement', report);
  duplicates(policy.actions, (g) => g.id, 'action', report);
  duplicates(policy.tests, (t) => t.name, 'test', report);
  for (const tier of policy.sla) {
    for (const { cell } of tier.cells) if (cell.kind === 'rules') duplicates(cell.rules, (r) => r.id, 'SLA rule', report);
  }
}
