// The web policy editor: a list of policies, monaco with live diagnostics, completion and hover,
// a try-it panel with SLA timelines, the policy's tests, and saving with conflict handling and
// history. Plain TypeScript and DOM; everything goes through the service's HTTP API.
import './style.css';
import { monaco } from './monaco';
import {
  ApiError,
  api,
  isAbort,
  type Decision,
  type Diagnostic,
  type FactProblem,
  type PolicySummary,
  type Revision,
  type TestRun,
  type Timeline,
  type TryResult,
} from './api';
import { registerProviders } from './completion';
import { byId, debounce, h, parseSource, shortRevision } from './dom';
import { LANGUAGE_ID, THEME, registerLanguage } from './language';
import { type Outline, readOutline } from './outline';
import { formatDuration, formatInstant, renderTimeline } from './timeline';

// ---- state ----------------------------------------------------------------------------------

interface TryState {
  facts: string;
  now: string;
  /** The index of the test whose facts are shown, or 'custom'. */
  sample: string;
}

interface Doc {
  id: string;
  file: string;
  model: monaco.editor.ITextModel;
  /** The revision this text is based on: the If-Match of the next save. */
  revision: string;
  /** The text of that revision. */
  savedSource: string;
  outline: Outline;
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
  checking: boolean;
  viewState: monaco.editor.ICodeEditorViewState | null;
  try: TryState | null;
  /** Checks the text now instead of after the typing pause. */
  flush(): Promise<void>;
}

const docs = new Map<string, Doc>();
let current: Doc | null = null;
let summaries: PolicySummary[] = [];
let schema: Record<string, unknown> | null = null;
let saving = false;
const TOKEN_KEY = 'spe.adminToken';
const AUTHOR_KEY = 'spe.author';
const MARKER_OWNER = 'spe';

const modified = (d: Doc) => d.model.getValue() !== d.savedSource;

// ---- monaco ---------------------------------------------------------------------------------

registerLanguage();
registerProviders({
  outline: (model) => [...docs.values()].find((d) => d.model === model)?.outline ?? null,
  schema: () => schema,
});

const editor = monaco.editor.create(byId('editor'), {
  model: null,
  theme: THEME,
  automaticLayout: true,
  fontSize: 13,
  lineHeight: 20,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  wordBasedSuggestions: 'off',
  quickSuggestions: { other: true, comments: false, strings: true },
  suggestOnTriggerCharacters: true,
  tabSize: 2,
  insertSpaces: true,
  renderWhitespace: 'selection',
  fixedOverflowWidgets: true,
  ariaLabel: 'Policy source',
});

editor.onDidChangeCursorPosition((e) => {
  byId('cursor-pos').textContent = `Ln ${e.position.lineNumber}, Col ${e.position.column}`;
});

monaco.editor.onDidChangeMarkers((uris) => {
  if (current && uris.some((u) => u.toString() === current!.model.uri.toString())) renderProblems();
});

/** Moves the cursor to a position of the policy and gives the editor the focus. */
function goTo(line: number, column: number): void {
  if (!current) return;
  const position = { lineNumber: line, column };
  editor.setPosition(position);
  editor.revealPositionInCenterIfOutsideViewport(position);
  editor.focus();
}

function goToSource(source: string): void {
  const at = parseSource(source);
  if (at) goTo(at.line, at.column);
}

// ---- toasts ---------------------------------------------------------------------------------

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(message: string, kind: 'info' | 'ok' | 'error' = 'info'): void {
  const t = byId('toast');
  t.textContent = message;
  t.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.className = 'toast'), kind === 'error' ? 7000 : 3500);
}

function explain(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.status} ${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

// ---- the policy list ------------------------------------------------------------------------

async function loadPolicies(): Promise<void> {
  try {
    summaries = await api.policies();
  } catch (e) {
    toast(`Could not list the policies: ${explain(e)}`, 'error');
  }
  renderPolicyList();
}

function renderPolicyList(): void {
  const list = byId('policy-list');
  list.replaceChildren(
    ...summaries.map((p) => {
      const doc = docs.get(p.id);
      const unsaved = doc ? modified(doc) : false;
      const badge = p.valid
        ? h('span', { class: 'badge ok', title: p.warnings ? `${p.warnings} warnings` : 'no problems' }, 'valid')
        : h(
            'span',
            { class: 'badge bad', title: p.serving ? 'invalid on disk; its last good revision is serving' : 'invalid' },
            `${p.errors} error${p.errors === 1 ? '' : 's'}`,
          );
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `policy${current?.id === p.id ? ' active' : ''}`,
            'data-id': p.id,
            'aria-current': current?.id === p.id ? 'true' : null,
            onclick: () => void openPolicy(p.id),
          },
          h('span', { class: 'policy-title' }, p.title ?? p.id),
          h(
            'span',
            { class: 'policy-meta' },
            `${p.id}${p.version ? ` · ${p.version}` : ''}`,
            unsaved ? h('span', { class: 'unsaved', title: 'unsaved changes' }, ' ● unsaved') : null,
          ),
          badge,
        ),
      );
    }),
  );
}

// ---- opening a policy -----------------------------------------------------------------------

