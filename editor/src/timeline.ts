// A picture of one SLA window: the time from openedAt to dueAt as a bar, business time, closed
// time (outside hours, weekends, holidays) and pauses shaded differently, the due instant marked,
// and `now` when it falls inside. Times are shown on the wall clock of the window's own offset.
import type { SlaWindow, Timeline } from './api';

const SVG = 'http://www.w3.org/2000/svg';
const W = 480;
const H = 84;
const TRACK_Y = 26;
const TRACK_H = 28;
const PAD = 8;
/** The least width of a break inside a business day (a lunch hour is 3 px on a week's bar). */
const BREAK_MIN = 5;

let patternId = 0;

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The offset an ISO instant was written with, in minutes (`Z` → 0). */
export function offsetOf(iso: string): number {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

/** An instant as wall-clock parts in a fixed offset. */
function wall(ms: number, offsetMinutes: number) {
  const d = new Date(ms + offsetMinutes * 60_000);
  return {
    weekday: WEEKDAYS[d.getUTCDay()]!,
    day: d.getUTCDate(),
    month: MONTHS[d.getUTCMonth()]!,
    year: d.getUTCFullYear(),
    time: `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`,
    hours: d.getUTCHours(),
    minutes: d.getUTCMinutes(),
  };
}

/** `Mon 9 Mar, 12:30` for an ISO instant, in the offset it was written with. */
export function formatInstant(iso: string, withYear = false): string {
  const w = wall(Date.parse(iso), offsetOf(iso));
  return `${w.weekday} ${w.day} ${w.month}${withYear ? ` ${w.year}` : ''}, ${w.time}`;
}

/** `PT2H30M` → `2 h 30 min`. */
export function formatDuration(iso: string | null): string {
  if (!iso) return '';
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) return iso;
  const parts = [m[1] && `${m[1]} d`, m[2] && `${m[2]} h`, m[3] && `${m[3]} min`, m[4] && `${m[4]} s`].filter(Boolean);
  return parts.length ? parts.join(' ') : '0 min';
}

const STEPS = [15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * 60_000);

export interface TimelineOptions {
  label: string;
  now?: string | undefined;
  /** The response or resolution, when the facts give it: marked on the bar (at its end when later). */
  stopped?: { at: string; label: string } | undefined;
}

