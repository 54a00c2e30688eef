// The web editor with colleagues, end to end in Debian's Chromium against the real service: two
// admins' saves of different lines merge by themselves; overlapping edits become conflicts the
// admin resolves one by one, with the save blocked until none is left and an overwrite that asks
// first and names what it drops; a save made elsewhere shows up at once; a restore over unsaved
// edits asks, and undo gives them back. Then what a cold load of the editor weighs, and how long
// a typo takes to be marked (figures printed, not asserted: speed belongs to benchmarks).
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import {
  type EditorPage,
  editorArea,
  editorDist,
  ensureEditorBuilt,
  goToLine,
  launchChromium,
  openEditor,
  openPolicy,
  retype,
  visibleText,
} from '../support/editor-browser.js';
import { policiesCopy, startTestServer } from '../support/with-server.js';

const TOKEN = 'editor-collab-admin-token-0123456789';
const dir = policiesCopy();
const original = readFileSync(join(dir, 'zmanda.yaml'), 'utf8');
const lines = original.split('\n');
/** 1-based line and column of `text` in zmanda.yaml as shipped (the edits below keep lines in place). */
function whereIs(text: string, from = 0): { line: number; column: number } {
  const i = lines.findIndex((l, n) => n >= from && l.includes(text));
  if (i < 0) throw new Error(`'${text}' is not in zmanda.yaml`);
  return { line: i + 1, column: lines[i]!.indexOf(text) + 1 };
}
const TITLE = whereIs('title: Zmanda customer support policy');
const STANDARD_P3 = whereIs('P3: { response: 8 hours }');
const PREMIUM_P1 = whereIs('P1: { response: 15 minutes }');
const STANDARD_P2 = whereIs('P2: { response: 3 hours }');
const STANDARD_P4 = whereIs('P4: { response: 24 hours }');

let running: RunningServer;
let browser: Browser;
let ann: EditorPage;
let bob: EditorPage;
const figures: string[] = [];