async function openPolicy(id: string): Promise<void> {
  if (current?.id === id) return void editor.focus();
  let doc = docs.get(id);
  if (!doc) {
    let detail;
    try {
      detail = await api.policy(id);
    } catch (e) {
      toast(`Could not open ${id}: ${explain(e)}`, 'error');
      return;
    }
    if (docs.has(id)) doc = docs.get(id)!;
    else {
      const model = monaco.editor.createModel(detail.source, LANGUAGE_ID, monaco.Uri.parse(`inmemory://spe/policies/${id}.yaml`));
      doc = {
        id,
        file: `policies/${id}.yaml`,
        model,
        revision: detail.revision,
        savedSource: detail.source,
        outline: readOutline(detail.source, null),
        diagnostics: [],
        errors: 0,
        warnings: 0,
        checking: false,
        viewState: null,
        try: null,
        flush: async () => {
          changed.cancel();
          await validate(d);
        },
      };
      docs.set(id, doc);
      const d = doc;
      setDiagnostics(d, detail.diagnostics);
      const changed = debounce(250, () => void validate(d));
      const reread = debounce(120, () => {
        d.outline = readOutline(d.model.getValue(), d.outline);
        if (current === d) refreshSamples(d);
      });
      model.onDidChangeContent(() => {
        d.checking = true;
        changed();
        reread();
        if (current === d) {
          renderHeader();
          scheduleTry();
        }
        renderPolicyListSoon();
      });
    }
  }
  if (current) current.viewState = editor.saveViewState();
  current = doc;
  editor.setModel(doc.model);
  if (doc.viewState) editor.restoreViewState(doc.viewState);
  document.body.classList.add('has-doc');
  history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  renderHeader();
  renderProblems();
  renderPolicyList();
  openTry(doc);
  if (activeTab === 'history') void loadHistory();
  else byId('history').replaceChildren();
  byId('test-result').replaceChildren();
  editor.focus();
}

const renderPolicyListSoon = debounce(300, renderPolicyList);

function renderHeader(): void {
  const d = current;
  const title = byId('doc-title');
  const state = byId('doc-state');
  const save = byId<HTMLButtonElement>('btn-save');
  const tests = byId<HTMLButtonElement>('btn-tests');
  const message = byId<HTMLInputElement>('save-message');
  if (!d) {
    title.textContent = 'No policy open';
    state.textContent = '';
    save.disabled = tests.disabled = message.disabled = true;
    return;
  }
  const summary = summaries.find((s) => s.id === d.id);
  title.textContent = summary?.title ? `${summary.title}` : d.id;
  byId('doc-rev').textContent = `${d.id} @ ${shortRevision(d.revision)}`;
  byId('doc-rev').setAttribute('data-revision', d.revision);
  const dirty = modified(d);
  document.title = `${dirty ? '● ' : ''}${d.id} · spe policy editor`;
  state.textContent = d.errors ? `${d.errors} error${d.errors === 1 ? '' : 's'}` : dirty ? 'unsaved changes' : 'saved';
  state.className = `doc-state ${d.errors ? 'bad' : dirty ? 'dirty' : 'ok'}`;
  tests.disabled = false;
  message.disabled = false;
  save.disabled = saving || d.errors > 0;
  save.title =
    d.errors > 0
      ? `Fix the ${d.errors} error${d.errors === 1 ? '' : 's'} first: an invalid policy cannot be saved`
      : 'Save (Ctrl+S / ⌘S)';
}

// ---- live diagnostics -----------------------------------------------------------------------

const validations = new Map<string, AbortController>();

async function validate(d: Doc): Promise<void> {
  validations.get(d.id)?.abort();
  const ctrl = new AbortController();
  validations.set(d.id, ctrl);
  const version = d.model.getVersionId();
  renderValidateState();
  try {
    const r = await api.validate(d.model.getValue(), d.file, ctrl.signal);
    if (d.model.getVersionId() !== version) return;
    d.checking = false;
    setDiagnostics(d, r.diagnostics);
  } catch (e) {
    if (isAbort(e)) return;
    d.checking = false;
    renderValidateState(`could not check: ${explain(e)}`);
  }
}

function setDiagnostics(d: Doc, diagnostics: Diagnostic[]): void {
  d.diagnostics = diagnostics;
  d.errors = diagnostics.filter((x) => x.severity === 'error').length;
  d.warnings = diagnostics.filter((x) => x.severity === 'warning').length;
  const lines = d.model.getLineCount();
  monaco.editor.setModelMarkers(
    d.model,
    MARKER_OWNER,
    diagnostics.map((x) => {
      const line = Math.min(Math.max(x.line, 1), lines);
      const endLine = Math.min(Math.max(x.endLine, line), lines);
      const empty = endLine === line && x.endColumn <= x.column;
      return {
        severity:
          x.severity === 'error'
            ? monaco.MarkerSeverity.Error
            : x.severity === 'warning'
              ? monaco.MarkerSeverity.Warning
              : monaco.MarkerSeverity.Info,
        message: x.hint ? `${x.message}\n${x.hint}` : x.message,
        code: x.code,
        source: 'spe',
        startLineNumber: line,
        startColumn: x.column,
        endLineNumber: endLine,
        endColumn: empty ? x.column + 1 : x.endColumn,
      };
    }),
  );
  if (d === current) {
    renderHeader();
    renderProblems();
  }
}

function renderValidateState(error?: string): void {
  const el = byId('validate-state');
  const d = current;
  if (!d) return void (el.textContent = '');
  if (error) {
    el.textContent = error;
    el.className = 'bad';
    return;
  }
  el.className = 'muted';
  el.textContent = d.checking ? 'checking…' : d.errors || d.warnings ? '' : '✓ no problems';
}

