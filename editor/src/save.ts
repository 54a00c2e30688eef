// Saving the current draft (`Ctrl+S`): only a valid text, with If-Match the revision it started
// from; a save that lost a race (412) shows the newer revision against the draft, to reload, merge
// or overwrite.
import { ApiError, api, type Diagnostic } from './api';
import type { DiffDialog } from './diff-dialog';
import { byId, shortRevision } from './dom';
import { historyPage } from './history';
import { explain, toast } from './toast';
import type { TokenDialog } from './token';
import type { OpenPolicy, Workspace } from './workspace';

export interface SaveFlow {
  /** Saves the current draft, on `ifMatch` or the revision it started from; true when it was saved. */
  save(ifMatch?: string): Promise<boolean>;
}

export function createSaveFlow(
  ws: Workspace,
  deps: { diff: DiffDialog; tokens: TokenDialog; reloadPolicies: () => Promise<void>; reloadHistory: () => Promise<void> },
): SaveFlow {
  const messageInput = byId<HTMLInputElement>('save-message');

  async function save(ifMatch?: string): Promise<boolean> {
    const d = ws.current;
    if (!d || ws.saving) return false;
    // Saved right after typing: check the text first, so an invalid policy is not even sent.
    if (d.checking) await d.flush();
    if (d.errors > 0) {
      toast(`Fix the ${d.errors} error${d.errors === 1 ? '' : 's'} first: an invalid policy cannot be saved.`, 'error');
      return false;
    }
    const source = d.model.getValue();
    const message = messageInput.value.trim();
    const author = ws.author;
    const revision = ifMatch ?? d.revision;
    ws.setSaving(true);
    const answer = await deps.tokens.write((token) =>
      api.save(d.id, source, revision, token, { ...(author ? { author } : {}), ...(message ? { message } : {}) }),
    );
    ws.setSaving(false);
    if (!answer) return false;
    if (!answer.ok) {
      notSaved(d, answer.error);
      return false;
    }
    const saved = answer.value;
    ws.markSaved(d, saved.revision, source);
    messageInput.value = '';
    ws.setDiagnostics(d, saved.diagnostics);
    toast(`Saved ${d.id} as revision ${shortRevision(saved.revision)}.`, 'ok');
    void deps.reloadPolicies();
    if (ws.tab === 'history') void deps.reloadHistory();
    return true;
  }

  /** The service refused the save: someone saved meanwhile (412), the text is invalid (422), or else. */
  function notSaved(d: OpenPolicy, e: unknown): void {
    if (e instanceof ApiError && e.status === 412) {
      void showConflict(d);
    } else if (e instanceof ApiError && e.status === 422) {
      if (Array.isArray(e.details) && e.details.length) ws.setDiagnostics(d, e.details as Diagnostic[]);
      toast(`Not saved: ${e.message}`, 'error');
    } else {
      toast(`Not saved: ${explain(e)}`, 'error');
    }
  }

  /** A save found a newer revision: show the user's text against it, to reload, overwrite or merge. */
  async function showConflict(d: OpenPolicy): Promise<void> {
    let theirs;
    try {
      theirs = await api.policy(d.id);
    } catch (e) {
      toast(`Someone saved a newer revision, and it could not be read: ${explain(e)}`, 'error');
      return;
    }
    let by = '';
    try {
      const { revisions: revs } = await historyPage(ws, d.id);
      const r = revs.find((x) => x.revision === theirs.revision);
      if (r) by = `${r.author ? ` by ${r.author}` : ''}, ${new Date(r.savedAt).toLocaleString()}`;
    } catch {
      /* the author is a nicety */
    }
    deps.diff.show({
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
            ws.markSaved(d, theirs.revision, theirs.source);
            toast(`Reloaded revision ${shortRevision(theirs.revision)}.`);
            return true;
          },
        },
        { label: 'Overwrite with mine', kind: 'primary', run: () => save(theirs.revision) },
      ],
    });
  }

  return { save };
}
