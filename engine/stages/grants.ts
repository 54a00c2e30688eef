// The `billing` and `notices` stages, and the `entitlements` and `actions` grants.
import type { Compiler } from '../compiler.js';

export function compileBilling(c: Compiler): void {
  for (const p of c.policy.billing?.plans ?? [])
    c.add('billing', `billing.${p.id}`, p.when ? [p.when] : [], { kind: 'billing', plan: p.id }, p.span);
  for (const n of c.policy.billing?.notices ?? []) {
    c.add('notices', `notices.${n.id}`, n.when ? [n.when] : [], { kind: 'notice', id: n.id, message: n.message ?? n.id }, n.span);
  }
}

export function compileGrants(c: Compiler): void {
  for (const [stage, grants] of [
    ['entitlements', c.policy.entitlements],
    ['actions', c.policy.actions],
  ] as const) {
    for (const g of grants) {
      c.add(
        stage,
        `${stage}.${g.id}`,
        g.when ? [g.when] : [],
        { kind: 'grant', id: g.id, ...(g.message ? { message: g.message } : {}) },
        g.span,
      );
    }
  }
}
