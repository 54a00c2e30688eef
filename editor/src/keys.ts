// The keyboard shortcuts, listed on the page: Ctrl/⌘+S saves; Alt+Shift+a letter runs the tests or
// moves the focus to a part of the page.
import { byId } from './dom';

export interface KeyActions {
  save(): void;
  runTests(): void;
  /** A dialog is open: saving waits for it. */
  dialogOpen(): boolean;
  focusTryFacts(): void;
  focusEditor(): void;
  showHistory(): void;
  toggleList(): void;
  toggleSide(): void;
}

export function bindKeys(on: KeyActions): void {
  const actions: Record<string, () => void> = {
    KeyT: on.runTests,
    KeyY: on.focusTryFacts,
    KeyE: on.focusEditor,
    KeyP: () => (document.querySelector<HTMLButtonElement>('#problems button') ?? byId('problems-heading')).focus(),
    KeyH: on.showHistory,
    BracketLeft: on.toggleList,
    BracketRight: on.toggleSide,
    KeyL: () =>
      (
        document.querySelector<HTMLButtonElement>('#policy-list button.active') ??
        document.querySelector<HTMLButtonElement>('#policy-list button')
      )?.focus(),
  };
  // Captured before monaco sees them, so they work with the focus in the editor.
  document.addEventListener(
    'keydown',
    (e) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.altKey && !e.shiftKey && e.code === 'KeyS') {
        e.preventDefault();
        e.stopPropagation();
        if (!on.dialogOpen()) on.save();
        return;
      }
      if (!(e.altKey && e.shiftKey && !mod)) return;
      const run = actions[e.code];
      if (!run) return;
      e.preventDefault();
      e.stopPropagation();
      run();
    },
    true,
  );
}
