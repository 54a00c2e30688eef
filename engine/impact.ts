// Impact analysis: the same tickets decided by two revisions of a policy, and what changed in the
// pinned fields (DESIGN §6). A part is the impact of one chunk of tickets (made where the tickets
// are decided: a worker thread, or the server); a tally adds parts up into the summary, in order.
import Big from 'big.js';
import type { CompiledPolicy } from './compile.js';
import type { Decision } from './decision.js';
import { type EvaluateOptions, EvaluationFacts, evaluate } from './evaluate.js';
import { REAL_TIME, businessCalendar } from './sla.js';
import { elapsed, normalizePauses } from './clock.js';
import {
  type ChangedTicket,
  IMPACT_FIELDS,
  type ImpactError,
  type ImpactField,
  type ImpactDetails,
  type ImpactSummary,
  REPORT_KEEP,
  SHIFT_BOUNDS,
  type ShiftCounts,
  SHIFT_LABELS,
} from './impact-fields.js';

export * from './impact-fields.js';

export interface ImpactPart {
  tickets: number;
  changed: number;
  byField: Record<ImpactField, number>;
  /** Exact decimal sums by currency. */
  billingDelta: Record<string, string>;
  errors: ImpactError[];
  /** Changed tickets, in input order. */
  changes: ChangedTicket[];
  /** Shift histogram counts per window, one count per SHIFT_LABELS bucket. */
  shifts: ShiftCounts;
}

export interface Sides {
  from: CompiledPolicy;
  to: CompiledPolicy;
  now?: string;
}

const zeroFields = (): Record<ImpactField, number> =>
  Object.fromEntries(IMPACT_FIELDS.map((f) => [f, 0])) as Record<ImpactField, number>;
const zeroShifts = () => ({ 'sla.response.dueAt': SHIFT_LABELS.map(() => 0), 'sla.resolution.dueAt': SHIFT_LABELS.map(() => 0) });

export function emptyPart(): ImpactPart {
  return { tickets: 0, changed: 0, byField: zeroFields(), billingDelta: {}, errors: [], changes: [], shifts: zeroShifts() };
}

/** Tickets as they come: JSON text of one line each (parsed here), or facts already read (from CSV). */
export type TicketInput = { line: number; text: string } | { line: number; facts: unknown };

/** Decides each ticket on both sides and records what changed. */
export function impactOf(sides: Sides, tickets: Iterable<TicketInput>): ImpactPart {
  const part = emptyPart();
  // Outcomes are compared without their decisionIds; a changed ticket's decisions are made again, identified.
  const options: EvaluateOptions = { trace: false, identify: false, ...(sides.now !== undefined ? { now: sides.now } : {}) };
  const identified: EvaluateOptions = { ...options, identify: true };
  const sums = new Map<string, Big>();
  for (const ticket of tickets) {
    part.tickets++;
    let facts: unknown;
    if ('text' in ticket) {
      try {
        facts = JSON.parse(ticket.text);
      } catch (e) {
        part.errors.push({ line: ticket.line, message: `not valid JSON: ${(e as Error).message}` });
        continue;
      }
    } else facts = ticket.facts;
    const a = evaluate(sides.from, facts, options);
    const b = evaluate(sides.to, facts, options);
    if (!a.ok || !b.ok) {
      const problems = (!a.ok ? a.problems : !b.ok ? b.problems : []).map((p) => `${p.pointer || '/'} ${p.message}`);
      const side = !a.ok && !b.ok ? 'both sides' : !a.ok ? 'the old side' : 'the new side';
      part.errors.push({ line: ticket.line, message: `facts refused by ${side}: ${problems.slice(0, 3).join('; ')}` });
      continue;
    }
    const fields = changedFields(a.decision, b.decision);
    if (fields.length === 0) continue;
    part.changed++;
    for (const f of fields) part.byField[f]++;
    const from = evaluate(sides.from, facts, identified);
    const to = evaluate(sides.to, facts, identified);
    const change: ChangedTicket = {
      line: ticket.line,
      facts,
      fields,
      shiftHours: {},
      billingDelta: null,
      from: from.ok ? from.decision : a.decision,
      to: to.ok ? to.decision : b.decision,
    };
    if (fields.includes('billing.total')) change.billingDelta = addBillingDelta(sums, a.decision, b.decision);
    for (const w of ['sla.response.dueAt', 'sla.resolution.dueAt'] as const) {
      if (!fields.includes(w)) continue;
      const hours = shiftHours(sides.to, facts, a.decision, b.decision, w === 'sla.response.dueAt' ? 'response' : 'resolution');
      if (hours === null) continue;
      change.shiftHours[w] = hours;
      part.shifts[w][shiftBucket(hours)]!++;
    }
    part.changes.push(change);
  }
  for (const [currency, sum] of sums) part.billingDelta[currency] = sum.toString();
  return part;
}

const instantOf = (dueAt: string | null | undefined) => (dueAt ? Date.parse(dueAt) : null);

/** The pinned fields that differ. A due date is an instant: the same instant in another offset is no change. */
export function changedFields(a: Decision, b: Decision): ImpactField[] {
  const out: ImpactField[] = [];
  if (a.eligible !== b.eligible) out.push('eligible');
  if (a.priority !== b.priority) out.push('priority');
  if (!sameList(a.channels, b.channels)) out.push('channels');
  if (!sameInstant(a.sla?.response?.dueAt, b.sla?.response?.dueAt)) out.push('sla.response.dueAt');
  if (!sameInstant(a.sla?.resolution?.dueAt, b.sla?.resolution?.dueAt)) out.push('sla.resolution.dueAt');
  if (a.billing?.total !== b.billing?.total || a.billing?.currency !== b.billing?.currency) out.push('billing.total');
  return out;
}

