// The abstract interpreter: what a condition can be over every ticket, and what a derived fact
// can be worth. It evaluates an expression on every combination of the values its facts can take
// (dsl/analyze/domains.ts) — exact enumeration, because enum and boolean domains are finite and a
// number compared with constants has finitely many representatives. A comparison that reads an
// opaque value (a date, an instant, text) is an atom: an unknown true-or-false, the same atom
// wherever the same comparison is written, tried both ways. When the product of domains and atoms
// is too large to enumerate, `verdict` falls back to combining the verdicts of the operands
// (Kleene's tables on always/never/depends): sound, but it may answer "depends" where the exact
// answer is "always". Missing facts follow dsl/analyze/domains.ts: judged on tickets that give them.
import { type Expr, exprKey } from '../ast.js';
import { absenceTestedFacts } from '../knowledge.js';
import type { Policy } from '../model.js';
import {
  type AbstractValue,
  type Domain,
  OPAQUE,
  decisionDomains,
  factDomain,
  numberConstants,
  numberPoints,
  readOtherwise,
} from './domains.js';

export type Verdict = 'always' | 'never' | 'depends';

/** Most combinations of fact values enumerated for one expression. */
const MAX_COMBINATIONS = 4096;
/** Most evaluations (combinations × atom choices) spent on one expression. */
const MAX_EVALUATIONS = 20_000;
/**
 * Most evaluations spent on one policy: validation stays bounded whatever a policy holds (a
 * hostile one with hundreds of wide conditions); past it, verdicts come from the operands'.
 */
const MAX_POLICY_EVALUATIONS = 200_000;

class NeedAtom {
  constructor(readonly key: string) {}
}

interface Run {
  facts: Map<string, AbstractValue>;
  atoms: Map<string, boolean>;
  derived: Map<string, AbstractValue | 'busy'>;
}

export class Analyzer {
  private readonly derived: Map<string, Expr>;
  private readonly domains: Map<string, Domain>;
  private readonly possible = new Map<string, AbstractValue[] | undefined>();
  private spent = 0;

  constructor(readonly policy: Policy) {
    this.derived = new Map(policy.derived.map((d) => [d.name, d.expr]));
    const absence = absenceTestedFacts(policy);
    this.domains = decisionDomains(policy);
    for (const f of policy.facts) this.domains.set(f.name, factDomain(f, absence));
  }

  /** Whether a condition is true on every ticket, on none, or depends on the facts. */
  verdict(e: Expr): Verdict {
    const outs = this.outcomes(e, (seen) => seen.has(true) && seen.size > 1);
    if (outs) return !outs.has(true) ? 'never' : outs.size === 1 ? 'always' : 'depends';
    return this.composed(e);
  }

  /** The values a derived fact can take (null: a fact it reads may be missing); undefined when not finite or not followed. */
  possibleValues(name: string): AbstractValue[] | undefined {
    const e = this.derived.get(name);
    return e ? this.valuesOf(name, e) : undefined;
  }

  /** The values an expression can take, remembered under `key`; undefined when opaque or too large to enumerate. */
  valuesOf(key: string, e: Expr): AbstractValue[] | undefined {
    if (this.possible.has(key)) return this.possible.get(key);
    const outs = this.outcomes(e, (seen) => seen.has(OPAQUE));
    const values = outs && !outs.has(OPAQUE) ? [...outs] : undefined;
    this.possible.set(key, values);
    return values;
  }

  /** Whether a name is a derived fact. */
  isDerived(name: string): boolean {
    return this.derived.has(name);
  }

  /** The verdict from the operands' verdicts, for expressions too large to enumerate. */
  private composed(e: Expr): Verdict {
    if (e.kind === 'not') {
      const v = this.verdict(e.operand);
      return v === 'always' ? 'never' : v === 'never' ? 'always' : 'depends';
    }
    if (e.kind === 'logical') {
      const vs = e.operands.map((o) => this.verdict(o));
      const [absorbing, neutral] = e.op === 'and' ? (['never', 'always'] as const) : (['always', 'never'] as const);
      if (vs.includes(absorbing)) return absorbing;
      if (vs.every((v) => v === neutral)) return neutral;
    }
    return 'depends';
  }

  /**
   * Every value an expression takes over the combinations of its facts' values and its atoms;
   * undefined when there are too many to enumerate. `enough` stops early once the answer is known.
   */
  private outcomes(e: Expr, enough: (seen: Set<AbstractValue>) => boolean): Set<AbstractValue> | undefined {
    const reached = this.reached(e);
    const vars: { name: string; values: AbstractValue[] }[] = [];
    const fixed = new Map<string, AbstractValue>();
    let combinations = 1;
    for (const name of reached.facts) {
      const d = this.domains.get(name) ?? { kind: 'opaque' };
      let values: AbstractValue[] | undefined;
      if (d.kind === 'finite') values = d.values;
      else if (d.kind === 'numbers' && !reached.exprs.some((x) => readOtherwise(x, name)))
        values = numberPoints(
          d.fact,
          reached.exprs.flatMap((x) => numberConstants(x, name)),
        );
      if (values === undefined) fixed.set(name, OPAQUE);
      else {
        vars.push({ name, values });
        combinations *= Math.max(1, values.length);
      }
      if (combinations > MAX_COMBINATIONS) return undefined;
    }
    const seen = new Set<AbstractValue>();
    let budget = MAX_EVALUATIONS;
    const index = vars.map(() => 0);
    for (;;) {
      const facts = new Map(fixed);
      vars.forEach((v, i) => facts.set(v.name, v.values[index[i]!]!));
      // Each unset atom met splits the run in two: tried true, then false.
      const pending: Map<string, boolean>[] = [new Map()];
      while (pending.length > 0) {
        if (--budget < 0 || ++this.spent > MAX_POLICY_EVALUATIONS) return undefined;
        const atoms = pending.pop()!;
        try {
          seen.add(this.evaluate(e, { facts, atoms, derived: new Map() }));
          if (enough(seen)) return seen;
        } catch (x) {
          if (!(x instanceof NeedAtom)) throw x;
          pending.push(new Map(atoms).set(x.key, false), new Map(atoms).set(x.key, true));
        }
      }
      let i = 0;
      for (; i < vars.length; i++) {
        index[i]! += 1;
        if (index[i]! < vars[i]!.values.length) break;
        index[i] = 0;
      }
      if (i === vars.length) return seen;
    }
  }

