// The workbench's "Table" tab: the contract's decision table of the open policy's saved
// revision (GET /v1/policies/:id/table, as `spe table` prints it), with the proof of
// completeness. Self-contained: it adds its own tab and panel beside the others and keeps
// them in step with the workspace's tab changes.
import type { DecisionTable } from '../../engine/index.js';
import { OUTCOMES, cellText, outcomeTexts } from '../../engine/table-format.js';
import { h } from './dom';
import type { OpenPolicy, Workspace } from './workspace';

type Answer = DecisionTable & { proof: string };

const STYLE = `
.decision-table-wrap { overflow: auto; max-height: 70vh; }
.decision-table { border-collapse: collapse; font-size: 12px; }
.decision-table th, .decision-table td { border: 1px solid var(--border, #ccc); padding: 2px 6px; text-align: left; white-space: nowrap; }
.decision-table th { position: sticky; top: 0; background: var(--panel, #f4f4f4); }
.decision-table tr.denied td { opacity: 0.7; }
.decision-table tr.gap td { background: #fdd; }
.table-proof { font-weight: 600; }
.table-proof.incomplete { color: #b00; }
`;

/** The table as a DOM element, for the panel (and for anyone who wants to show one). */
export function renderTable(t: Answer): HTMLElement {
  const head = [...t.facts.map((f) => f.name), ...OUTCOMES];
  return h(
    'div',
    {},
    h('p', { class: `table-proof${t.complete ? '' : ' incomplete'}`, id: 'table-proof' }, t.proof),
    h('p', { class: 'muted' }, `${t.rows.length} rows for ${t.combinations} combinations of the saved revision; “any”: every value of that fact.`),
    h(
      'div',
      { class: 'decision-table-wrap' },
      h(
        'table',
        { class: 'decision-table', id: 'decision-table' },
        h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
        h(
          'tbody',
          {},
          t.rows.map((r) =>
            h(
              'tr',
              { class: r.gap ? 'gap' : r.eligible === false ? 'denied' : null },
              [...t.facts.map((f) => cellText(r.when[f.name])), ...outcomeTexts(r)].map((x) => h('td', {}, x)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function createTablePanel(ws: Workspace): void {
  const tablist = document.querySelector<HTMLElement>('.side [role=tablist]');
  const side = tablist?.parentElement;
  if (!tablist || !side) return;
  document.head.append(h('style', {}, STYLE));
  const button = h('button', { type: 'button', role: 'tab', id: 'tab-table', 'aria-controls': 'panel-table', 'aria-selected': 'false', tabindex: '-1' }, 'Table');
  const body = h('div', { id: 'table-result', 'aria-live': 'polite' });
  const panel = h(
    'section',
    { id: 'panel-table', class: 'panel', role: 'tabpanel', 'aria-labelledby': 'tab-table', hidden: true },
    h('p', { class: 'muted' }, 'The decision table of the saved revision: what the contract decides for every combination of its enum and boolean facts.'),
    body,
  );
  tablist.append(button);
  side.append(panel);

  let shown: { doc: OpenPolicy; revision: string } | null = null;
  let request = 0;
  const load = async () => {
    const doc = ws.current;
    if (!doc) {
      body.replaceChildren(h('p', { class: 'muted' }, 'Open a policy to see its table.'));
      return;
    }
    if (shown && shown.doc === doc && shown.revision === doc.revision) return;
    const mine = ++request;
    body.replaceChildren(h('p', { class: 'muted' }, 'Computing the table…'));
    try {
      const res = await fetch(`/v1/policies/${encodeURIComponent(doc.id)}/table`, { headers: { accept: 'application/json' } });
      const data = (await res.json()) as Answer | { error?: { message?: string } };
      if (mine !== request) return;
      if (!res.ok || !('rows' in data)) {
        const message = 'error' in data ? data.error?.message : undefined;
        body.replaceChildren(h('p', { class: 'field-error' }, `No table: ${message ?? res.statusText}`));
        return;
      }
      shown = { doc, revision: doc.revision };
      body.replaceChildren(renderTable(data));
    } catch (e) {
      if (mine === request) body.replaceChildren(h('p', { class: 'field-error' }, `No table: ${(e as Error).message}`));
    }
  };
  const setShown = (on: boolean) => {
    button.setAttribute('aria-selected', String(on));
    button.tabIndex = on ? 0 : -1;
    panel.hidden = !on;
  };
  button.addEventListener('click', () => {
    for (const other of side.querySelectorAll<HTMLElement>('[role=tabpanel]')) other.hidden = other !== panel;
    for (const b of tablist.querySelectorAll<HTMLElement>('[role=tab]')) if (b !== button) b.setAttribute('aria-selected', 'false');
    setShown(true);
    void load();
  });
  // Another tab chosen: this one steps back (the other tabs' own module shows theirs).
  ws.on('tab', () => setShown(false));
  const reload = () => {
    if (!panel.hidden) void load();
  };
  ws.on('opened', reload);
  ws.on('saved', reload);
}
