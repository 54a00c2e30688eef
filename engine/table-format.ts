// The decision table (engine/table.ts) written out: Markdown, CSV, JSON, or a standalone HTML
// page an admin can send a vendor to sign off. Printing is apart from computing.
// Browser-safe (no runtime import of the engine): the editor's Table tab lays out the same texts.
import { ANY, type Cell, type DecisionTable, type TableRow, type TableTarget } from './table-model.js';


export const TABLE_FORMATS = ['md', 'csv', 'json', 'html'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

export const OUTCOMES = ['eligible', 'reasons', 'tier', 'priority', 'channels', 'response', 'resolution', 'depends on'] as const;

export function cellText(v: Cell | undefined): string {
  if (v === ANY) return 'any';
  if (v === null || v === undefined) return '(not given)';
  return String(v);
}

function targetText(t: TableTarget | 'best-effort' | null): string {
  if (t === null) return '—';
  if (t === 'best-effort') return 'best effort';
  return `${t.text} (${t.calendar})`;
}

/** A row's outcome columns as text, in the order of OUTCOMES. */
export function outcomeTexts(r: TableRow): string[] {
  const eligible = r.eligible === true ? 'yes' : r.eligible === false ? 'no' : 'unless a deny rule holds';
  return [
    r.gap ? `${eligible} — NO OUTCOME` : eligible,
    r.reasons.join(', '),
    r.tier ?? '—',
    r.priority ?? '—',
    r.channels ? r.channels.join(', ') : '—',
    targetText(r.response),
    targetText(r.resolution),
    r.dependsOn.join(', '),
  ];
}

/** The proof of completeness, in words. */
export function proofText(t: DecisionTable): string {
  if (t.rows.length === 0 && t.combinations > 0)
    return `The table has ${t.combinations} combinations, more than can be listed; completeness is not proved.`;
  if (t.complete) {
    const open = t.rows.filter((r) => r.dependsOn.length > 0).length;
    return (
      `Complete: every ticket that passes the facts check gets a priority and an SLA (or best effort), or a deny reason — ` +
      `all ${t.combinations} combinations of ${t.facts.map((f) => f.name).join(', ') || 'no facts'}.` +
      (open ? ` In ${open} rows an outcome waits on a fact not given, named in 'depends on'.` : '')
    );
  }
  const n = t.gaps.length;
  return `Not complete: ${n} ${n === 1 ? 'row (below) gets' : 'rows (below) get'} no priority or no SLA, and no deny reason.`;
}

export function formatTable(t: DecisionTable, format: TableFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ ...t, proof: proofText(t) }, null, 2)}\n`;
    case 'csv':
      return csv(t);
    case 'md':
      return markdown(t);
    case 'html':
      return html(t);
    default: {
      const never: never = format;
      return never;
    }
  }
}

function csv(t: DecisionTable): string {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const header = [
    ...t.facts.map((f) => f.name),
    'eligible',
    'reasons',
    'tier',
    'priority',
    'channels',
    'response',
    'response calendar',
    'resolution',
    'resolution calendar',
    'depends on',
    'gap',
  ];
  const target = (x: TableTarget | 'best-effort' | null) =>
    x === null ? ['', ''] : x === 'best-effort' ? ['best-effort', ''] : [x.text, x.calendar];
  const lines = t.rows.map((r) =>
    [
      ...t.facts.map((f) => (r.when[f.name] === null ? '' : r.when[f.name] === ANY ? '*' : String(r.when[f.name]))),
      r.eligible === null ? '' : String(r.eligible),
      r.reasons.join(' '),
      r.tier ?? '',
      r.priority ?? '',
      r.channels?.join(' ') ?? '',
      ...target(r.response),
      ...target(r.resolution),
      r.dependsOn.join(' '),
      String(r.gap),
    ]
      .map(quote)
      .join(','),
  );
  return `${[header.map(quote).join(','), ...lines].join('\r\n')}\r\n`;
}

function markdown(t: DecisionTable): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const head = [...t.facts.map((f) => f.name), ...OUTCOMES];
  const out = [
    `# ${t.policy.title}`,
    '',
    `Policy \`${t.policy.id}\` version ${t.policy.version} (${t.policy.revision}).`,
    '',
    `**${proofText(t)}**`,
    '',
    `Facts in the table: ${t.facts.map((f) => `\`${f.name}\` (${f.values.map(cellText).join(', ')})`).join('; ') || 'none'}.`,
    `Facts outside it: ${t.other.map((f) => `\`${f.name}\``).join(', ') || 'none'}. "any" means the row holds for every value of that fact.`,
    '',
    `| ${head.map(esc).join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${[...t.facts.map((f) => cellText(r.when[f.name])), ...outcomeTexts(r)].map(esc).join(' | ')} |`),
  ];
  if (!t.complete && t.gaps.length) {
    out.push('', '## Combinations with no outcome', '');
    for (const g of t.gaps) out.push(`- ${t.facts.map((f) => `${f.name} = ${cellText(g.when[f.name])}`).join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

function html(t: DecisionTable): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const head = [...t.facts.map((f) => f.name), ...OUTCOMES];
  const rows = t.rows
    .map(
      (r) =>
        `<tr${r.gap ? ' class="gap"' : r.eligible === false ? ' class="denied"' : ''}>${[
          ...t.facts.map((f) => cellText(r.when[f.name])),
          ...outcomeTexts(r),
        ]
          .map((c) => `<td>${esc(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(t.policy.title)} — decision table</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eee; position: sticky; top: 0; }
tr.denied td { color: #666; }
tr.gap td { background: #fdd; }
.proof { font-weight: bold; }
.proof.incomplete { color: #a00; }
</style>
</head>
<body>
<h1>${esc(t.policy.title)}</h1>
<p>Policy <code>${esc(t.policy.id)}</code> version ${esc(t.policy.version)} (${esc(t.policy.revision)}).</p>
<p class="proof${t.complete ? '' : ' incomplete'}">${esc(proofText(t))}</p>
<p>Facts outside the table: ${esc(t.other.map((f) => f.name).join(', ') || 'none')}. “any” means the row holds for every value of that fact.</p>
<table>
<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
