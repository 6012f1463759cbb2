// The app shell against a server holding the demo library (vault/examples/seed.rs).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import { Hoard, hydrated } from './harness';

let hoard: Hoard;
test.beforeAll(async () => {
  hoard = await Hoard.start({ seed: true });
});
test.afterAll(async () => {
  await hoard.dispose();
});

test('the server renders the library into the HTML before any script runs', async ({ request, browser }) => {
  const res = await request.get(`${hoard.url}/`);
  expect(res.status()).toBe(200);
  const html = await res.text();
  expect(html).toContain('<h1>Liked songs</h1>');
  expect(html).toContain('8 liked songs');
  expect(html).toContain('宇多田ヒカル');
  expect(html).toContain('Hunter');

  // With scripts off, the page a browser shows is the server's.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${hoard.url}/playlists/1`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nordic Nights ❄');
  await expect(page.getByRole('row')).toHaveCount(9); // header + 8 tracks
  // No filter without scripts: it would do nothing.
  await expect(page.getByRole('searchbox')).toHaveCount(0);
  await context.close();
});

test('hydration makes the page live: the filter appears and filters as you type', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${hoard.url}/`);
  const filter = page.getByRole('searchbox', { name: 'Search Liked songs' });
  await expect(filter).toBeVisible();
  const rows = page.getByTestId('track-row');
  await expect(rows).toHaveCount(8);
  await filter.fill('björk');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('Björk');
  await filter.fill('no such song');
  await expect(rows).toHaveCount(0);
  await expect(page.getByText('No track matches.')).toBeVisible();
  await filter.fill('');
  await expect(rows).toHaveCount(8);
  expect(errors).toEqual([]);
});

test('the library loads no other page\'s code; a page\'s part arrives when it is first shown, and a page opened directly is live', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The page's own requests (the service worker's precaching is not among them).
  const parts: string[] = [];
  page.on('request', (r) => {
    const m = new URL(r.url()).pathname.match(/^\/pkg\/hoard-[0-9a-f]+-((?:split|chunk)_[^/]*)\.wasm$/);
    if (m) parts.push(m[1]);
  });
  await page.goto(`${hoard.url}/`);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Liked songs' })).toBeVisible();
  // The main module alone makes the library live: the parts it loads (code
  // it defers, such as the library copy's updater) are asked for once it is
  // live, and none is another page's.
  const beforeLive = await page.evaluate(() => {
    const live = performance.getEntriesByName('hoard-hydrated')[0].startTime;
    return performance
      .getEntriesByType('resource')
      .filter((e) => /-(split|chunk)_[^/]*\.wasm$/.test(e.name) && e.startTime < live)
      .map((e) => e.name);
  });
  expect(beforeLive).toEqual([]);
  expect(parts.filter((p) => p.includes('_view_'))).toEqual([]);
  // The page shows before the app downloads: the main module is asked for
  // after the server's page has painted, not alongside its stylesheet.
  const order = await page.evaluate(() => ({
    painted: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
    wasm: performance.getEntriesByType('resource').find((e) => /_bg\.wasm$/.test(e.name))?.startTime,
  }));
  expect(order.painted).toBeDefined();
  expect(order.wasm).toBeGreaterThanOrEqual(order.painted ?? Infinity);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Stats' }).click();
  await expect(page.getByRole('heading', { name: 'Stats', level: 1 })).toBeVisible();
  expect(parts.some((p) => p.startsWith('split___stats_view'))).toBe(true);

  // Opened directly, a split page is hydrated with its part: its controls work.
  parts.length = 0;
  const direct = await page.goto(`${hoard.url}/stats?period=month&at=2026-03-15`);
  await hydrated(page);
  expect(parts.some((p) => p.startsWith('split___stats_view'))).toBe(true);
  // Its part came with the main module: the page preloads the files of
  // that part, the loader took those answers (no file was asked for
  // twice), and it needed no other.
  expect(direct?.ok()).toBe(true);
  const preloaded = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLLinkElement>('link[rel=preload][as=fetch]')]
      .map((l) => new URL(l.href).pathname.match(/^\/pkg\/hoard-[0-9a-f]+-([^/]+)\.wasm$/)?.[1])
      .filter((p) => p !== undefined),
  );
  expect(preloaded.some((p) => p.startsWith('split___stats_view'))).toBe(true);
  const beforeItWasLive = await page.evaluate(() => {
    const live = performance.getEntriesByName('hoard-hydrated')[0].startTime;
    return performance
      .getEntriesByType('resource')
      .filter((e) => e.startTime < live)
      .map((e) => e.name.match(/\/pkg\/hoard-[0-9a-f]+-((?:split|chunk)_[^/]*)\.wasm$/)?.[1])
      .filter((p) => p !== undefined);
  });
  expect([...new Set(beforeItWasLive)].sort()).toEqual([...preloaded].sort());
  for (const file of preloaded) expect(parts.filter((p) => p === file), file).toHaveLength(1);
  await page.getByRole('link', { name: '‹ Earlier' }).click();
  await expect(page.getByTestId('period-label')).toHaveText('February 2026');
  expect(errors).toEqual([]);
});

test('navigation works in the app, and back and forward follow it', async ({ page }) => {
  await page.goto(`${hoard.url}/`);
  await expect(page.getByRole('searchbox')).toBeVisible(); // hydrated
  // A marker on window survives client-side navigation, not a full page load.
  await page.evaluate(() => ((window as any).__sameDocument = true));

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playlists' }).click();
  await expect(page).toHaveURL(`${hoard.url}/playlists`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Playlists');
  await expect(page.getByRole('link', { name: /Empty for now/ })).toBeVisible();

  await page.getByRole('link', { name: /Nordic Nights/ }).click();
  await expect(page).toHaveURL(`${hoard.url}/playlists/1`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nordic Nights ❄');
  await expect(page).toHaveTitle('Nordic Nights ❄ · Hoard');

  await page.getByRole('link', { name: 'Homogenic' }).first().click();
  await expect(page).toHaveURL(/\/albums\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Homogenic');
  await expect(page.getByTestId('track-row')).toHaveCount(4);

  await page.getByRole('link', { name: 'Björk' }).first().click();
  await expect(page).toHaveURL(/\/artists\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Björk');

  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Homogenic');
  await page.goBack();
  await expect(page).toHaveURL(`${hoard.url}/playlists/1`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nordic Nights ❄');
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Playlists');
  await page.goForward();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nordic Nights ❄');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});

test('every view has its own address and shows the vault', async ({ page }) => {
  const views: [string, string, string][] = [
    ['/downloads', 'Downloads', 'Starálfur'],
    ['/history', 'Listening history', 'Svefn-g-englar'],
    ['/settings', 'Settings', 'Liked songs'],
  ];
  for (const [path, heading, text] of views) {
    const res = await page.goto(`${hoard.url}${path}`);
    expect(res?.status(), path).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    await expect(page.getByRole('main')).toContainText(text);
  }
  await expect(page.getByTestId('stats')).toContainText('Tracks11');
  const missing = await page.goto(`${hoard.url}/no/such/page`);
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nothing here');
  const bad = await page.goto(`${hoard.url}/playlists/999`);
  expect(bad?.status()).toBe(404);
  await expect(page.getByRole('alert')).toHaveText('Not found in your vault.');
});

test('the layout fits a 360 px phone and the controls are reachable by keyboard', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  for (const path of ['/', '/playlists', '/playlists/1', '/settings']) {
    await page.goto(`${hoard.url}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
  }
  await page.goto(`${hoard.url}/`);
  await expect(page.getByRole('searchbox')).toBeVisible();
  // Every section is on screen without scrolling the navigation.
  for (const link of await page.getByRole('navigation', { name: 'Main' }).getByRole('link').all()) {
    const box = await link.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 360, `${await link.textContent()} is on screen`).toBe(true);
  }
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`${hoard.url}/playlists`);
  await context.close();
});