function renderProblems(): void {
  const d = current;
  const list = byId('problems');
  renderValidateState();
  if (!d) return void list.replaceChildren();
  const markers = monaco.editor
    .getModelMarkers({ owner: MARKER_OWNER, resource: d.model.uri })
    .sort((a, b) => a.startLineNumber - b.startLineNumber || a.startColumn - b.startColumn);
  byId('problem-count').textContent = String(markers.length);
  byId('problem-count').className = `count${d.errors ? ' bad' : markers.length ? ' warn' : ''}`;
  list.replaceChildren(
    ...markers.map((m) => {
      const [message, ...hint] = m.message.split('\n');
      const severity =
        m.severity === monaco.MarkerSeverity.Error ? 'error' : m.severity === monaco.MarkerSeverity.Warning ? 'warning' : 'info';
      const code = typeof m.code === 'string' ? m.code : (m.code?.value ?? '');
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `problem ${severity}`,
            'data-line': m.startLineNumber,
            'data-column': m.startColumn,
            'data-end-line': m.endLineNumber,
            'data-end-column': m.endColumn,
            'data-code': code,
            onclick: () => goTo(m.startLineNumber, m.startColumn),
          },
          h(
            'span',
            { class: `sev ${severity}`, 'aria-label': severity },
            severity === 'error' ? '✕' : severity === 'warning' ? '!' : 'i',
          ),
          h('span', { class: 'where' }, `${m.startLineNumber}:${m.startColumn}`),
          h('span', { class: 'code' }, code),
          h('span', { class: 'message' }, message ?? '', hint.length ? h('span', { class: 'hint' }, hint.join(' ')) : null),
        ),
      );
    }),
  );
}

// ---- try it ---------------------------------------------------------------------------------

const tryFacts = byId<HTMLTextAreaElement>('try-facts');
const tryNow = byId<HTMLInputElement>('try-now');
const trySelect = byId<HTMLSelectElement>('try-test');
let tryAbort: AbortController | null = null;

function openTry(d: Doc): void {
  if (!d.try) {
    const first = d.outline.tests[0];
    d.try = first
      ? { facts: JSON.stringify(first.facts, null, 2), now: first.now ?? '', sample: '0' }
      : { facts: '{\n  \n}', now: '', sample: 'custom' };
  }
  refreshSamples(d);
  tryFacts.value = d.try.facts;
  tryNow.value = d.try.now;
  void runTry();
}

/** The sample selector lists the policy's tests as they are in the text now. */
function refreshSamples(d: Doc): void {
  const selected = d.try?.sample ?? 'custom';
  trySelect.replaceChildren(
    ...d.outline.tests.map((t, i) => h('option', { value: String(i) }, `${i + 1}. ${t.name}`)),
    h('option', { value: 'custom' }, 'Custom facts'),
  );
  trySelect.value = Number(selected) < d.outline.tests.length ? selected : 'custom';
}

trySelect.addEventListener('change', () => {
  const d = current;
  if (!d?.try) return;
  d.try.sample = trySelect.value;
  const t = d.outline.tests[Number(trySelect.value)];
  if (t) {
    d.try.facts = tryFacts.value = JSON.stringify(t.facts, null, 2);
    d.try.now = tryNow.value = t.now ?? '';
  }
  void runTry();
});
tryFacts.addEventListener('input', () => {
  if (!current?.try) return;
  current.try.facts = tryFacts.value;
  current.try.sample = trySelect.value = 'custom';
  scheduleTry();
});
tryNow.addEventListener('input', () => {
  if (!current?.try) return;
  current.try.now = tryNow.value.trim();
  scheduleTry();
});

const scheduleTry = debounce(350, () => void runTry());

/** One refused fact: its pointer inside the facts, the message, and the assertion's code when one failed. */
function factProblem(p: FactProblem): HTMLLIElement {
  return h(
    'li',
    { class: 'fact-problem', 'data-pointer': p.pointer.replace(/^\/facts/, '') || '/' },
    h('code', {}, p.pointer.replace(/^\/facts/, '') || '/'),
    ' ',
    p.message,
    ...(p.code ? [' ', h('span', { class: 'badge', title: 'the assertion that failed' }, p.code)] : []),
  );
}

