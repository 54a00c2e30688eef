// What the editor's Chromium tests share: Debian's Chromium driven by playwright-core, a page of
// the editor that records console errors, and the editor's monaco driven by keys.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { expect } from 'vitest';

export const root = join(import.meta.dirname, '..', '..');
export const editorDist = join(root, 'editor', 'dist');
export const CHROMIUM = '/usr/bin/chromium';

/** Builds the editor when it is not built yet. */
export function ensureEditorBuilt(): void {
  if (!existsSync(join(editorDist, 'index.html'))) execFileSync('npm', ['run', 'build:editor'], { cwd: root, stdio: 'pipe' });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: test/support/chromium-setup.ts installs it (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface EditorPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, but for HTTP errors the test expects (`expected`). */
  errors: string[];
}

/**
 * A browser context of its own (its own session storage: another admin) with the editor open.
 * `token` and `author` are put in session storage as the token dialog would.
 */
export async function openEditor(
  browser: Browser,
  url: string,
  opts: { token?: string; author?: string; expected?: RegExp; viewport?: { width: number; height: number } } = {},
): Promise<EditorPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
  if (opts.token)
    await context.addInitScript(
      `sessionStorage.setItem('spe.adminToken', ${JSON.stringify(opts.token)});` +
        (opts.author ? `sessionStorage.setItem('spe.author', ${JSON.stringify(opts.author)});` : ''),
    );
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (opts.expected && /^Failed to load resource/.test(m.text()) && opts.expected.test(m.text())) return;
    errors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  await page.goto(`${url}/editor/`);
  return { context, page, errors };
}

/** Opens a policy of the list and waits for its text. */
export async function openPolicy(page: Page, id: string): Promise<void> {
  await page.locator(`#policy-list button[data-id="${id}"]`).click();
  await page.locator('#editor .view-lines').waitFor();
  await page.locator('#doc-rev', { hasText: `${id} @` }).waitFor();
}

export const editorArea = (page: Page) => page.locator('#editor .monaco-editor textarea').first();

/** Moves the cursor with monaco's Go to Line (Ctrl+G), to `line:column`. */
export async function goToLine(page: Page, line: number, column = 1): Promise<void> {
  await editorArea(page).focus();
  await page.keyboard.press('Control+g');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await expect.poll(() => page.locator('#cursor-pos').textContent()).toBe(`Ln ${line}, Col ${column}`);
}

/** Replaces the text of line `line` from `column` to its end. */
export async function retype(page: Page, line: number, column: number, text: string): Promise<void> {
  await goToLine(page, line, column);
  await page.keyboard.press('Shift+End');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape');
}

/** The text of the editor's rendered lines (monaco renders spaces as no-break spaces). */
export const visibleText = async (page: Page) => (await page.locator('#editor .view-lines').innerText()).replace(/\u00a0/g, ' ');
