// The top bar: the current policy's title, revision and state (errors, unsaved, saved), and whether
// it can be saved or tested now.
import { byId, shortRevision } from './dom';
import { conflictsIn } from './merge';
import { hasUnsavedChanges, type Workspace } from './workspace';

export function watchHeader(ws: Workspace): void {
  const render = () => renderHeader(ws);
  const ifCurrent = (doc: unknown) => doc === ws.current && render();
  ws.on('policies', render);
  ws.on('opened', render);
  ws.on('edited', ifCurrent);
  ws.on('diagnostics', ifCurrent);
  ws.on('saved', ifCurrent);
  ws.on('saving', render);
  ws.on('tests', render);
}

function renderHeader(ws: Workspace): void {
  const d = ws.current;
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
  const summary = ws.summaryOf(d.id);
  title.textContent = summary?.title ? `${summary.title}` : d.id;
  byId('doc-rev').textContent = `${d.id} @ ${shortRevision(d.revision)}`;
  byId('doc-rev').setAttribute('data-revision', d.revision);
  const dirty = hasUnsavedChanges(d);
  const conflicts = conflictsIn(d.model.getLinesContent()).length;
  document.title = `${dirty ? '● ' : ''}${d.id} · spe policy editor`;
  state.textContent = conflicts
    ? `${conflicts} conflict${conflicts === 1 ? '' : 's'}`
    : d.errors
      ? `${d.errors} error${d.errors === 1 ? '' : 's'}`
      : dirty
        ? 'unsaved changes'
        : 'saved';
  state.className = `doc-state ${d.errors ? 'bad' : dirty ? 'dirty' : 'ok'}`;
  tests.disabled = ws.testing;
  message.disabled = false;
  save.disabled = ws.saving || d.errors > 0 || conflicts > 0 || !dirty;
  save.title = conflicts
    ? `Resolve the ${conflicts} merge conflict${conflicts === 1 ? '' : 's'} first`
    : d.errors > 0
      ? `Fix the ${d.errors} error${d.errors === 1 ? '' : 's'} first: an invalid policy cannot be saved`
      : dirty
        ? 'Save (Ctrl+S / ⌘S)'
        : 'Nothing to save: the text is the saved revision';
}