/** The SVG (with its legend) of one window's timeline. */
export function renderTimeline(t: Timeline, w: SlaWindow, opts: TimelineOptions): HTMLElement {
  const from = Date.parse(t.from);
  const to = Date.parse(t.to);
  const span = Math.max(to - from, 60_000);
  const offset = offsetOf(t.from);
  const x = (iso: string | number) => PAD + (((typeof iso === 'number' ? iso : Date.parse(iso)) - from) / span) * (W - 2 * PAD);
  const id = `hatch-${++patternId}`;

  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'timeline',
    role: 'img',
    'aria-label': `${opts.label}: from ${formatInstant(t.from)} to ${formatInstant(t.to)}, due ${w.dueAt ? formatInstant(w.dueAt) : 'not set'}`,
  });
  const defs = el('defs', {});
  const pattern = el('pattern', { id, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
  pattern.append(el('rect', { width: 6, height: 6, fill: '#dbeafe' }), el('rect', { width: 2.5, height: 6, fill: '#2563eb' }));
  defs.append(pattern);
  svg.append(defs);

  // The track: closed time is the background, business time and pauses lie on it.
  svg.append(el('rect', { x: PAD, y: TRACK_Y, width: W - 2 * PAD, height: TRACK_H, class: 'tl-track' }));
  const band = (a: string, b: string, cls: string, title: string, opts: { fill?: string; minWidth?: number } = {}) => {
    const x0 = x(a);
    const width = x(b) - x0;
    // A piece narrower than its minimum is widened about its middle, so a short one stays visible.
    const shown = Math.max(width, opts.minWidth ?? 0.75);
    const r = el('rect', {
      x: x0 - (shown - width) / 2,
      y: TRACK_Y,
      width: shown,
      height: TRACK_H,
      class: cls,
      ...(opts.fill ? { fill: opts.fill } : {}),
    });
    r.append(el('title', {}, `${title}: ${formatInstant(a)} – ${formatInstant(b)}`));
    svg.append(r);
    return r;
  };
  const REASON: Record<string, string> = { closed: 'Outside business hours', weekend: 'Weekend', holiday: 'Holiday' };
  // A closed piece with business time on both sides is a break in the day (lunch): drawn over the
  // business time, at least BREAK_MIN wide, where a week's scale would leave it a sliver.
  const businessEnds = new Set(t.business.map(([, b]) => b));
  const businessStarts = new Set(t.business.map(([a]) => a));
  const isBreak = ([a, b, why]: Timeline['closed'][number]) => why === 'closed' && businessEnds.has(a) && businessStarts.has(b);
  const breaks = t.closed.filter(isBreak);
  for (const piece of t.closed) {
    if (isBreak(piece)) continue;
    const [a, b, why, holiday] = piece;
    const r = band(a, b, `tl-off tl-${why}`, holiday ? `Holiday — ${holiday}` : (REASON[why] ?? 'Closed'));
    if (!holiday) continue;
    r.setAttribute('data-holiday', holiday);
    // The name inside the piece, shortened to what fits (about 5.5 px a character at 10 px).
    const room = Math.floor((x(b) - x(a) - 6) / 5.5);
    if (room >= 3)
      svg.append(
        el(
          'text',
          { x: (x(a) + x(b)) / 2, y: TRACK_Y + TRACK_H / 2 + 3.5, class: 'tl-holiday-name', 'text-anchor': 'middle' },
          holiday.length <= room ? holiday : `${holiday.slice(0, room - 1)}…`,
        ),
      );
  }
  for (const [a, b] of t.business) band(a, b, 'tl-business', 'Business time');
  for (const [a, b] of breaks) band(a, b, 'tl-off tl-break', 'Break in the business day', { minWidth: BREAK_MIN });
  for (const [a, b] of t.paused) band(a, b, 'tl-paused', 'Paused', { fill: `url(#${id})` });

  // The offset in force at an instant: the one the latest segment boundary before it was written with.
  const changes = [...t.business, ...t.closed, ...t.paused]
    .flatMap(([a, b]) => [a, b])
    .map((iso) => [Date.parse(iso), offsetOf(iso)] as const)
    .sort((p, q) => p[0] - q[0]);
  const offsetAt = (ms: number) => {
    let found = offset;
    for (const [at, off] of changes) {
      if (at > ms) break;
      found = off;
    }
    return found;
  };
  // Ticks along the bottom: hours for a short window; for a long one, days, each named under it.
  const shift = offset * 60_000;
  if (span > 36 * 3_600_000) {
    // Each local midnight in the offset in force then: after a change of daylight saving time the
    // segments the service sent carry the new offset, and so do the day ticks.
    const bounds = [from];
    const start = wall(from, offset);
    for (let n = 1; ; n++) {
      const local = Date.UTC(start.year, MONTHS.indexOf(start.month), start.day + n);
      const m = local - offsetAt(local - offset * 60_000) * 60_000;
      if (m >= to) break;
      if (m > from) bounds.push(m);
    }
    bounds.push(to);
    for (let i = 0; i < bounds.length - 1; i++) {
      const a = bounds[i]!;
      const b = bounds[i + 1]!;
      if (i > 0)
        svg.append(
          el('line', {
            x1: x(a),
            x2: x(a),
            y1: TRACK_Y - 3,
            y2: TRACK_Y + TRACK_H + 5,
            class: 'tl-tick tl-day',
            'data-at': new Date(a).toISOString(),
          }),
        );
      if (x(b) - x(a) >= 34) {
        const parts = wall(a, offsetAt(a));
        svg.append(
          el(
            'text',
            { x: (x(a) + x(b)) / 2, y: H - 8, class: 'tl-label', 'text-anchor': 'middle' },
            `${parts.weekday} ${parts.day}`,
          ),
        );
      }
    }
  } else {
    const step = STEPS.find((st) => span / st <= 7) ?? STEPS[STEPS.length - 1]!;
    const first = Math.ceil((from + shift) / step) * step - shift;
    for (let tick = first; tick <= to; tick += step) {
      const tx = x(tick);
      const parts = wall(tick, offset);
      const midnight = parts.hours === 0 && parts.minutes === 0;
      svg.append(
        el('line', {
          x1: tx,
          x2: tx,
          y1: TRACK_Y + TRACK_H,
          y2: TRACK_Y + TRACK_H + 5,
          class: midnight ? 'tl-tick tl-day' : 'tl-tick',
        }),
      );
      if (tx > PAD + 16 && tx < W - PAD - 16)
        svg.append(
          el(
            'text',
            { x: tx, y: H - 8, class: 'tl-label', 'text-anchor': 'middle' },
            midnight ? `${parts.weekday} ${parts.day}` : parts.time,
          ),
        );
    }
  }

  // Opened, now and due.
  svg.append(el('line', { x1: PAD, x2: PAD, y1: TRACK_Y - 6, y2: TRACK_Y + TRACK_H + 4, class: 'tl-open' }));
  svg.append(
    el('text', { x: PAD, y: 13, class: 'tl-label tl-strong', 'text-anchor': 'start' }, `opened ${formatInstant(t.from)}`),
  );
  if (opts.now) {
    const n = Date.parse(opts.now);
    if (n >= from && n <= to) {
      const nx = x(n);
      const line = el('line', { x1: nx, x2: nx, y1: TRACK_Y - 4, y2: TRACK_Y + TRACK_H + 4, class: 'tl-now' });
      line.append(el('title', {}, `now: ${formatInstant(opts.now)}`));
      svg.append(line);
    }
  }
  if (opts.stopped) {
    const sx = Math.min(Math.max(x(opts.stopped.at), PAD), W - PAD);
    const mark = el('g', { class: 'tl-stopped-marker', 'data-stopped': opts.stopped.label });
    mark.append(
      el('line', { x1: sx, x2: sx, y1: TRACK_Y - 2, y2: TRACK_Y + TRACK_H + 2, class: 'tl-stopped' }),
      el('circle', { cx: sx, cy: TRACK_Y + TRACK_H / 2, r: 4, class: 'tl-stopped-dot' }),
      el('title', {}, `${opts.stopped.label} ${formatInstant(opts.stopped.at, true)}`),
    );
    svg.append(mark);
  }
  if (w.dueAt) {
    const dx = x(w.dueAt);
    const due = el('g', { class: 'tl-due-marker' });
    due.append(
      el('line', { x1: dx, x2: dx, y1: TRACK_Y - 6, y2: TRACK_Y + TRACK_H + 4, class: 'tl-due' }),
      el('path', { d: `M${dx - 5},${TRACK_Y - 11} L${dx + 5},${TRACK_Y - 11} L${dx},${TRACK_Y - 5} Z`, class: 'tl-due-head' }),
      el('title', {}, `due ${formatInstant(w.dueAt, true)}`),
    );
    svg.append(due);
    svg.append(
      el(
        'text',
        { x: Math.min(dx, W - PAD), y: 13, class: 'tl-label tl-strong tl-due-text', 'text-anchor': 'end' },
        `due ${formatInstant(w.dueAt)}`,
      ),
    );
  }

  const figure = document.createElement('figure');
  figure.className = 'timeline-figure';
  figure.append(svg);
  const legend = document.createElement('figcaption');
  legend.className = 'legend';
  const item = (cls: string, text: string) => {
    const span = document.createElement('span');
    span.className = 'legend-item';
    const sw = document.createElement('i');
    sw.className = `swatch ${cls}`;
    span.append(sw, text);
    return span;
  };
  legend.append(
    item('sw-business', 'business hours'),
    item('sw-closed', 'closed'),
    item('sw-weekend', 'weekend'),
    item('sw-holiday', 'holiday'),
    ...(breaks.length ? [item('sw-break', 'break')] : []),
    item('sw-paused', 'paused'),
    item('sw-due', 'due'),
  );
  if (opts.now) legend.append(item('sw-now', 'now'));
  if (opts.stopped) legend.append(item('sw-stopped', opts.stopped.label));
  figure.append(legend);
  return figure;
}
