// The priority section: its levels, facts, lookup table and matrix.
import type { FactDecl, Named } from '../model.js';
import { incompleteTable, typeMismatch, unknownFact, unknownPriority, unknownValue } from '../problems/index.js';
import type { Context } from './context.js';
import { nearest, nearMisses, tableValue, undeclared } from './names.js';

export function checkPriority({ policy, report, priorities, facts }: Context): void {
  const p = policy.priority;
  if (!p) return;
  const level = (n: Named) => {
    if (!priorities.includes(n.name)) report(unknownPriority({ where: 'name', ...undeclared(n, priorities) }));
  };
  const fact = (n: Named, role: string): FactDecl | undefined => {
    const f = facts.get(n.name);
    if (!f) {
      report(unknownFact({ where: 'role', span: n.span, name: n.name, role, ...nearest(n.name, facts.keys()) }));
    }
    return f;
  };
  const enumFact = (n: Named, role: string): FactDecl | undefined => {
    const f = fact(n, role);
    if (f && f.type !== 'enum') {
      report(typeMismatch({ kind: 'enum-fact', span: n.span, role, fact: n.name, type: f.type }));
      return undefined;
    }
    return f;
  };
  for (const [n, role] of [
    [p.override, 'customer override'],
    [p.from, 'priority fact'],
  ] as const) {
    if (!n) continue;
    const f = fact(n, role);
    for (const v of f?.type === 'enum' ? (f.values ?? []) : []) {
      if (!priorities.includes(v)) {
        report(unknownPriority({ where: 'fact-value', span: n.span, fact: n.name, value: v, priorities }));
      }
    }
  }
  p.rules.forEach((r) => level(r.priority));
  if (p.default) level(p.default);
  if (p.lookup) {
    const lookup = p.lookup;
    lookup.table.forEach((row) => level(row.priority));
    const f = enumFact(lookup.fact, 'lookup fact');
    if (f) {
      const values = f.values ?? [];
      // A misspelt value is reported once, as misspelt, not also as missing.
      const meant = nearMisses(
        lookup.table.map((r) => r.value.name),
        values,
      );
      for (const row of lookup.table)
        if (!values.includes(row.value.name)) report(unknownValue(tableValue(row.value, f, meant.get(row.value.name))));
      const meantValues = new Set(meant.values());
      const missing = values.filter((v) => !lookup.table.some((row) => row.value.name === v) && !meantValues.has(v));
      if (missing.length) {
        report(incompleteTable({ kind: 'lookup', span: lookup.span, fact: f.name, missing }));
      }
    }
  }
  if (p.matrix) {
    const m = p.matrix;
    m.cells.forEach((c) => level(c.priority));
    const rowFact = enumFact(m.rows, 'matrix rows fact');
    const colFact = enumFact(m.columns, 'matrix columns fact');
    if (rowFact && colFact) {
      const rows = rowFact.values ?? [];
      const cols = colFact.values ?? [];
      const meantRows = nearMisses(
        m.rowSpans.map((r) => r.name),
        rows,
      );
      for (const r of m.rowSpans) if (!rows.includes(r.name)) report(unknownValue(tableValue(r, rowFact, meantRows.get(r.name))));
      const missing: string[] = [];
      const rowsCovered = new Set<string>();
      for (const row of m.rowSpans) {
        const cells = m.cells.filter((x) => x.row.name === row.name);
        const written = cells.map((x) => x.column.name);
        const meantCols = nearMisses(written, cols);
        for (const c of cells)
          if (!cols.includes(c.column.name)) report(unknownValue(tableValue(c.column, colFact, meantCols.get(c.column.name))));
        // A misspelt row or column is reported as misspelt, not also as a missing cell.
        const r = rows.includes(row.name) ? row.name : meantRows.get(row.name);
        if (r === undefined) continue;
        rowsCovered.add(r);
        const meantValues = new Set(meantCols.values());
        // A row that lacks a cell is reported at the row, where the cell goes.
        const lacking = cols.filter((c) => !written.includes(c) && !meantValues.has(c));
        if (lacking.length)
          report(incompleteTable({ kind: 'matrix', span: row.span, missing: lacking.map((c) => `${rowFact.name} ${r} × ${colFact.name} ${c}`) }));
      }
      for (const r of rows)
        if (!rowsCovered.has(r)) for (const c of cols) missing.push(`${rowFact.name} ${r} × ${colFact.name} ${c}`);
      if (missing.length) {
        report(incompleteTable({ kind: 'matrix', span: m.span, missing }));
      }
    }
  }
}