test('the app is installable: Chromium reports no installability errors', async ({ request }) => {
  const manifest = await request.get(`${hoard.url}/manifest.webmanifest`);
  expect(manifest.ok()).toBe(true);
  const body = await manifest.json();
  expect(body.display).toBe('standalone');
  expect(body.icons.map((i: any) => `${i.sizes} ${i.purpose}`)).toEqual([
    '192x192 any',
    '512x512 any',
    '512x512 maskable',
  ]);
  for (const icon of body.icons) {
    const res = await request.get(`${hoard.url}${icon.src}`);
    expect(res.headers()['content-type']).toBe('image/png');
  }
  // Test contexts are incognito, where nothing installs: ask a real profile.
  const profile = mkdtempSync(path.join(tmpdir(), 'hoard-profile-'));
  const context = await chromium.launchPersistentContext(profile, test.info().project.use.launchOptions);
  try {
    const installed = context.pages()[0] ?? (await context.newPage());
    await installed.goto(`${hoard.url}/`);
    await expect(installed.getByRole('searchbox')).toBeVisible();
    const cdp = await context.newCDPSession(installed);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('Settings takes a backup on demand: a snapshot of the vault is listed and kept on disk', async ({ page }) => {
  await page.goto(`${hoard.url}/settings`);
  await hydrated(page);
  const panel = page.getByTestId('backups');
  await expect(panel.getByRole('heading', { name: 'Backups' })).toBeVisible();
  await expect(panel.getByTestId('snapshots')).toHaveText('No snapshot yet.');
  await panel.getByRole('button', { name: 'Back up now' }).click();
  await expect(panel.getByTestId('backup-last')).toContainText(/Backed up 11 tracks to hoard-\d{8}T\d{6}Z\.db/);
  await expect(panel.getByTestId('snapshots').getByRole('listitem')).toHaveCount(1);
  const kept = readdirSync(path.join(hoard.dataDir, 'backups')).filter((n) => /^hoard-\d{8}T\d{6}Z\.db$/.test(n));
  expect(kept).toHaveLength(1);
  // The list is what the folder holds, not what this page remembers.
  await page.reload();
  await expect(panel.getByTestId('snapshots').getByRole('listitem')).toHaveCount(1);
  await expect(panel.getByTestId('snapshots').getByRole('listitem')).toContainText(`${kept[0].slice(6, 10)}-${kept[0].slice(10, 12)}-${kept[0].slice(12, 14)}`);
});
