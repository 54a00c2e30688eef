// The contract's decision table (`spe table`): every combination of the enum and boolean facts
// that decide the tier, eligibility, priority, channels and SLA, each evaluated by the engine,
// with the proof that every combination gets a priority and an SLA or a deny reason — or the
// combinations that get none. Facts of other types (dates, numbers, text) are not enumerated:
// they are left out of each evaluation, so an outcome that needs them is shown as depending on
// them (three-valued logic: never guessed). Rows that agree on every outcome whatever the value
// of one fact are merged, that fact shown as `*`.
import { type Expr, type FactDecl, type HolidayCatalog, type Policy, factsRead } from '../dsl/index.js';
import { type CompiledPolicy, compilePolicy } from './compile.js';
import { evaluate } from './evaluate.js';
import { ANY, type Cell, type DecisionTable, type TableRow } from './table-model.js';

export { ANY, type Cell, type DecisionTable, type TableRow, type TableTarget } from './table-model.js';

/** Most combinations enumerated; a policy with more is summarised, not tabulated. */
export const MAX_COMBINATIONS = 20_000;

/** The enum and boolean facts that the deciding sections read, through derived facts. */
export function decidingFacts(policy: Policy): FactDecl[] {
  const names = decidingNames(policy);
  return policy.facts.filter((f) => names.has(f.name) && (f.type === 'enum' || f.type === 'boolean'));
}

/** Every name the sections that decide eligibility, tier, priority, channels and SLA read, through derived facts. */
function decidingNames(policy: Policy): Set<string> {
  const derived = new Map(policy.derived.map((d) => [d.name, d.expr]));
  const names = new Set<string>();
  const seen = new Set<string>();
  const read = (e: Expr | undefined) => {
    if (!e) return;
    for (const r of factsRead(e)) {
      const n = r.path.join('.');
      if (seen.has(n)) continue;
      seen.add(n);
      names.add(n);
      read(derived.get(n));
    }
  };
  read(policy.tiers?.of);
  read(policy.tiers?.slaOf);
  if (policy.tiers?.ofDefaulted) names.add('tier');
  policy.eligibility.forEach((r) => read(r.when));
  policy.channels?.rules.forEach((r) => read(r.when));
  if (policy.channels) names.add(policy.channels.fact.name);
  const p = policy.priority;
  p?.rules.forEach((r) => read(r.when));
  for (const n of [p?.override, p?.lookup?.fact, p?.from, p?.matrix?.rows, p?.matrix?.columns]) if (n) names.add(n.name);
  for (const t of policy.sla) {
    // A calendar chosen by the ticket's facts decides the SLA too.
    read(t.calendarOf?.expr);
    for (const { cell } of t.cells) {
      if (cell.kind === 'targets') read(cell.targets.calendarOf?.expr);
      if (cell.kind === 'rules') cell.rules.forEach((r) => (read(r.when), read(r.calendarOf?.expr)));
    }
  }
  return names;
}

function valuesOf(f: FactDecl): Cell[] {
  const values: Cell[] = f.type === 'boolean' ? [true, false] : [...(f.values ?? [])];
  // An optional fact with no default can be left out: that is one more case the contract decides.
  if (!f.required && f.default === undefined) values.push(null);
  return values;
}

/** The decision table of a loaded policy; `source` and `holidays` as for compiling it. */
export function decisionTable(compiled: CompiledPolicy, source: string, holidays?: HolidayCatalog): DecisionTable {
  const policy = compiled.policy;
  const facts = decidingFacts(policy).map((f) => ({ name: f.name, values: valuesOf(f) }));
  const inTable = new Set(facts.map((f) => f.name));
  const other = policy.facts.filter((f) => !inTable.has(f.name));
  const combinations = facts.reduce((n, f) => n * f.values.length, 1);
  const header = {
    policy: { id: policy.id, title: policy.title, version: policy.version, revision: compiled.revision },
    facts,
    other: other.map((f) => ({ name: f.name, type: f.type, ...(f.default !== undefined ? { default: f.default } : {}) })),
    combinations,
  };
  if (combinations > MAX_COMBINATIONS) return { ...header, rows: [], complete: false, gaps: [] };
  // The facts left out are not required here: left out, what reads them is unknown, never guessed.
  const relaxed: Policy = { ...policy, facts: policy.facts.map((f) => (inTable.has(f.name) ? f : { ...f, required: false })) };
  const full = compilePolicy(relaxed, source, holidays ? { holidays } : {});
  // Priority, channels and SLA of a ticket whose eligibility waits on facts left out: as if eligible.
  const asIfEligible = compilePolicy({ ...relaxed, eligibility: [] }, source, holidays ? { holidays } : {});
  const deciding = decidingNames(policy);
  // Required facts left out of the table: what a row waits on when the engine cannot decide without them.
  const required = other.filter((f) => f.required && f.default === undefined).map((f) => f.name);

  const rows: TableRow[] = [];
  const index = facts.map(() => 0);
  for (let done = false; !done;) {
    const when: Record<string, Cell> = {};
    const given: Record<string, unknown> = {};
    facts.forEach((f, i) => {
      const v = f.values[index[i]!]!;
      when[f.name] = v;
      if (v !== null) given[f.name] = v;
    });
    rows.push(rowOf(when, given, full, asIfEligible, deciding, required));
    let i = 0;
    for (; i < facts.length; i++) {
      index[i]! += 1;
      if (index[i]! < facts[i]!.values.length) break;
      index[i] = 0;
    }
    done = i === facts.length;
  }
  const merged = mergeRows(rows, facts);
  const gaps = merged.filter((r) => r.gap);
  return { ...header, rows: merged, complete: gaps.length === 0, gaps };
}

