// The editor's state in one place: the policies, the open ones with their drafts, the current one,
// the admin token, and what the workbench shows. Panels change it through its operations and redraw
// on its notifications; none of them keeps state of the workspace's own.
import type * as monaco from 'monaco-editor/editor/editor.api';
import type { Diagnostic, PolicySummary, Revision, TestRun } from './api';
import type { Outline } from './outline';

/** The try-it panel's input for one policy. */
export interface TryFacts {
  facts: string;
  now: string;
  /** The index of the test whose facts are shown, or 'custom'. */
  sample: string;
}

/** A policy open in the editor: its draft (the monaco model) and what is known about it. */
export interface OpenPolicy {
  readonly id: string;
  readonly file: string;
  /** The draft text; it keeps its own undo history while another policy is shown. */
  readonly model: monaco.editor.ITextModel;
  /** The revision this text is based on: the If-Match of the next save. */
  revision: string;
  /** The text of that revision. */
  savedSource: string;
  outline: Outline;
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
  /** The text changed since the last diagnostics. */
  checking: boolean;
  viewState: monaco.editor.ICodeEditorViewState | null;
  try: TryFacts | null;
  /** Checks the text now instead of after the typing pause. */
  flush(): Promise<void>;
}

export const hasUnsavedChanges = (d: OpenPolicy) => d.model.getValue() !== d.savedSource;

export type Tab = 'try' | 'tests' | 'history' | 'impact';
export const TABS: readonly Tab[] = ['try', 'tests', 'history', 'impact'];

/** The tests panel: nothing yet, a run under way, its result, or why it could not run. */
export type TestsView =
  { state: 'none' } | { state: 'running' } | { state: 'ran'; run: TestRun } | { state: 'failed'; message: string };

/** The history panel, for the current policy. */
export type HistoryView =
  | { state: 'none' }
  | { state: 'loading' }
  | { state: 'loaded'; revisions: Revision[]; more: boolean }
  | { state: 'failed'; message: string };

/** What changed, with what the listeners need to know. */
interface Changes {
  /** The list of policies was read again. */
  policies: [];
  /** Another policy became the current one (`previous` is still shown by the editor). */
  opened: [previous: OpenPolicy | null];
  /** A draft's text changed. */
  edited: [doc: OpenPolicy];
  /** A draft's outline was read again. */
  outline: [doc: OpenPolicy];
  /** A draft is being checked, or its check failed. */
  checking: [doc: OpenPolicy, error: string | undefined];
  diagnostics: [doc: OpenPolicy];
  /** A draft's revision changed: saved, restored or reloaded. */
  saved: [doc: OpenPolicy];
  saving: [];
  tests: [];
  history: [];
  tab: [tab: Tab];
}
export type Change = keyof Changes;

const TOKEN_KEY = 'spe.adminToken';
const AUTHOR_KEY = 'spe.author';

export class Workspace {
  readonly #docs = new Map<string, OpenPolicy>();
  #current: OpenPolicy | null = null;
  #policies: PolicySummary[] = [];
  #schema: Record<string, unknown> | null = null;
  #saving = false;
  #testing = false;
  #tests: TestsView = { state: 'none' };
  #history: HistoryView = { state: 'none' };
  #tab: Tab = 'try';
  // Keyed by change; `on` and `#emit` keep each list's listeners of the key's type.
  readonly #listeners = new Map<Change, ((...args: never[]) => void)[]>();

  /** The token and the author are kept in the tab's session storage only. */
  constructor(private readonly storage: Storage) {}

  on<K extends Change>(change: K, listener: (...args: Changes[K]) => void): void {
    const listeners = this.#listeners.get(change) ?? [];
    listeners.push(listener as (...args: never[]) => void);
    this.#listeners.set(change, listeners);
  }

  #emit<K extends Change>(change: K, ...args: Changes[K]): void {
    for (const listener of this.#listeners.get(change) ?? []) (listener as (...args: Changes[K]) => void)(...args);
  }

  get current(): OpenPolicy | null {
    return this.#current;
  }
  get policies(): readonly PolicySummary[] {
    return this.#policies;
  }
  get schema(): Record<string, unknown> | null {
    return this.#schema;
  }
  get saving(): boolean {
    return this.#saving;
  }
  get testing(): boolean {
    return this.#testing;
  }
  get tests(): TestsView {
    return this.#tests;
  }
  get history(): HistoryView {
    return this.#history;
  }
  get tab(): Tab {
    return this.#tab;
  }

