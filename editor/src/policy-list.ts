// The list of policies (title, id, version, whether the saved file is valid, unsaved changes) and
// opening one of them, also from the address (`#zmanda`).
import { api } from './api';
import { byId, debounce, h } from './dom';
import { openDraft } from './drafts';
import type { PolicyEditor } from './policy-editor';
import { explain, toast } from './toast';
import { hasUnsavedChanges, type Workspace } from './workspace';

export interface PolicyList {
  /** Reads the list of policies again. */
  load(): Promise<void>;
  open(id: string): Promise<void>;
}

export function createPolicyList(ws: Workspace, editor: PolicyEditor): PolicyList {
  const render = () => renderPolicyList(ws, open);
  const renderSoon = debounce(300, render);

  async function load(): Promise<void> {
    try {
      ws.setPolicies(await api.policies());
    } catch (e) {
      toast(`Could not list the policies: ${explain(e)}`, 'error');
      render();
    }
  }

  async function open(id: string): Promise<void> {
    if (ws.current?.id === id) return editor.focus();
    let doc = ws.draft(id);
    if (!doc) {
      let detail;
      try {
        detail = await api.policy(id);
      } catch (e) {
        toast(`Could not open ${id}: ${explain(e)}`, 'error');
        return;
      }
      // Opened meanwhile, by a second click while this one read it.
      doc = ws.draft(id) ?? openDraft(ws, detail);
    }
    ws.open(doc);
    editor.focus();
  }

  ws.on('policies', render);
  ws.on('opened', () => {
    document.body.classList.add('has-doc');
    history.replaceState(null, '', `#${encodeURIComponent(ws.current!.id)}`);
    render();
  });
  ws.on('edited', renderSoon);
  ws.on('saving', render);
  window.addEventListener('hashchange', () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id && id !== ws.current?.id) void open(id);
  });
  return { load, open };
}

function renderPolicyList(ws: Workspace, open: (id: string) => Promise<void>): void {
  const current = ws.current;
  byId('policy-list').replaceChildren(
    ...ws.policies.map((p) => {
      const doc = ws.draft(p.id);
      const unsaved = doc ? hasUnsavedChanges(doc) : false;
      const badge = p.valid
        ? h(
            'span',
            { class: 'badge ok', title: p.warnings ? `${p.warnings} warning${p.warnings === 1 ? '' : 's'}` : 'no problems' },
            'valid',
          )
        : h(
            'span',
            { class: 'badge bad', title: p.serving ? 'invalid on disk; its last good revision is serving' : 'invalid' },
            `${p.errors} error${p.errors === 1 ? '' : 's'}`,
          );
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `policy${current?.id === p.id ? ' active' : ''}`,
            'data-id': p.id,
            'aria-current': current?.id === p.id ? 'true' : null,
            onclick: () => void open(p.id),
          },
          h('span', { class: 'policy-title' }, p.title ?? p.id),
          h(
            'span',
            { class: 'policy-meta' },
            `${p.id}${p.version ? ` · ${p.version}` : ''}`,
            unsaved ? h('span', { class: 'unsaved', title: 'unsaved changes' }, ' ● unsaved') : null,
          ),
          badge,
        ),
      );
    }),
  );
}