function rowOf(
  when: Record<string, Cell>,
  given: Record<string, unknown>,
  full: CompiledPolicy,
  asIfEligible: CompiledPolicy,
  deciding: Set<string>,
  required: string[],
): TableRow {
  let result: ReturnType<typeof evaluate>;
  try {
    result = evaluate(full, given, { trace: false });
  } catch {
    // The engine needs a required fact left out (a zone to place business hours in): the row waits on them.
    return {
      when,
      eligible: null,
      reasons: [],
      tier: null,
      priority: null,
      channels: null,
      response: null,
      resolution: null,
      dependsOn: required,
      gap: false,
    };
  }
  if (!result.ok) {
    // Facts the policy refuses (an assertion on them): no ticket of this row passes the facts check.
    return {
      when,
      eligible: false,
      reasons: result.problems.map((p) => p.code ?? 'invalid-facts'),
      tier: null,
      priority: null,
      channels: null,
      response: null,
      resolution: null,
      dependsOn: [],
      gap: false,
    };
  }
  let d = result.decision;
  const missing = new Set(d.missingFacts);
  if (d.eligible === null) {
    let open: ReturnType<typeof evaluate> | undefined;
    try {
      open = evaluate(asIfEligible, given, { trace: false });
    } catch {
      open = undefined;
    }
    if (open?.ok) {
      d = { ...open.decision, eligible: null, reasons: [] };
      for (const n of open.decision.missingFacts) missing.add(n);
    }
  }
  const window = (w: { target: string; targetText: string; calendar: string } | null) =>
    w ? { target: w.target, text: w.targetText, calendar: w.calendar } : null;
  const sla = d.sla;
  const response = sla ? (sla.response || sla.resolution ? window(sla.response) : 'best-effort') : null;
  const resolution = sla ? (sla.response || sla.resolution ? window(sla.resolution) : 'best-effort') : null;
  const decidedNo = d.eligible === false;
  // What would decide an open outcome: a missing fact that the deciding sections read (not one
  // read only for the due date or the bill).
  const dependsOn = decidedNo ? [] : [...missing].filter((n) => deciding.has(n));
  const open = !decidedNo && (d.priority === null || sla === null);
  return {
    when,
    eligible: d.eligible,
    reasons: d.reasons.map((r) => r.code),
    tier: d.tier,
    priority: decidedNo ? null : d.priority,
    channels: decidedNo ? null : d.channels,
    response: decidedNo ? null : response,
    resolution: decidedNo ? null : resolution,
    dependsOn: dependsOn.sort(),
    // Open with nothing missing to decide it: no ticket of this row gets an outcome.
    gap: open && dependsOn.length === 0,
  };
}

/** The outcome of a row, as one key: rows with equal keys decide alike. */
const outcomeKey = (r: TableRow) =>
  JSON.stringify([r.eligible, r.reasons, r.tier, r.priority, r.channels, r.response, r.resolution, r.dependsOn, r.gap]);

/**
 * Merges rows that differ in one fact only and together cover all its values with one outcome,
 * that fact becoming `*`; repeated for each fact, last declared first, until nothing merges.
 */
export function mergeRows(rows: TableRow[], facts: { name: string; values: Cell[] }[]): TableRow[] {
  let current = rows;
  // Each row's outcome as a key, made once: merged rows keep their group's outcome.
  const keys = new WeakMap<TableRow, string>();
  const keyOf = (r: TableRow) => {
    let k = keys.get(r);
    if (k === undefined) keys.set(r, (k = outcomeKey(r)));
    return k;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const f of [...facts].reverse()) {
      const groups = new Map<string, TableRow[]>();
      for (const r of current) {
        const rest = facts.filter((x) => x.name !== f.name).map((x) => r.when[x.name]);
        const key = `${JSON.stringify(rest)}|${keyOf(r)}`;
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      const next: TableRow[] = [];
      for (const group of groups.values()) {
        const values = new Set(group.map((r) => JSON.stringify(r.when[f.name])));
        if (group.length > 1 && f.values.every((v) => values.has(JSON.stringify(v)))) {
          const merged = { ...group[0]!, when: { ...group[0]!.when, [f.name]: ANY } };
          keys.set(merged, keyOf(group[0]!));
          next.push(merged);
          changed = true;
        } else next.push(...group);
      }
      current = next;
    }
  }
  // In the order of the facts' values, as an admin reads the contract.
  const rank = (f: { values: Cell[] }, v: Cell) => (v === ANY ? f.values.length : f.values.indexOf(v));
  return current.sort((a, b) => {
    for (const f of facts) {
      const d = rank(f, a.when[f.name]!) - rank(f, b.when[f.name]!);
      if (d !== 0) return d;
    }
    return 0;
  });
}
