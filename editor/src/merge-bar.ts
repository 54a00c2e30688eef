// Merging a revision someone else saved into the draft, in the editor itself: their changes and
// the admin's that touch different lines merge by themselves (their lines marked in green); the
// ones that touch the same lines are conflicts between markers in the text, taken one by one from
// the bar above the editor (theirs, yours or both, with F7 / Shift+F7 to move between them).
// Saving waits until none is left. Overwriting their changes is never the default: it is a
// separate button that asks first, naming the lines that would be lost.
import { monaco } from './monaco';
import type { PolicyDetail } from './api';
import { ask } from './ask';
import { byId, h, shortRevision } from './dom';
import { replaceText } from './drafts';
import { type Conflict, type Resolution, conflictsIn, merge3, resolved } from './merge';
import type { PolicyEditor } from './policy-editor';
import { toast } from './toast';
import { hasUnsavedChanges, type OpenPolicy, type Workspace } from './workspace';

/** A revision saved by someone else: its detail and who saved it, as words (' by Ann, 10:02'). */
export interface Theirs {
  detail: PolicyDetail;
  by: string;
}

export interface MergeFlow {
  /** Merges their revision into the draft now. */
  mergeIn(d: OpenPolicy, theirs: Theirs): void;
  /** Tells of their revision and offers to merge it (the draft has edits of its own). */
  offer(d: OpenPolicy, theirs: Theirs): void;
  /** The conflicts left in the draft's text. */
  conflicts(d: OpenPolicy): Conflict[];
  /** Moves the cursor to the next conflict (or the previous); false when there is none. */
  goToConflict(step: 1 | -1): boolean;
}

interface Merging {
  theirs: Theirs;
  /** The draft's text before the merge: what an overwrite saves. */
  mine: string;
  /** Their lines in the merged text, as they read: what an overwrite loses. */
  theirChanges: string[];
  clean: boolean;
}

