// The decision an evaluation returns. Field names, types and meanings are pinned (DESIGN §5):
// services and customers rely on them. Fields beyond those are additions, never changes.
import type { StageName } from './rules.js';

export interface Reason {
  code: string;
  message: string;
  /** `file:line:col` of the rule that denied. */
  source: string;
}

export interface SlaWindow {
  /** ISO 8601 duration of the target, in the calendar's time (business time on a business calendar). */
  target: string;
  /** The target as the policy writes it, e.g. "3 business days". */
  targetText: string;
  calendar: string;
  /** When the target falls due, with the calendar's UTC offset; null when `openedAt` is not given. */
  dueAt: string | null;
  /** Where the clock starts: `openedAt`, or the next business instant after it. */
  startsAt: string | null;
  /** Given `now` or the response/resolution instant: running, met or breached; else null. */
  status: 'running' | 'met' | 'breached' | null;
  /** Business time elapsed by then, and what remains of the target or by how much it was exceeded (ISO 8601). */
  elapsed: string | null;
  remaining: string | null;
  exceeded: string | null;
  source: string;
}

/**
 * A window the policy declares (`windows:`), for one ticket: its current cycle, or its last when
 * none runs. A repeating window (next reply, periodic update) runs a cycle after each start event.
 */
export interface DeclaredWindow {
  /** ISO 8601 duration of the target, in the calendar's time. */
  target: string;
  targetText: string;
  calendar: string;
  repeats: boolean;
  /** Where the current (or last) cycle's clock started: its start event, or the next business instant. */
  startsAt: string | null;
  /** When the current (or last) cycle falls (or fell) due; null when paused before it, or not started. */
  dueAt: string | null;
  /**
   * `waiting`: no cycle has started; `running` (given `now`, before its due date), `paused`; a stopped
   * cycle `met` or `breached`; null when running and no `now` was given, or `openedAt` is not given.
   */
  status: 'waiting' | 'running' | 'paused' | 'met' | 'breached' | null;
  /** A repeating window's running cycle's due date: when the next reply or update is due; else null. */
  nextDueAt: string | null;
  /** Cycles that stopped in time, and those that did not (a running cycle past its due date counts as breached). */
  met: number;
  breached: number;
  source: string;
}

/** A line of the intervention report (rapportino): what was worked, billed, charged and left. */
export interface BillingLine {
  label: string;
  quantity?: number;
  unit?: string;
  amount?: string;
  currency?: string;
}

export interface BillingNotice {
  code: string;
  message: string;
  /** For `credit-insufficient`: the last day to top the balance up (end of the month after the ticket's). */
  regularizeBy?: string;
}

export interface Billing {
  currency: string;
  billableMinutes: number;
  /** Exact decimal strings with the currency's minor digits ("37.50", "15"). */
  amount: string;
  tax: string;
  total: string;
  /** A prepaid card's balance after this ticket, when the plan debits one. */
  balanceAfter: string | null;
  notices: BillingNotice[];
  /** A ticket's charge, or a quote for a purchase (additions to the pinned fields, like those below). */
  kind: 'ticket' | 'purchase';
  /** The billing plan, or the price list entry of a purchase. */
  plan: string;
  lines: BillingLine[];
}

/** One event of a decision's explanation. */
export type ExplainEvent =
  | { op: 'enter'; stage: StageName; parent: null }
  | {
      /** `eval`: the rule held; `fail`: it did not; `unknown`: a value it needs is not known. */
      op: 'eval' | 'fail' | 'unknown';
      rule: string;
      source: string;
      stage: StageName;
      /** The index of its stage's `enter` event. */
      parent: number;
      /** What the rule read, with the values it read. */
      facts: Record<string, unknown>;
      /** What the rule gives when it holds. */
      outcome: unknown;
      note?: string;
    }
  | { op: 'skip'; stage: StageName; reason: string };

export interface TraceStep {
  /** The rule's name, e.g. `priority.matrix`. */
  rule: string;
  source: string;
  outcome: unknown;
  /** The facts the rule read, with their values. */
  facts: Record<string, unknown>;
  note?: string;
}

export interface Decision {
  decisionId: string;
  policy: { id: string; version: string; revision: string };
  /** Null when undetermined: no deny rule holds, but one is unknown (see `missingFacts`). */
  eligible: boolean | null;
  reasons: Reason[];
  priority: string | null;
  /** The tier the ticket was served in (an addition to the pinned fields). */
  tier: string | null;
  /** Null when undetermined (a fact the channel rules need is missing). */
  channels: string[] | null;
  /** Null when not eligible or undetermined; `{ response: null, resolution: null }` for best effort. */
  sla: { response: SlaWindow | null; resolution: SlaWindow | null } | null;
  /**
   * Present when the policy declares windows (an addition to the pinned fields): each declared
   * window by name, null when the ticket's SLA sets it no target; null like `sla`.
   */
  windows?: Record<string, DeclaredWindow | null> | null;
  billing: Billing | null;
  actions: string[];
  entitlements: string[];
  /** Facts the decision needed but were not given: the outcome that needed them is left open. */
  missingFacts: string[];
  trace: TraceStep[];
  /** With `explain: true`: every stage reached and every rule considered (engine/explain.ts). */
  explanation?: ExplainEvent[];
}

/** A problem with the facts given, with the JSON pointer of the offending value inside the facts. */
export interface FactProblem {
  pointer: string;
  fact: string;
  message: string;
  /** The code of the policy's assertion that the facts fail (`assert:`). */
  code?: string;
}

export type EvaluationResult = { ok: true; decision: Decision } | { ok: false; problems: FactProblem[] };
