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

/**
 * Values a branch cannot take because the test that leads to it ruled them out: in
 * `if region == "apac" then "singapore" else region`, the `else` branch's region is not "apac".
 */
type Excluded = ReadonlyMap<string, ReadonlySet<string>>;
const NONE: Excluded = new Map();

/** `fact == "v"` or `fact in ["v", …]` (either side): the fact and the values it holds when true. */
function factIs(test: Expr): { fact: string; values: string[] } | undefined {
  const lit = (x: Expr) => (x.kind === 'literal' && x.type === 'string' ? String(x.value) : undefined);
  if (test.kind === 'compare' && test.op === '==') {
    const [f, v] = test.left.kind === 'fact' ? [test.left, lit(test.right)] : [test.right, lit(test.left)];
    if (f.kind === 'fact' && v !== undefined) return { fact: f.path.join('.'), values: [v] };
  }
  if (test.kind === 'in' && !test.negated && test.left.kind === 'fact' && test.right.kind === 'list') {
    const values = test.right.items.map(lit);
    if (values.every((v) => v !== undefined)) return { fact: test.left.path.join('.'), values: values as string[] };
  }
  return undefined;
}

export function valueChoices(e: Expr, policy: Policy, seen: ReadonlySet<string> = new Set(), excluded: Excluded = NONE): Choices {
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
      const out = excluded.get(name);
      if (fact)
        return fact.type === 'enum' && fact.values
          ? { ok: true, values: fact.values.filter((v) => !out?.has(v)) }
          : { ok: false, span: e.span, what: `fact '${name}' of type ${fact.type}` };
      const derived = policy.derived.find((d) => d.name === name);
      if (derived && !seen.has(name)) {
        const inner = valueChoices(derived.expr, policy, new Set([...seen, name]));
        return inner.ok ? inner : { ok: false, span: e.span, what: `derived fact '${name}' (${inner.what})` };
      }
      return { ok: false, span: e.span, what: `'${name}', which is not a declared fact` };
    }
    case 'if': {
      const then = valueChoices(e.then, policy, seen, excluded);
      if (!then.ok) return then;
      const ruled = factIs(e.test);
      const rest = ruled
        ? new Map([...excluded, [ruled.fact, new Set([...(excluded.get(ruled.fact) ?? []), ...ruled.values])]])
        : excluded;
      const otherwise = valueChoices(e.else, policy, seen, rest);
      if (!otherwise.ok) return otherwise;
      return { ok: true, values: [...new Set([...then.values, ...otherwise.values])] };
    }
    case 'call':
      if (e.name === 'coalesce') return union(e.args, policy, seen, excluded);
      return { ok: false, span: e.span, what: `the result of ${e.name}()` };
    default:
      return { ok: false, span: e.span, what: 'an expression that is not a choice of names' };
  }
}

function union(parts: Expr[], policy: Policy, seen: ReadonlySet<string>, excluded: Excluded): Choices {
  const values: string[] = [];
  for (const part of parts) {
    const c = valueChoices(part, policy, seen, excluded);
    if (!c.ok) return c;
    for (const v of c.values) if (!values.includes(v)) values.push(v);
  }
  return { ok: true, values };
}
