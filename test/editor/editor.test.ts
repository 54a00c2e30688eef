// The web policy editor, end to end: the real service (serving editor/dist at /editor/) on a temp
// copy of the policies, driven through Debian's Chromium with playwright-core. It opens Zmanda,
// makes and fixes a typo, completes a fact name and a value, tries a ticket and reads its SLA
// timeline, follows a trace step to its line, runs the tests, saves with the admin token, and
// meets a conflicting save. The page must log no console errors along the way.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/editor-browser.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { policiesCopy, startTestServer } from '../support/with-server.js';

const root = join(import.meta.dirname, '..', '..');
const editorDist = join(root, 'editor', 'dist');
const TOKEN = 'editor-test-admin-token-0123456789';

const dir = policiesCopy();
const zmanda = readFileSync(join(dir, 'zmanda.yaml'), 'utf8');
const zmandaLines = zmanda.split('\n');
/** 1-based line and column of the first occurrence of `text` in zmanda.yaml. */
function whereIs(text: string): { line: number; column: number } {
  const i = zmandaLines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`'${text}' is not in zmanda.yaml`);
  return { line: i + 1, column: zmandaLines[i]!.indexOf(text) + 1 };
}

let running: RunningServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

const api = (path: string, init: RequestInit = {}) => fetch(`${running.url}${path}`, init);
const cursor = () => page.locator('#cursor-pos');
const editorArea = () => page.locator('#editor .monaco-editor textarea').first();

/** Moves the cursor with monaco's Go to Line (Ctrl+G), to `line:column`. */
async function goToLine(line: number, column = 1): Promise<void> {
  await editorArea().focus();
  await page.keyboard.press('Control+g');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await expect.poll(() => cursor().textContent()).toBe(`Ln ${line}, Col ${column}`);
}

/** The text of the editor's rendered lines (monaco renders spaces as no-break spaces). */
async function visibleText(): Promise<string> {
  return (await page.locator('#editor .view-lines').innerText()).replace(/\u00a0/g, ' ');
}

