// The editor's Impact tab, end to end: the real service serving editor/dist, driven through
// Debian's Chromium. The admin changes Zmanda's standard P2 response from 3 to 4 hours, drops in
// a file of tickets, and reads, before saving, which tickets the change moves and by how much.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/editor-browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { policiesCopy, startTestServer } from '../support/with-server.js';

const root = join(import.meta.dirname, '..', '..');
const editorDist = join(root, 'editor', 'dist');

const dir = policiesCopy(['zmanda.yaml']);
const lines = readFileSync(join(dir, 'zmanda.yaml'), 'utf8').split('\n');
const p2 = lines.findIndex((l) => l.includes('    P2: { response: 3 hours }'));

let running: RunningServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

/** The editor's rendered lines (monaco renders spaces as no-break spaces). */
const visibleText = async () => (await page.locator('#editor .view-lines').innerText()).replace(/\u00a0/g, ' ');

describe('the editor’s Impact tab', () => {
  beforeAll(async () => {
    if (!existsSync(join(editorDist, 'index.html'))) execFileSync('npm', ['run', 'build:editor'], { cwd: root, stdio: 'pipe' });
    running = await startTestServer({ dir, editorDir: editorDist });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => {
      // The try-it panel's request may be refused as too much work on a busy machine: not this tab's concern.
      if (m.type() !== 'error' || (/status of 503\b/.test(m.text()) && m.location().url.endsWith('/v1/try'))) return;
      consoleErrors.push(`${m.text()} @ ${m.location().url}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('shows what the draft changes on a dropped file of tickets, before it is saved', async () => {
    expect(p2).toBeGreaterThan(0);
    await page.goto(`${running.url}/editor/`);
    await page.locator('#policy-list button[data-id="zmanda"]').click();
    await expect.poll(() => visibleText()).toContain('policy: zmanda');
    // Change «3 hours» to «4 hours» on the standard P2 line, with monaco's Go to Line.
    await page.locator('#editor .monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+g');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${p2 + 1}:${lines[p2]!.indexOf('3 hours') + 1}`);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Delete');
    await page.keyboard.type('4');
    await expect.poll(() => visibleText()).toContain('P2: { response: 4 hours }');

    await page.locator('#tab-impact').click();
    expect(await page.locator('#panel-impact').isVisible()).toBe(true);
    expect(await page.locator('#panel-try').isVisible()).toBe(false);
    const tickets = join(mkdtempSync(join(tmpdir(), 'spe-editor-impact-')), 'tickets.jsonl');
    writeFileSync(
      tickets,
      [
        // Standard P2 (urgency high × impact medium) at 10:00 on Monday 9 March 2026: due 13:00, now 14:00.
        { tier: 'standard', impact: 'medium', urgency: 'high', channel: 'phone', openedAt: '2026-03-09T10:00:00+01:00' },
        // Standard P1: still one hour.
        { tier: 'standard', impact: 'high', urgency: 'high', channel: 'phone', openedAt: '2026-03-09T10:00:00+01:00' },
        // «gold» is no Zmanda tier.
        { tier: 'gold', impact: 'high', urgency: 'high', channel: 'phone' },
      ]
        .map((t) => JSON.stringify(t))
        .join('\n'),
    );
    await page.locator('#impact-file').setInputFiles(tickets);
    await expect.poll(() => page.locator('#impact-source').textContent()).toContain('tickets.jsonl (3 tickets)');
    await page.locator('#impact-run').click();
    await expect
      .poll(() => page.locator('#impact-headline').textContent())
      .toBe('1 of 3 tickets would be decided differently (50.0%); 1 could not be decided.');
    // The charts: changes per field and the due-date shift (one ticket, one business hour later).
    expect(await page.locator('#impact-result figure svg').count()).toBe(2);
    expect(await page.locator('#impact-result figure svg').nth(1).textContent()).toContain('later 1…4 h');
    const row = page.locator('#impact-result table tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('2026-03-09T14:00:00+01:00');
    expect(await page.locator('#impact-result details').textContent()).toContain('line 3');

    // Without a file: the policy's sample tickets.
    await page.getByRole('button', { name: 'Use sample tickets' }).click();
    await page.locator('#impact-run').click();
    await expect
      .poll(() => page.locator('#impact-headline').textContent())
      .toMatch(/^\d+ of 300 sample tickets would be decided differently/);
    expect(consoleErrors).toEqual([]);
  });
});
