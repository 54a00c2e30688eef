// The diff dialog, for a conflicting save and for a revision of the history: an older text on the
// left against a draft on the right, with the actions the caller offers.
import { monaco } from './monaco';
import { byId, h } from './dom';
import { LANGUAGE_ID, THEME } from './language';

export interface DiffAction {
  label: string;
  kind?: 'primary' | 'danger';
  /** Closes the dialog when it answers true. */
  run: () => Promise<boolean> | boolean;
}

export interface DiffOptions {
  title: string;
  text: string;
  left: string;
  right: string;
  original: string;
  modified: monaco.editor.ITextModel;
  readOnly: boolean;
  actions: DiffAction[];
}

export interface DiffDialog {
  readonly open: boolean;
  show(opts: DiffOptions): void;
}

/** `onClose` runs whenever the dialog closes, by an action or by Escape. */
export function createDiffDialog(onClose: () => void): DiffDialog {
  const dialog = byId<HTMLDialogElement>('diff-dialog');
  // The diff editor is made on first use; the original text's model lives while the dialog is open.
  const shown: { editor: monaco.editor.IStandaloneDiffEditor | null; original: monaco.editor.ITextModel | null } = {
    editor: null,
    original: null,
  };

  const close = () => {
    if (dialog.open) dialog.close();
  };

  dialog.addEventListener('close', () => {
    shown.editor?.setModel(null);
    shown.original?.dispose();
    shown.original = null;
    onClose();
  });

  const show = (opts: DiffOptions) => {
    byId('diff-title').textContent = opts.title;
    byId('diff-text').textContent = opts.text;
    byId('diff-left').textContent = opts.left;
    byId('diff-right').textContent = opts.right;
    if (!dialog.open) dialog.showModal();
    shown.editor ??= monaco.editor.createDiffEditor(byId('diff-editor'), {
      theme: THEME,
      automaticLayout: true,
      renderSideBySide: true,
      originalEditable: false,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
    });
    shown.original?.dispose();
    shown.original = monaco.editor.createModel(opts.original, LANGUAGE_ID);
    shown.editor.setModel({ original: shown.original, modified: opts.modified });
    shown.editor.updateOptions({ readOnly: opts.readOnly });
    shown.editor.layout();
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
              if (await a.run()) close();
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
  };

  return {
    get open() {
      return dialog.open;
    },
    show,
  };
}
