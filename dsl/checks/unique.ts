// Names declared twice: priorities, tiers, rules, plans, notices, grants, tests.
import type { Span } from '../diagnostics.js';
import { duplicateId } from '../problems/index.js';
import type { Context, Report } from './context.js';

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