  /** The declared (and decision) facts an expression reads through derived facts, and the expressions it reaches. */
  private reached(e: Expr): { facts: Set<string>; exprs: Expr[] } {
    const facts = new Set<string>();
    const exprs: Expr[] = [e];
    const seen = new Set<string>();
    const walk = (x: Expr) => {
      visitFacts(x, (name) => {
        const d = this.derived.get(name);
        if (!d) facts.add(name);
        else if (!seen.has(name)) {
          seen.add(name);
          exprs.push(d);
          walk(d);
        }
      });
    };
    walk(e);
    return { facts, exprs };
  }

  /** One expression on one combination, in Kleene's three-valued logic. */
  private evaluate(e: Expr, run: Run): AbstractValue {
    const bool = (x: Expr): boolean | null => {
      const v = this.evaluate(x, run);
      if (v === null || typeof v === 'boolean') return v;
      return atom(x);
    };
    const atom = (x: Expr): boolean => {
      const key = exprKey(x);
      const v = run.atoms.get(key);
      if (v === undefined) throw new NeedAtom(key);
      return v;
    };
    switch (e.kind) {
      case 'literal':
        return e.type === 'date' || e.type === 'datetime' ? OPAQUE : e.value;
      case 'fact': {
        const name = e.path.join('.');
        const d = this.derived.get(name);
        if (!d) return run.facts.has(name) ? run.facts.get(name)! : OPAQUE;
        const cached = run.derived.get(name);
        if (cached === 'busy') return OPAQUE; // a circle, reported elsewhere
        if (cached !== undefined) return cached;
        run.derived.set(name, 'busy');
        const v = this.evaluate(d, run);
        run.derived.set(name, v);
        return v;
      }
      case 'list':
        return OPAQUE;
      case 'not': {
        const v = bool(e.operand);
        return v === null ? null : !v;
      }
      case 'logical': {
        const absorbing = e.op === 'or';
        let unknown = false;
        for (const o of e.operands) {
          const v = bool(o);
          if (v === absorbing) return absorbing;
          if (v === null) unknown = true;
        }
        return unknown ? null : !absorbing;
      }
      case 'compare': {
        const l = this.evaluate(e.left, run);
        const r = this.evaluate(e.right, run);
        const isNull = (x: Expr) => x.kind === 'literal' && x.type === 'null';
        if ((e.op === '==' || e.op === '!=') && (isNull(e.left) || isNull(e.right))) {
          const other = isNull(e.left) ? r : l;
          return (other === null) === (e.op === '==');
        }
        if (l === null || r === null) return null;
        if (l === OPAQUE || r === OPAQUE || typeof l !== typeof r) return atom(e);
        if (e.op === '==') return l === r;
        if (e.op === '!=') return l !== r;
        if (typeof l !== 'number' || typeof r !== 'number') return atom(e);
        return e.op === '<' ? l < r : e.op === '<=' ? l <= r : e.op === '>' ? l > r : l >= r;
      }
      case 'in': {
        const l = this.evaluate(e.left, run);
        if (l === null) return null;
        if (e.right.kind !== 'list' || l === OPAQUE) return atom(e);
        const items = e.right.items.map((i) => this.evaluate(i, run));
        if (items.some((i) => i === OPAQUE || i === null)) return atom(e);
        const found = items.includes(l);
        return e.negated ? !found : found;
      }
      case 'call': {
        const args = e.args.map((a) => this.evaluate(a, run));
        if (e.name === 'coalesce') return args.find((a) => a !== null) ?? null;
        if (e.name === 'isSet') return args[0] !== null;
        return args.includes(null) ? null : OPAQUE;
      }
      case 'if': {
        const t = bool(e.test);
        if (t === null) return null;
        return this.evaluate(t ? e.then : e.else, run);
      }
      default: {
        const never: never = e;
        return never;
      }
    }
  }
}

/** Calls `visit` with the dotted name of every fact an expression reads. */
function visitFacts(e: Expr, visit: (name: string) => void): void {
  switch (e.kind) {
    case 'fact':
      visit(e.path.join('.'));
      return;
    case 'literal':
      return;
    case 'call':
      e.args.forEach((a) => visitFacts(a, visit));
      return;
    case 'list':
      e.items.forEach((a) => visitFacts(a, visit));
      return;
    case 'not':
      visitFacts(e.operand, visit);
      return;
    case 'logical':
      e.operands.forEach((a) => visitFacts(a, visit));
      return;
    case 'compare':
    case 'in':
      visitFacts(e.left, visit);
      visitFacts(e.right, visit);
      return;
    case 'if':
      visitFacts(e.test, visit);
      visitFacts(e.then, visit);
      visitFacts(e.else, visit);
      return;
    default: {
      const never: never = e;
      return never;
    }
  }
}
