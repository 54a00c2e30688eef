// The web editor's smaller promises, end to end in Debian's Chromium against the real service: the
// SLA timeline names the holidays it skips and shows a lunch break; the bill writes its minutes in
// words ("7 minutes", not "7 minute"); and Tab can be made to leave the editor with Ctrl+M, its
// state shown in the status bar.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
} from '../support/editor-browser.js';
import { policiesCopy, startTestServer } from '../support/with-server.js';

const dir = policiesCopy();
const logbotLines = readFileSync(join(dir, 'logbot.yaml'), 'utf8').split('\n');
/** 1-based line and column of `text` in logbot.yaml as shipped. */
function whereIs(text: string): { line: number; column: number } {
  const i = logbotLines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`'${text}' is not in logbot.yaml`);
  return { line: i + 1, column: logbotLines[i]!.indexOf(text) + 1 };
}

let running: RunningServer;
let browser: Browser;
let ed: EditorPage;

/** Puts `facts` in the try-it facts editor. */
async function tryFacts(facts: Record<string, unknown>): Promise<void> {
  const { page } = ed;
  await page.locator('#tab-try').click();
  await page.keyboard.press('Alt+Shift+Y');
  await expect.poll(() => page.evaluate("!!document.activeElement?.closest('#try-facts')")).toBe(true);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify(facts));
}

// A Logbot Smart Support Card ticket: the card is valid (delivered 15 January 2026) and has logbit left.
const CARD = { category: 'onboarding', channel: 'ticket-portal', hasCard: true, cardDdtDate: '2026-01-15', cardBalance: 400 };