describe('the web policy editor', () => {
  beforeAll(async () => {
    if (!existsSync(join(editorDist, 'index.html'))) {
      execFileSync('npm', ['run', 'build:editor'], { cwd: root, stdio: 'pipe' });
    }
    // The workbench tries every edit in worker threads: on a busy machine that may take longer than
    // the service's 2 s limit, which is not what this test is about.
    running = await startTestServer({ dir, token: TOKEN, editorDir: editorDist, heavyWork: { timeLimitMs: 30_000 } });
    const page0 = await fetch(`${running.url}/editor/`, { redirect: 'manual' });
    if (page0.status !== 200 || !(await page0.text()).includes('<div id="editor"')) {
      throw new Error(
        `GET /editor/ answered ${page0.status} ${page0.headers.get('location') ?? ''}: the service must serve editor/dist there`,
      );
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // Chromium itself logs every HTTP error response; the one 412 of the conflict below is expected.
      if (/^Failed to load resource: .* status of 412\b/.test(m.text()) && m.location().url.endsWith('/v1/policies/zmanda'))
        return;
      consoleErrors.push(`${m.text()} @ ${m.location().url}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  });

  // A failing step leaves a screenshot of the page behind, named after the test.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !page) return;
    const file = join(tmpdir(), `spe-editor-failure-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
    await page.screenshot({ path: file }).catch(() => undefined);
    process.stderr.write(`editor test failed: screenshot in ${file}\n`);
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('lists the policies and opens one with its try-it decision, SLA timeline and trace', async () => {
    await page.goto(`${running.url}/editor/`);
    const zmandaButton = page.locator('#policy-list button[data-id="zmanda"]');
    await expect.poll(() => page.locator('#policy-list button').count()).toBe(4);
    expect(await zmandaButton.textContent()).toContain('Zmanda customer support policy');
    expect(await zmandaButton.locator('.badge').textContent()).toBe('valid');

    await zmandaButton.click();
    await page.locator('#editor .view-lines').waitFor();
    expect(await page.locator('#doc-title').textContent()).toBe('Zmanda customer support policy');

    // The first test's facts are tried at once: standard, P2, 3 business hours from 09:30.
    await expect.poll(() => page.locator('#try-priority').textContent()).toBe('P2');
    expect(await page.locator('#try-eligible').getAttribute('data-eligible')).toBe('true');
    const due = page.locator('[data-window="response"] time.sla-due');
    expect(await due.getAttribute('datetime')).toBe('2026-03-09T12:30:00+01:00');
    const svg = page.locator('[data-window="response"] svg.timeline');
    expect(await svg.locator('rect.tl-business').count()).toBeGreaterThan(0);
    expect(await svg.locator('.tl-due-marker').count()).toBe(1);

    // A window over a weekend: nights and the weekend are shaded as such.
    const sample = page.locator('#try-test option', { hasText: 'carries over the weekend' });
    await page.locator('#try-test').selectOption((await sample.getAttribute('value'))!);
    await expect.poll(() => due.getAttribute('datetime')).toBe('2026-03-09T15:30:00+01:00');
    expect(await svg.locator('rect.tl-weekend').count()).toBeGreaterThan(0);
    expect(await svg.locator('rect.tl-closed').count()).toBeGreaterThan(0);
    expect(await page.locator('.legend').first().textContent()).toContain('weekend');

    await page.waitForTimeout(300); // let monaco's background tokenizer settle before the picture
    await page.screenshot({ path: '/tmp/editor.png' });

    // Each trace step links to its rule: the matrix cell that gave P3 here.
    const step = page.locator('.trace-step', { hasText: 'priority.matrix' });
    const source = (await step.getAttribute('data-source'))!;
    const [, line, column] = /:(\d+):(\d+)$/.exec(source)!;
    expect(Number(line)).toBe(whereIs('medium: { high: P2').line);
    await step.click();
    await expect.poll(() => cursor().textContent()).toBe(`Ln ${line}, Col ${column}`);
  });

  it('marks a typo at its exact line and columns as the admin types, and clears it once fixed', async () => {
    const at = whereIs('rows: urgency');
    const fact = { line: at.line, column: at.column + 'rows: '.length };
    await goToLine(fact.line, fact.column);
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('urgncy');
    await page.keyboard.press('Escape');

    const problem = page.locator('#problems button.problem[data-code="expr.unknown-fact"]');
    await problem.waitFor();
    expect(await problem.getAttribute('data-line')).toBe(String(fact.line));
    expect(await problem.getAttribute('data-column')).toBe(String(fact.column));
    expect(await problem.getAttribute('data-end-line')).toBe(String(fact.line));
    expect(await problem.getAttribute('data-end-column')).toBe(String(fact.column + 'urgncy'.length));
    expect(await problem.textContent()).toContain("did you mean 'urgency'");
    expect(await page.locator('#editor .squiggly-error').count()).toBeGreaterThan(0);
    expect(await page.locator('#problem-count').textContent()).toBe('1');
    expect(await page.locator('#btn-save').isDisabled()).toBe(true);

    // Clicking the problem moves the cursor to it.
    await goToLine(1, 1);
    await problem.click();
    await expect.poll(() => cursor().textContent()).toBe(`Ln ${fact.line}, Col ${fact.column}`);

    await page.keyboard.press('Shift+End');
    await page.keyboard.type('urgency');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#problems button.problem').count()).toBe(0);
    await expect.poll(() => page.locator('#validate-state').textContent()).toContain('no problems');
    // The editor draws its decorations on a later frame than the list of problems.
    await expect.poll(() => page.locator('#editor .squiggly-error').count()).toBe(0);
    // The text is the saved revision again: nothing to save, and no error named.
    expect(await page.locator('#btn-save').getAttribute('title')).toBe('Nothing to save: the text is the saved revision');
  });

  it('completes a fact name and then one of its values', async () => {
    const rule = whereIs('when: tier == "community" and channel');
    await goToLine(rule.line, 1);
    await page.keyboard.press('End');
    await page.keyboard.type(' and urg');
    const widget = page.locator('.suggest-widget.visible');
    await widget.waitFor();
    await expect.poll(() => widget.locator('.monaco-list-row.focused').textContent()).toContain('urgency');
    await page.keyboard.press('Enter');
    await page.keyboard.type(' == "hi');
    await widget.waitFor();
    await expect.poll(() => widget.locator('.monaco-list-row.focused').textContent()).toContain('high');
    await page.keyboard.press('Enter');
    await expect.poll(visibleText).toContain('and channel == "phone" and urgency == "high"');
    await expect.poll(() => page.locator('#validate-state').textContent()).toContain('no problems');
  });

  it('runs the tests of the edited text', async () => {
    await page.keyboard.press('Alt+Shift+T');
    const summary = page.locator('#test-summary');
    await summary.waitFor();
    expect(await summary.getAttribute('data-failed')).toBe('0');
    expect(Number(await summary.getAttribute('data-passed'))).toBeGreaterThan(20);
    expect(await summary.textContent()).toContain('rules covered');
  });

  it('saves with the admin token and shows the new revision', async () => {
    const before = (await (await api('/v1/policies/zmanda')).json()) as { revision: string };
    await editorArea().focus();
    await page.keyboard.press('Control+s');
    const dialog = page.locator('#token-dialog');
    await dialog.waitFor({ state: 'visible' });
    await page.locator('#token-input').fill(TOKEN);
    await page.locator('#author-input').fill('editor test');
    await page.locator('#token-ok').click();
    await expect.poll(() => page.locator('#doc-state').textContent()).toBe('saved');
    const after = (await (await api('/v1/policies/zmanda')).json()) as { revision: string; source: string };
    expect(after.revision).not.toBe(before.revision);
    expect(after.source).toContain('and urgency == "high"');
    expect(await page.locator('#doc-rev').getAttribute('data-revision')).toBe(after.revision);
  });

  it('merges a save that lost a race with the newer revision, and saves both', async () => {
    // Someone else saves through the API meanwhile.
    const head = (await (await api('/v1/policies/zmanda')).json()) as { revision: string; source: string };
    const theirs = head.source.replace('P2: { response: 3 hours }', 'P2: { response: 2 hours }');
    const res = await api('/v1/policies/zmanda', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'if-match': head.revision },
      body: JSON.stringify({ source: theirs, author: 'someone else' }),
    });
    expect(res.status).toBe(200);
    const theirRevision = ((await res.json()) as { revision: string }).revision;
    // The editor had no edits: it shows their revision as soon as it hears of it.
    await expect.poll(() => page.locator('#doc-rev').getAttribute('data-revision')).toBe(theirRevision);

    await goToLine(1, 1);
    await page.keyboard.press('End');
    await page.keyboard.type(' (edited in the browser)');
    await page.keyboard.press('Control+s');
    await expect.poll(() => page.locator('#doc-state').textContent()).toBe('saved');
    const now = (await (await api('/v1/policies/zmanda')).json()) as { revision: string; source: string };
    expect(now.revision).not.toBe(theirRevision);
    expect(now.source).toContain('(edited in the browser)');
    expect(now.source).toContain('P2: { response: 2 hours }');

    // The history lists every save, with its author.
    await page.locator('#tab-history').click();
    await expect.poll(() => page.locator('#history .revisions li').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#history').textContent()).toContain('someone else');
  });

  it('shows an undetermined decision as such, naming the facts that would decide it', async () => {
    await page.locator('#policy-list button[data-id="oto"]').click();
    await expect.poll(() => page.locator('#doc-title').textContent()).toContain('Oto');
    await page.locator('#tab-try').click();
    const sample = page.locator('#try-test option', { hasText: 'a call with no severity' });
    await page.locator('#try-test').selectOption((await sample.getAttribute('value'))!);
    const verdict = page.locator('#try-eligible');
    await expect.poll(() => verdict.getAttribute('data-eligible')).toBe('null');
    expect(await verdict.textContent()).toContain('Undetermined — give severity to decide');
  });

  it('never leaves a stale decision on screen, and asks for the offset of `now` in the policy zone', async () => {
    // Oto is in São Paulo (zone: America/Sao_Paulo): the example `now` is in its offset, -03:00 all year.
    expect(await page.locator('#try-now').getAttribute('placeholder')).toMatch(/^\d{4}-\d{2}-\d{2}T10:00:00-03:00$/);
    await expect.poll(() => page.locator('#try-eligible').count()).toBe(1);
    await page.locator('#try-now').fill('2026-03-09T10:00:00');
    await expect.poll(() => page.locator('#try-facts-error').textContent()).toContain('needs its offset');
    expect(await page.locator('#try-eligible').count()).toBe(0);
    expect(await page.locator('#try-now').getAttribute('aria-invalid')).toBe('true');
    await page.locator('#try-now').fill('2026-03-09T10:00:00-03:00');
    await expect.poll(() => page.locator('#try-eligible').count()).toBe(1);
    // The facts are a JSON editor that knows the policy's facts: it completes their names…
    await page.locator('#try-facts .view-lines').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{ "');
    await page.keyboard.type('sever');
    const widget = page.locator('.suggest-widget.visible');
    await widget.waitFor();
    await expect.poll(() => widget.locator('.monaco-list-row.focused').textContent()).toContain('severity');
    await page.keyboard.press('Escape');
    // …and marks a value that is none of a fact's values.
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{ "severity": "huge" }');
    await expect.poll(() => page.locator('#try-facts .squiggly-error').count()).toBeGreaterThan(0);
    // Text that is not JSON leaves no decision on screen.
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{ "severity": ');
    await expect.poll(() => page.locator('#try-facts-error').textContent()).toContain('not valid JSON');
    expect(await page.locator('#try-eligible').count()).toBe(0);
    expect(await page.locator('#try-none').count()).toBe(1);
  });

  it('shows refused facts with their pointers in the try-it panel, never a stale decision', async () => {
    await page.locator('#policy-list button[data-id="logbot"]').click();
    await expect.poll(() => page.locator('#doc-title').textContent()).toContain('Logbot');
    await page.locator('#tab-try').click();
    await expect.poll(() => page.locator('#try-eligible').count()).toBe(1);
    const sample = page.locator('#try-test option', { hasText: 'negative worked minutes are refused' });
    await page.locator('#try-test').selectOption((await sample.getAttribute('value'))!);
    const problem = page.locator('#try-result li.fact-problem');
    await expect.poll(() => problem.getAttribute('data-pointer')).toBe('/workedMinutes');
    expect(await problem.textContent()).toBe('/workedMinutes Worked minutes cannot be negative. worked-minutes-negative');
    expect(await page.locator('#try-eligible').count()).toBe(0);
  });

  it('type-checks the editor sources (the root tsconfig leaves editor/ out: it is browser code)', () => {
    try {
      execFileSync(
        process.execPath,
        [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'editor', 'tsconfig.json')],
        {
          cwd: root,
          stdio: 'pipe',
        },
      );
    } catch (e) {
      throw new Error(String((e as { stdout?: Buffer }).stdout ?? e));
    }
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});

// What completion knows about the text: run here on Node, the module is plain TypeScript.
describe('the editor reading the text being edited', () => {
  it('reads facts, derived facts, tiers, priorities, calendars and tests from the YAML', async () => {
    const { readOutline, valuesOf } = await import('../../editor/src/outline.js');
    const o = readOutline(zmanda, null);
    expect(o.facts.get('urgency')).toMatchObject({
      type: 'enum',
      values: ['high', 'medium', 'low'],
      required: true,
      line: whereIs('urgency:').line,
    });
    expect(o.facts.get('timezone')).toMatchObject({ default: 'Europe/Rome' });
    expect(o.derived.get('slaTier')?.expression).toBe('if trial then "premium" else tier');
    expect(o.priorities).toEqual(['P1', 'P2', 'P3', 'P4']);
    expect(o.tiers).toEqual(['community', 'standard', 'premium']);
    expect(o.calendars).toEqual(['office', 'always']);
    expect([o.channelFact, o.matrixRows, o.matrixColumns]).toEqual(['channel', 'urgency', 'impact']);
    expect(valuesOf(o, 'decision.priority')).toEqual(o.priorities);
    expect(o.tests[0]).toMatchObject({ facts: { tier: 'standard', openedAt: '2026-03-09T09:30:00+01:00' } });
    expect(o.tests.find((t) => t.now)?.now).toBe('2026-03-09T10:30:00+01:00');
    // A text that no longer parses keeps what was known.
    const broken = readOutline(zmanda.replace('priorities: [P1, P2, P3, P4]', 'priorities: [P1, P2, P3, P4'), o);
    expect(broken.priorities).toEqual(o.priorities);
    expect(broken.facts.get('urgency')?.values).toEqual(['high', 'medium', 'low']);
  });

  it('knows whether the cursor is at a key or in a value, and the YAML path to it', async () => {
    const { cursorContext } = await import('../../editor/src/outline.js');
    const at = (text: string) => {
      const lines = text.split('\n');
      const line = lines.findIndex((l) => l.includes('|'));
      const column = lines[line]!.indexOf('|');
      lines[line] = lines[line]!.replace('|', '');
      return cursorContext(lines, line, column);
    };
    expect(at('eligibility:\n  # a comment\n  - deny: x\n    wh|')).toEqual({
      kind: 'key',
      path: ['eligibility', '[]'],
      prefix: 'wh',
    });
    expect(at('eligibility:\n  - |')).toEqual({ kind: 'key', path: ['eligibility', '[]'], prefix: '' });
    expect(at('priority:\n  override: x\n  matrix:\n    rows: urgency\n    |')).toEqual({
      kind: 'key',
      path: ['priority', 'matrix'],
      prefix: '',
    });
    expect(at('eligibility:\n  - deny: x\n    when: tier == "comm|')).toMatchObject({
      kind: 'value',
      path: ['eligibility', '[]', 'when'],
      prefix: 'tier == "comm',
    });
    expect(at('sla:\n  standard:\n    P1: { response: 1 ho|')).toMatchObject({
      kind: 'value',
      path: ['sla', 'standard', 'P1', 'response'],
      prefix: '1 ho',
    });
    expect(at('tests:\n  - facts: { tier: standard, imp|')).toEqual({
      kind: 'key',
      path: ['tests', '[]', 'facts'],
      prefix: 'imp',
    });
    expect(at('derived:\n  slaTier: if trial then "premium" else t|')).toMatchObject({ kind: 'value', key: 'slaTier' });
    expect(at('facts:\n  tier: # the tier |')).toEqual({ kind: 'comment' });
  });
});
