// The values an expression can take, when they are known before any ticket is seen: string
// literals, enum facts, `decision.tier`/`decision.priority`, derived facts made of those, and
// `if … then … else` and `coalesce` over them. A calendar chosen by a fact (`calendar: region`)
// is checked with it (every value names a declared calendar) and compiled from it (one rule per value).
import type { Expr } from './ast.js';
import type { Span } from './diagnostics.js';
import type { Policy } from './model.js';

export type Choices =
  | { ok: true; values: string[] }
  /** `span` is the part whose values are not known in advance; `what` says what it is. */
  | { ok: false; span: Span; what: string };

export function valueChoices(e: Expr, policy: Policy, seen: ReadonlySet<string> = new Set()): Choices {
  switch (e.kind) {
    case 'literal':
      return e.type === 'string'
        ? { ok: true, values: [String(e.value)] }
        : { ok: false, span: e.span, what: `the ${e.type} ${String(e.value)}` };
    case 'fact': {
      const name = e.path.join('.');
      if (name === 'decision.tier') return { ok: true, values: policy.tiers?.levels.map((l) => l.name) ?? [] };
      if (name === 'decision.priority') return { ok: true, values: policy.priorities.map((p) => p.name) };
      const fact = policy.facts.find((f) => f.name === name);
      if (fact)
        return fact.type === 'enum' && fact.values
          ? { ok: true, values: [...fact.values] }
          : { ok: false, span: e.span, what: `fact '${name}' of type ${fact.type}` };
      const derived = policy.derived.find((d) => d.name === name);
      if (derived && !seen.has(name)) {
        const inner = valueChoices(derived.expr, policy, new Set([...seen, name]));
        return inner.ok ? inner : { ok: false, span: e.span, what: `derived fact '${name}' (${inner.what})` };
      }
      return { ok: false, span: e.span, what: `'${name}', which is not a declared fact` };
    }
    case 'if':
      return union([e.then, e.else], policy, seen);
    case 'call':
      if (e.name === 'coalesce') return union(e.args, policy, seen);
      return { ok: false, span: e.span, what: `the result of ${e.name}()` };
    default:
      return { ok: false, span: e.span, what: 'an expression that is not a choice of names' };
  }
}

function union(parts: Expr[], policy: Policy, seen: ReadonlySet<string>): Choices {
  const values: string[] = [];
  for (const part of parts) {
    const c = valueChoices(part, policy, seen);
    if (!c.ok) return c;
    for (const v of c.values) if (!values.includes(v)) values.push(v);
  }
  return { ok: true, values };
}
