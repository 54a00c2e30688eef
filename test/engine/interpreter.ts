// A deliberate second implementation, used only as a test oracle: a plain tree-walking
// interpreter of the parsed policy (dsl/model.ts, dsl/ast.ts) that decides eligibility, tier,
// priority, channels, the SLA targets, entitlements and actions straight from DESIGN.md §3 and §5
// in Kleene's three-valued logic. It imports nothing from engine/ (no compiler, expression
// evaluator, facts module or stages), so a bug shared by the fast path and json-rules-engine
// shows up as a disagreement with it. Slow and simple on purpose: every value is recomputed
// where it is read, nothing is cached, nothing is compiled.
import type { Duration, Expr } from '../../dsl/ast.js';
import { businessDayMinutes, durationMinutes } from '../../dsl/durations.js';
import type { Calendar, FactDecl, Policy, SlaTargets, SlaTier } from '../../dsl/model.js';

/** A calendar date, `YYYY-MM-DD`. */
class DateValue {
  constructor(readonly ymd: string) {}
}

/** An instant, milliseconds since the epoch (however its text was written). */
class Instant {
  constructor(readonly ms: number) {}
}

/** A value of the language; `null` is "no value": not given, or unknown. */
type Value = string | number | boolean | DateValue | Instant | Value[] | null;

/** Kleene's truth values: `null` is unknown. */
type Truth = boolean | null;

/** What a first-match section made of its rules. */
type FirstMatch<T> = { kind: 'decided'; outcome: T } | { kind: 'open'; missing: Set<string> } | { kind: 'none' };

export interface OracleTargets {
  response: { target: string; calendar: string } | null;
  resolution: { target: string; calendar: string } | null;
}

export interface OracleBilling {
  kind: 'ticket' | 'purchase';
  plan: string;
  notices: string[];
}

export interface OracleDecision {
  eligible: boolean | null;
  /** The codes of every deny rule that holds, in the policy's order (the channel's last). */
  reasons: string[];
  tier: string | null;
  priority: string | null;
  channels: string[] | null;
  /** null when not eligible, or when the targets depend on something not known. */
  sla: OracleTargets | null;
  /** The plan that bills the ticket (or the price-list entry quoted) and the notices that hold; amounts are left out. */
  billing: OracleBilling | null;
  entitlements: string[];
  actions: string[];
  /** For each outcome left null because something is not known: the given-or-not facts that would decide it. */
  deciding: Partial<Record<'eligible' | 'tier' | 'priority' | 'channels' | 'sla' | 'billing', string[]>>;
}

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

/** `60` minutes → `PT1H`, `90` → `PT1H30M`, `15` → `PT15M`. */
function isoMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `PT${m}M`;
  return m === 0 ? `PT${h}H` : `PT${h}H${m}M`;
}

// ---- one evaluation ----

export class Interpreter {
  private tier: string | null = null;
  private priority: string | null = null;
  private channels: string[] | null = [];
  private readonly facts: Map<string, FactDecl>;
  private readonly derived: Map<string, Expr>;

  constructor(
    private readonly policy: Policy,
    private readonly input: Record<string, unknown>,
    private readonly openChannels: OpenChannels = 'precise',
  ) {
    this.facts = new Map(policy.facts.map((f) => [f.name, f]));
    this.derived = new Map(policy.derived.map((d) => [d.name, d.expr]));
  }

  // -- facts --

  /** A declared fact's value: given, else its default, else none. */
  private given(f: FactDecl): unknown {
    const v = this.input[f.name];
    if (v !== undefined && v !== null) return v;
    return f.default ?? null;
  }

