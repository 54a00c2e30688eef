// The impact report for people: Markdown for a pull request comment, and a standalone HTML page
// whose charts are inline SVG (no script, no external asset). Pure string building, no Node
// modules: the editor draws the same charts with `impactCharts`.
import { type ChangedTicket, IMPACT_FIELDS, type ImpactDetails, type ImpactSummary, SHIFT_LABELS } from './impact-fields.js';
import type { Decision } from './decision.js';

export interface ImpactTitle {
  policy: string;
  from: string;
  to: string;
}

const pct = (n: number, of: number) => (of === 0 ? '0%' : `${((n / of) * 100).toFixed(n === of || n === 0 ? 0 : 1)}%`);

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A decision's pinned fields in one short line, to put two side by side. */
export function decisionLine(d: Decision): string {
  const parts = [`eligible ${d.eligible}`];
  if (d.priority !== null) parts.push(d.priority);
  if (d.channels) parts.push(`[${d.channels.join(', ')}]`);
  if (d.sla?.response) parts.push(`response ${d.sla.response.targetText} → ${d.sla.response.dueAt ?? '—'}`);
  if (d.sla?.resolution) parts.push(`resolution ${d.sla.resolution.targetText} → ${d.sla.resolution.dueAt ?? '—'}`);
  if (d.billing) parts.push(`${d.billing.total} ${d.billing.currency}`);
  if (d.reasons.length > 0) parts.push(`denied: ${d.reasons.map((r) => r.code).join(', ')}`);
  return parts.join(' · ');
}

/** How far a changed ticket moved: its due dates in business hours, its bill in its currency. */
const shiftText = (c: ChangedTicket) =>
  [
    ...Object.entries(c.shiftHours).map(([w, h]) => `${w.split('.')[1]} ${h! > 0 ? '+' : ''}${h} h`),
    ...(c.billingDelta
      ? [`${c.billingDelta.amount.startsWith('-') ? '' : '+'}${c.billingDelta.amount} ${c.billingDelta.currency}`]
      : []),
  ].join(', ');

