// The expression half of the test oracle (see ./interpreter.ts): values, dates and Kleene's
// three-valued logic, written from DESIGN.md §3 with nothing of engine/. Every value is computed
// where it is read, from the given facts, the derived facts' expressions and the decision so far.
import type { Expr } from '../../dsl/ast.js';
import type { FactDecl, Policy } from '../../dsl/model.js';

/** A calendar date, `YYYY-MM-DD`. */
export class DateValue {
  constructor(readonly ymd: string) {}
}

/** An instant, milliseconds since the epoch (however its text was written). */
export class Instant {
  constructor(readonly ms: number) {}
}

/** A value of the language; `null` is "no value": not given, or unknown. */
export type Value = string | number | boolean | DateValue | Instant | Value[] | null;

/** Kleene's truth values: `null` is unknown. */
export type Truth = boolean | null;

// ---- dates, read with Intl and Date only ----

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function localYmd(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(ms));
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function splitYmd(ymd: string): [number, number, number] {
  const [y, m, d] = ymd.split('-').map(Number);
  return [y!, m!, d!];
}

const ymdOf = (t: Date) => `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;

function addDaysTo(ymd: string, n: number): string {
  const [y, m, d] = splitYmd(ymd);
  return ymdOf(new Date(Date.UTC(y, m - 1, d + n)));
}

function lastDay(y: number, m: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function addMonthsTo(ymd: string, n: number): string {
  const [y, m, d] = splitYmd(ymd);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const ny = first.getUTCFullYear();
  const nm = first.getUTCMonth() + 1;
  return `${pad(ny, 4)}-${pad(nm)}-${pad(Math.min(d, lastDay(ny, nm)))}`;
}

// ---- one evaluation's expressions ----

/** The outcomes a decision can leave open (or grants it leaves unapplied), each with the facts not given that would decide it. */
export type Deciding = Partial<
  Record<'eligible' | 'tier' | 'priority' | 'channels' | 'sla' | 'billing' | 'notices' | 'entitlements' | 'actions', string[]>
>;

export class Expressions {
  protected tier: string | null = null;
  protected priority: string | null = null;
  protected channels: string[] | null = [];
  /** For each outcome left open: the facts not given that would decide it. */
  protected deciding: Deciding = {};
  protected readonly facts: Map<string, FactDecl>;
  protected readonly derived: Map<string, Expr>;

  constructor(
    protected readonly policy: Policy,
    protected readonly input: Record<string, unknown>,
  ) {
    this.facts = new Map(policy.facts.map((f) => [f.name, f]));
    this.derived = new Map(policy.derived.map((d) => [d.name, d.expr]));
  }

  // -- facts --

  /** A declared fact's value: given, else its default, else none. */
  protected given(f: FactDecl): unknown {
    const v = this.input[f.name];
    if (v !== undefined && v !== null) return v;
    return f.default ?? null;
  }

  protected readFact(path: string[]): Value {
    const name = path.join('.');
    if (path[0] === 'decision') {
      if (name === 'decision.tier') return this.tier;
      if (name === 'decision.priority') return this.priority;
      if (name === 'decision.channels') return this.channels;
      throw new Error(`oracle: no decision field ${name}`);
    }
    const decl = this.facts.get(name);
    if (decl) {
      const v = this.given(decl);
      if (v === null) return null;
      switch (decl.type) {
        case 'date':
          return new DateValue(String(v));
        case 'datetime':
          return new Instant(Date.parse(String(v)));
        case 'string':
        case 'enum':
        case 'timezone':
        case 'number':
        case 'integer':
        case 'boolean':
          return v as string | number | boolean;
        case 'intervals':
        case 'events':
          return v as Value[];
      }
    }
    const expr = this.derived.get(name);
    if (expr) return this.value(expr);
    throw new Error(`oracle: unknown fact ${name}`);
  }

  /**
   * Why an expression has no value: the facts not given (and without default) that its
   * evaluation stopped on, following the same steps as `value`. A fact whose absence is read as
   * information (`isSet(x)`, `x == null`, `coalesce(x, …)` but for its last argument) is never
   * to blame; `decision.*` is blamed on what left that outcome open.
   */
  protected blame(e: Expr, out = new Set<string>()): Set<string> {
    if (this.value(e) !== null) return out;
    const add = (x: Expr) => this.blame(x, out);
    const isNull = (x: Expr) => x.kind === 'literal' && x.type === 'null';
    switch (e.kind) {
      case 'literal':
        break;
      case 'fact': {
        const name = e.path.join('.');
        if (name === 'decision.tier' || name === 'decision.priority' || name === 'decision.channels') {
          for (const f of this.deciding[e.path[1] as 'tier' | 'priority' | 'channels'] ?? []) out.add(f);
          break;
        }
        if (this.facts.has(name)) out.add(name);
        const d = this.derived.get(name);
        if (d) add(d);
        break;
      }
      case 'call':
        if (e.name === 'coalesce') {
          e.args.forEach((a, i) => {
            if (i === e.args.length - 1 || a.kind !== 'fact') add(a);
          });
        } else if (e.name !== 'isSet') {
          e.args.forEach(add);
          // An instant's date in the policy's zone, the function naming none.
          const zoneAt = e.name.startsWith('add') ? 2 : 1;
          if (e.args.length <= zoneAt && this.value(e.args[0]!) instanceof Instant) this.blameZone(out);
        }
        break;
      case 'list':
        break;
      case 'not':
        add(e.operand);
        break;
      case 'logical':
        e.operands.forEach(add);
        break;
      case 'compare':
        if (!isNull(e.left) && !isNull(e.right)) {
          add(e.left);
          add(e.right);
          if (mixes(this.value(e.left), this.value(e.right))) this.blameZone(out);
        }
        break;
      case 'in': {
        add(e.left);
        if (e.right.kind === 'list') e.right.items.forEach(add);
        else add(e.right);
        const left = this.value(e.left);
        const list = this.value(e.right);
        if (Array.isArray(list) && list.some((item) => mixes(left, item))) this.blameZone(out);
        break;
      }
      case 'if':
        if (this.value(e.test) === null) add(e.test);
        else add(this.value(e.test) === true ? e.then : e.else);
        break;
    }
    return out;
  }

  /** The policy's zone fact, when an instant's date is asked and that fact is not given. */
  private blameZone(out: Set<string>): void {
    const z = this.policy.zoneFact?.name;
    if (z && this.policyZone() === null && this.facts.has(z)) out.add(z);
  }

  // -- where an instant becomes a date --

  protected policyZone(): string | null {
    if (this.policy.zone) return this.policy.zone.name;
    if (this.policy.zoneFact) {
      const z = this.readFact([this.policy.zoneFact.name]);
      return typeof z === 'string' ? z : null;
    }
    return null;
  }

  /** A date, or an instant's date in `zone`; null when that zone is not known. */
  private asDate(v: DateValue | Instant, zone: string | null): DateValue | null {
    if (v instanceof DateValue) return v;
    return zone === null ? null : new DateValue(localYmd(v.ms, zone));
  }

  // -- expressions --

  value(e: Expr): Value {
    switch (e.kind) {
      case 'literal':
        if (e.type === 'date') return new DateValue(String(e.value));
        if (e.type === 'datetime') return new Instant(Date.parse(String(e.value)));
        return e.value;
      case 'fact':
        return this.readFact(e.path);
      case 'list':
        return e.items.map((i) => this.value(i));
      case 'call':
        return this.call(e.name, e.args);
      case 'not': {
        const t = this.truth(e.operand);
        return t === null ? null : !t;
      }
      case 'logical': {
        // Kleene: one false decides an `and`, one true an `or`; else any unknown leaves it unknown.
        const values = e.operands.map((o) => this.truth(o));
        const decisive = e.op === 'or';
        if (values.includes(decisive)) return decisive;
        if (values.includes(null)) return null;
        return !decisive;
      }
      case 'compare':
        return this.compare(e.op, e.left, e.right);
      case 'in': {
        const left = this.value(e.left);
        const list = this.value(e.right);
        if (left === null || !Array.isArray(list)) return null;
        const each = list.map((item) => this.equal(left, item));
        const found: Truth = each.includes(true) ? true : each.includes(null) ? null : false;
        return found === null ? null : found !== e.negated;
      }
      case 'if': {
        const t = this.truth(e.test);
        if (t === null) return null;
        return t ? this.value(e.then) : this.value(e.else);
      }
    }
  }

  truth(e: Expr): Truth {
    const v = this.value(e);
    if (v === null || typeof v === 'boolean') return v;
    throw new Error(`oracle: a condition gave ${String(v)}`);
  }

  /** Equality in three values: unknown when either side is, or an instant's date needs a zone not known. */
  private equal(a: Value, b: Value): Truth {
    if (a === null || b === null) return null;
    const order = this.order(a, b);
    if (order === 'unknown') return null;
    if (order !== 'unordered') return order === 0;
    return a === b;
  }

  /** -1, 0, 1 for values that have an order; 'unordered' for strings and booleans. */
  private order(a: Value, b: Value): -1 | 0 | 1 | 'unordered' | 'unknown' {
    const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);
    if (typeof a === 'number' && typeof b === 'number') return sign(a - b);
    if (a instanceof Instant && b instanceof Instant) return sign(a.ms - b.ms);
    if ((a instanceof DateValue || a instanceof Instant) && (b instanceof DateValue || b instanceof Instant)) {
      // A date and an instant: the instant's local date in the policy's zone.
      const zone = this.policyZone();
      const da = this.asDate(a, zone);
      const db = this.asDate(b, zone);
      if (da === null || db === null) return 'unknown';
      return da.ymd < db.ymd ? -1 : da.ymd > db.ymd ? 1 : 0;
    }
    return 'unordered';
  }

  private compare(op: '==' | '!=' | '<' | '<=' | '>' | '>=', left: Expr, right: Expr): Truth {
    const isNull = (x: Expr) => x.kind === 'literal' && x.type === 'null';
    // `x == null` asks whether x has a value: always known.
    if (isNull(left) || isNull(right)) {
      const other = isNull(left) ? right : left;
      const absent = this.value(other) === null;
      if (op === '==') return absent;
      if (op === '!=') return !absent;
      throw new Error(`oracle: ${op} null`);
    }
    const a = this.value(left);
    const b = this.value(right);
    if (op === '==' || op === '!=') {
      const eq = this.equal(a, b);
      return eq === null ? null : eq === (op === '==');
    }
    if (a === null || b === null) return null;
    const o = this.order(a, b);
    if (o === 'unknown') return null;
    if (o === 'unordered') throw new Error(`oracle: ${op} on ${String(a)} and ${String(b)}`);
    switch (op) {
      case '<':
        return o < 0;
      case '<=':
        return o <= 0;
      case '>':
        return o > 0;
      case '>=':
        return o >= 0;
    }
  }

  private call(name: string, argExprs: Expr[]): Value {
    if (name === 'isSet') return this.value(argExprs[0]!) !== null;
    if (name === 'coalesce') {
      for (const a of argExprs) {
        const v = this.value(a);
        if (v !== null) return v;
      }
      return null;
    }
    const args = argExprs.map((a) => this.value(a));
    // A date function's zone: the one it names (at its last position), else the policy's.
    const zoneAt = { dateOf: 1, startOfYear: 1, startOfMonth: 1, endOfMonth: 1, addDays: 2, addMonths: 2, addYears: 2 }[name];
    if (zoneAt === undefined) throw new Error(`oracle: no function ${name}`);
    let zone: string | null;
    if (args.length > zoneAt) {
      const z = args[zoneAt];
      if (typeof z !== 'string') return null;
      zone = z;
    } else zone = this.policyZone();
    const d = args[0];
    if (!(d instanceof DateValue || d instanceof Instant)) return null;
    if (d instanceof Instant && (name === 'addDays' || name === 'addMonths' || name === 'addYears'))
      throw new Error(`oracle: ${name} of a datetime is not modelled`);
    const date = this.asDate(d, zone);
    if (date === null) return null;
    const [y, m] = splitYmd(date.ymd);
    const n = args[1];
    switch (name) {
      case 'dateOf':
        return date;
      case 'startOfYear':
        return new DateValue(`${pad(y, 4)}-01-01`);
      case 'startOfMonth':
        return new DateValue(`${pad(y, 4)}-${pad(m)}-01`);
      case 'endOfMonth':
        return new DateValue(`${pad(y, 4)}-${pad(m)}-${pad(lastDay(y, m))}`);
      case 'addDays':
        return typeof n === 'number' ? new DateValue(addDaysTo(date.ymd, n)) : null;
      case 'addMonths':
        return typeof n === 'number' ? new DateValue(addMonthsTo(date.ymd, n)) : null;
      case 'addYears':
        return typeof n === 'number' ? new DateValue(addMonthsTo(date.ymd, 12 * n)) : null;
      default:
        throw new Error(`oracle: no function ${name}`);
    }
  }
}

/** Whether comparing two values asks for an instant's date: a date against an instant. */
const mixes = (a: Value, b: Value) =>
  (a instanceof DateValue && b instanceof Instant) || (a instanceof Instant && b instanceof DateValue);