async function runTry(): Promise<void> {
  const d = current;
  if (!d?.try) return;
  const out = byId('try-result');
  const err = byId('try-facts-error');
  let facts: unknown;
  try {
    facts = JSON.parse(d.try.facts);
  } catch (e) {
    err.textContent = `The facts are not valid JSON: ${(e as Error).message}`;
    tryFacts.setAttribute('aria-invalid', 'true');
    return;
  }
  if (!facts || typeof facts !== 'object' || Array.isArray(facts)) {
    err.textContent = 'The facts must be a JSON object, like { "tier": "standard" }.';
    tryFacts.setAttribute('aria-invalid', 'true');
    return;
  }
  err.textContent = '';
  tryFacts.removeAttribute('aria-invalid');
  tryAbort?.abort();
  const ctrl = (tryAbort = new AbortController());
  out.classList.add('busy');
  try {
    const r: TryResult = await api.try(d.model.getValue(), d.file, facts, d.try.now || undefined, ctrl.signal);
    if (current !== d) return;
    if (!r.ok && 'problems' in r) {
      out.replaceChildren(
        h(
          'div',
          { class: 'notice bad' },
          h('strong', {}, 'The facts do not fit the policy'),
          h('ul', {}, ...r.problems.map(factProblem)),
        ),
      );
    } else if (!r.ok) {
      const errors = r.diagnostics.filter((x) => x.severity === 'error').length;
      out.replaceChildren(
        h(
          'div',
          { class: 'notice bad' },
          `The policy has ${errors} error${errors === 1 ? '' : 's'}: fix ${errors === 1 ? 'it' : 'them'} to try it (see Problems).`,
        ),
      );
    } else {
      out.replaceChildren(renderDecision(r.decision, r.timeline, d.try.now || undefined));
    }
  } catch (e) {
    if (isAbort(e)) return;
    if (e instanceof ApiError && e.code === 'invalid-facts' && Array.isArray(e.details)) {
      out.replaceChildren(
        h(
          'div',
          { class: 'notice bad' },
          h('strong', {}, 'The facts do not fit the policy'),
          h('ul', {}, ...(e.details as FactProblem[]).map(factProblem)),
        ),
      );
    } else if (e instanceof ApiError && e.code === 'invalid-request' && Array.isArray(e.details)) {
      out.replaceChildren(
        h(
          'div',
          { class: 'notice bad' },
          ...(e.details as { pointer: string; message: string }[]).map((p) =>
            h('div', {}, h('code', {}, p.pointer), ' ', p.message),
          ),
        ),
      );
    } else {
      out.replaceChildren(h('div', { class: 'notice bad' }, `Could not try the policy: ${explain(e)}`));
    }
  } finally {
    if (tryAbort === ctrl) out.classList.remove('busy');
  }
}

const sourceLink = (source: string, label?: string) => {
  const at = parseSource(source);
  return at
    ? h(
        'button',
        { type: 'button', class: 'link src', title: `Go to ${source}`, onclick: () => goTo(at.line, at.column) },
        label ?? `${at.line}:${at.column}`,
      )
    : null;
};

const chips = (items: string[], cls = '') =>
  items.length
    ? h('span', { class: 'chips' }, ...items.map((i) => h('span', { class: `chip ${cls}` }, i)))
    : h('span', { class: 'muted' }, 'none');

function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function renderDecision(
  dec: Decision,
  timeline: { response: Timeline | null; resolution: Timeline | null },
  now: string | undefined,
): HTMLElement {
  const rows: HTMLElement[] = [];
  rows.push(
    h(
      'div',
      {
        class: `verdict ${dec.eligible === null ? 'open' : dec.eligible ? 'ok' : 'bad'}`,
        id: 'try-eligible',
        'data-eligible': String(dec.eligible),
      },
      dec.eligible === null
        ? `? Undetermined — give ${dec.missingFacts.join(', ') || 'the facts its rules read'} to decide`
        : dec.eligible
          ? '✓ Eligible'
          : '✕ Not eligible',
      dec.reasons.length
        ? h(
            'ul',
            { class: 'reasons' },
            ...dec.reasons.map((r) => h('li', {}, h('code', {}, r.code), ' ', r.message, ' ', sourceLink(r.source))),
          )
        : null,
    ),
  );
  const kv = (k: string, v: Node | string, id?: string) => [h('dt', {}, k), h('dd', id ? { id } : {}, v)];
  rows.push(
    h(
      'dl',
      { class: 'kv' },
      ...kv('Priority', dec.priority ?? '—', 'try-priority'),
      ...kv('Tier', dec.tier ?? '—', 'try-tier'),
      ...kv('Channels', dec.channels === null ? '— (undetermined)' : chips(dec.channels)),
      ...(dec.missingFacts.length ? kv('Missing facts', chips(dec.missingFacts, 'warn')) : []),
    ),
  );

  const sla = h('section', { class: 'block' }, h('h3', {}, 'SLA'));
  if (!dec.sla)
    sla.append(
      h(
        'p',
        { class: 'muted' },
        dec.eligible === false
          ? 'No SLA: the ticket is not eligible.'
          : 'No SLA yet: it depends on facts not given (see Missing facts).',
      ),
    );
  else {
    for (const kind of ['response', 'resolution'] as const) {
      const w = dec.sla[kind];
      const box = h('div', { class: 'sla-window', 'data-window': kind });
      if (!w) {
        box.append(
          h(
            'h4',
            {},
            kind === 'response' ? 'Response' : 'Resolution',
            h('span', { class: 'muted' }, ' — best effort, no target'),
          ),
        );
        sla.append(box);
        continue;
      }
      box.append(
        h(
          'h4',
          {},
          kind === 'response' ? 'Response' : 'Resolution',
          ' — ',
          h('strong', {}, w.targetText),
          h('span', { class: 'muted' }, ` (${w.target}) in `),
          h('code', {}, w.calendar),
          ' ',
          sourceLink(w.source),
        ),
      );
      const facts = h('dl', { class: 'kv small' });
      if (w.startsAt) facts.append(...kv('Clock starts', h('time', { datetime: w.startsAt }, formatInstant(w.startsAt, true))));
      facts.append(
        ...kv(
          'Due',
          w.dueAt
            ? h(
                'time',
                { datetime: w.dueAt, class: 'sla-due' },
                formatInstant(w.dueAt, true),
                h('span', { class: 'muted' }, ` (${w.dueAt})`),
              )
            : h('span', { class: 'muted' }, 'give openedAt to know'),
        ),
      );
      if (w.status) {
        const extra =
          w.status === 'breached'
            ? `exceeded by ${formatDuration(w.exceeded)}`
            : w.status === 'running'
              ? `${formatDuration(w.remaining)} left`
              : `after ${formatDuration(w.elapsed)}`;
        facts.append(
          ...kv(
            'Status',
            h(
              'span',
              {},
              h('span', { class: `status ${w.status}` }, w.status),
              ` ${extra}, ${formatDuration(w.elapsed)} elapsed`,
            ),
          ),
        );
      }
      box.append(facts);
      const t = timeline[kind];
      if (t) box.append(renderTimeline(t, w, { label: `${kind} window`, now }));
      else box.append(h('p', { class: 'muted small' }, 'Give openedAt in the facts to see the SLA clock.'));
      sla.append(box);
    }
  }
  rows.push(sla);

  if (dec.billing) {
    const b = dec.billing;
    rows.push(
      h(
        'section',
        { class: 'block' },
        h('h3', {}, b.kind === 'purchase' ? 'Quote' : 'Billing', h('span', { class: 'muted' }, ` · ${b.plan}`)),
        h(
          'table',
          { class: 'billing' },
          h(
            'tbody',
            {},
            ...b.lines.map((l) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, l.label),
                h('td', {}, l.quantity !== undefined ? `${l.quantity}${l.unit ? ` ${l.unit}` : ''}` : ''),
                h('td', { class: 'num' }, l.amount !== undefined ? `${l.amount}${l.currency ? ` ${l.currency}` : ''}` : ''),
              ),
            ),
          ),
        ),
        b.notices.length
          ? h(
              'ul',
              { class: 'notices' },
              ...b.notices.map((n) =>
                h('li', {}, h('code', {}, n.code), ' ', n.message, n.regularizeBy ? ` (by ${n.regularizeBy})` : ''),
              ),
            )
          : null,
      ),
    );
  }
  rows.push(h('dl', { class: 'kv' }, ...kv('Entitlements', chips(dec.entitlements)), ...kv('Actions', chips(dec.actions))));

  rows.push(
    h(
      'section',
      { class: 'block' },
      h('h3', {}, 'Trace ', h('span', { class: 'muted' }, '— the rules that decided, in order; click one to see it')),
      dec.trace.length
        ? h(
            'ol',
            { class: 'trace' },
            ...dec.trace.map((s) => {
              const at = parseSource(s.source);
              const facts = Object.entries(s.facts);
              return h(
                'li',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'trace-step',
                    'data-source': s.source,
                    title: `Go to ${s.source}`,
                    onclick: () => at && goTo(at.line, at.column),
                  },
                  h('span', { class: 'rule' }, s.rule),
                  h('span', { class: 'arrow' }, '→'),
                  h('span', { class: 'outcome' }, fmtValue(s.outcome)),
                  at ? h('span', { class: 'where' }, `line ${at.line}`) : null,
                  facts.length ? h('span', { class: 'read' }, facts.map(([k, v]) => `${k} = ${fmtValue(v)}`).join(', ')) : null,
                  s.note ? h('span', { class: 'note' }, s.note) : null,
                ),
              );
            }),
          )
        : h('p', { class: 'muted' }, 'No rule fired.'),
    ),
  );
  return h('div', { class: 'decision' }, ...rows);
}