export function impactMarkdown(s: ImpactSummary, d: ImpactDetails, t: ImpactTitle): string {
  const decided = s.tickets - s.errors;
  const lines = [
    `### Impact on ${t.policy}: ${s.changed} of ${s.tickets} tickets decided differently (${pct(s.changed, decided)})`,
    '',
    `From \`${t.from}\` to \`${t.to}\`.${s.errors > 0 ? ` ${s.errors} could not be decided and are not counted as changes.` : ''}`,
    '',
    '| field | tickets changed | share |',
    '|---|---:|---:|',
    ...IMPACT_FIELDS.map((f) => `| \`${f}\` | ${s.byField[f]} | ${pct(s.byField[f], decided)} |`),
    '',
  ];
  const currencies = Object.entries(s.billingDelta);
  if (currencies.length > 0) {
    lines.push(
      '| currency | billing delta |',
      '|---|---:|',
      ...currencies.map(([c, v]) => `| ${c} | ${v.startsWith('-') ? v : `+${v}`} |`),
      '',
    );
  }
  for (const w of ['sla.response.dueAt', 'sla.resolution.dueAt'] as const) {
    const counts = d.shifts[w];
    if (counts.every((n) => n === 0)) continue;
    lines.push(`Due-date shifts of \`${w}\` (business hours; negative is earlier):`, '', '| shift | tickets |', '|---|---:|');
    counts.forEach((n, i) => n > 0 && lines.push(`| ${SHIFT_LABELS[i]} | ${n} |`));
    lines.push('');
  }
  if (d.top.length > 0) {
    lines.push(
      `<details><summary>The ${d.top.length} most changed tickets</summary>`,
      '',
      '| line | changed | before | after |',
      '|---:|---|---|---|',
    );
    for (const c of d.top)
      lines.push(
        `| ${c.line} | ${c.fields.join(', ')}${shiftText(c) ? ` (${shiftText(c)})` : ''} | ${decisionLine(c.from).replace(/\|/g, '\\|')} | ${decisionLine(c.to).replace(/\|/g, '\\|')} |`,
      );
    lines.push('', '</details>', '');
  }
  if (d.errors.length > 0) {
    lines.push('<details><summary>Tickets that could not be decided</summary>', '');
    for (const e of d.errors.slice(0, 20)) lines.push(`- line ${e.line}: ${e.message.replace(/\|/g, '\\|')}`);
    if (s.errors > 20) lines.push(`- … and ${s.errors - 20} more`);
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n')}\n`;
}

/** A horizontal bar chart as SVG. */
function bars(title: string, rows: { label: string; value: number; text?: string; color?: string }[]): string {
  const width = 560;
  const labelWidth = 170;
  const rowHeight = 22;
  const max = Math.max(1, ...rows.map((r) => Math.abs(r.value)));
  const height = 28 + rows.length * rowHeight;
  const body = rows
    .map((r, i) => {
      const y = 24 + i * rowHeight;
      const w = Math.round((Math.abs(r.value) / max) * (width - labelWidth - 90));
      return `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text><rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 8}" fill="${r.color ?? '#3b6ea8'}"/><text x="${labelWidth + w + 6}" y="${y + 14}">${esc(r.text ?? String(r.value))}</text>`;
    })
    .join('');
  return `<svg role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12"><text x="0" y="14" font-weight="bold">${esc(title)}</text>${body}</svg>`;
}

/** The report's charts as SVG strings: tickets changed per field, due-date shifts, billing delta per currency. */
export function impactCharts(s: ImpactSummary, d: ImpactDetails): { fields: string; shifts: string[]; billing: string | null } {
  const fields = bars(
    'Tickets changed, per field',
    IMPACT_FIELDS.map((f) => ({ label: f, value: s.byField[f] })),
  );
  const shifts = (['sla.response.dueAt', 'sla.resolution.dueAt'] as const)
    .filter((w) => d.shifts[w].some((n) => n > 0))
    .map((w) =>
      bars(
        `Shift of ${w} (business hours)`,
        SHIFT_LABELS.map((label, i) => ({
          label: `${i < 5 ? 'earlier ' : 'later '}${label}`,
          value: d.shifts[w][i]!,
          color: i < 5 ? '#2e8b57' : '#c0504d',
        })),
      ),
    );
  const currencies = Object.entries(s.billingDelta);
  const billing =
    currencies.length === 0
      ? null
      : bars(
          'Billing delta, per currency',
          currencies.map(([c, v]) => ({
            label: c,
            value: Number(v),
            text: `${v.startsWith('-') ? '' : '+'}${v} ${c}`,
            color: v.startsWith('-') ? '#2e8b57' : '#c0504d',
          })),
        );
  return { fields, shifts, billing };
}

/** The most changed tickets as an HTML table, both decisions side by side. */
export function topTable(d: ImpactDetails): string {
  if (d.top.length === 0) return '<p>No ticket is decided differently.</p>';
  const rows = d.top
    .map(
      (c) =>
        `<tr><td>${c.line}</td><td>${esc(c.fields.join(', '))}${shiftText(c) ? `<br><small>${esc(shiftText(c))}</small>` : ''}</td><td>${esc(decisionLine(c.from))}</td><td>${esc(decisionLine(c.to))}</td></tr>`,
    )
    .join('');
  return `<table class="top"><thead><tr><th>line</th><th>changed</th><th>before</th><th>after</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function impactHtml(s: ImpactSummary, d: ImpactDetails, t: ImpactTitle): string {
  const charts = impactCharts(s, d);
  const decided = s.tickets - s.errors;
  const errors =
    d.errors.length === 0
      ? ''
      : `<h2>Tickets that could not be decided (${s.errors})</h2><ul>${d.errors
          .slice(0, 50)
          .map((e) => `<li>line ${e.line}: ${esc(e.message)}</li>`)
          .join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Impact on ${esc(t.policy)}</title>
<style>body{font-family:sans-serif;margin:2rem;max-width:70rem;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}.num{text-align:right}figure{margin:1rem 0}</style>
</head><body>
<h1>Impact on ${esc(t.policy)}</h1>
<p>From <code>${esc(t.from)}</code> to <code>${esc(t.to)}</code>: <strong>${s.changed}</strong> of ${s.tickets} tickets decided differently (${pct(s.changed, decided)})${s.errors > 0 ? `; ${s.errors} could not be decided` : ''}.</p>
<figure>${charts.fields}</figure>
${charts.shifts.map((svg) => `<figure>${svg}</figure>`).join('\n')}
${charts.billing ? `<figure>${charts.billing}</figure>` : ''}
<h2>The most changed tickets</h2>
${topTable(d)}
${errors}
<h2>Summary</h2>
<pre>${esc(JSON.stringify(s, null, 2))}</pre>
</body></html>
`;
}
