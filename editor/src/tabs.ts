// The workbench's tabs (try it, tests, history); the arrow keys move between them.
import { byId } from './dom';
import { TABS, type Tab, type Workspace } from './workspace';

/** Shows a tab; with `focus`, gives its button the focus. */
export type SelectTab = (tab: Tab, focus?: boolean) => void;

export function createTabs(ws: Workspace): SelectTab {
  ws.on('tab', (tab) => {
    for (const t of TABS) {
      const button = byId(`tab-${t}`);
      button.setAttribute('aria-selected', String(t === tab));
      button.tabIndex = t === tab ? 0 : -1;
      byId(`panel-${t}`).hidden = t !== tab;
    }
  });
  const select: SelectTab = (tab, focus = false) => {
    ws.selectTab(tab);
    if (focus) byId(`tab-${tab}`).focus();
  };
  for (const t of TABS) {
    const b = byId(`tab-${t}`);
    b.addEventListener('click', () => select(t));
    b.addEventListener('keydown', (e) => {
      const i = TABS.indexOf(t);
      if (e.key === 'ArrowRight') select(TABS[(i + 1) % TABS.length]!, true);
      else if (e.key === 'ArrowLeft') select(TABS[(i + TABS.length - 1) % TABS.length]!, true);
      else return;
      e.preventDefault();
    });
  }
  return select;
}