const api = (path: string, init: RequestInit = {}) => fetch(`${running.url}${path}`, init);
const head = async () => (await (await api('/v1/policies/zmanda')).json()) as { revision: string; source: string };
/** A save through the API, as another tool or admin would make it. */
async function saveElsewhere(edit: (source: string) => string, author: string): Promise<string> {
  const now = await head();
  const res = await api('/v1/policies/zmanda', {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'if-match': now.revision },
    body: JSON.stringify({ source: edit(now.source), author }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { revision: string }).revision;
}
const state = (p: EditorPage) => p.page.locator('#doc-state').textContent();
const bar = (p: EditorPage) => p.page.locator('#merge-bar');

describe('the web editor with colleagues', () => {
  beforeAll(async () => {
    ensureEditorBuilt();
    // Two editors try every edit in worker threads: on a busy machine that may take longer than
    // the service's 2 s limit, which is not what this test is about.
    running = await startTestServer({ dir, token: TOKEN, editorDir: editorDist, heavyWork: { timeLimitMs: 30_000 } });
    browser = await launchChromium();
    // Ann's save that loses the race is refused (412) once: Chromium logs that response.
    ann = await openEditor(browser, running.url, { token: TOKEN, author: 'Ann', expected: /status of 412/ });
    bob = await openEditor(browser, running.url, { token: TOKEN, author: 'Bob' });
    await openPolicy(ann.page, 'zmanda');
    await openPolicy(bob.page, 'zmanda');
  });

  // A failing step leaves a screenshot of each admin's page behind, named after the test.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [who, p] of [
      ['ann', ann],
      ['bob', bob],
    ] as const) {
      const file = join(tmpdir(), `spe-collab-failure-${who}-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}.png`);
      await p?.page.screenshot({ path: file }).catch(() => undefined);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it("merges two admins' saves of different lines by themselves, and keeps both", async () => {
    await retype(ann.page, TITLE.line, TITLE.column, 'title: Zmanda support (Ann)');
    await retype(bob.page, STANDARD_P2.line, STANDARD_P2.column, 'P2: { response: 2 hours }');
    await expect.poll(() => state(bob)).toBe('unsaved changes');
    await bob.page.keyboard.press('Control+s');
    await expect.poll(() => state(bob)).toBe('saved');
    const bobs = await head();
    const savedAt = Date.now();

    // Ann hears of it while still editing: her draft is offered the merge.
    await expect.poll(() => bar(ann).getAttribute('data-state')).toBe('offered');
    figures.push(`save by another admin shown in the editor after ${Date.now() - savedAt} ms`);
    expect(await bar(ann).textContent()).toContain('by Bob');

    // She saves without merging first: the save is refused, and the merge happens then.
    await editorArea(ann.page).focus();
    await ann.page.keyboard.press('Control+s');
    await expect.poll(() => bar(ann).getAttribute('data-state')).toBe('merged');
    expect(await ann.page.locator('#doc-rev').getAttribute('data-revision')).toBe(bobs.revision);
    expect(await ann.page.locator('#editor .merge-theirs-line').count()).toBe(1);
    expect(await (await head()).revision).toBe(bobs.revision);

    await ann.page.keyboard.press('Control+s');
    await expect.poll(() => state(ann)).toBe('saved');
    const both = await head();
    expect(both.source).toBe(
      original
        .replace('title: Zmanda customer support policy', 'title: Zmanda support (Ann)')
        .replace('P2: { response: 3 hours }', 'P2: { response: 2 hours }'),
    );
    expect(await bar(ann).isHidden()).toBe(true);
    // Bob had no edits left: his editor shows Ann's save as it is.
    await expect.poll(() => bob.page.locator('#doc-rev').getAttribute('data-revision')).toBe(both.revision);
    await goToLine(bob.page, TITLE.line);
    expect(await visibleText(bob.page)).toContain('title: Zmanda support (Ann)');
  });

  it('marks overlapping edits as conflicts one by one, blocks the save until all are resolved, and loses nothing', async () => {
    await retype(ann.page, STANDARD_P3.line, STANDARD_P3.column, 'P3: { response: 10 hours }');
    await retype(ann.page, PREMIUM_P1.line, PREMIUM_P1.column, 'P1: { response: 20 minutes }');
    await retype(ann.page, TITLE.line, TITLE.column, 'title: Zmanda support (Ann, again)');
    const theirs = await saveElsewhere(
      (s) =>
        s
          .replace('P3: { response: 8 hours }', 'P3: { response: 6 hours }')
          .replace('P1: { response: 15 minutes }', 'P1: { response: 10 minutes }'),
      'Cyd',
    );
    await expect.poll(() => bar(ann).getAttribute('data-state')).toBe('offered');
    // The merge is the offer's main action; Enter on the bar is not an overwrite anywhere.
    await ann.page.locator('#merge-now').click();
    await expect.poll(() => bar(ann).getAttribute('data-state')).toBe('conflicts');
    expect(await ann.page.locator('#merge-count').getAttribute('data-count')).toBe('2');
    expect(await ann.page.locator('#doc-state').textContent()).toBe('2 conflicts');
    expect(await ann.page.locator('#btn-save').isDisabled()).toBe(true);
    await ann.page.waitForTimeout(300); // monaco's decorations are drawn on a later frame
    await ann.page.screenshot({ path: join(tmpdir(), 'spe-editor-merge.png') });

    // Saving now is refused in the editor, and nothing reaches the service.
    await editorArea(ann.page).focus();
    await ann.page.keyboard.press('Control+s');
    expect((await head()).revision).toBe(theirs);

    // F7 goes to the next conflict; the first holds her line, then theirs.
    await goToLine(ann.page, 1);
    await ann.page.keyboard.press('F7');
    await expect.poll(() => ann.page.locator('#cursor-pos').textContent()).toBe(`Ln ${STANDARD_P3.line + 1}, Col 1`);
    // Monaco draws the lines scrolled to on a later frame: a busy machine may take a while.
    await expect.poll(() => visibleText(ann.page)).toContain('<<<<<<< yours');
    const text = await visibleText(ann.page);
    expect(text).toMatch(/>>>>>>> theirs · [0-9a-f]{10} by Cyd/);
    expect(await ann.page.locator('#merge-at').textContent()).toBe('Conflict 1 of 2:');

    // Overwriting is a separate button that asks first, naming their lines; the safe answer is the default.
    await ann.page.locator('#merge-overwrite').click();
    const question = ann.page.locator('#ask-dialog');
    await question.waitFor({ state: 'visible' });
    expect(await ann.page.locator('#ask-title').textContent()).toBe("Overwrite Cyd's changes?");
    const lost = await ann.page.locator('#ask-lost').textContent();
    expect(lost).toContain('P3: { response: 6 hours }');
    expect(lost).toContain('P1: { response: 10 minutes }');
    expect(await ann.page.evaluate('document.activeElement?.id')).toBe('ask-keep');
    await ann.page.keyboard.press('Enter');
    await question.waitFor({ state: 'hidden' });
    expect((await head()).revision).toBe(theirs);
    expect(await ann.page.locator('#merge-count').getAttribute('data-count')).toBe('2');

    // Theirs for the first, hers for the second.
    await ann.page.locator('#merge-theirs').click();
    await expect.poll(() => ann.page.locator('#merge-count').getAttribute('data-count')).toBe('1');
    expect(await ann.page.locator('#merge-at').textContent()).toBe('Conflict 1 of 1:');
    await ann.page.locator('#merge-mine').click();
    await expect.poll(() => bar(ann).getAttribute('data-state')).toBe('merged');
    await expect.poll(() => ann.page.locator('#btn-save').isDisabled()).toBe(false);
    await ann.page.keyboard.press('Control+s');
    await expect.poll(() => state(ann)).toBe('saved');
    const saved = await head();
    expect(saved.source).toContain('title: Zmanda support (Ann, again)');
    expect(saved.source).toContain('P3: { response: 6 hours }');
    expect(saved.source).toContain('P1: { response: 20 minutes }');
    expect(saved.source).not.toMatch(/<<<<<<<|=======|>>>>>>>/);
  });

  it('shows a save made elsewhere at once in a draft without edits, as one undo step', async () => {
    const before = await head();
    const savedAt = Date.now();
    const theirs = await saveElsewhere((s) => s.replace('P4: { response: 24 hours }', 'P4: { response: 12 hours }'), 'Cyd');
    await expect.poll(() => ann.page.locator('#doc-rev').getAttribute('data-revision')).toBe(theirs);
    figures.push(`external PUT shown in the editor after ${Date.now() - savedAt} ms`);
    await goToLine(ann.page, STANDARD_P4.line);
    expect(await visibleText(ann.page)).toContain('P4: { response: 12 hours }');
    expect(await state(ann)).toBe('saved');
    // Ctrl+Z gives the previous revision's text back exactly: the draft is then that text, unsaved.
    await ann.page.keyboard.press('Control+z');
    await expect.poll(() => visibleText(ann.page)).toContain('P4: { response: 24 hours }');
    expect(before.source).toContain('P4: { response: 24 hours }');
    await ann.page.keyboard.press('Control+y');
    await expect.poll(() => state(ann)).toBe('saved');
  });

  it('asks before a restore replaces unsaved edits, and undo gives them back', async () => {
    await retype(ann.page, TITLE.line, TITLE.column, 'title: Zmanda (not saved yet)');
    await ann.page.locator('#tab-history').click();
    const oldest = ann.page.locator('#history .revisions li').last();
    await oldest.waitFor();
    await oldest.locator('button', { hasText: 'View / restore' }).click();
    await ann.page.locator('#diff-dialog').waitFor({ state: 'visible' });
    await ann.page.locator('#diff-actions button', { hasText: 'Restore this revision' }).click();
    const question = ann.page.locator('#ask-dialog');
    await question.waitFor({ state: 'visible' });
    expect(await ann.page.evaluate('document.activeElement?.id')).toBe('ask-keep');
    const revisionBefore = (await head()).revision;
    await ann.page.keyboard.press('Escape');
    await question.waitFor({ state: 'hidden' });
    expect((await head()).revision).toBe(revisionBefore);

    await ann.page.locator('#diff-actions button', { hasText: 'Restore this revision' }).click();
    await question.waitFor({ state: 'visible' });
    await ann.page.locator('#ask-lose').click();
    await ann.page.locator('#diff-dialog').waitFor({ state: 'hidden' });
    await expect.poll(() => state(ann)).toBe('saved');
    expect((await head()).source).toBe(original);
    await goToLine(ann.page, TITLE.line);
    expect(await visibleText(ann.page)).toContain('title: Zmanda customer support policy');
    await ann.page.keyboard.press('Control+z');
    await expect.poll(() => visibleText(ann.page)).toContain('title: Zmanda (not saved yet)');
    expect(await state(ann)).toBe('unsaved changes');
  });

  it('diagnoses an indentation mistake at the mistaken line', async () => {
    const p1 = whereIs('P1: { response: 1 hour }');
    const calendar = whereIs('calendar: office');
    const problem = bob.page.locator('#problems button.problem[data-code="yaml.syntax"]');
    // P1 one level too deep under `calendar: office`: the mark is on P1, not on 'office'.
    await goToLine(bob.page, p1.line, p1.column);
    await bob.page.keyboard.type('  ');
    await problem.waitFor();
    expect([await problem.getAttribute('data-line'), await problem.getAttribute('data-column')]).toEqual([
      String(p1.line),
      String(p1.column + 2),
    ]);
    expect(await problem.textContent()).toContain("'P1' is indented deeper than 'calendar'");
    await bob.page.keyboard.press('Control+z');
    await expect.poll(() => problem.count()).toBe(0);
    // `calendar` dedented out of `standard:`: the mark is on calendar.
    await goToLine(bob.page, calendar.line, 1);
    await bob.page.keyboard.press('Delete');
    await bob.page.keyboard.press('Delete');
    await problem.waitFor();
    expect([await problem.getAttribute('data-line'), await problem.getAttribute('data-column')]).toEqual([
      String(calendar.line),
      String(calendar.column - 2),
    ]);
    expect(await problem.textContent()).toContain("'calendar' is indented like 'standard:' above");
    await bob.page.keyboard.press('Control+z');
    await expect.poll(() => problem.count()).toBe(0);
  });

  it('paints the rules no test exercises in the gutter, and lists them first', async () => {
    const message = whereIs('message: Zmanda gives no phone support for Community products.');
    // On the empty line after the rule, line by line (Enter keeps the indentation of the line before).
    await goToLine(bob.page, message.line + 1, 1);
    for (const [i, text] of [
      '  - deny: trial-account-manager',
      '  when: trial and channel == "account-manager" and urgency == "low"',
      'message: No account manager for trials.',
    ].entries()) {
      if (i) await bob.page.keyboard.press('Enter');
      await bob.page.keyboard.insertText(text);
      await bob.page.keyboard.press('Escape');
    }
    await expect.poll(() => bob.page.locator('#validate-state').textContent()).toContain('no problems');
    await bob.page.keyboard.press('Alt+Shift+T');
    const summary = bob.page.locator('#test-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/rules covered (\d+)\/(?!\1)\d+/);
    // Listed before the tests, and marked at the rule's line.
    const uncovered = bob.page.locator('#test-result > section.block');
    expect(await uncovered.textContent()).toContain('trial-account-manager');
    expect(
      await bob.page
        .locator('#test-result > *')
        .nth(1)
        .evaluate((e) => e.tagName),
    ).toBe('SECTION');
    await goToLine(bob.page, message.line + 1);
    await expect.poll(() => bob.page.locator('#editor .gutter-uncovered').count()).toBe(1);
    // Undone step by step until the draft is the saved revision again.
    for (let i = 0; i < 40 && (await state(bob)) !== 'saved'; i++) await bob.page.keyboard.press('Control+z');
    expect(await state(bob)).toBe('saved');
  });

  it('draws the day ticks at local midnight across a change to summer time, and marks the response', async () => {
    await bob.page.locator('#tab-try').click();
    await bob.page.locator('#try-facts .view-lines').click();
    await bob.page.keyboard.press('Control+a');
    await bob.page.keyboard.press('Delete');
    // Standard P3 (8 business hours, Mon–Fri 08:00–17:00 Rome) from Friday 27 March 2026, 16:30:
    // Rome moves to +02:00 on Sunday 29 March. Answered on Monday at 10:00.
    await bob.page.keyboard.insertText(
      JSON.stringify({
        tier: 'standard',
        impact: 'medium',
        urgency: 'medium',
        channel: 'web',
        openedAt: '2026-03-27T16:30:00+01:00',
        respondedAt: '2026-03-30T10:00:00+02:00',
      }),
    );
    const due = bob.page.locator('[data-window="response"] time.sla-due');
    await expect.poll(() => due.getAttribute('datetime')).toBe('2026-03-30T15:30:00+02:00');
    const ticks = bob.page.locator('[data-window="response"] svg.timeline line.tl-day');
    // Midnights of Saturday and Sunday in +01:00, of Monday in +02:00.
    expect(await ticks.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-at')))).toEqual([
      '2026-03-27T23:00:00.000Z',
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ]);
    expect(await bob.page.locator('[data-window="response"] .tl-stopped-marker[data-stopped="responded"]').count()).toBe(1);
  });

  it('completes only what can follow: a unit after a number, a priority the tier does not have yet', async () => {
    const widget = bob.page.locator('.suggest-widget.visible');
    const rows = () => widget.locator('.monaco-list-row').allTextContents();
    // `P4: { response: 24 hours }` retyped: P1 to P3 are there already.
    await goToLine(bob.page, STANDARD_P4.line, STANDARD_P4.column);
    await bob.page.keyboard.press('Shift+End');
    await bob.page.keyboard.type('P');
    await widget.waitFor();
    await expect.poll(async () => (await rows()).map((r) => r.replace(/priority$/, '').trim())).toEqual(['P4']);
    await bob.page.keyboard.press('Escape');
    await bob.page.keyboard.type('4: { response: 12 ');
    await bob.page.keyboard.press('Control+Space');
    await widget.waitFor();
    const offered = (await rows()).join(' | ');
    expect(offered).toContain('hours');
    expect(offered).not.toContain('urgency');
    await bob.page.keyboard.press('Escape');
    for (let i = 0; i < 40 && (await state(bob)) !== 'saved'; i++) await bob.page.keyboard.press('Control+z');
    expect(await state(bob)).toBe('saved');
  });

  it('explains a key of the policy on hover, not only facts', async () => {
    const p1 = whereIs('P1: { response: 1 hour }');
    await goToLine(bob.page, p1.line, p1.column);
    await bob.page.keyboard.press('Control+k');
    await bob.page.keyboard.press('Control+i');
    const hover = bob.page.locator('.monaco-hover:not(.hidden)');
    await expect.poll(() => hover.textContent()).toContain('P1 — priority');
    await bob.page.keyboard.press('Escape');
    const zoneFact = whereIs('zoneFact: timezone');
    await goToLine(bob.page, zoneFact.line, zoneFact.column);
    await bob.page.keyboard.press('Control+k');
    await bob.page.keyboard.press('Control+i');
    await expect.poll(() => hover.textContent()).toMatch(/^zoneFact — \S/);
    await bob.page.keyboard.press('Escape');
  });

  it('fixes a misspelt fact with the quick fix its diagnostic names', async () => {
    const at = whereIs('rows: urgency');
    await retype(bob.page, at.line, at.column + 'rows: '.length, 'urgncy');
    await bob.page.locator('#problems button.problem[data-code="expr.unknown-fact"]').waitFor();
    await goToLine(bob.page, at.line, at.column + 'rows: '.length + 2);
    await bob.page.keyboard.press('Control+.');
    const fix = bob.page.getByText("Change to 'urgency'").first();
    await fix.waitFor();
    await bob.page.keyboard.press('Enter');
    await expect.poll(() => bob.page.locator('#problems button.problem').count()).toBe(0);
    await expect.poll(() => state(bob)).toBe('saved');
  });

  it('marks a typo soon after the keystroke (the median is printed)', async () => {
    const at = whereIs('rows: urgency');
    // Timed in the page, from the keydown to the marker in the DOM (painted on the next frame):
    // Playwright's own wait polls at 20–100 ms steps, which it adds to what it sees.
    const inPage: number[] = [];
    const seen: number[] = [];
    for (let i = 0; i < 9; i++) {
      await goToLine(ann.page, at.line, at.column + 'rows: urgency'.length);
      await ann.page.evaluate(`window.speMarked = new Promise((resolve) => {
        let typed = 0;
        document.addEventListener('keydown', () => { typed = performance.now(); }, { once: true, capture: true });
        const watch = new MutationObserver(() => {
          if (!typed || !document.querySelector('#editor .squiggly-error')) return;
          watch.disconnect();
          resolve(performance.now() - typed);
        });
        watch.observe(document.querySelector('#editor'), { subtree: true, childList: true, attributes: true });
      }); 0`);
      const t0 = Date.now();
      await ann.page.keyboard.type('x');
      await ann.page.locator('#editor .squiggly-error').first().waitFor();
      seen.push(Date.now() - t0);
      inPage.push(Math.round(Number(await ann.page.evaluate('window.speMarked'))));
      await ann.page.keyboard.press('Backspace');
      await expect.poll(() => ann.page.locator('#editor .squiggly-error').count()).toBe(0);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    figures.push(
      `keystroke to marker in the page: median ${median(inPage)} ms (of 9: ${[...inPage].sort((a, b) => a - b).join(', ')} ms); ` +
        `as Playwright sees it: median ${median(seen)} ms`,
    );
  });

  it('loads cold in at most 1.5 MB, compressed, with its assets cached for good', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    let bytes = 0;
    const assets: { url: string; headers: Record<string, string> }[] = [];
    page.on('requestfinished', (req) => {
      void req.sizes().then((s) => (bytes += s.responseBodySize + s.responseHeadersSize));
      void req.response().then((r) => r && assets.push({ url: req.url(), headers: r.headers() }));
    });
    await page.goto(`${running.url}/editor/`);
    await openPolicy(page, 'zmanda');
    await expect.poll(() => page.locator('#try-priority').count()).toBe(1);
    await page.waitForLoadState('networkidle');
    figures.push(`cold load of the editor with a policy open: ${(bytes / 1e6).toFixed(2)} MB transferred`);
    expect(bytes).toBeGreaterThan(100_000);
    expect(bytes).toBeLessThanOrEqual(1_500_000);
    const scripts = assets.filter((a) => /\/editor\/assets\/.*\.js$/.test(a.url));
    expect(scripts.map((a) => a.url.replace(/.*\/assets\/([a-z.]+)-.*/, '$1')).sort()).toEqual(
      expect.arrayContaining(['editor.worker', 'index', 'monaco']),
    );
    for (const a of scripts) {
      expect(a.headers['cache-control'], a.url).toBe('public, max-age=31536000, immutable');
      expect(a.headers['content-encoding'], a.url).toMatch(/^(gzip|br)$/);
    }
    await context.close();
  });

  it('logged no console errors', () => {
    process.stdout.write(figures.map((f) => `editor: ${f}\n`).join(''));
    expect([...ann.errors, ...bob.errors]).toEqual([]);
  });
});
