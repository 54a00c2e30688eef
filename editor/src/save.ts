// Saving the current draft (`Ctrl+S`): only a valid text without merge conflicts, with If-Match the
// revision it started from; a save that lost a race (412) merges the newer revision into the draft
// (three-way, against that revision), and the admin saves again once it is merged.
import { ApiError, api, type Diagnostic } from './api';
import { byId, shortRevision } from './dom';
import { savedBy } from './history';
import type { MergeFlow } from './merge-bar';
import { explain, toast } from './toast';
import type { TokenDialog } from './token';
import { hasUnsavedChanges, type OpenPolicy, type Workspace } from './workspace';

export interface SaveFlow {
  /** Saves the current draft, on `ifMatch` or the revision it started from; true when it was saved. */
  save(ifMatch?: string): Promise<boolean>;
}

export function createSaveFlow(
  ws: Workspace,
  deps: {
    tokens: TokenDialog;
    /** The merge flow (made after this one: it saves through it). */
    merge: () => MergeFlow;
    reloadPolicies: () => Promise<void>;
    reloadHistory: () => Promise<void>;
  },
): SaveFlow {
  const messageInput = byId<HTMLInputElement>('save-message');

  async function save(ifMatch?: string): Promise<boolean> {
    const d = ws.current;
    if (!d || ws.saving) return false;
    // Saved right after typing: check the text first, so an invalid policy is not even sent.
    if (!hasUnsavedChanges(d)) {
      toast(`Nothing to save: the text is revision ${shortRevision(d.revision)}.`);
      return false;
    }
    const conflicts = deps.merge().conflicts(d).length;
    if (conflicts) {
      toast(`Resolve the ${conflicts} merge conflict${conflicts === 1 ? '' : 's'} first: take theirs, yours or both.`, 'error');
      deps.merge().goToConflict(1);
      return false;
    }
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

  /** A save found a newer revision: merge it into the draft (the save waits for any conflict). */
  async function showConflict(d: OpenPolicy): Promise<void> {
    let theirs;
    try {
      theirs = await api.policy(d.id);
    } catch (e) {
      toast(`Someone saved a newer revision, and it could not be read: ${explain(e)}`, 'error');
      return;
    }
    const by = await savedBy(ws, d.id, theirs.revision);
    if (ws.current !== d) return;
    deps.merge().mergeIn(d, { detail: theirs, by });
    const left = deps.merge().conflicts(d).length;
    if (left)
      toast(
        `Not saved: revision ${shortRevision(theirs.revision)} was saved${by} meanwhile. ${left} conflict${left === 1 ? '' : 's'} to resolve, then save.`,
        'error',
      );
  }

  return { save };
}
