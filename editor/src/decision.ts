// A decision as the try-it panel shows it: eligibility with reasons, priority, tier, channels, each
// SLA window with its timeline, billing, entitlements, actions and the trace. Every source link and
// trace step moves the cursor to its rule.
import type { Decision, Timeline } from './api';
import { h, parseSource } from './dom';
import { formatDuration, formatInstant, renderTimeline } from './timeline';
// Counts in words as the service writes durations (`7 minutes`): one place for the plural.
import { countText } from '../../dsl/durations.js';

/** Moves the editor's cursor to a line and column of the policy. */
type GoTo = (line: number, column: number) => void;

const sourceLink = (goTo: GoTo, source: string, label?: string) => {
  const at = parseSource(source);
  return at
    ? h(
        'button',
        { type: 'button', class: 'link src', title: `Go to ${source}`, onclick: () => goTo(at.line, at.column) },
        label ?? `${at.line}:${at.column}`,
      )
    : null;
};

const chips = (items: string[], cls = '') =>
  items.length
    ? h('span', { class: 'chips' }, ...items.map((i) => h('span', { class: `chip ${cls}` }, i)))
    : h('span', { class: 'muted' }, 'none');

function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function renderDecision(
  dec: Decision,
  timeline: { response: Timeline | null; resolution: Timeline | null },
  now: string | undefined,
  goTo: GoTo,
  /** When the response and the resolution happened, from the facts (respondedAt, resolvedAt). */
  stopped: { response?: string | undefined; resolution?: string | undefined } = {},
): HTMLElement {
  const rows: HTMLElement[] = [];
  rows.push(
    h(
      'div',
      {
        class: `verdict ${dec.eligible === null ? 'open' : dec.eligible ? 'ok' : 'bad'}`,
        id: 'try-eligible',
        'data-eligible': String(dec.eligible),
      },
      dec.eligible === null
        ? `? Undetermined — give ${dec.missingFacts.join(', ') || 'the facts its rules read'} to decide`
        : dec.eligible
          ? '✓ Eligible'
          : '✕ Not eligible',
      dec.reasons.length
        ? h(
            'ul',
            { class: 'reasons' },
            ...dec.reasons.map((r) => h('li', {}, h('code', {}, r.code), ' ', r.message, ' ', sourceLink(goTo, r.source))),
          )
        : null,
    ),
  );
  const kv = (k: string, v: Node | string, id?: string) => [h('dt', {}, k), h('dd', id ? { id } : {}, v)];
  rows.push(
    h(
      'dl',
      { class: 'kv' },
      ...kv('Priority', dec.priority ?? '—', 'try-priority'),
      ...kv('Tier', dec.tier ?? '—', 'try-tier'),
      ...kv('Channels', dec.channels === null ? '— (undetermined)' : chips(dec.channels)),
      ...(dec.missingFacts.length ? kv('Missing facts', chips(dec.missingFacts, 'warn')) : []),
    ),
  );

  const sla = h('section', { class: 'block' }, h('h3', {}, 'SLA'));
  if (!dec.sla)
    sla.append(
      h(
        'p',
        { class: 'muted' },
        dec.eligible === false
          ? 'No SLA: the ticket is not eligible.'
          : 'No SLA yet: it depends on facts not given (see Missing facts).',
      ),
    );
  else {
    for (const kind of ['response', 'resolution'] as const) {
      const w = dec.sla[kind];
      const box = h('div', { class: 'sla-window', 'data-window': kind });
      if (!w) {
        box.append(
          h(
            'h4',
            {},
            kind === 'response' ? 'Response' : 'Resolution',
            h('span', { class: 'muted' }, ' — best effort, no target'),
          ),
        );
        sla.append(box);
        continue;
      }
      box.append(
        h(
          'h4',
          {},
          kind === 'response' ? 'Response' : 'Resolution',
          ' — ',
          h('strong', {}, w.targetText),
          h('span', { class: 'muted' }, ` (${w.target}) in `),
          h('code', {}, w.calendar),
          ' ',
          sourceLink(goTo, w.source),
        ),
      );
      const facts = h('dl', { class: 'kv small' });
      if (w.startsAt) facts.append(...kv('Clock starts', h('time', { datetime: w.startsAt }, formatInstant(w.startsAt, true))));
      facts.append(
        ...kv(
          'Due',
          w.dueAt
            ? h(
                'time',
                { datetime: w.dueAt, class: 'sla-due' },
                formatInstant(w.dueAt, true),
                h('span', { class: 'muted' }, ` (${w.dueAt})`),
              )
            : h('span', { class: 'muted' }, 'give openedAt to know'),
        ),
      );
      if (w.status) {
        const extra =
          w.status === 'breached'
            ? `exceeded by ${formatDuration(w.exceeded)}`
            : w.status === 'running'
              ? `${formatDuration(w.remaining)} left`
              : `after ${formatDuration(w.elapsed)}`;
        facts.append(
          ...kv(
            'Status',
            h(
              'span',
              {},
              h('span', { class: `status ${w.status}` }, w.status),
              ` ${extra}, ${formatDuration(w.elapsed)} elapsed`,
            ),
          ),
        );
      }
      box.append(facts);
      const t = timeline[kind];
      if (t)
        box.append(
          renderTimeline(t, w, {
            label: `${kind} window`,
            now,
            stopped: stopped[kind] ? { at: stopped[kind], label: kind === 'response' ? 'responded' : 'resolved' } : undefined,
          }),
        );
      else box.append(h('p', { class: 'muted small' }, 'Give openedAt in the facts to see the SLA clock.'));
      sla.append(box);
    }
  }
  rows.push(sla);

  if (dec.billing) {
    const b = dec.billing;
    rows.push(
      h(
        'section',
        { class: 'block' },
        h('h3', {}, b.kind === 'purchase' ? 'Quote' : 'Billing', h('span', { class: 'muted' }, ` · ${b.plan}`)),
        h(
          'table',
          { class: 'billing' },
          h(
            'tbody',
            {},
            ...b.lines.map((l) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, l.label),
                h(
                  'td',
                  { class: 'quantity' },
                  l.quantity === undefined ? '' : l.unit ? countText(l.quantity, l.unit) : String(l.quantity),
                ),
                h('td', { class: 'num' }, l.amount !== undefined ? `${l.amount}${l.currency ? ` ${l.currency}` : ''}` : ''),
              ),
            ),
          ),
        ),
        b.notices.length
          ? h(
              'ul',
              { class: 'notices' },
              ...b.notices.map((n) =>
                h('li', {}, h('code', {}, n.code), ' ', n.message, n.regularizeBy ? ` (by ${n.regularizeBy})` : ''),
              ),
            )
          : null,
      ),
    );
  }
  rows.push(h('dl', { class: 'kv' }, ...kv('Entitlements', chips(dec.entitlements)), ...kv('Actions', chips(dec.actions))));

  rows.push(
    h(
      'section',
      { class: 'block' },
      h('h3', {}, 'Trace ', h('span', { class: 'muted' }, '— the rules that decided, in order; click one to see it')),
      dec.trace.length
        ? h(
            'ol',
            { class: 'trace' },
            ...dec.trace.map((s) => {
              const at = parseSource(s.source);
              const facts = Object.entries(s.facts);
              return h(
                'li',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'trace-step',
                    'data-source': s.source,
                    title: `Go to ${s.source}`,
                    onclick: () => at && goTo(at.line, at.column),
                  },
                  h('span', { class: 'rule' }, s.rule),
                  h('span', { class: 'arrow' }, '→'),
                  h('span', { class: 'outcome' }, fmtValue(s.outcome)),
                  at ? h('span', { class: 'where' }, `line ${at.line}`) : null,
                  facts.length ? h('span', { class: 'read' }, facts.map(([k, v]) => `${k} = ${fmtValue(v)}`).join(', ')) : null,
                  s.note ? h('span', { class: 'note' }, s.note) : null,
                ),
              );
            }),
          )
        : h('p', { class: 'muted' }, 'No rule fired.'),
    ),
  );
  return h('div', { class: 'decision' }, ...rows);
}