// Both run for every ticket twice over: the text compared first, parsed only when it differs.
const sameInstant = (x: string | null | undefined, y: string | null | undefined) => x === y || instantOf(x) === instantOf(y);

function sameList(x: readonly string[] | null, y: readonly string[] | null): boolean {
  if (x === y) return true;
  if (x === null || y === null || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Adds to − from to the sums by currency (a side with no bill counts as zero). */
function addBillingDelta(sums: Map<string, Big>, a: Decision, b: Decision): ChangedTicket['billingDelta'] {
  const add = (currency: string, amount: Big) => sums.set(currency, (sums.get(currency) ?? new Big(0)).plus(amount));
  if (a.billing) add(a.billing.currency, new Big(a.billing.total).neg());
  if (b.billing) add(b.billing.currency, new Big(b.billing.total));
  if (a.billing && b.billing && a.billing.currency !== b.billing.currency) return null;
  const currency = (b.billing ?? a.billing)!.currency;
  const amount = new Big(b.billing?.total ?? 0).minus(a.billing?.total ?? 0);
  return { currency, amount: fixed(amount, b.billing?.total ?? a.billing!.total) };
}

/** An amount with as many decimals as an example amount of its currency has. */
function fixed(amount: Big, example: string): string {
  const dot = example.indexOf('.');
  return amount.toFixed(dot < 0 ? 0 : example.length - dot - 1);
}

/**
 * How far a due date moved, in business hours of the calendar of the new side's window (real
 * hours when it is 24x7, or when the window is gone on one side: then null).
 */
function shiftHours(
  to: CompiledPolicy,
  facts: unknown,
  a: Decision,
  b: Decision,
  window: 'response' | 'resolution',
): number | null {
  const was = instantOf(a.sla?.[window]?.dueAt);
  const now = instantOf(b.sla?.[window]?.dueAt);
  if (was === null || now === null) return null;
  const validated = to.validateFacts(facts);
  if (!validated.ok) return null;
  const calendar = to.calendars.get(b.sla![window]!.calendar);
  const clock = calendar ? businessCalendar(calendar, new EvaluationFacts(to, validated.slots)) : REAL_TIME;
  // A calendar whose zone comes from a fact not given has no clock: no shift to measure.
  if (clock === null) return null;
  // Paused time does not count, as it does not on the clock that set the due dates.
  const given = (facts as { pauses?: unknown }).pauses;
  const pauses = normalizePauses(
    (Array.isArray(given) ? (given as { from: string; to: string }[]) : []).map(
      (p) => [Date.parse(p.from), Date.parse(p.to)] as const,
    ),
  );
  const ms = now > was ? elapsed(clock, was, now, pauses) : -elapsed(clock, now, was, pauses);
  return Math.round((ms / 3_600_000) * 100) / 100;
}

export function shiftBucket(hours: number): number {
  const i = SHIFT_BOUNDS.findIndex((bound) => (bound <= 0 ? hours <= bound : hours < bound));
  return i < 0 ? SHIFT_BOUNDS.length : i;
}

/** How much a change moved a ticket, to pick the most changed: fields first, then money, then time. */
export function changeWeight(c: ChangedTicket): number {
  const money = c.billingDelta ? Math.abs(Number(c.billingDelta.amount)) : 0;
  const hours = Math.max(0, ...Object.values(c.shiftHours).map((h) => Math.abs(h ?? 0)));
  return c.fields.length * 1e9 + Math.min(money, 1e6) * 100 + Math.min(hours, 1e5);
}

/** Adds parts up in input order; keeps only what a report needs, so memory stays flat. */
export class ImpactTally {
  private readonly total = emptyPart();
  private readonly sums = new Map<string, Big>();
  private readonly digits = new Map<string, number>();
  private errorCount = 0;
  private top: ChangedTicket[] = [];

  add(part: ImpactPart): void {
    this.total.tickets += part.tickets;
    this.total.changed += part.changed;
    for (const f of IMPACT_FIELDS) this.total.byField[f] += part.byField[f];
    for (const [currency, sum] of Object.entries(part.billingDelta)) {
      this.sums.set(currency, (this.sums.get(currency) ?? new Big(0)).plus(sum));
    }
    for (const c of part.changes) {
      for (const d of [c.from.billing, c.to.billing]) {
        if (!d) continue;
        const dot = d.total.indexOf('.');
        this.digits.set(d.currency, Math.max(this.digits.get(d.currency) ?? 0, dot < 0 ? 0 : d.total.length - dot - 1));
      }
    }
    for (const w of ['sla.response.dueAt', 'sla.resolution.dueAt'] as const)
      part.shifts[w].forEach((n, i) => (this.total.shifts[w][i]! += n));
    this.errorCount += part.errors.length;
    for (const e of part.errors) if (this.total.errors.length < REPORT_KEEP.errors) this.total.errors.push(e);
    if (part.changes.length > 0) {
      this.top = [...this.top, ...part.changes]
        .sort((x, y) => changeWeight(y) - changeWeight(x) || x.line - y.line)
        .slice(0, REPORT_KEEP.top);
    }
  }

  summary(): ImpactSummary {
    const billingDelta: Record<string, string> = {};
    for (const currency of [...this.sums.keys()].sort()) {
      billingDelta[currency] = this.sums.get(currency)!.toFixed(this.digits.get(currency) ?? 2);
    }
    return {
      tickets: this.total.tickets,
      changed: this.total.changed,
      byField: { ...this.total.byField },
      billingDelta,
      errors: this.errorCount,
    };
  }

  details(): ImpactDetails {
    return { shifts: this.total.shifts, top: this.top, errors: this.total.errors };
  }
}
