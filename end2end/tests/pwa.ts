// A browser as an installed PWA has it: a persistent profile (service
// workers and IndexedDB survive reloads), with page errors failing the test.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BrowserContext, chromium, expect, Page, test } from '@playwright/test';

/** A persistent profile (service workers and storage as an installed app has them). */
export async function browser(): Promise<{ context: BrowserContext; page: Page; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hoard-profile-'));
  const context = await chromium.launchPersistentContext(dir, test.info().project.use.launchOptions);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('pageerror', (e) => {
    throw new Error(`${e.message}\n${errors.join('\n')}`);
  });
  return { context, page, dir };
}

/** Waits until the library's copy on the device is up to date (app/src/library_copy.rs). */
export async function copied(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('hoard-library-copied').length > 0, undefined, {
    timeout: 90_000,
  });
}

/**
 * Waits for the service worker to control the page. It does once it has
 * stored the whole bundle, which for the tests' debug build is 30 MB in
 * some 300 files: on a loaded two-core machine that can take half a minute
 * (the release build's offline start is what scripts/bench-pwa measures).
 */
export async function controlled(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 60_000 });
}


/** Keeps the open demo playlist on the device: its three tracks with audio. */
export async function keepDemoPlaylist(page: Page): Promise<void> {
  await page.getByTestId('keep').click();
  await expect(page.getByTestId('device-status')).toContainText('is on this device: 3 of 8 tracks', { timeout: 30_000 });
}
