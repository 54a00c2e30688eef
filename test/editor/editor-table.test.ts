// The editor's "Table" tab, end to end: the real service serving editor/dist on a temp copy of
// the policies, driven through Debian's Chromium. It opens Zmanda, shows its decision table with
// the proof of completeness, and gives the workbench back to the other tabs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/index.js';
import { policiesCopy, startTestServer } from '../support/with-server.js';

const root = join(import.meta.dirname, '..', '..');
const editorDist = join(root, 'editor', 'dist');
const CHROMIUM = '/usr/bin/chromium';

let running: RunningServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

describe('the editor’s Table tab', () => {
  beforeAll(async () => {
    if (!existsSync(join(editorDist, 'index.html'))) execFileSync('npm', ['run', 'build:editor'], { cwd: root, stdio: 'pipe' });
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: test/support/chromium-setup.ts installs it (apt-get install chromium)`);
    running = await startTestServer({ dir: policiesCopy(['zmanda.yaml', 'oto.yaml']), editorDir: editorDist });
    // Starts the worker pool (building its bundle first when the sources are newer), under the
    // table's own time limit, so the page's first try-it request does not wait for it.
    expect((await fetch(`${running.url}/v1/policies/oto/table`)).status).toBe(200);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} @ ${m.location().url}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('shows the decision table of the open policy with its proof, and steps back for another tab', async () => {
    await page.goto(`${running.url}/editor/`);
    await page.locator('#policy-list button[data-id="zmanda"]').click();
    await page.locator('#editor .view-lines').waitFor();
    await page.locator('#tab-table').click();
    expect(await page.locator('#tab-table').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#panel-try').isHidden()).toBe(true);
    const proof = page.locator('#table-proof');
    await proof.waitFor();
    expect(await proof.textContent()).toMatch(/^Complete: every ticket that passes the facts check gets a priority and an SLA/);
    // Standard, urgency high, impact medium, no requested priority, by phone: P2, «P2 3h», office hours.
    const cells = await page.locator('#decision-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    const header = await page.locator('#decision-table thead th').allTextContents();
    const col = (name: string) => header.indexOf(name);
    const p2 = cells.find(
      (c) =>
        c[col('tier')] === 'standard' &&
        ['false', 'any'].includes(c[col('trial')]!) &&
        ['medium', 'any'].includes(c[col('impact')]!) &&
        ['high', 'any'].includes(c[col('urgency')]!) &&
        c[col('requestedPriority')] === '(not given)' &&
        ['phone', 'any'].includes(c[col('channel')]!),
    );
    expect(p2, JSON.stringify(cells.slice(0, 5))).toBeDefined();
    expect(p2![col('priority')]).toBe('P2');
    expect(p2![col('response')]).toBe('3 hours (office)');

    await page.locator('#tab-try').click();
    expect(await page.locator('#panel-table').isHidden()).toBe(true);
    expect(await page.locator('#tab-table').getAttribute('aria-selected')).toBe('false');
    expect(await page.locator('#panel-try').isHidden()).toBe(false);
    expect(consoleErrors.join("\n")).toBe("");
  });
});