describe('the web editor: timeline, bill and keys', () => {
  beforeAll(async () => {
    ensureEditorBuilt();
    running = await startTestServer({ dir, editorDir: editorDist, heavyWork: { timeLimitMs: 30_000 } });
    browser = await launchChromium();
    ed = await openEditor(browser, running.url);
    await openPolicy(ed.page, 'logbot');
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('names the holidays on the timeline and shows the lunch break', async () => {
    // «risposta al ticket max 8h lavorative» for onboarding, in Logbot's office hours (Mon–Fri
    // 09:00–13:00 and 14:00–18:00 in Rome, Italian public holidays). From Friday 3 April 2026,
    // 16:00: 2 h on Friday, Saturday, then Easter Sunday and Easter Monday (Italian public
    // holidays), and Tuesday 09:00–13:00, 14:00–16:00.
    await tryFacts({ ...CARD, openedAt: '2026-04-03T16:00:00+02:00' });
    const due = ed.page.locator('[data-window="response"] time.sla-due');
    await expect.poll(() => due.getAttribute('datetime')).toBe('2026-04-07T16:00:00+02:00');
    const timeline = ed.page.locator('[data-window="response"] svg.timeline');
    const holidays = timeline.locator('rect[data-holiday]');
    expect(await holidays.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-holiday')))).toEqual([
      'Easter Sunday',
      'Easter Monday',
    ]);
    expect(await holidays.nth(1).locator('title').textContent()).toBe(
      'Holiday — Easter Monday: Mon 6 Apr, 00:00 – Tue 7 Apr, 00:00',
    );
    // Each day is wide enough here for its name on the bar.
    expect(await timeline.locator('text.tl-holiday-name').allTextContents()).toEqual(['Easter Sunday', 'Easter Monday']);
    // Tuesday's lunch hour, between two pieces of business time, drawn over them and not a sliver.
    const lunch = timeline.locator('rect.tl-break');
    expect(await lunch.count()).toBe(1);
    expect(await lunch.locator('title').textContent()).toBe('Break in the business day: Tue 7 Apr, 13:00 – Tue 7 Apr, 14:00');
    expect(Number(await lunch.getAttribute('width'))).toBeGreaterThanOrEqual(5);
    await ed.page.locator('[data-window="response"]').screenshot({ path: join(tmpdir(), 'spe-editor-timeline-holidays.png') });
  });

  it('writes the minutes of the bill in words, one minute singular', async () => {
    // «al costo di 1 logbit/minuto con minimo 15 minuti»: 7 minutes worked are billed as 15.
    await tryFacts({ ...CARD, openedAt: '2026-03-10T10:00:00+01:00', workedMinutes: 7 });
    const quantities = ed.page.locator('table.billing td.quantity');
    await expect.poll(async () => (await quantities.allTextContents()).slice(0, 2)).toEqual(['7 minutes', '15 minutes']);
    // 16 minutes worked, billed per minute: 16.
    await tryFacts({ ...CARD, openedAt: '2026-03-10T10:00:00+01:00', workedMinutes: 16 });
    await expect.poll(() => quantities.first().textContent()).toBe('16 minutes');
    await tryFacts({ ...CARD, openedAt: '2026-03-10T10:00:00+01:00', workedMinutes: 1 });
    await expect.poll(() => quantities.first().textContent()).toBe('1 minute');
    expect(await ed.page.locator('table.billing').textContent()).not.toMatch(/\d minute(?!s)\b(?<!1 minute)/);
  });

  it('lets Tab leave the editor after Ctrl+M, and shows which way Tab works', async () => {
    const { page } = ed;
    const mode = page.locator('#tab-mode');
    const inEditor = () => page.evaluate("!!document.activeElement?.closest('#editor')");
    expect(await mode.getAttribute('aria-pressed')).toBe('false');
    expect(await mode.textContent()).toContain('Tab indents');
    // Tab indents: the cursor moves two columns on and stays in the editor.
    await goToLine(page, 2, 1);
    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator('#cursor-pos').textContent()).toBe('Ln 2, Col 3');
    expect(await inEditor()).toBe(true);
    await page.keyboard.press('Control+z');

    await editorArea(page).focus();
    await page.keyboard.press('Control+m');
    await expect.poll(() => mode.getAttribute('aria-pressed')).toBe('true');
    expect(await mode.textContent()).toContain('Tab moves focus');
    await page.keyboard.press('Tab');
    await expect.poll(inEditor).toBe(false);
    expect(await page.locator('#cursor-pos').textContent()).toBe('Ln 2, Col 1');

    // The try-it facts editor follows the same mode.
    await page.keyboard.press('Alt+Shift+Y');
    const inFacts = () => page.evaluate("!!document.activeElement?.closest('#try-facts')");
    await expect.poll(inFacts).toBe(true);
    await page.keyboard.press('Tab');
    await expect.poll(inFacts).toBe(false);

    // The button in the status bar switches it back.
    await mode.click();
    await expect.poll(() => mode.getAttribute('aria-pressed')).toBe('false');
    expect(await mode.textContent()).toContain('Tab indents');
    expect(await inEditor()).toBe(true);
    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator('#cursor-pos').textContent()).toBe('Ln 2, Col 3');
    await page.keyboard.press('Control+z');
  });

  it('explains sections and keywords on hover from the language table the language server shares', async () => {
    const { page } = ed;
    const hover = page.locator('.monaco-hover:not(.hidden)');
    const hoverAt = async (at: { line: number; column: number }) => {
      await goToLine(page, at.line, at.column);
      await page.keyboard.press('Control+k');
      await page.keyboard.press('Control+i');
      await hover.waitFor();
      const text = await hover.textContent();
      await page.keyboard.press('Escape');
      return text;
    };
    // A section: its documentation in dsl/language.ts (SECTION_DOCS), which the schema does not hold.
    expect(await hoverAt(whereIs('sla:'))).toMatch(/^sla — Response and resolution targets per tier and priority/);
    // A keyword inside an expression.
    const cardValid = whereIs('cardValid: hasCard and not');
    expect(await hoverAt({ line: cardValid.line, column: cardValid.column + 'cardValid: hasCard '.length })).toMatch(
      /^and — a and b: true when both are true/,
    );
  });

  it('logged no console errors', () => {
    expect(ed.errors).toEqual([]);
  });
});
