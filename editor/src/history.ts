// The history panel: every saved revision of the current policy with author, time and message;
// `View / restore…` shows one against the draft and can restore it.
import { ApiError, api, isRefusedToken, type Revision } from './api';
import { ask } from './ask';
import type { DiffDialog } from './diff-dialog';
import { replaceText } from './drafts';
import { byId, h, shortRevision } from './dom';
import { explain, toast } from './toast';
import type { TokenDialog } from './token';
import { hasUnsavedChanges, type OpenPolicy, type Workspace } from './workspace';

export interface HistoryPanel {
  /** Reads the current policy's history again. */
  load(): Promise<void>;
}

/** The newest history page; with the admin token when there is one, since only admins see authors. */
export async function historyPage(ws: Workspace, id: string): Promise<{ revisions: Revision[]; next: string | null }> {
  const t = ws.token ?? undefined;
  try {
    return await api.history(id, t);
  } catch (e) {
    if (!(t && isRefusedToken(e))) throw e;
    ws.forgetToken();
    return api.history(id);
  }
}

/** Who saved `revision` and when, as words (' by Ann, 06/12/2026 10:02'), or '' when not known. */
export async function savedBy(ws: Workspace, id: string, revision: string): Promise<string> {
  try {
    const { revisions } = await historyPage(ws, id);
    const r = revisions.find((x) => x.revision === revision);
    return r ? `${r.author ? ` by ${r.author}` : ''}, ${new Date(r.savedAt).toLocaleString()}` : '';
  } catch {
    return ''; // the author is a nicety
  }
}

export function createHistoryPanel(
  ws: Workspace,
  deps: { diff: DiffDialog; tokens: TokenDialog; reloadPolicies: () => Promise<void> },
): HistoryPanel {
  async function load(): Promise<void> {
    const d = ws.current;
    if (!d) return;
    ws.setHistory(d, { state: 'loading' });
    try {
      const page = await historyPage(ws, d.id);
      ws.setHistory(d, { state: 'loaded', revisions: page.revisions, more: page.next !== null });
    } catch (e) {
      ws.setHistory(d, { state: 'failed', message: explain(e) });
    }
  }

  async function viewRevision(d: OpenPolicy, r: Revision): Promise<void> {
    let source: string;
    try {
      source = await api.revisionSource(d.id, r.revision);
    } catch (e) {
      toast(`Could not read revision ${shortRevision(r.revision)}: ${explain(e)}`, 'error');
      return;
    }
    deps.diff.show({
      title: `Revision ${shortRevision(r.revision)}`,
      text: `Saved${r.author ? ` by ${r.author}` : ''}, ${new Date(r.savedAt).toLocaleString()}${r.message ? ` — “${r.message}”` : ''}. Left: that revision. Right: the text in the editor now.`,
      left: `revision ${shortRevision(r.revision)}`,
      right: hasUnsavedChanges(d) ? 'editor (unsaved changes)' : `editor · ${shortRevision(d.revision)}`,
      original: source,
      modified: d.model,
      readOnly: true,
      actions: [
        { label: 'Close', run: () => true },
        { label: 'Restore this revision', kind: 'primary', run: () => restore(d, r) },
      ],
    });
  }

  async function restore(d: OpenPolicy, r: Revision): Promise<boolean> {
    if (hasUnsavedChanges(d)) {
      const sure = await ask({
        title: 'Restore over your unsaved edits?',
        text: `Restoring revision ${shortRevision(r.revision)} saves it as the newest revision and puts its text in the editor in place of your unsaved edits. Ctrl+Z in the editor brings them back afterwards.`,
        keep: 'Keep my edits',
        lose: 'Restore, replacing my edits',
      });
      if (!sure) return false;
    }
    const t = await deps.tokens.token();
    if (!t) return false;
    try {
      // If-Match is the revision being edited: a save by someone else since then is not overwritten.
      const restored = await api.rollback(d.id, r.revision, d.revision, t, ws.author);
      replaceText(d.model, restored.source);
      ws.markSaved(d, restored.revision, restored.source);
      toast(`Restored ${shortRevision(r.revision)} as revision ${shortRevision(restored.revision)}.`, 'ok');
      void deps.reloadPolicies();
      void load();
      return true;
    } catch (e) {
      if (isRefusedToken(e)) ws.forgetToken();
      if (e instanceof ApiError && e.status === 412)
        toast('Not restored: someone saved this policy meanwhile. Save or reload first, then restore.', 'error');
      else toast(`Not restored: ${explain(e)}`, 'error');
      return false;
    }
  }

  const render = () => renderHistory(ws, viewRevision);
  ws.on('history', render);
  ws.on('opened', () => (ws.tab === 'history' ? void load() : render()));
  ws.on('tab', (tab) => tab === 'history' && void load());
  return { load };
}

function renderHistory(ws: Workspace, view: (d: OpenPolicy, r: Revision) => Promise<void>): void {
  const out = byId('history');
  const d = ws.current;
  const shown = ws.history;
  if (!d || shown.state === 'none') return out.replaceChildren();
  if (shown.state === 'loading') return out.replaceChildren(h('p', { class: 'muted' }, 'Loading the history…'));
  if (shown.state === 'failed')
    return out.replaceChildren(h('div', { class: 'notice bad' }, `Could not load the history: ${shown.message}`));
  const { revisions, more } = shown;
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
          h('button', { type: 'button', class: 'small', onclick: () => void view(d, r) }, 'View / restore…'),
        ),
      ),
    ),
    ...(more ? [h('p', { class: 'muted' }, `The latest ${revisions.length} saves; older ones are in the history API.`)] : []),
  );
}
