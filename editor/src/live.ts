// Saves made elsewhere, as they happen: the service's event stream (/v1/events) names each policy
// whose text changed. An open draft without edits of its own shows the new revision at once (one
// undo step: Ctrl+Z shows the previous text again); a draft with edits is offered the merge. After
// the stream broke (a restart), the list of policies is read again so no save in between is missed.
import { api } from './api';
import { debounce, shortRevision } from './dom';
import { replaceText } from './drafts';
import { savedBy } from './history';
import type { MergeFlow } from './merge-bar';
import { toast } from './toast';
import { hasUnsavedChanges, type OpenPolicy, type Workspace } from './workspace';

export function watchSaves(ws: Workspace, deps: { merge: MergeFlow; reloadPolicies: () => Promise<void> }): void {
  if (typeof EventSource === 'undefined') return;
  /** The latest revision told of each policy, handled one at a time. */
  const told = new Map<string, string>();
  /** The revision last shown or offered for each policy. */
  const handled = new Map<string, string>();
  const busy = new Set<string>();
  const pending = (id: string, d: OpenPolicy) => {
    const t = told.get(id);
    return t !== undefined && t !== d.revision && t !== handled.get(id);
  };

  const untilSaved = () =>
    new Promise<void>((resolve) => {
      if (!ws.saving) return resolve();
      const wait = setInterval(() => {
        if (ws.saving) return;
        clearInterval(wait);
        resolve();
      }, 50);
    });

  async function changed(id: string): Promise<void> {
    if (busy.has(id)) return;
    busy.add(id);
    try {
      // A save of ours under way is told too, before its answer: wait for it, then compare.
      await untilSaved();
      const d = ws.draft(id);
      if (!d || !pending(id, d)) return;
      const theirs = await api.policy(id);
      handled.set(id, theirs.revision);
      if (theirs.revision === d.revision) return;
      if (theirs.source === d.model.getValue()) {
        ws.markSaved(d, theirs.revision, theirs.source);
        return;
      }
      const by = await savedBy(ws, id, theirs.revision);
      if (ws.draft(id) !== d || theirs.revision === d.revision) return;
      if (!hasUnsavedChanges(d) && !deps.merge.conflicts(d).length) show(d, theirs, by);
      else deps.merge.offer(d, { detail: theirs, by });
    } catch {
      /* read again at the next event or save */
    } finally {
      busy.delete(id);
      // Told again while busy: look once more.
      const d = ws.draft(id);
      if (d && pending(id, d) && !busy.has(id)) void changed(id);
    }
  }

  function show(d: OpenPolicy, theirs: { revision: string; source: string }, by: string): void {
    replaceText(d.model, theirs.source);
    ws.markSaved(d, theirs.revision, theirs.source);
    if (d === ws.current) toast(`Revision ${shortRevision(theirs.revision)} was saved${by}: the editor shows it now.`);
  }

  const reloadList = debounce(300, () => void deps.reloadPolicies());
  let opened = false;
  const source = new EventSource('/v1/events');
  source.addEventListener('changed', (e) => {
    const { id, revision } = JSON.parse((e as MessageEvent<string>).data) as { id: string; revision: string };
    told.set(id, revision);
    reloadList();
    void changed(id);
  });
  source.addEventListener('open', () => {
    if (!opened) return void (opened = true);
    // Connected again: whatever was saved meanwhile is in the list.
    void api.policies().then((list) => {
      for (const p of list) {
        told.set(p.id, p.revision);
        void changed(p.id);
      }
      reloadList();
    });
  });
}
