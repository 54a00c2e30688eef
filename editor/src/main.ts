// The web policy editor: a list of policies, monaco with live diagnostics, completion and hover,
// a try-it panel with SLA timelines, the policy's tests, and saving with conflict handling and
// history. Plain TypeScript and DOM; everything goes through the service's HTTP API. This file
// wires the parts around one workspace and starts them.
import './style.css';
import { api } from './api';
import { createDiffDialog } from './diff-dialog';
import { byId } from './dom';
import { watchHeader } from './header';
import { createHistoryPanel } from './history';
import { createImpactPanel } from './impact';
import { watchSaves } from './live';
import { type MergeFlow, createMergeFlow } from './merge-bar';
import { bindKeys } from './keys';
import { createLayout } from './layout';
import { createPolicyEditor } from './policy-editor';
import { createPolicyList } from './policy-list';
import { watchProblems } from './problems';
import { createSaveFlow } from './save';
import { createTablePanel } from './table';
import { createTabs } from './tabs';
import { createTestsPanel } from './tests-panel';
import { toast } from './toast';
import { createTokenDialog } from './token';
import { createTryPanel } from './try-it';
import { Workspace } from './workspace';

async function start(): Promise<void> {
  const ws = new Workspace(sessionStorage);
  const layout = createLayout(localStorage);
  // The editor first: on opening a policy it shows the draft before the panels read it, and it
  // draws the markers before the problems pane lists them.
  const editor = createPolicyEditor(ws, byId('editor'));
  const policies = createPolicyList(ws, editor);
  watchHeader(ws);
  watchProblems(ws, editor);
  const tryPanel = createTryPanel(ws, editor);
  // Makes its own tab and panel: before createTabs, which binds every tab.
  createImpactPanel(ws);
  const selectTab = createTabs(ws);
  createTablePanel(ws);
  const tests = createTestsPanel(ws, editor, () => selectTab('tests'));
  const tokens = createTokenDialog(ws);
  const diff = createDiffDialog(() => ws.current && editor.focus());
  const history = createHistoryPanel(ws, { diff, tokens, reloadPolicies: policies.load });
  // The save flow merges a revision saved meanwhile; the merge flow saves after an overwrite.
  let merge: MergeFlow | null = null;
  const { save } = createSaveFlow(ws, {
    tokens,
    merge: () => merge!,
    reloadPolicies: policies.load,
    reloadHistory: history.load,
  });
  merge = createMergeFlow(ws, editor, { save: () => save() });
  watchSaves(ws, { merge, reloadPolicies: policies.load });

  byId('btn-save').addEventListener('click', () => void save());
  byId('btn-tests').addEventListener('click', () => void tests.run());
  bindKeys({
    save: () => void save(),
    runTests: () => void tests.run(),
    dialogOpen: () => diff.open || tokens.open || document.querySelector('dialog[open]') !== null,
    focusTryFacts: () => {
      selectTab('try');
      tryPanel.focus();
    },
    focusEditor: editor.focus,
    showHistory: () => selectTab('history', true),
    toggleList: layout.toggleList,
    toggleSide: layout.toggleSide,
  });
  window.addEventListener('beforeunload', (e) => {
    if (ws.hasUnsavedDrafts()) e.preventDefault();
  });

  void api
    .schema()
    .then((s) => ws.setSchema(s))
    .catch(() => toast('Could not load the policy schema: key completion is off.', 'error'));
  await policies.load();
  const id = decodeURIComponent(location.hash.slice(1));
  if (id && ws.summaryOf(id)) await policies.open(id);
  document.body.classList.add('ready');
}

void start();
