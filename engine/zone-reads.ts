// Whether a condition turns an instant into a date in the policy's zone: then, when that zone is a
// fact not given, the fact is one of those that would decide the condition (`missingFacts`).
import { type Expr, FUNCTIONS, type Policy, childrenOf, isFunctionName } from '../dsl/index.js';

type Temporal = 'date' | 'datetime' | null;

/** Whether `e` (or a derived fact it reads) takes an instant's date in the policy's zone. */
export function asksPolicyZone(e: Expr, policy: Policy, seen = new Set<string>()): boolean {
  const kind = (x: Expr) => temporalKind(x, policy);
  const mixes = (a: Temporal, b: Temporal) => a !== null && b !== null && a !== b;
  switch (e.kind) {
    case 'fact': {
      const name = e.path.join('.');
      const d = policy.derived.find((x) => x.name === name);
      if (!d || seen.has(name)) return false;
      seen.add(name);
      return asksPolicyZone(d.expr, policy, seen);
    }
    case 'call': {
      const zoneAt = isFunctionName(e.name) ? FUNCTIONS[e.name].zoneAt : undefined;
      // A date function that names no zone, given an instant.
      if (zoneAt !== undefined && e.args.length <= zoneAt && e.args[0] && kind(e.args[0]) === 'datetime') return true;
      break;
    }
    case 'compare':
      if (mixes(kind(e.left), kind(e.right))) return true;
      break;
    case 'in':
      if (e.right.kind === 'list' && e.right.items.some((i) => mixes(kind(e.left), kind(i)))) return true;
      break;
    default:
      break;
  }
  return childrenOf(e).some((c) => asksPolicyZone(c, policy, seen));
}

/** Whether an expression's value is a date, an instant, or neither (from declarations, not values). */
function temporalKind(e: Expr, policy: Policy, seen = new Set<string>()): Temporal {
  const of = (x: Expr) => temporalKind(x, policy, seen);
  switch (e.kind) {
    case 'literal':
      return e.type === 'date' || e.type === 'datetime' ? e.type : null;
    case 'fact': {
      const name = e.path.join('.');
      const f = policy.facts.find((x) => x.name === name);
      if (f) return f.type === 'date' || f.type === 'datetime' ? f.type : null;
      const d = policy.derived.find((x) => x.name === name);
      if (!d || seen.has(name)) return null;
      seen.add(name);
      return of(d.expr);
    }
    case 'call': {
      // The function table types the call from its arguments' types, as the checker does.
      if (!isFunctionName(e.name)) return null;
      const t = FUNCTIONS[e.name].check(
        e.args.map((a) => ({ t: of(a) ?? 'unknown' })),
        () => undefined,
      ).t;
      return t === 'date' || t === 'datetime' ? t : null;
    }
    case 'if':
      return of(e.then) ?? of(e.else);
    default:
      return null;
  }
}
