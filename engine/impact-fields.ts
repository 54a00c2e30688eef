// What an impact run reports, as data: the pinned summary's fields and shapes, and the buckets of
// due-date shifts. No imports but types, so the editor can read and draw reports without the engine.
import type { Decision } from './decision.js';

/** The fields whose changes are counted, in the order of the summary (pinned). */
export const IMPACT_FIELDS = [
  'eligible',
  'priority',
  'channels',
  'sla.response.dueAt',
  'sla.resolution.dueAt',
  'billing.total',
] as const;
export type ImpactField = (typeof IMPACT_FIELDS)[number];

/** `spe impact --format json` and the body of `POST /v1/policies/:id/impact` (pinned shape). */
export interface ImpactSummary {
  /** Tickets read (every non-blank line or record, errors included). */
  tickets: number;
  /** Tickets decided on both sides with at least one field changed. */
  changed: number;
  byField: Record<ImpactField, number>;
  /** Per currency, the sum of (to − from) of `billing.total`, as an exact decimal string. */
  billingDelta: Record<string, string>;
  /** Tickets that could not be decided on a side: not JSON, or failing the facts check. Never a change. */
  errors: number;
}

/** A ticket that could not be decided, by its line in the input. */
export interface ImpactError {
  line: number;
  message: string;
}

/** One changed ticket: both decisions side by side (trace left out). */
export interface ChangedTicket {
  line: number;
  facts: unknown;
  fields: ImpactField[];
  /** Due-date shifts in business hours of the new side's calendar (positive: later). */
  shiftHours: Partial<Record<'sla.response.dueAt' | 'sla.resolution.dueAt', number>>;
  /** to − from of `billing.total`, when both sides bill in one currency. */
  billingDelta: { currency: string; amount: string } | null;
  from: Decision;
  to: Decision;
}

/** Bounds (business hours) of the due-date shift histogram's buckets; a shift falls in the first bucket whose bound exceeds it. */
export const SHIFT_BOUNDS = [-40, -8, -4, -1, 0, 1, 4, 8, 40] as const;
export const SHIFT_LABELS = [
  '≤ −40 h',
  '−40…−8 h',
  '−8…−4 h',
  '−4…−1 h',
  '−1…0 h',
  '0…1 h',
  '1…4 h',
  '4…8 h',
  '8…40 h',
  '≥ 40 h',
];

/** Shift histogram counts per window, one count per SHIFT_LABELS bucket. */
export type ShiftCounts = Record<'sla.response.dueAt' | 'sla.resolution.dueAt', number[]>;

/** Errors and most-changed tickets kept for a report, however long the run. */
export const REPORT_KEEP = { errors: 100, top: 20 } as const;

/** What a report shows besides the summary. */
export interface ImpactDetails {
  shifts: ShiftCounts;
  /** The most changed tickets, most changed first. */
  top: ChangedTicket[];
  /** The first errors, by line. */
  errors: ImpactError[];
}
