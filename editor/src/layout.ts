// The workbench's columns: the policy list and the right-hand panel can be collapsed (the buttons
// in the top bar, Alt+Shift+[ and Alt+Shift+]) and resized by dragging their edges, so the
// text keeps room on a small screen. The choice is kept in this browser.
import { byId, h } from './dom';

const KEY = 'spe.layout';
interface Layout {
  list: number;
  side: number;
  listHidden: boolean;
  sideHidden: boolean;
}

export function createLayout(storage: Storage): { toggleList(): void; toggleSide(): void } {
  const root = document.querySelector<HTMLElement>('.layout')!;
  const center = document.querySelector<HTMLElement>('.center')!;
  const narrow = window.innerWidth < 1200;
  const saved = (() => {
    try {
      return JSON.parse(storage.getItem(KEY) ?? 'null') as Partial<Layout> | null;
    } catch {
      return null;
    }
  })();
  const layout: Layout = {
    list: narrow ? 190 : 240,
    side: narrow ? 320 : 420,
    listHidden: false,
    sideHidden: false,
    ...saved,
  };
  const listButton = byId<HTMLButtonElement>('btn-toggle-list');
  const sideButton = byId<HTMLButtonElement>('btn-toggle-side');

  const apply = () => {
    root.style.setProperty('--list-w', layout.listHidden ? '0px' : `${layout.list}px`);
    root.style.setProperty('--side-w', layout.sideHidden ? '0px' : `${layout.side}px`);
    root.classList.toggle('no-list', layout.listHidden);
    root.classList.toggle('no-side', layout.sideHidden);
    listButton.setAttribute('aria-pressed', String(!layout.listHidden));
    sideButton.setAttribute('aria-pressed', String(!layout.sideHidden));
    storage.setItem(KEY, JSON.stringify(layout));
  };

  /** A handle on an edge of the text's column; dragging it sizes the column beside it. */
  const handle = (edge: 'left' | 'right') => {
    const grip = h('div', {
      class: `resizer ${edge}`,
      role: 'separator',
      'aria-orientation': 'vertical',
      'aria-label': edge === 'left' ? 'Resize the policy list' : 'Resize the workbench',
      title: 'Drag to resize; double-click to hide or show',
    });
    grip.addEventListener('pointerdown', (e) => {
      grip.setPointerCapture(e.pointerId);
      const startX = e.clientX;
      const start = edge === 'left' ? layout.list : layout.side;
      const move = (m: PointerEvent) => {
        const dx = m.clientX - startX;
        const width = Math.round(Math.min(Math.max(edge === 'left' ? start + dx : start - dx, 140), window.innerWidth * 0.6));
        if (edge === 'left') Object.assign(layout, { list: width, listHidden: false });
        else Object.assign(layout, { side: width, sideHidden: false });
        apply();
      };
      const up = () => {
        grip.removeEventListener('pointermove', move);
        grip.removeEventListener('pointerup', up);
      };
      grip.addEventListener('pointermove', move);
      grip.addEventListener('pointerup', up);
    });
    grip.addEventListener('dblclick', () => (edge === 'left' ? toggleList() : toggleSide()));
    return grip;
  };
  center.append(handle('left'), handle('right'));

  const toggleList = () => {
    layout.listHidden = !layout.listHidden;
    apply();
  };
  const toggleSide = () => {
    layout.sideHidden = !layout.sideHidden;
    apply();
  };
  listButton.addEventListener('click', toggleList);
  sideButton.addEventListener('click', toggleSide);
  apply();
  return { toggleList, toggleSide };
}
