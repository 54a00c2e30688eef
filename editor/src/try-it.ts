// The try-it panel: sample facts (from the policy's tests or custom JSON) and an optional `now`;
// every change of them or of the text (debounced) asks the service to decide with the unsaved text.
import { ApiError, api, isAbort, type FactProblem, type TryResult } from './api';
import { renderDecision } from './decision';
import { byId, debounce, h } from './dom';
import { createFactsEditor } from './facts-editor';
import type { PolicyEditor } from './policy-editor';
import { explain } from './toast';
import type { OpenPolicy, Workspace } from './workspace';

export interface TryPanel {
  /** Gives the facts the focus. */
  focus(): void;
}

export function createTryPanel(ws: Workspace, editor: PolicyEditor): TryPanel {
  const facts = createFactsEditor(byId('try-facts'));
  const now = byId<HTMLInputElement>('try-now');
  const select = byId<HTMLSelectElement>('try-test');
  // Only the newest try counts: a newer one aborts the one under way.
  const running: { request: AbortController | null } = { request: null };
  const run = () => void runTry(ws, editor, byId('try-facts'), running);
  const runSoon = debounce(350, run);

  /** The sample selector lists the policy's tests as they are in the text now. */
  const refreshSamples = (d: OpenPolicy) => {
    const selected = d.try?.sample ?? 'custom';
    select.replaceChildren(
      ...d.outline.tests.map((t, i) => h('option', { value: String(i) }, `${i + 1}. ${t.name}`)),
      h('option', { value: 'custom' }, 'Custom facts'),
    );
    select.value = Number(selected) < d.outline.tests.length ? selected : 'custom';
  };

  ws.on('opened', () => {
    const d = ws.current!;
    if (!d.try) {
      const first = d.outline.tests[0];
      d.try = first
        ? { facts: JSON.stringify(first.facts, null, 2), now: first.now ?? '', sample: '0' }
        : { facts: '{\n  \n}', now: '', sample: 'custom' };
    }
    refreshSamples(d);
    facts.setSchema(d.outline);
    facts.setValue(d.try.facts);
    now.value = d.try.now;
    now.placeholder = nowExample(d);
    run();
  });
  ws.on('outline', (d) => {
    if (d !== ws.current) return;
    refreshSamples(d);
    facts.setSchema(d.outline);
    now.placeholder = nowExample(d);
  });
  ws.on('edited', (d) => d === ws.current && runSoon());

  select.addEventListener('change', () => {
    const d = ws.current;
    if (!d?.try) return;
    ws.setTry(d, { sample: select.value });
    const t = d.outline.tests[Number(select.value)];
    if (t) {
      const text = JSON.stringify(t.facts, null, 2);
      facts.setValue(text);
      ws.setTry(d, { facts: text, now: (now.value = t.now ?? '') });
    }
    run();
  });
  facts.onEdit((text) => {
    const d = ws.current;
    if (!d?.try) return;
    ws.setTry(d, { facts: text, sample: (select.value = 'custom') });
    runSoon();
  });
  now.addEventListener('input', () => {
    const d = ws.current;
    if (!d?.try) return;
    ws.setTry(d, { now: now.value.trim() });
    runSoon();
  });
  return { focus: () => facts.focus() };
}

/** The end of an RFC 3339 date-time: Z or ±hh:mm. */
const OFFSET = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** The policy's zone: `zone:`, or the default of its `zoneFact`; UTC when it names none. */
function policyZone(d: OpenPolicy): string {
  const text = d.model.getValue();
  const zone = /^zone:\s*["']?([A-Za-z_+\-/0-9]+)/m.exec(text)?.[1];
  if (zone) return zone;
  const fact = /^zoneFact:\s*["']?(\w+)/m.exec(text)?.[1];
  const fallback = fact ? d.outline.facts.get(fact)?.default : undefined;
  return typeof fallback === 'string' ? fallback : 'UTC';
}

/** An example `now` for the placeholder: today 10:00 in the policy's zone, with that zone's offset. */
export function nowExample(d: OpenPolicy): string {
  const zone = policyZone(d);
  const at = new Date();
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      timeZoneName: 'longOffset',
    }).formatToParts(at);
    const part = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    const offset = part('timeZoneName').replace(/^GMT$/, 'GMT+00:00').replace('GMT', '');
    return `${part('year')}-${part('month')}-${part('day')}T10:00:00${offset === '+00:00' ? 'Z' : offset}`;
  } catch {
    return `${at.toISOString().slice(0, 10)}T10:00:00Z`;
  }
}

