// The problems pane under the editor: the current draft's markers as a list (a click moves the
// cursor there) and whether the text is being checked.
import { monaco } from './monaco';
import { byId, h } from './dom';
import { MARKER_OWNER, type PolicyEditor } from './policy-editor';
import type { Workspace } from './workspace';

export function watchProblems(ws: Workspace, editor: PolicyEditor): void {
  const render = () => renderProblems(ws, editor);
  ws.on('opened', render);
  ws.on('diagnostics', (doc) => doc === ws.current && render());
  ws.on('checking', (doc, error) => doc === ws.current && renderCheckState(ws, error));
  monaco.editor.onDidChangeMarkers((uris) => {
    const d = ws.current;
    if (d && uris.some((u) => u.toString() === d.model.uri.toString())) render();
  });
}

function renderCheckState(ws: Workspace, error?: string): void {
  const el = byId('validate-state');
  const d = ws.current;
  if (!d) return void (el.textContent = '');
  if (error) {
    el.textContent = error;
    el.className = 'bad';
    return;
  }
  el.className = 'muted';
  el.textContent = d.checking ? 'checking…' : d.errors || d.warnings ? '' : '✓ no problems';
}

function renderProblems(ws: Workspace, editor: PolicyEditor): void {
  const d = ws.current;
  const list = byId('problems');
  renderCheckState(ws);
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
            onclick: () => editor.goTo(m.startLineNumber, m.startColumn),
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
