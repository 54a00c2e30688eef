// The Impact tab: before a save, the draft decides the policy's sample tickets (or a JSON-lines
// file the admin drops in) next to the revision it stands on; the tab shows how many tickets
// would be decided differently, per field, with the report's charts and the most changed tickets.
// Its tab and panel are made here, so the page's layout needs nothing for it.
import type { ImpactDetails, ImpactSummary } from '../../engine/impact-fields.js';
import { impactCharts, topTable } from '../../engine/impact-report.js';
import { ApiError } from './api';
import { byId, h } from './dom';
import { explain } from './toast';
import type { Workspace } from './workspace';

type ImpactAnswer = ImpactSummary & { from: string; to: string; sample: boolean; details: ImpactDetails };

/** Most tickets a dropped file may hold: the service's own cap on one impact request. */
const MAX_TICKETS = 10_000;

export interface ImpactPanel {
  run(): Promise<void>;
}

export function createImpactPanel(ws: Workspace): ImpactPanel {
  const tab = h(
    'button',
    { type: 'button', role: 'tab', id: 'tab-impact', 'aria-controls': 'panel-impact', 'aria-selected': 'false', tabindex: '-1' },
    'Impact',
  );
  byId('tab-history').after(tab);
  const fileInput = h('input', { type: 'file', id: 'impact-file', accept: '.jsonl,.ndjson,.json,application/json' });
  const fileName = h('span', { id: 'impact-source', class: 'muted' }, 'the policy’s sample tickets');
  const runButton = h('button', { type: 'button', id: 'impact-run', class: 'primary' }, 'Show impact');
  const clearFile = h('button', { type: 'button', class: 'ghost', hidden: true }, 'Use sample tickets');
  const result = h('div', { id: 'impact-result', class: 'impact-result', 'aria-live': 'polite' });
  const drop = h(
    'div',
    { class: 'impact-drop', id: 'impact-drop' },
    h('p', {}, 'What the draft changes, against the revision it stands on, before you save it. Tickets: ', fileName, '.'),
    h('p', { class: 'muted' }, 'Drop a JSON-lines file of tickets’ facts here, or choose one: ', fileInput, ' ', clearFile),
    runButton,
  );
  const panel = h(
    'section',
    { id: 'panel-impact', class: 'panel', role: 'tabpanel', 'aria-labelledby': 'tab-impact', hidden: true },
    drop,
    result,
  );
  byId('panel-history').after(panel);

  let tickets: unknown[] | null = null;
  let running = false;

  const useFile = async (file: File) => {
    const text = await file.text();
    const parsed: unknown[] = [];
    const unreadable: number[] = [];
    for (const [i, line] of text.split(/\r?\n/).entries()) {
      if (line.trim() === '') continue;
      try {
        parsed.push(JSON.parse(line));
      } catch {
        unreadable.push(i + 1);
      }
    }
    if (parsed.length > MAX_TICKETS) {
      result.replaceChildren(
        h(
          'div',
          { class: 'notice bad' },
          `${file.name} holds ${parsed.length} tickets; at most ${MAX_TICKETS} here (spe impact takes any number).`,
        ),
      );
      return;
    }
    tickets = parsed;
    fileName.textContent = `${file.name} (${parsed.length} tickets${
      unreadable.length > 0
        ? `; left out, not JSON: line${unreadable.length > 1 ? 's' : ''} ${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? '…' : ''}`
        : ''
    })`;
    clearFile.hidden = false;
  };
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void useFile(file);
  });
  clearFile.addEventListener('click', () => {
    tickets = null;
    fileInput.value = '';
    fileName.textContent = 'the policy’s sample tickets';
    clearFile.hidden = true;
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void useFile(file);
  });

  async function run(): Promise<void> {
    const d = ws.current;
    if (!d || running) return;
    running = true;
    runButton.disabled = true;
    result.replaceChildren(h('p', { class: 'muted' }, 'Deciding the tickets with both revisions…'));
    try {
      const res = await fetch(`/v1/policies/${encodeURIComponent(d.id)}/impact`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          source: d.model.getValue(),
          ...(d.revision ? { from: d.revision } : {}),
          ...(tickets ? { tickets } : {}),
        }),
      });
      const body = (await res.json().catch(() => null)) as (ImpactAnswer & { error?: { code: string; message: string } }) | null;
      if (!res.ok || !body)
        throw new ApiError(res.status, body?.error?.code ?? `http-${res.status}`, body?.error?.message ?? 'request failed');
      if (ws.current === d) result.replaceChildren(...render(body));
    } catch (e) {
      const message =
        e instanceof ApiError && e.code === 'invalid-policy'
          ? 'The draft has errors: fix them to see its impact.'
          : e instanceof ApiError && e.status === 404
            ? 'This policy has no saved revision to compare with yet.'
            : `Could not work out the impact: ${explain(e)}`;
      result.replaceChildren(h('div', { class: 'notice bad' }, message));
    } finally {
      running = false;
      runButton.disabled = false;
    }
  }
  runButton.addEventListener('click', () => void run());
  ws.on('opened', () => result.replaceChildren());
  return { run };
}

function render(r: ImpactAnswer): HTMLElement[] {
  const decided = r.tickets - r.errors;
  const headline = h(
    'p',
    { class: 'impact-headline', id: 'impact-headline' },
    h('strong', {}, String(r.changed)),
    ` of ${r.tickets} ${r.sample ? 'sample ' : ''}tickets would be decided differently`,
    decided > 0 ? ` (${((r.changed / decided) * 100).toFixed(1)}%)` : '',
    r.errors > 0 ? `; ${r.errors} could not be decided` : '',
    '.',
  );
  const charts = impactCharts(r, r.details);
  // The charts and table are built by the report module, every text in them escaped.
  const figure = (svg: string) => {
    const f = h('figure', { class: 'impact-chart' });
    f.innerHTML = svg;
    return f;
  };
  const top = h('div', { class: 'impact-top' });
  top.innerHTML = topTable(r.details);
  const errors =
    r.details.errors.length === 0
      ? null
      : h(
          'details',
          {},
          h('summary', {}, `Tickets that could not be decided (${r.errors})`),
          h(
            'ul',
            {},
            r.details.errors.slice(0, 20).map((e) => h('li', {}, `line ${e.line}: ${e.message}`)),
          ),
        );
  return [
    headline,
    figure(charts.fields),
    ...charts.shifts.map(figure),
    ...(charts.billing ? [figure(charts.billing)] : []),
    h('h3', {}, 'The most changed tickets'),
    top,
    ...(errors ? [errors] : []),
  ];
}