export function createMergeFlow(ws: Workspace, editor: PolicyEditor, deps: { save: () => Promise<boolean> }): MergeFlow {
  const bar = byId('merge-bar');
  const merging = new WeakMap<OpenPolicy, Merging>();
  const offered = new WeakMap<OpenPolicy, Theirs>();
  // The decorations of each draft: their merged lines (kept as the text changes) and the conflicts (redrawn).
  const theirMarks = new WeakMap<OpenPolicy, string[]>();
  const clearTheirs = (d: OpenPolicy) => theirMarks.set(d, d.model.deltaDecorations(theirMarks.get(d) ?? [], []));
  const conflictMarks = new WeakMap<OpenPolicy, string[]>();

  const conflicts = (d: OpenPolicy) => conflictsIn(d.model.getLinesContent());

  /** The conflict the cursor is in, or the next one after it, or the first. */
  const currentConflict = (d: OpenPolicy, list: Conflict[]): number => {
    const line = editor.view.getModel() === d.model ? (editor.view.getPosition()?.lineNumber ?? 1) : 1;
    const i = list.findIndex((c) => c.end >= line);
    return i < 0 ? 0 : i;
  };

  const goToConflict = (step: 1 | -1): boolean => {
    const d = ws.current;
    if (!d) return false;
    const list = conflicts(d);
    if (!list.length) return false;
    const line = editor.view.getPosition()?.lineNumber ?? 1;
    const next =
      step === 1
        ? (list.find((c) => c.start > line) ?? list[0]!)
        : ([...list].reverse().find((c) => c.end < line) ?? list[list.length - 1]!);
    reveal(next);
    return true;
  };

  const reveal = (c: Conflict) => {
    editor.view.revealLinesInCenter(c.start, c.end);
    editor.goTo(c.start + 1, 1);
  };

  function take(d: OpenPolicy, how: Resolution): void {
    const list = conflicts(d);
    const c = list[currentConflict(d, list)];
    if (!c) return;
    const lines = d.model.getLinesContent();
    const replacement = resolved(lines, c, how);
    const lastLine = c.end < lines.length ? c.end + 1 : c.end;
    const range =
      c.end < lines.length
        ? new monaco.Range(c.start, 1, lastLine, 1)
        : new monaco.Range(c.start, 1, c.end, lines[c.end - 1]!.length + 1);
    const text = replacement.length ? replacement.join('\n') + (c.end < lines.length ? '\n' : '') : '';
    d.model.pushStackElement();
    d.model.pushEditOperations([], [{ range, text }], () => null);
    d.model.pushStackElement();
    const rest = conflicts(d);
    if (rest.length) reveal(rest.find((x) => x.start >= c.start) ?? rest[0]!);
    else {
      editor.goTo(c.start, 1);
      toast('Every conflict is resolved: check the text and save.', 'ok');
    }
  }

  async function overwrite(d: OpenPolicy): Promise<void> {
    const m = merging.get(d);
    if (!m) return;
    const who = m.theirs.by ? m.theirs.by.replace(/^ by /, '').split(',')[0]! : 'the other admin';
    const n = m.theirChanges.length;
    const sure = await ask({
      title: `Overwrite ${who}'s changes?`,
      text: `Saving your text as it was before the merge replaces revision ${shortRevision(m.theirs.detail.revision)}${m.theirs.by}. ${
        n ? `These ${n === 1 ? 'line' : `${n} lines`} of theirs will be lost:` : 'Their deletions will be undone.'
      }`,
      lost: m.theirChanges.map((l) => l.trim() || '(an empty line)'),
      keep: 'Back to the merge',
      lose: `Overwrite, losing ${who}'s changes`,
    });
    if (!sure || ws.current !== d) return;
    replaceText(d.model, m.mine);
    await deps.save();
  }

  function mergeIn(d: OpenPolicy, theirs: Theirs): void {
    offered.delete(d);
    const mine = d.model.getValue();
    // The markers name their revision and its author (not the time: it is in the bar).
    const label = `${shortRevision(theirs.detail.revision)}${theirs.by.split(',')[0]}`;
    const m = merge3(mine, d.savedSource, theirs.detail.source, label);
    replaceText(d.model, m.text);
    merging.set(d, { theirs, mine, theirChanges: m.theirChanges.map((c) => c.text), clean: m.conflicts === 0 });
    ws.markSaved(d, theirs.detail.revision, theirs.detail.source);
    theirMarks.set(
      d,
      d.model.deltaDecorations(
        theirMarks.get(d) ?? [],
        m.theirLines.map((line) => ({
          range: new monaco.Range(line, 1, line, 1),
          options: {
            isWholeLine: true,
            className: 'merge-theirs-line',
            linesDecorationsClassName: 'merge-gutter-theirs',
            stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
            hoverMessage: { value: `From revision ${label}` },
          },
        })),
      ),
    );
    render();
    const list = conflicts(d);
    if (list.length) reveal(list[0]!);
    else if (m.theirLines.length) editor.view.revealLineInCenter(m.theirLines[0]!);
    if (!m.conflicts)
      toast(
        `Merged revision ${label} with your edits: nothing conflicted.${hasUnsavedChanges(d) ? ' Save to keep both.' : ''}`,
        'ok',
      );
  }

  function offer(d: OpenPolicy, theirs: Theirs): void {
    offered.set(d, theirs);
    render();
  }

  function drawConflicts(d: OpenPolicy, list: Conflict[]): void {
    const decorations: monaco.editor.IModelDeltaDecoration[] = [];
    const whole = (from: number, to: number, className: string) => {
      if (to >= from) decorations.push({ range: new monaco.Range(from, 1, to, 1), options: { isWholeLine: true, className } });
    };
    for (const c of list) {
      whole(c.start, c.start, 'merge-marker-line');
      whole(c.start + 1, c.split - 1, 'merge-mine-line');
      whole(c.split, c.split, 'merge-marker-line');
      whole(c.split + 1, c.end - 1, 'merge-theirs-line');
      whole(c.end, c.end, 'merge-marker-line');
    }
    conflictMarks.set(d, d.model.deltaDecorations(conflictMarks.get(d) ?? [], decorations));
  }

  function render(): void {
    const d = ws.current;
    if (!d) return void (bar.hidden = true);
    const list = conflicts(d);
    drawConflicts(d, list);
    const m = merging.get(d);
    const offer = offered.get(d);
    bar.classList.toggle('clean', !list.length);
    const button = (label: string, onclick: () => void, attrs: Record<string, string> = {}) =>
      h('button', { type: 'button', class: 'small', onclick, ...attrs }, label);
    if (list.length) {
      const i = currentConflict(d, list);
      bar.dataset.state = 'conflicts';
      bar.replaceChildren(
        h(
          'span',
          { class: 'merge-text' },
          h(
            'strong',
            { id: 'merge-count', 'data-count': String(list.length) },
            `${list.length} conflict${list.length === 1 ? '' : 's'}`,
          ),
          ` with revision ${m ? `${shortRevision(m.theirs.detail.revision)}${m.theirs.by}` : 'saved meanwhile'}. `,
          h('span', { id: 'merge-at' }, `Conflict ${i + 1} of ${list.length}:`),
          ' yours in blue, theirs in green.',
        ),
        button('◀ Previous', () => goToConflict(-1), { id: 'merge-prev', title: 'Previous conflict (Shift+F7)' }),
        button('Next ▶', () => goToConflict(1), { id: 'merge-next', title: 'Next conflict (F7)' }),
        button('Take theirs', () => take(d, 'theirs'), { id: 'merge-theirs' }),
        button('Take yours', () => take(d, 'mine'), { id: 'merge-mine' }),
        button('Take both', () => take(d, 'both'), { id: 'merge-both' }),
        ...(m
          ? [
              h('span', { class: 'spacer' }),
              button('Overwrite theirs…', () => void overwrite(d), { id: 'merge-overwrite', class: 'small danger' }),
            ]
          : []),
      );
      bar.hidden = false;
    } else if (m) {
      bar.dataset.state = 'merged';
      bar.replaceChildren(
        h(
          'span',
          { class: 'merge-text' },
          `Merged revision ${shortRevision(m.theirs.detail.revision)}${m.theirs.by} with your edits; their lines are marked in green. `,
          hasUnsavedChanges(d) ? 'Save to keep both.' : '',
        ),
        button('Overwrite theirs…', () => void overwrite(d), { id: 'merge-overwrite', class: 'small danger' }),
        button(
          'Done',
          () => {
            merging.delete(d);
            clearTheirs(d);
            render();
          },
          { id: 'merge-done' },
        ),
      );
      bar.hidden = false;
    } else if (offer) {
      bar.dataset.state = 'offered';
      bar.replaceChildren(
        h(
          'span',
          { class: 'merge-text' },
          `Revision ${shortRevision(offer.detail.revision)} was saved${offer.by} while you were editing. `,
          'Merge it in now, so your save keeps both.',
        ),
        button('Merge it in now', () => mergeIn(d, offer), { id: 'merge-now', class: 'small primary' }),
        button(
          'Later',
          () => {
            offered.delete(d);
            render();
          },
          { id: 'merge-later' },
        ),
      );
      bar.hidden = false;
    } else {
      delete bar.dataset.state;
      bar.hidden = true;
    }
  }

  ws.on('opened', render);
  ws.on('edited', (d) => d === ws.current && render());
  // A save (or a restore) moves the draft past their revision: the merge is over.
  ws.on('saved', (d) => {
    const m = merging.get(d);
    if (m && d.revision !== m.theirs.detail.revision) {
      merging.delete(d);
      clearTheirs(d);
    }
    const o = offered.get(d);
    if (o && d.revision === o.detail.revision) offered.delete(d);
    if (d === ws.current) render();
  });
  editor.view.onDidChangeCursorPosition(() => {
    const at = document.getElementById('merge-at');
    const d = ws.current;
    if (!at || !d) return;
    const list = conflicts(d);
    if (list.length) at.textContent = `Conflict ${currentConflict(d, list) + 1} of ${list.length}:`;
  });
  editor.view.addAction({
    id: 'spe.nextConflict',
    label: 'Next merge conflict',
    keybindings: [monaco.KeyCode.F7],
    run: () => void goToConflict(1),
  });
  editor.view.addAction({
    id: 'spe.previousConflict',
    label: 'Previous merge conflict',
    keybindings: [monaco.KeyMod.Shift | monaco.KeyCode.F7],
    run: () => void goToConflict(-1),
  });

  return { mergeIn, offer, conflicts, goToConflict };
}
