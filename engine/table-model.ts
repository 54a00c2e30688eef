// The shape of a decision table (engine/table.ts computes it, engine/table-format.ts prints it),
// browser-safe: the editor's Table tab reads the same rows.
/** A fact's value in a row: a value, `null` for "not given", or `*` for any value. */
export type Cell = string | boolean | null;
/** A row's cell that holds for every value of its fact. */
export const ANY = '*';

export interface TableTarget {
  target: string;
  text: string;
  calendar: string;
}

export interface TableRow {
  when: Record<string, Cell>;
  /** `true`, `false`, or null when a deny rule reads facts the table leaves out (`dependsOn`). */
  eligible: boolean | null;
  reasons: string[];
  tier: string | null;
  priority: string | null;
  channels: string[] | null;
  /** Null: no SLA decided; `best-effort`: the tier promises none. */
  response: TableTarget | 'best-effort' | null;
  resolution: TableTarget | 'best-effort' | null;
  /** Facts outside the table that an open outcome of this row waits for. */
  dependsOn: string[];
  /** No priority, or no SLA, and no deny reason; and no fact left out would decide it. */
  gap: boolean;
}

export interface DecisionTable {
  policy: { id: string; title: string; version: string; revision: string };
  /** The enumerated facts and their values (`null`: not given, for an optional fact). */
  facts: { name: string; values: Cell[] }[];
  /** The facts left out of the table, with their defaults where they have one. */
  other: { name: string; type: string; default?: unknown }[];
  combinations: number;
  rows: TableRow[];
  complete: boolean;
  /** The rows with no outcome (merged as the rows are). */
  gaps: TableRow[];
}
