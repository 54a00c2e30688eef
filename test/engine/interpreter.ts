// A deliberate second implementation, used only as a test oracle: a plain tree-walking
// interpreter of the parsed policy (dsl/model.ts, dsl/ast.ts) that decides eligibility, tier,
// priority, channels, the SLA targets, the billing plan and notices, entitlements and actions
// straight from DESIGN.md §3 and §5 in Kleene's three-valued logic (its expressions in
// ./oracle-expressions.ts). It imports nothing from engine/ (no compiler, expression evaluator,
// facts module or stages), so a bug shared by the fast path and json-rules-engine shows up as a
// disagreement with it. Slow and simple on purpose: every value is recomputed where it is read,
// nothing is cached, nothing is compiled. Some code looks like the engine's: that is the point.
import type { Duration, Expr } from '../../dsl/ast.js';
import { businessDayMinutes, durationMinutes } from '../../dsl/durations.js';
import type { Calendar, Policy, SlaTargets, SlaTier } from '../../dsl/model.js';
import { type Deciding, Expressions, type Truth } from './oracle-expressions.js';

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
  deciding: Deciding;
}

/** `60` minutes → `PT1H`, `90` → `PT1H30M`, `15` → `PT15M`. */
function isoMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `PT${m}M`;
  return m === 0 ? `PT${h}H` : `PT${h}H${m}M`;
}

// ---- one evaluation ----

export class Interpreter extends Expressions {
  constructor(
    policy: Policy,
    input: Record<string, unknown>,
    private readonly openChannels: OpenChannels = 'precise',
  ) {
    super(policy, input);
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
      ...ch.rules.map((r) =>
        this.rule(
          r.when,
          r.allow.map((a) => a.name),
        ),
      ),
      ...ch.byTier.map((b) =>
        this.decisionRule(
          'tier',
          b.tier.name,
          b.allow.map((a) => a.name),
        ),
      ),
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
      if (typeof sku === 'string')
        return billing.priceList.some((e) => e.sku === sku) ? { kind: 'purchase', plan: sku, notices: [] } : null;
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
    return { kind: 'ticket', plan: m.outcome, notices: this.grants(billing.notices, 'notices') };
  }

  /** All-match: every grant that holds applies; one that is unknown does not, and its facts are missing. */
  private grants(grants: { id: string; when?: Expr }[], section: 'notices' | 'entitlements' | 'actions'): string[] {
    const missing = new Set<string>();
    const applied = grants.filter((g) => {
      const t = g.when ? this.truth(g.when) : true;
      if (t === null) this.blame(g.when!, missing);
      return t === true;
    });
    if (missing.size > 0) this.deciding[section] = [...missing];
    return applied.map((g) => g.id);
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
      entitlements: eligible === true ? this.grants(this.policy.entitlements, 'entitlements') : [],
      actions: eligible === true ? this.grants(this.policy.actions, 'actions') : [],
      deciding: this.deciding,
    };
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
export function interpret(
  policy: Policy,
  facts: Record<string, unknown>,
  openChannels: OpenChannels = 'precise',
): OracleDecision {
  return new Interpreter(policy, facts, openChannels).decide();
}
