// The monaco editor of the current policy: created once at start, it shows the current draft,
// draws each draft's diagnostics as markers, and moves the cursor where a link points.
import { monaco } from './monaco';
import { registerProviders } from './completion';
import { byId, parseSource } from './dom';
import { THEME, registerLanguage } from './language';
import { registerQuickFixes } from './quick-fixes';
import type { OpenPolicy, Workspace } from './workspace';

/** The owner of the markers drawn from the service's diagnostics. */
export const MARKER_OWNER = 'spe';

export interface PolicyEditor {
  readonly view: monaco.editor.IStandaloneCodeEditor;
  /** Moves the cursor to a position of the policy and gives the editor the focus. */
  goTo(line: number, column: number): void;
  /** Moves the cursor to a `file:line:col` source. */
  goToSource(source: string): void;
  focus(): void;
}

export function createPolicyEditor(ws: Workspace, host: HTMLElement): PolicyEditor {
  registerLanguage();
  registerProviders({
    outline: (model) => ws.draftOf(model)?.outline ?? null,
    schema: () => ws.schema,
  });
  registerQuickFixes('spe');

  const view = monaco.editor.create(host, {
    model: null,
    theme: THEME,
    automaticLayout: true,
    fontSize: 13,
    lineHeight: 20,
    minimap: { enabled: false },
    scrollBeyondLastLine: false,
    wordBasedSuggestions: 'off',
    quickSuggestions: { other: true, comments: false, strings: true },
    suggestOnTriggerCharacters: true,
    tabSize: 2,
    insertSpaces: true,
    renderWhitespace: 'selection',
    fixedOverflowWidgets: true,
    ariaLabel: 'Policy source',
  });

  showTabMode(view);

  view.onDidChangeCursorPosition((e) => {
    byId('cursor-pos').textContent = `Ln ${e.position.lineNumber}, Col ${e.position.column}`;
  });

  ws.on('opened', (previous) => {
    const doc = ws.current!;
    if (previous) previous.viewState = view.saveViewState();
    view.setModel(doc.model);
    if (doc.viewState) view.restoreViewState(doc.viewState);
  });
  // Before the problems pane redraws: it lists the markers.
  ws.on('diagnostics', drawMarkers);

  const goTo = (line: number, column: number) => {
    if (!ws.current) return;
    const position = { lineNumber: line, column };
    view.setPosition(position);
    view.revealPositionInCenterIfOutsideViewport(position);
    view.focus();
  };
  return {
    view,
    goTo,
    goToSource: (source) => {
      const at = parseSource(source);
      if (at) goTo(at.line, at.column);
    },
    focus: () => view.focus(),
  };
}

/**
 * What Tab does, shown in the status bar and switched there or with Ctrl+M: a keyboard user can
 * then leave the editor with Tab. monaco's own toggle (`editor.action.toggleTabFocusMode`) has no
 * key in the standalone editor, so this action takes Ctrl+M; it sets every editor of the page
 * (the try-it facts too), as monaco's global mode would.
 */
function showTabMode(view: monaco.editor.IStandaloneCodeEditor): void {
  const button = byId<HTMLButtonElement>('tab-mode');
  const isOn = () => view.getOption(monaco.editor.EditorOption.tabFocusMode);
  const draw = () => {
    const on = isOn();
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? 'Tab moves focus' : 'Tab indents';
  };
  const toggle = () => {
    const on = !isOn();
    for (const e of monaco.editor.getEditors()) e.updateOptions({ tabFocusMode: on });
  };
  view.addAction({
    id: 'spe.toggleTabFocusMode',
    label: 'Toggle Tab Key Moves Focus',
    keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyM],
    run: toggle,
  });
  view.onDidChangeConfiguration((e) => {
    if (e.hasChanged(monaco.editor.EditorOption.tabFocusMode)) draw();
  });
  // An editor made later (the diff of a revision) follows the mode in force.
  monaco.editor.onDidCreateEditor((e) => {
    if (isOn()) queueMicrotask(() => e.updateOptions({ tabFocusMode: true }));
  });
  button.addEventListener('click', () => {
    toggle();
    view.focus();
  });
  draw();
}

function drawMarkers(d: OpenPolicy): void {
  const lines = d.model.getLineCount();
  monaco.editor.setModelMarkers(
    d.model,
    MARKER_OWNER,
    d.diagnostics.map((x) => {
      const line = Math.min(Math.max(x.line, 1), lines);
      const endLine = Math.min(Math.max(x.endLine, line), lines);
      const empty = endLine === line && x.endColumn <= x.column;
      return {
        severity: x.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
        message: x.hint ? `${x.message}\n${x.hint}` : x.message,
        code: x.code,
        source: 'spe',
        startLineNumber: line,
        startColumn: x.column,
        endLineNumber: endLine,
        endColumn: empty ? x.column + 1 : x.endColumn,
      };
    }),
  );
}
