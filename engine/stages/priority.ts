// The `priority` stage: override, explicit rules, lookup, matrix, `from` and default.
import type { Named } from '../../dsl/index.js';
import type { Compiler } from '../compiler.js';
import { eq, factExpr } from './exprs.js';

export function compilePriority(c: Compiler): void {
  const p = c.policy.priority;
  if (!p) return;
  const levels = c.policy.priorities.map((l) => l.name);
  // An override, a lookup and `from` act on their fact when it is given, and pass on when not.
  const fromFact = (n: Named, prefix: string, override: boolean) => {
    for (const level of levels) {
      c.add(
        'priority',
        `${prefix}.${level}`,
        [eq(factExpr([n.name], n.span), level, n.span)],
        { kind: 'priority', priority: level, ...(override ? { override } : {}) },
        n.span,
        n.name,
      );
    }
  };
  // Order matters: the customer's override wins, then explicit rules, the lookup, the matrix.
  if (p.override) fromFact(p.override, 'priority.override', true);
  p.rules.forEach((r, i) =>
    c.add('priority', `priority.rules.${r.id ?? i + 1}`, [r.when], { kind: 'priority', priority: r.priority.name }, r.span),
  );
  if (p.lookup) {
    const fact = p.lookup.fact;
    for (const row of p.lookup.table) {
      c.add(
        'priority',
        `priority.lookup.${row.value.name}`,
        [eq(factExpr([fact.name], fact.span), row.value.name, row.value.span)],
        { kind: 'priority', priority: row.priority.name },
        row.priority.span,
        fact.name,
      );
    }
  }
  if (p.matrix) {
    const m = p.matrix;
    for (const cell of m.cells) {
      c.add(
        'priority',
        `priority.matrix.${cell.row.name}.${cell.column.name}`,
        [
          eq(factExpr([m.rows.name], cell.row.span), cell.row.name, cell.row.span),
          eq(factExpr([m.columns.name], cell.column.span), cell.column.name, cell.column.span),
        ],
        { kind: 'priority', priority: cell.priority.name },
        cell.priority.span,
      );
    }
  }
  if (p.from) fromFact(p.from, 'priority.from', false);
  if (p.default) c.add('priority', 'priority.default', [], { kind: 'priority', priority: p.default.name }, p.default.span);
}
