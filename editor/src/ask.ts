// A question before a step that throws work away: the safe answer is the default (focused, and
// what Escape or Enter gives); the other one says plainly what it loses.
import { byId, h } from './dom';

export interface Question {
  title: string;
  text: string;
  /** The safe answer, e.g. "Keep my edits". */
  keep: string;
  /** The answer that goes ahead and loses something, e.g. "Restore, replacing my edits". */
  lose: string;
  /** What would be lost, one item a line. */
  lost?: string[];
}

/** Resolves true when the admin chose to go ahead. */
export function ask(q: Question): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>('ask-dialog');
  byId('ask-title').textContent = q.title;
  byId('ask-text').textContent = q.text;
  byId('ask-lost').replaceChildren(...(q.lost ?? []).map((l) => h('li', {}, h('code', {}, l))));
  byId('ask-lost').hidden = !q.lost?.length;
  return new Promise((resolve) => {
    let answer = false;
    const keep = h('button', { type: 'button', id: 'ask-keep', class: 'primary', onclick: () => dialog.close() }, q.keep);
    const lose = h(
      'button',
      {
        type: 'button',
        id: 'ask-lose',
        class: 'danger',
        onclick: () => {
          answer = true;
          dialog.close();
        },
      },
      q.lose,
    );
    byId('ask-actions').replaceChildren(lose, keep);
    dialog.addEventListener('close', () => resolve(answer), { once: true });
    dialog.showModal();
    keep.focus();
  });
}
