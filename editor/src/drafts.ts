// An open policy's draft: its monaco model, checked by the service soon after the typing stops
// (as long after as the last check took, 20 to 100 ms), and its outline (what the text declares)
// read again as it changes.
import { monaco } from './monaco';
import { api, isAbort, type PolicyDetail } from './api';
import { debounce } from './dom';
import { LANGUAGE_ID } from './language';
import { conflictsIn } from './merge';
import { readOutline } from './outline';
import { explain } from './toast';
import type { OpenPolicy, Workspace } from './workspace';

/**
 * Puts `text` in the draft as one step of its undo history, apart from the typing before and
 * after it: Ctrl+Z gives back exactly the text as it was, Ctrl+Y the new one again.
 */
export function replaceText(model: monaco.editor.ITextModel, text: string): void {
  if (model.getValue() === text) return;
  model.pushStackElement();
  model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
  model.pushStackElement();
}

/** The least and the most pause between the typing and the check of a draft (see checkSoon). */
const MIN_PAUSE = 20;
const MAX_PAUSE = 100;

/** Opens a policy read from the service as a draft of the workspace. */
export function openDraft(ws: Workspace, detail: PolicyDetail): OpenPolicy {
  const { id } = detail;
  const model = monaco.editor.createModel(detail.source, LANGUAGE_ID, monaco.Uri.parse(`inmemory://spe/policies/${id}.yaml`));
  const doc: OpenPolicy = {
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
      checkSoon.cancel();
      await check();
    },
  };
  ws.addDraft(doc);
  ws.setDiagnostics(doc, detail.diagnostics);

  // Only the newest check counts: a newer one aborts the one under way.
  let checking: AbortController | null = null;
  const check = async () => {
    checking?.abort();
    const ctrl = (checking = new AbortController());
    const version = model.getVersionId();
    ws.checkStarted(doc);
    // A text with merge conflicts is not YAML yet: the conflicts are its problems, not its syntax.
    const conflicts = conflictsIn(model.getLinesContent());
    if (conflicts.length) {
      ws.checked(
        doc,
        conflicts.map((c) => ({
          code: 'yaml.syntax',
          severity: 'error',
          message: 'merge conflict: your lines and theirs both changed here',
          hint: 'take theirs, yours or both in the bar above the editor (F7: the next conflict)',
          file: doc.file,
          line: c.start,
          column: 1,
          endLine: c.start,
          endColumn: model.getLineMaxColumn(c.start),
        })),
      );
      return;
    }
    try {
      const started = performance.now();
      const r = await api.validate(model.getValue(), doc.file, ctrl.signal);
      pause = Math.min(MAX_PAUSE, Math.max(MIN_PAUSE, performance.now() - started));
      if (model.getVersionId() === version) ws.checked(doc, r.diagnostics);
    } catch (e) {
      if (!isAbort(e)) ws.checkFailed(doc, `could not check: ${explain(e)}`);
    }
  };
  // The pause after a keystroke before the text is checked: the last check's round trip, so a
  // quick service marks a typo at once and a slow one gets about one request at a time.
  let pause = MAX_PAUSE;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const checkSoon = Object.assign(
    () => {
      clearTimeout(timer);
      timer = setTimeout(() => void check(), pause);
    },
    { cancel: () => clearTimeout(timer) },
  );
  const rereadSoon = debounce(120, () => ws.setOutline(doc, readOutline(model.getValue(), doc.outline)));
  model.onDidChangeContent(() => {
    ws.edited(doc);
    checkSoon();
    rereadSoon();
  });
  return doc;
}
