// The tests panel: `Run tests` posts the text being edited to the service; the panel shows pass or
// fail per test, expected against actual for each failing field, and the rules no test exercised.
import { api, type TestRun } from './api';
import type { PolicyEditor } from './policy-editor';
import { explain } from './toast';
import { monaco } from './monaco';
import { byId, h, parseSource } from './dom';
import type { OpenPolicy, Workspace } from './workspace';

/** The gutter marks of the rules no test exercised, by draft: painted after each run, moving with the text. */
const uncoveredMarks = new WeakMap<OpenPolicy, string[]>();

function paintCoverage(ws: Workspace): void {
  const d = ws.current;
  const view = ws.tests;
  if (!d || view.state !== 'ran' || !view.run.ok) return;
  const marks = view.run.coverage.uncovered.flatMap((u) => {
    const at = parseSource(u.source);
    return at
      ? [
          {
            range: new monaco.Range(at.line, 1, at.line, 1),
            options: {
              isWholeLine: true,
              linesDecorationsClassName: 'gutter-uncovered',
              stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
              hoverMessage: { value: `No test exercises **${u.name}**` },
            },
          },
        ]
      : [];
  });
  uncoveredMarks.set(d, d.model.deltaDecorations(uncoveredMarks.get(d) ?? [], marks));
}

export interface TestsPanel {
  run(): Promise<void>;
}

export function createTestsPanel(ws: Workspace, editor: PolicyEditor, selectTestsTab: () => void): TestsPanel {
  const render = () => {
    const out = byId('test-result');
    const view = ws.tests;
    switch (view.state) {
      case 'none':
        return out.replaceChildren();
      case 'running':
        return out.replaceChildren(h('p', { class: 'muted' }, 'Running the tests…'));
      case 'failed':
        return out.replaceChildren(h('div', { class: 'notice bad' }, `Could not run the tests: ${view.message}`));
      case 'ran':
        return out.replaceChildren(...renderRun(view.run, editor));
      default:
        return view satisfies never;
    }
  };
  ws.on('opened', render);
  ws.on('tests', render);
  ws.on('tests', () => paintCoverage(ws));

  async function run(): Promise<void> {
    const d = ws.current;
    if (!d || ws.testing) return;
    selectTestsTab();
    ws.testsStarted();
    try {
      ws.testsEnded(d, { state: 'ran', run: await api.test(d.model.getValue(), d.file) });
    } catch (e) {
      ws.testsEnded(d, { state: 'failed', message: explain(e) });
    }
  }
  return { run };
}

/**
 * The actual value as far as the test names it: of an object, only the keys the expected value
 * has (the rest is not what the test is about, and would push the cell off the panel).
 */
function asExpected(expected: unknown, actual: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(expected) || !isObject(actual)) return actual;
  return Object.fromEntries(Object.keys(expected).map((k) => [k, asExpected(expected[k], actual[k])]));
}

function renderRun(r: TestRun, editor: PolicyEditor): HTMLElement[] {
  if (!r.ok) {
    const errors = r.diagnostics.filter((x) => x.severity === 'error').length;
    return [
      h(
        'div',
        { class: 'notice bad' },
        `The policy has ${errors} error${errors === 1 ? '' : 's'}: the tests cannot run until ${errors === 1 ? 'it is' : 'they are'} fixed.`,
      ),
    ];
  }
  const failed = r.results.filter((t) => !t.passed);
  const passed = r.results.length - failed.length;
  const { coverage } = r;
  return [
    h(
      'div',
      {
        class: `summary ${failed.length ? 'bad' : 'ok'}`,
        id: 'test-summary',
        'data-passed': passed,
        'data-failed': failed.length,
      },
      failed.length
        ? `✕ ${failed.length} failed, ${passed} passed`
        : passed === 1
          ? '✓ 1 test passed'
          : `✓ all ${passed} tests passed`,
      h('span', { class: 'muted' }, ` · rules covered ${coverage.covered}/${coverage.total}`),
    ),
    coverage.uncovered.length
      ? h(
          'section',
          { class: 'block' },
          h('h3', {}, `Rules no test exercised (${coverage.uncovered.length})`),
          h(
            'ul',
            { class: 'uncovered' },
            ...coverage.uncovered.map((u) =>
              h(
                'li',
                {},
                h('button', { type: 'button', class: 'link', onclick: () => editor.goToSource(u.source) }, u.name),
                ' ',
                h('span', { class: 'muted' }, u.source),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'Every rule is exercised by some test.'),
    h(
      'ol',
      { class: 'tests' },
      ...[...failed, ...r.results.filter((t) => t.passed)].map((t) =>
        h(
          'li',
          { class: t.passed ? 'pass' : 'fail' },
          h(
            'button',
            { type: 'button', class: 'test-name', onclick: () => editor.goToSource(t.source), title: `Go to ${t.source}` },
            h('span', { class: 'mark' }, t.passed ? '✓' : '✕'),
            t.name,
          ),
          t.mismatches.length
            ? h(
                'table',
                { class: 'mismatches' },
                h('thead', {}, h('tr', {}, h('th', {}, 'field'), h('th', {}, 'expected'), h('th', {}, 'actual'))),
                h(
                  'tbody',
                  {},
                  ...t.mismatches.map((m) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, h('code', {}, m.path)),
                      h('td', {}, h('code', {}, JSON.stringify(m.expected))),
                      h('td', {}, h('code', {}, JSON.stringify(asExpected(m.expected, m.actual)))),
                    ),
                  ),
                ),
              )
            : null,
          t.problems?.length
            ? h(
                'ul',
                { class: 'problems-inline' },
                ...t.problems.map((p) => h('li', {}, h('code', {}, p.pointer), ' ', p.message)),
              )
            : null,
        ),
      ),
    ),
  ];
}