/** One refused fact: its pointer inside the facts, the message, and the assertion's code when one failed. */
function factProblem(p: FactProblem): HTMLLIElement {
  return h(
    'li',
    { class: 'fact-problem', 'data-pointer': p.pointer.replace(/^\/facts/, '') || '/' },
    h('code', {}, p.pointer.replace(/^\/facts/, '') || '/'),
    ' ',
    p.message,
    ...(p.code ? [' ', h('span', { class: 'badge', title: 'the assertion that failed' }, p.code)] : []),
  );
}

const refusedFacts = (problems: FactProblem[]) =>
  h(
    'div',
    { class: 'notice bad' },
    h('strong', {}, 'The facts do not fit the policy'),
    h('ul', {}, ...problems.map(factProblem)),
  );

async function runTry(
  ws: Workspace,
  editor: PolicyEditor,
  input: HTMLElement,
  running: { request: AbortController | null },
): Promise<void> {
  const d = ws.current;
  if (!d?.try) return;
  const out = byId('try-result');
  const err = byId('try-facts-error');
  const nowInput = byId<HTMLInputElement>('try-now');
  /** The input cannot be tried: say why in place of any earlier decision, which no longer holds. */
  const refuse = (field: HTMLElement, message: string) => {
    running.request?.abort();
    out.classList.remove('busy');
    err.textContent = message;
    field.setAttribute('aria-invalid', 'true');
    out.replaceChildren(h('p', { class: 'muted', id: 'try-none' }, 'No decision: fix the input above to try the policy.'));
  };
  input.removeAttribute('aria-invalid');
  nowInput.removeAttribute('aria-invalid');
  let facts: unknown;
  try {
    facts = JSON.parse(d.try.facts);
  } catch (e) {
    return refuse(input, `The facts are not valid JSON: ${(e as Error).message}`);
  }
  if (!facts || typeof facts !== 'object' || Array.isArray(facts))
    return refuse(input, 'The facts must be a JSON object, like { "tier": "standard" }.');
  // A time without its offset would be read in some zone silently: the admin says which.
  if (d.try.now && !OFFSET.test(d.try.now))
    return refuse(
      nowInput,
      `"now" needs its offset from UTC (Z, or like ${nowExample(d).slice(19)}): without one the time is ambiguous.`,
    );
  err.textContent = '';
  running.request?.abort();
  const ctrl = (running.request = new AbortController());
  out.classList.add('busy');
  try {
    const r: TryResult = await api.try(d.model.getValue(), d.file, facts, d.try.now || undefined, ctrl.signal);
    if (ws.current !== d) return;
    if (!r.ok && 'problems' in r) {
      out.replaceChildren(refusedFacts(r.problems));
    } else if (!r.ok) {
      const errors = r.diagnostics.filter((x) => x.severity === 'error').length;
      out.replaceChildren(
        h(
          'div',
          { class: 'notice bad' },
          `The policy has ${errors} error${errors === 1 ? '' : 's'}: fix ${errors === 1 ? 'it' : 'them'} to try it (see Problems).`,
        ),
      );
    } else {
      const given = facts as Record<string, unknown>;
      const instant = (k: string) => (typeof given[k] === 'string' ? (given[k] as string) : undefined);
      out.replaceChildren(
        renderDecision(r.decision, r.timeline, d.try.now || undefined, editor.goTo, {
          response: instant('respondedAt'),
          resolution: instant('resolvedAt'),
        }),
      );
    }
  } catch (e) {
    if (isAbort(e)) return;
    if (e instanceof ApiError && e.code === 'invalid-facts' && Array.isArray(e.details)) {
      out.replaceChildren(refusedFacts(e.details as FactProblem[]));
    } else if (e instanceof ApiError && e.code === 'invalid-request' && Array.isArray(e.details)) {
      out.replaceChildren(
        h(
          'div',
          { class: 'notice bad' },
          ...(e.details as { pointer: string; message: string }[]).map((p) =>
            h('div', {}, h('code', {}, p.pointer), ' ', p.message),
          ),
        ),
      );
    } else {
      out.replaceChildren(h('div', { class: 'notice bad' }, `Could not try the policy: ${explain(e)}`));
    }
  } finally {
    if (running.request === ctrl) out.classList.remove('busy');
  }
}