// ---- tests ----------------------------------------------------------------------------------

let testing = false;
async function runTests(): Promise<void> {
  const d = current;
  if (!d || testing) return;
  selectTab('tests');
  const out = byId('test-result');
  testing = true;
  byId<HTMLButtonElement>('btn-tests').disabled = true;
  out.replaceChildren(h('p', { class: 'muted' }, 'Running the tests…'));
  try {
    const r: TestRun = await api.test(d.model.getValue(), d.file);
    if (current !== d) return;
    if (!r.ok) {
      const errors = r.diagnostics.filter((x) => x.severity === 'error').length;
      out.replaceChildren(
        h(
          'div',
          { class: 'notice bad' },
          `The policy has ${errors} error${errors === 1 ? '' : 's'}: the tests cannot run until ${errors === 1 ? 'it is' : 'they are'} fixed.`,
        ),
      );
      return;
    }
    const failed = r.results.filter((t) => !t.passed);
    const passed = r.results.length - failed.length;
    const { coverage } = r;
    out.replaceChildren(
      h(
        'div',
        {
          class: `summary ${failed.length ? 'bad' : 'ok'}`,
          id: 'test-summary',
          'data-passed': passed,
          'data-failed': failed.length,
        },
        failed.length ? `✕ ${failed.length} failed, ${passed} passed` : `✓ all ${passed} tests passed`,
        h('span', { class: 'muted' }, ` · rules covered ${coverage.covered}/${coverage.total}`),
      ),
      h(
        'ol',
        { class: 'tests' },
        ...[...failed, ...r.results.filter((t) => t.passed)].map((t) =>
          h(
            'li',
            { class: t.passed ? 'pass' : 'fail' },
            h(
              'button',
              { type: 'button', class: 'test-name', onclick: () => goToSource(t.source), title: `Go to ${t.source}` },
              h('span', { class: 'mark' }, t.passed ? '✓' : '✕'),
              t.name,
            ),
            t.mismatches.length
              ? h(
                  'table',
                  { class: 'mismatches' },
                  h('thead', {}, h('tr', {}, h('th', {}, 'field'), h('th', {}, 'expected'), h('th', {}, 'actual'))),
                  h(
                    'tbody',
                    {},
                    ...t.mismatches.map((m) =>
                      h(
                        'tr',
                        {},
                        h('td', {}, h('code', {}, m.path)),
                        h('td', {}, h('code', {}, JSON.stringify(m.expected))),
                        h('td', {}, h('code', {}, JSON.stringify(m.actual))),
                      ),
                    ),
                  ),
                )
              : null,
            t.problems?.length
              ? h(
                  'ul',
                  { class: 'problems-inline' },
                  ...t.problems.map((p) => h('li', {}, h('code', {}, p.pointer), ' ', p.message)),
                )
              : null,
          ),
        ),
      ),
      coverage.uncovered.length
        ? h(
            'section',
            { class: 'block' },
            h('h3', {}, `Rules no test exercised (${coverage.uncovered.length})`),
            h(
              'ul',
              { class: 'uncovered' },
              ...coverage.uncovered.map((u) =>
                h(
                  'li',
                  {},
                  h('button', { type: 'button', class: 'link', onclick: () => goToSource(u.source) }, u.name),
                  ' ',
                  h('span', { class: 'muted' }, u.source),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Every rule is exercised by some test.'),
    );
  } catch (e) {
    out.replaceChildren(h('div', { class: 'notice bad' }, `Could not run the tests: ${explain(e)}`));
  } finally {
    testing = false;
    byId<HTMLButtonElement>('btn-tests').disabled = !current;
  }
}

// ---- the admin token ------------------------------------------------------------------------

const tokenDialog = byId<HTMLDialogElement>('token-dialog');
let tokenResolve: ((token: string | null) => void) | null = null;

function askToken(reason?: string): Promise<string | null> {
  byId('token-reason').textContent =
    reason ?? "Saving needs the service's admin token. It is kept in this browser tab only (session storage).";
  byId('token-reason').className = reason ? 'bad' : 'muted';
  byId<HTMLInputElement>('token-input').value = '';
  byId<HTMLInputElement>('author-input').value = sessionStorage.getItem(AUTHOR_KEY) ?? '';
  tokenDialog.showModal();
  byId('token-input').focus();
  return new Promise((resolve) => (tokenResolve = resolve));
}

function closeToken(token: string | null): void {
  if (tokenDialog.open) tokenDialog.close();
  const r = tokenResolve;
  tokenResolve = null;
  r?.(token);
}

byId('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = byId<HTMLInputElement>('token-input').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  const author = byId<HTMLInputElement>('author-input').value.trim();
  if (author) sessionStorage.setItem(AUTHOR_KEY, author);
  else sessionStorage.removeItem(AUTHOR_KEY);
  closeToken(token);
});
byId('token-cancel').addEventListener('click', () => closeToken(null));
byId('token-forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  byId<HTMLInputElement>('token-input').value = '';
  toast('The token is forgotten.');
});
tokenDialog.addEventListener('close', () => closeToken(null));
byId('btn-token').addEventListener('click', () => void askToken());

async function token(): Promise<string | null> {
  return sessionStorage.getItem(TOKEN_KEY) ?? (await askToken());
}

// ---- saving ---------------------------------------------------------------------------------

async function save(opts: { ifMatch?: string } = {}): Promise<boolean> {
  const d = current;
  if (!d || saving) return false;
  // Saved right after typing: check the text first, so an invalid policy is not even sent.
  if (d.checking) await d.flush();
  if (d.errors > 0) {
    toast(`Fix the ${d.errors} error${d.errors === 1 ? '' : 's'} first: an invalid policy cannot be saved.`, 'error');
    return false;
  }
  let t = await token();
  if (!t) return false;
  const source = d.model.getValue();
  const message = byId<HTMLInputElement>('save-message').value.trim();
  const author = sessionStorage.getItem(AUTHOR_KEY) ?? undefined;
  saving = true;
  renderHeader();
  try {
    for (;;) {
      try {
        const saved = await api.save(d.id, source, opts.ifMatch ?? d.revision, t, {
          ...(author ? { author } : {}),
          ...(message ? { message } : {}),
        });
        d.revision = saved.revision;
        d.savedSource = source;
        byId<HTMLInputElement>('save-message').value = '';
        setDiagnostics(d, saved.diagnostics);
        toast(`Saved ${d.id} as revision ${shortRevision(saved.revision)}.`, 'ok');
        void loadPolicies();
        if (activeTab === 'history') void loadHistory();
        return true;
      } catch (e) {
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
          sessionStorage.removeItem(TOKEN_KEY);
          t = await askToken(
            e.status === 401 ? 'Saving needs the admin token.' : 'That token was refused: enter the admin token again.',
          );
          if (!t) return false;
          continue;
        }
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 412) {
      void showConflict(d);
    } else if (e instanceof ApiError && e.status === 422) {
      if (Array.isArray(e.details) && e.details.length) setDiagnostics(d, e.details as Diagnostic[]);
      toast(`Not saved: ${e.message}`, 'error');
    } else {
      toast(`Not saved: ${explain(e)}`, 'error');
    }
    return false;
  } finally {
    saving = false;
    renderHeader();
    renderPolicyList();
  }
}

// ---- the diff dialog (conflicts and history) -------------------------------------------------

const diffDialog = byId<HTMLDialogElement>('diff-dialog');
let diffEditor: monaco.editor.IStandaloneDiffEditor | null = null;
let diffOriginal: monaco.editor.ITextModel | null = null;

interface DiffAction {
  label: string;
  kind?: 'primary' | 'danger';
  run: () => Promise<boolean> | boolean;
}

function showDiff(opts: {
  title: string;
  text: string;
  left: string;
  right: string;
  original: string;
  modified: monaco.editor.ITextModel;
  readOnly: boolean;
  actions: DiffAction[];
}): void {
  byId('diff-title').textContent = opts.title;
  byId('diff-text').textContent = opts.text;
  byId('diff-left').textContent = opts.left;
  byId('diff-right').textContent = opts.right;
  if (!diffDialog.open) diffDialog.showModal();
  if (!diffEditor) {
    diffEditor = monaco.editor.createDiffEditor(byId('diff-editor'), {
      theme: THEME,
      automaticLayout: true,
      renderSideBySide: true,
      originalEditable: false,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
    });
  }
  diffOriginal?.dispose();
  diffOriginal = monaco.editor.createModel(opts.original, LANGUAGE_ID);
  diffEditor.setModel({ original: diffOriginal, modified: opts.modified });
  diffEditor.updateOptions({ readOnly: opts.readOnly });
  diffEditor.layout();
  const buttons = opts.actions.map((a) =>
    h(
      'button',
      {
        type: 'button',
        class: a.kind ?? '',
        onclick: async (ev: Event) => {
          const b = ev.currentTarget as HTMLButtonElement;
          b.disabled = true;
          try {
            if (await a.run()) closeDiff();
          } finally {
            b.disabled = false;
          }
        },
      },
      a.label,
    ),
  );
  byId('diff-actions').replaceChildren(...buttons);
  buttons[buttons.length - 1]?.focus();
}

function closeDiff(): void {
  if (diffDialog.open) diffDialog.close();
}

diffDialog.addEventListener('close', () => {
  diffEditor?.setModel(null);
  diffOriginal?.dispose();
  diffOriginal = null;
  if (current) editor.focus();
});

/** A save found a newer revision: show the user's text against it, to reload, overwrite or merge. */
async function showConflict(d: Doc): Promise<void> {
  let theirs;
  try {
    theirs = await api.policy(d.id);
  } catch (e) {
    toast(`Someone saved a newer revision, and it could not be read: ${explain(e)}`, 'error');
    return;
  }
  let by = '';
  try {
    const { revisions: revs } = await historyPage(d.id);
    const r = revs.find((x) => x.revision === theirs.revision);
    if (r) by = `${r.author ? ` by ${r.author}` : ''}, ${new Date(r.savedAt).toLocaleString()}`;
  } catch {
    /* the author is a nicety */
  }
  showDiff({
    title: 'Someone saved this policy while you were editing',
    text: `Revision ${shortRevision(theirs.revision)} was saved${by} after the revision ${shortRevision(d.revision)} you started from. Left: theirs. Right: yours — you can edit it here to merge, then overwrite.`,
    left: `theirs · ${shortRevision(theirs.revision)}`,
    right: 'yours (unsaved)',
    original: theirs.source,
    modified: d.model,
    readOnly: false,
    actions: [
      { label: 'Keep editing', run: () => true },
      {
        label: 'Reload theirs (discard mine)',
        kind: 'danger',
        run: () => {
          d.model.pushEditOperations([], [{ range: d.model.getFullModelRange(), text: theirs.source }], () => null);
          d.revision = theirs.revision;
          d.savedSource = theirs.source;
          renderHeader();
          toast(`Reloaded revision ${shortRevision(theirs.revision)}.`);
          return true;
        },
      },
      { label: 'Overwrite with mine', kind: 'primary', run: () => save({ ifMatch: theirs.revision }) },
    ],
  });
}

// ---- history --------------------------------------------------------------------------------

/** The newest history page; with the admin token when there is one, since only admins see authors. */
async function historyPage(id: string): Promise<{ revisions: Revision[]; next: string | null }> {
  const t = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  try {
    return await api.history(id, t);
  } catch (e) {
    if (!(t && e instanceof ApiError && (e.status === 401 || e.status === 403))) throw e;
    sessionStorage.removeItem(TOKEN_KEY);
    return api.history(id);
  }
}

async function loadHistory(): Promise<void> {
  const d = current;
  const out = byId('history');
  if (!d) return void out.replaceChildren();
  out.replaceChildren(h('p', { class: 'muted' }, 'Loading the history…'));
  let revisions: Revision[];
  let more = false;
  try {
    const page = await historyPage(d.id);
    revisions = page.revisions;
    more = page.next !== null;
  } catch (e) {
    out.replaceChildren(h('div', { class: 'notice bad' }, `Could not load the history: ${explain(e)}`));
    return;
  }
  if (current !== d) return;
  if (!revisions.length) {
    out.replaceChildren(h('p', { class: 'muted' }, 'No saves through the service yet: the file on disk is the only revision.'));
    return;
  }
  out.replaceChildren(
    h(
      'ol',
      { class: 'revisions' },
      ...revisions.map((r) =>
        h(
          'li',
          { class: r.revision === d.revision ? 'current' : '' },
          h(
            'div',
            { class: 'rev-head' },
            h('code', { class: 'rev' }, shortRevision(r.revision)),
            r.revision === d.revision ? h('span', { class: 'badge ok' }, 'yours') : null,
          ),
          h(
            'div',
            { class: 'rev-meta' },
            r.author ? h('strong', {}, r.author) : null,
            r.author ? ' · ' : null,
            h('time', { datetime: r.savedAt }, new Date(r.savedAt).toLocaleString()),
          ),
          r.message ? h('div', { class: 'rev-message' }, r.message) : null,
          h('button', { type: 'button', class: 'small', onclick: () => void viewRevision(d, r) }, 'View / restore…'),
        ),
      ),
    ),
    ...(more ? [h('p', { class: 'muted' }, `The latest ${revisions.length} saves; older ones are in the history API.`)] : []),
  );
}

async function viewRevision(d: Doc, r: Revision): Promise<void> {
  let source: string;
  try {
    source = await api.revisionSource(d.id, r.revision);
  } catch (e) {
    toast(`Could not read revision ${shortRevision(r.revision)}: ${explain(e)}`, 'error');
    return;
  }
  showDiff({
    title: `Revision ${shortRevision(r.revision)}`,
    text: `Saved${r.author ? ` by ${r.author}` : ''}, ${new Date(r.savedAt).toLocaleString()}${r.message ? ` — “${r.message}”` : ''}. Left: that revision. Right: the text in the editor now.`,
    left: `revision ${shortRevision(r.revision)}`,
    right: modified(d) ? 'editor (unsaved changes)' : `editor · ${shortRevision(d.revision)}`,
    original: source,
    modified: d.model,
    readOnly: true,
    actions: [
      { label: 'Close', run: () => true },
      {
        label: 'Restore this revision',
        kind: 'primary',
        run: async () => {
          const t = await token();
          if (!t) return false;
          try {
            // If-Match is the revision being edited: a save by someone else since then is not overwritten.
            const restored = await api.rollback(d.id, r.revision, d.revision, t, sessionStorage.getItem(AUTHOR_KEY) ?? undefined);
            d.model.pushEditOperations([], [{ range: d.model.getFullModelRange(), text: restored.source }], () => null);
            d.revision = restored.revision;
            d.savedSource = restored.source;
            renderHeader();
            toast(`Restored ${shortRevision(r.revision)} as revision ${shortRevision(restored.revision)}.`, 'ok');
            void loadPolicies();
            void loadHistory();
            return true;
          } catch (e) {
            if (e instanceof ApiError && (e.status === 401 || e.status === 403)) sessionStorage.removeItem(TOKEN_KEY);
            if (e instanceof ApiError && e.status === 412)
              toast('Not restored: someone saved this policy meanwhile. Save or reload first, then restore.', 'error');
            else toast(`Not restored: ${explain(e)}`, 'error');
            return false;
          }
        },
      },
    ],
  });
}

// ---- tabs and keys --------------------------------------------------------------------------

type Tab = 'try' | 'tests' | 'history';
let activeTab: Tab = 'try';
const TABS: Tab[] = ['try', 'tests', 'history'];

function selectTab(tab: Tab, focus = false): void {
  activeTab = tab;
  for (const t of TABS) {
    const button = byId(`tab-${t}`);
    button.setAttribute('aria-selected', String(t === tab));
    button.tabIndex = t === tab ? 0 : -1;
    byId(`panel-${t}`).hidden = t !== tab;
  }
  if (focus) byId(`tab-${tab}`).focus();
  if (tab === 'history') void loadHistory();
}

for (const t of TABS) {
  const b = byId(`tab-${t}`);
  b.addEventListener('click', () => selectTab(t));
  b.addEventListener('keydown', (e) => {
    const i = TABS.indexOf(t);
    if (e.key === 'ArrowRight') selectTab(TABS[(i + 1) % TABS.length]!, true);
    else if (e.key === 'ArrowLeft') selectTab(TABS[(i + TABS.length - 1) % TABS.length]!, true);
    else return;
    e.preventDefault();
  });
}

byId('btn-save').addEventListener('click', () => void save());
byId('btn-tests').addEventListener('click', () => void runTests());

document.addEventListener(
  'keydown',
  (e) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !e.altKey && !e.shiftKey && e.code === 'KeyS') {
      e.preventDefault();
      e.stopPropagation();
      if (!diffDialog.open && !tokenDialog.open) void save();
      return;
    }
    if (!(e.altKey && e.shiftKey && !mod)) return;
    const actions: Record<string, () => void> = {
      KeyT: () => void runTests(),
      KeyY: () => {
        selectTab('try');
        tryFacts.focus();
      },
      KeyE: () => editor.focus(),
      KeyP: () => (document.querySelector<HTMLButtonElement>('#problems button') ?? byId('problems-heading')).focus(),
      KeyH: () => selectTab('history', true),
      KeyL: () =>
        (
          document.querySelector<HTMLButtonElement>('#policy-list button.active') ??
          document.querySelector<HTMLButtonElement>('#policy-list button')
        )?.focus(),
    };
    const run = actions[e.code];
    if (!run) return;
    e.preventDefault();
    e.stopPropagation();
    run();
  },
  true,
);

window.addEventListener('beforeunload', (e) => {
  if ([...docs.values()].some(modified)) e.preventDefault();
});

window.addEventListener('hashchange', () => {
  const id = decodeURIComponent(location.hash.slice(1));
  if (id && id !== current?.id) void openPolicy(id);
});

// ---- start ----------------------------------------------------------------------------------

async function start(): Promise<void> {
  void api
    .schema()
    .then((s) => (schema = s))
    .catch(() => toast('Could not load the policy schema: key completion is off.', 'error'));
  await loadPolicies();
  const id = decodeURIComponent(location.hash.slice(1));
  if (id && summaries.some((s) => s.id === id)) await openPolicy(id);
  document.body.classList.add('ready');
}

void start();