  // ---- policies and drafts ----

  setSchema(schema: Record<string, unknown>): void {
    this.#schema = schema;
  }

  setPolicies(policies: PolicySummary[]): void {
    this.#policies = policies;
    this.#emit('policies');
  }

  summaryOf(id: string): PolicySummary | undefined {
    return this.#policies.find((s) => s.id === id);
  }

  draft(id: string): OpenPolicy | undefined {
    return this.#docs.get(id);
  }

  draftOf(model: monaco.editor.ITextModel): OpenPolicy | undefined {
    return [...this.#docs.values()].find((d) => d.model === model);
  }

  addDraft(doc: OpenPolicy): void {
    this.#docs.set(doc.id, doc);
  }

  hasUnsavedDrafts(): boolean {
    return [...this.#docs.values()].some(hasUnsavedChanges);
  }

  /** Shows another open policy; the workbench forgets the previous one's tests and history. */
  open(doc: OpenPolicy): void {
    const previous = this.#current;
    this.#current = doc;
    this.#tests = { state: 'none' };
    this.#history = { state: 'none' };
    this.#emit('opened', previous);
  }

  edited(doc: OpenPolicy): void {
    doc.checking = true;
    this.#emit('edited', doc);
  }

  setOutline(doc: OpenPolicy, outline: Outline): void {
    doc.outline = outline;
    this.#emit('outline', doc);
  }

  checkStarted(doc: OpenPolicy): void {
    this.#emit('checking', doc, undefined);
  }

  checkFailed(doc: OpenPolicy, error: string): void {
    doc.checking = false;
    this.#emit('checking', doc, error);
  }

  /** The diagnostics of the text as it is now. */
  checked(doc: OpenPolicy, diagnostics: Diagnostic[]): void {
    doc.checking = false;
    this.setDiagnostics(doc, diagnostics);
  }

  setDiagnostics(doc: OpenPolicy, diagnostics: Diagnostic[]): void {
    doc.diagnostics = diagnostics;
    doc.errors = diagnostics.filter((x) => x.severity === 'error').length;
    doc.warnings = diagnostics.filter((x) => x.severity === 'warning').length;
    this.#emit('diagnostics', doc);
  }

  /** The draft now stands on `revision`, whose text is `source`. */
  markSaved(doc: OpenPolicy, revision: string, source: string): void {
    doc.revision = revision;
    doc.savedSource = source;
    this.#emit('saved', doc);
  }

  setSaving(saving: boolean): void {
    this.#saving = saving;
    this.#emit('saving');
  }

  setTry(doc: OpenPolicy, change: Partial<TryFacts>): void {
    if (doc.try) Object.assign(doc.try, change);
  }

  // ---- the workbench ----

  selectTab(tab: Tab): void {
    this.#tab = tab;
    this.#emit('tab', tab);
  }

  testsStarted(): void {
    this.#testing = true;
    this.#tests = { state: 'running' };
    this.#emit('tests');
  }

  /** A run of `doc`'s tests ended; shown only while `doc` is still the current policy. */
  testsEnded(doc: OpenPolicy, view: TestsView): void {
    this.#testing = false;
    if (this.#current === doc) this.#tests = view;
    this.#emit('tests');
  }

  /** `doc`'s history as far as it is known; shown only while `doc` is still the current policy. */
  setHistory(doc: OpenPolicy, view: HistoryView): void {
    if (this.#current !== doc) return;
    this.#history = view;
    this.#emit('history');
  }

  // ---- the admin token ----

  get token(): string | null {
    return this.storage.getItem(TOKEN_KEY);
  }
  get author(): string | undefined {
    return this.storage.getItem(AUTHOR_KEY) ?? undefined;
  }

  setToken(token: string, author: string): void {
    this.storage.setItem(TOKEN_KEY, token);
    if (author) this.storage.setItem(AUTHOR_KEY, author);
    else this.storage.removeItem(AUTHOR_KEY);
  }

  forgetToken(): void {
    this.storage.removeItem(TOKEN_KEY);
  }
}