  private readFact(path: string[]): Value {
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
  private blame(e: Expr, out = new Set<string>()): Set<string> {
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

  private policyZone(): string | null {
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

  // -- sections --

  /**
   * First-match: rules in order; the first that holds decides; one that is unknown before any
   * holds leaves the outcome open (never skipped as if false).
   */
  private firstMatch<T>(rules: { when: () => Truth; reads: () => Set<string>; outcome: T }[]): FirstMatch<T> {
    for (const r of rules) {
      const t = r.when();
      if (t === true) return { kind: 'decided', outcome: r.outcome };
      if (t === null) return { kind: 'open', missing: r.reads() };
    }
    return { kind: 'none' };
  }

  private rule<T>(when: Expr | undefined, outcome: T) {
    return {
      when: (): Truth => (when ? this.truth(when) : true),
      reads: () => (when ? this.blame(when) : new Set<string>()),
      outcome,
    };
  }

  /** A rule that tests `decision.<what> == value`. */
  private decisionRule<T>(what: 'tier' | 'priority', value: string, outcome: T) {
    return {
      when: (): Truth => {
        const v = what === 'tier' ? this.tier : this.priority;
        return v === null ? null : v === value;
      },
      reads: () => new Set<string>(this.deciding[what] ?? []),
      outcome,
    };
  }

  private deciding: OracleDecision['deciding'] = {};

  private decideTier(): void {
    const tiers = this.policy.tiers;
    if (!tiers) return;
    const v = this.value(tiers.of);
    if (v === null) this.deciding.tier = [...this.blame(tiers.of)];
    else if (typeof v === 'string' && tiers.levels.some((l) => l.name === v)) this.tier = v;
  }

  private decidePriority(): void {
    const p = this.policy.priority;
    if (!p) return;
    const levels = new Set(this.policy.priorities.map((l) => l.name));
    /** A fact's value when given (an override, a lookup, `from` pass on when it is not). */
    const givenString = (name: string): string | null => {
      const v = this.readFact([name]);
      return typeof v === 'string' ? v : null;
    };
    const decide = (level: string | undefined | null): boolean => {
      if (level && levels.has(level)) {
        this.priority = level;
        return true;
      }
      return false;
    };
    // In order: override, rules, lookup, matrix, from, default.
    if (p.override && decide(givenString(p.override.name))) return;
    for (const r of p.rules) {
      const t = this.truth(r.when);
      if (t === true) {
        this.priority = r.priority.name;
        return;
      }
      if (t === null) {
        this.deciding.priority = [...this.blame(r.when)];
        return;
      }
    }
    if (p.lookup) {
      const key = givenString(p.lookup.fact.name);
      if (key !== null && decide(p.lookup.table.find((row) => row.value.name === key)?.priority.name)) return;
    }
    if (p.matrix) {
      const m = p.matrix;
      const row = givenString(m.rows.name);
      const column = givenString(m.columns.name);
      // The cells the known coordinates still allow: one decides, several (a coordinate not known) leave it open.
      const cells = m.cells.filter((c) => (row === null || c.row.name === row) && (column === null || c.column.name === column));
      if (row !== null && column !== null) {
        if (decide(cells[0]?.priority.name)) return;
      } else if (cells.length > 0) {
        this.deciding.priority = [row === null ? m.rows.name : null, column === null ? m.columns.name : null].filter(
          (x): x is string => x !== null && this.facts.has(x),
        );
        return;
      }
    }
    if (p.from && decide(givenString(p.from.name))) return;
    if (p.default) this.priority = p.default.name;
  }

  /** The channels rules and the tiers' lists, in the order they are tried. */
  private channelRules() {
    const ch = this.policy.channels!;
    return [
      ...ch.rules.map((r) => this.rule(r.when, r.allow.map((a) => a.name))),
      ...ch.byTier.map((b) => this.decisionRule('tier', b.tier.name, b.allow.map((a) => a.name))),
    ];
  }

  private decideChannels(): void {
    if (!this.policy.channels) return;
    const m = this.firstMatch(this.channelRules());
    if (m.kind === 'decided') this.channels = m.outcome;
    else if (m.kind === 'none') this.channels = [];
    else {
      this.channels = null;
      this.deciding.channels = [...m.missing];
    }
  }

  /**
   * The channel fact, when given, must be among the ticket's channels. When those are open, it
   * is refused if no list the rules could still give has it, allowed if every one does.
   */
  private channelRefused(): Truth {
    const ch = this.policy.channels;
    if (!ch) return false;
    const channel = this.readFact([ch.fact.name]);
    if (channel === null) return false;
    if (this.channels !== null) return !this.channels.includes(channel as string);
    if (this.openChannels === 'kleene') return null;
    const possible: string[][] = [];
    let certain = false;
    for (const r of this.channelRules()) {
      const t = r.when();
      if (t === false) continue;
      possible.push(r.outcome);
      if (t === true) {
        certain = true;
        break;
      }
    }
    if (!certain) possible.push([]);
    const has = possible.map((l) => l.includes(channel as string));
    if (has.every((x) => x)) return false;
    if (has.every((x) => !x)) return true;
    return null;
  }

  private eligibility(): { eligible: boolean | null; reasons: string[] } {
    const reasons: string[] = [];
    let unknown = false;
    const missing = new Set<string>();
    for (const r of this.policy.eligibility) {
      const t = this.truth(r.when);
      if (t === true) reasons.push(r.code);
      if (t === null) {
        unknown = true;
        this.blame(r.when, missing);
      }
    }
    const ch = this.policy.channels;
    if (ch) {
      const t = this.channelRefused();
      if (t === true) reasons.push(ch.deny.code);
      if (t === null) {
        unknown = true;
        for (const f of this.deciding.channels ?? []) missing.add(f);
      }
    }
    if (reasons.length > 0) return { eligible: false, reasons };
    if (unknown) {
      this.deciding.eligible = [...missing];
      return { eligible: null, reasons };
    }
    return { eligible: true, reasons };
  }

  /** The response and resolution targets of the ticket's SLA tier and priority. */
  private decideSla(): OracleTargets | null {
    const none: OracleTargets = { response: null, resolution: null };
    // No SLA section: best effort for every ticket, whatever its tier.
    if (this.policy.sla.length === 0) return none;
    const slaOf = this.policy.tiers?.slaOf;
    const slaTier = slaOf ? this.value(slaOf) : this.tier;
    if (slaTier === null) {
      this.deciding.sla = slaOf ? [...this.blame(slaOf)] : (this.deciding.tier ?? []);
      return null;
    }
    const tier = this.policy.sla.find((t) => t.tier.name === slaTier);
    if (!tier) return none;
    if (tier.bestEffort) return none;
    if (this.priority === null) {
      // Open unless no cell of the tier could apply.
      if (tier.cells.length === 0) return none;
      this.deciding.sla = this.deciding.priority ?? [];
      return null;
    }
    const cell = tier.cells.find((c) => c.priority.name === this.priority)?.cell;
    if (!cell || cell.kind === 'best-effort') return none;
    if (cell.kind === 'targets') return this.targets(cell.targets, tier);
    const m = this.firstMatch(cell.rules.map((r) => this.rule(r.when, r)));
    if (m.kind === 'none') return none;
    if (m.kind === 'open') {
      this.deciding.sla = [...m.missing];
      return null;
    }
    return this.targets(m.outcome, tier);
  }

  private targets(t: SlaTargets, tier: SlaTier): OracleTargets | null {
    // Where a target counts: its own `in`, the cell's (or rule's) calendar, the tier's.
    const chosen = (): string | null | undefined => {
      if (t.calendar) return t.calendar.name;
      const choice = t.calendarOf ?? (tier.calendar ? undefined : tier.calendarOf);
      if (choice) {
        const v = this.value(choice.expr);
        return typeof v === 'string' ? v : null;
      }
      return tier.calendar?.name;
    };
    let open = false;
    const one = (d: Duration | undefined) => {
      if (!d) return null;
      const calendar = d.calendar?.name ?? chosen();
      if (calendar === null) {
        open = true;
        return null;
      }
      const cal: Calendar | undefined = this.policy.calendars.find((c) => c.name === calendar);
      const minutes = durationMinutes(d, cal ? businessDayMinutes(cal) : undefined);
      return { target: isoMinutes(minutes), calendar: calendar ?? '24x7' };
    };
    const out = { response: one(t.response), resolution: one(t.resolution) };
    return open ? null : out;
  }

  /**
   * A purchase named in the facts is quoted from the price list; else the first plan that holds
   * bills the ticket once its worked minutes are given, with the notices that hold.
   */
  private decideBilling(): OracleBilling | null {
    const billing = this.policy.billing;
    if (!billing) return null;
    if (billing.purchase) {
      const sku = this.readFact([billing.purchase.sku.name]);
      if (typeof sku === 'string') return billing.priceList.some((e) => e.sku === sku) ? { kind: 'purchase', plan: sku, notices: [] } : null;
    }
    const m = this.firstMatch(billing.plans.map((p) => this.rule(p.when, p.id)));
    if (m.kind === 'open') {
      this.deciding.billing = [...m.missing];
      return null;
    }
    if (m.kind === 'none') return null;
    const worked = billing.worked ? this.readFact([billing.worked.name]) : null;
    if (typeof worked !== 'number') {
      if (billing.worked && this.facts.has(billing.worked.name)) this.deciding.billing = [billing.worked.name];
      return null;
    }
    return { kind: 'ticket', plan: m.outcome, notices: this.grants(billing.notices) };
  }

  private grants(grants: { id: string; when?: Expr }[]): string[] {
    return grants.filter((g) => (g.when ? this.truth(g.when) : true) === true).map((g) => g.id);
  }

  decide(): OracleDecision {
    this.decideTier();
    this.decidePriority();
    this.decideChannels();
    const { eligible, reasons } = this.eligibility();
    const sla = eligible === true ? this.decideSla() : null;
    return {
      eligible,
      reasons,
      tier: this.tier,
      priority: this.priority,
      channels: this.channels,
      sla,
      billing: eligible === true ? this.decideBilling() : null,
      entitlements: eligible === true ? this.grants(this.policy.entitlements) : [],
      actions: eligible === true ? this.grants(this.policy.actions) : [],
      deciding: this.deciding,
    };
  }
}

/** Whether comparing two values asks for an instant's date: a date against an instant. */
const mixes = (a: Value, b: Value) =>
  (a instanceof DateValue && b instanceof Instant) || (a instanceof Instant && b instanceof DateValue);

function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'literal':
    case 'fact':
      return [];
    case 'call':
      return e.args;
    case 'list':
      return e.items;
    case 'not':
      return [e.operand];
    case 'logical':
      return e.operands;
    case 'compare':
    case 'in':
      return [e.left, e.right];
    case 'if':
      return [e.test, e.then, e.else];
  }
}

/**
 * How the channel check reads channels that are open (a rule before the one that holds is
 * unknown). `kleene`: `channel not in decision.channels` is unknown, as DESIGN §3's tables say.
 * `precise`: refused when no list the rules could still give has the channel, allowed when every
 * one has it, else unknown. Both are sound; an engine may be as decisive as either, no more.
 */
export type OpenChannels = 'precise' | 'kleene';

/** The oracle's decision for a policy and facts (the facts assumed valid: the engine refuses the rest). */
export function interpret(policy: Policy, facts: Record<string, unknown>, openChannels: OpenChannels = 'precise'): OracleDecision {
  return new Interpreter(policy, facts, openChannels).decide();
}
