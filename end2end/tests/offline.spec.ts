// The offline PWA in real Chromium: keep a playlist on the device, stop the
// server, take the browser offline, reload, open the playlist and play a
// kept track with seeking (the service worker answers Range requests from
// IndexedDB); a full quota; a new version picked up through the update notice.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, Page, test } from '@playwright/test';
import { vaultWithAudio } from './audio';
import { Hoard, hydrated } from './harness';
import { browser, controlled, copied, keepDemoPlaylist } from './pwa';

const root = path.resolve(__dirname, '..', '..');

async function keptAudioSizes(page: Page): Promise<Record<string, number>> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('hoard');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('audio').objectStore('audio').getAll();
          all.onsuccess = () => {
            const out: Record<string, number> = {};
            for (const r of all.result) out[r.id] = r.data.byteLength;
            open.result.close();
            resolve(out);
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

test('a kept playlist plays offline, with seeking, after the server is gone', async () => {
  test.setTimeout(150_000);
  const { hoard, music } = await vaultWithAudio();
  const { context, page, dir } = await browser();
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await controlled(page);
    await keepDemoPlaylist(page);
    await expect(page.getByTestId('device-status')).toContainText('5 are not in the vault yet');
    // Every kept record is the whole file.
    const sizes = await keptAudioSizes(page);
    expect(Object.keys(sizes).sort()).toEqual(['1', '2', '3']);
    for (const id of ['1', '2', '3']) {
      const whole = (await (await fetch(`${hoard.url}/audio/${id}`)).arrayBuffer()).byteLength;
      expect(sizes[id]).toBe(whole);
    }
    await expect(page.locator('.badge.device')).toHaveCount(3);

    // The server goes, the network goes; the app opens anyway.
    await hoard.stop();
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Nordic Nights ❄' })).toBeVisible();
    await expect(page.getByTestId('watchdog')).toContainText('offline');
    // Links work offline too: the device view lists what is kept, the
    // library (cached at install) opens, and a page never visited leads to
    // what is on the device.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'On device' }).click();
    await expect(page.getByTestId('device-usage')).toContainText('3 tracks on this device');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
    await expect(page.getByRole('heading', { name: 'Liked songs' })).toBeVisible();
    await page.goto(`${hoard.url}/history`);
    await expect(page).toHaveURL(`${hoard.url}/device`);
    await page.getByRole('link', { name: 'Nordic Nights ❄' }).click();
    await expect(page.getByRole('heading', { name: 'Nordic Nights ❄' })).toBeVisible();

    await page.getByRole('button', { name: 'Play Starálfur', exact: true }).click();
    await expect(page.getByTestId('now-playing')).toHaveText('Starálfur');
    const audio = page.locator('audio[data-active]');
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 15_000 }).toBeGreaterThan(1);
    expect(await audio.evaluate((a: HTMLAudioElement) => a.error)).toBeNull();
    // Seek to the middle: the service worker serves the range from IndexedDB.
    await audio.evaluate((a: HTMLAudioElement) => {
      a.currentTime = a.duration / 2;
    });
    await expect
      .poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 15_000 })
      .toBeGreaterThan(197 / 2 + 1);
    expect(await audio.evaluate((a: HTMLAudioElement) => Math.round(a.duration))).toBe(197);
    await expect(page.getByTestId('total')).toHaveText('3:17');
    // Controls that need the server say so instead of failing.
    await expect(page.locator('body')).toHaveClass(/offline/);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
  }
});

/**
 * A slow network in front of `target` for the browser: a proxy on another
 * loopback port that holds each audio answer back for `delayMs`, or, once
 * `audioGone` is set, answers 503 (the server can no longer send audio).
 */
async function slowAudioProxy(target: string, delayMs: number) {
  const to = new URL(target);
  const state = { audioGone: false, audioRequests: 0 };
  const server = http.createServer((req, res) => {
    const audio = req.url?.startsWith('/audio/') ?? false;
    if (audio) state.audioRequests += 1;
    if (audio && state.audioGone) {
      res.writeHead(503).end();
      return;
    }
    const upstream = http.request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const send = () => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        if (audio) setTimeout(send, delayMs);
        else send();
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, state, close: () => new Promise((r) => server.close(r)) };
}

test('keeping goes on with the tab closed, and the next visit stores what was downloaded', async () => {
  test.setTimeout(150_000);
  const { hoard, music } = await vaultWithAudio();
  const proxy = await slowAudioProxy(hoard.url, 1_500);
  const { context, page, dir } = await browser();
  try {
    const whole: Record<string, number> = {};
    for (const id of ['1', '2', '3']) {
      whole[id] = (await (await fetch(`${hoard.url}/audio/${id}`)).arrayBuffer()).byteLength;
    }
    await page.goto(`${proxy.url}/playlists/1`);
    await controlled(page);
    await copied(page);
    const fetches = (p: Page) =>
      p.evaluate(async () => (await (await navigator.serviceWorker.ready).backgroundFetch.getIds()).sort());
    await page.getByTestId('keep').click();
    // The browser took the downloads over; the tab closes before the first
    // track has arrived (each takes 1.5 s here).
    await expect.poll(() => fetches(page), { timeout: 10_000 }).toEqual(['keep:playlist:1']);
    expect(await keptAudioSizes(page)).toEqual({});
    await page.close();

    // With no page of Hoard open (only its icon, to ask the browser), the downloads finish.
    const probe = await context.newPage();
    await probe.goto(`${proxy.url}/favicon.svg`);
    await expect.poll(() => fetches(probe), { timeout: 30_000 }).toEqual([]);
    const heard = proxy.state.audioRequests;
    expect(heard).toBe(3);

    // The server can no longer send audio: what the next visit keeps can
    // only be what was downloaded while the tab was closed.
    proxy.state.audioGone = true;
    await probe.goto(`${proxy.url}/playlists/1`);
    await hydrated(probe);
    await expect(probe.getByTestId('device-status')).toContainText('“Nordic Nights ❄” followed its changes: 3 added', {
      timeout: 30_000,
    });
    expect(await keptAudioSizes(probe)).toEqual(whole);
    await expect(probe.locator('.badge.device')).toHaveCount(3);
    expect(proxy.state.audioRequests).toBe(heard);
    // The downloads were moved, not copied: nothing is left beside the kept audio.
    await expect
      .poll(() =>
        probe.evaluate(async () =>
          (await caches.has('kept-downloads')) ? (await (await caches.open('kept-downloads')).keys()).length : 0,
        ),
      )
      .toBe(0);
  } finally {
    await context.close();
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
  }
});

test('a full quota stops with a clear message and leaves no half-kept track', async () => {
  test.setTimeout(120_000);
  const { hoard, music } = await vaultWithAudio();
  const { context, page, dir } = await browser();
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await controlled(page);
    await copied(page);
    const one = (await (await fetch(`${hoard.url}/audio/1`)).arrayBuffer()).byteLength;
    // Room for the app's caches, the library's copy and about one and a half tracks.
    const cdp = await context.newCDPSession(page);
    const used = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: hoard.url, quotaSize: used + Math.round(one * 1.5) });
    // Chromium applies a new quota to IndexedDB once the database is opened
    // again, and the page and the service worker (which writes the
    // library's copy) have had it open: leave the page and stop the worker,
    // as the browser does with an idle one, until the browser closes the
    // database (it waits two seconds after the last connection), then come
    // back.
    await page.goto('about:blank');
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await page.waitForTimeout(4_000);
    await page.goto(`${hoard.url}/playlists/1`);
    await hydrated(page);
    await page.getByTestId('keep').click();
    const status = page.getByTestId('device-status');
    await expect(status).toContainText('This device has no room for more of “Nordic Nights ❄”', { timeout: 30_000 });
    await expect(status).toContainText('nothing was half-written');
    const sizes = await keptAudioSizes(page);
    expect(Object.keys(sizes)).toEqual(['1']);
    expect(sizes['1']).toBe(one);
    await expect(status).toContainText('1 of 8 tracks are on the device');
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
  }
});

test('a new version is announced, and taking it keeps the offline cache', async () => {
  test.setTimeout(150_000);
  const site = mkdtempSync(path.join(tmpdir(), 'hoard-site-'));
  cpSync(path.join(root, 'target', 'site'), site, { recursive: true });
  const { hoard, music } = await vaultWithAudio(site);
  const { context, page, dir } = await browser();
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await controlled(page);
    await page.getByTestId('keep').click();
    await expect(page.getByTestId('device-status')).toContainText('is on this device', { timeout: 30_000 });
    // The versioned caches (covers the pages showed are kept apart, in `seen-covers`).
    const versions = () => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('hoard-')));
    const before = await versions();
    expect(before).toHaveLength(1);

    // The server gets a new build.
    const sw = path.join(site, 'sw.js');
    const text = readFileSync(sw, 'utf8');
    const stamp = /const BUILD = '([^']+)'/.exec(text)?.[1];
    expect(stamp).toBeTruthy();
    writeFileSync(sw, text.replace(`const BUILD = '${stamp}'`, `const BUILD = '${stamp}-next'`));
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const notice = page.getByTestId('update-notice');
    await expect(notice).toContainText('A new version of Hoard is ready', { timeout: 20_000 });
    // The new version's cache is filled beside the old one, which stays in
    // use until the user says so.
    expect((await versions()).sort()).toEqual([...before, `hoard-${stamp}-next`].sort());
    await Promise.all([page.waitForEvent('load'), notice.getByRole('button', { name: 'Reload' }).click()]);
    await expect.poll(versions).toEqual([`hoard-${stamp}-next`]);
    await expect(page.getByTestId('update-notice')).toHaveCount(0);

    // The new version's cache and the kept audio both work offline.
    await hoard.stop();
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Nordic Nights ❄' })).toBeVisible();
    const kept = await page.evaluate(async () => {
      const r = await fetch('/audio/1', { headers: { range: 'bytes=100-199' } });
      return { status: r.status, bytes: (await r.arrayBuffer()).byteLength, from: r.headers.get('x-hoard-from') };
    });
    expect(kept).toEqual({ status: 206, bytes: 100, from: 'device' });
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    rmSync(site, { recursive: true, force: true });
    await hoard.dispose();
  }
});

test('signing out leaves nothing of the vault on a shared device', async () => {
  test.setTimeout(120_000);
  const { hoard, music } = await vaultWithAudio();
  // The same vault, now behind a password.
  await hoard.stop();
  hoard.addEnv({ HOARD_PASSWORD_HASH: Hoard.hashPassword('open sesame') });
  await hoard.resume();
  const { context, page, dir } = await browser();
  const stored = () =>
    page.evaluate(async () => ({
      caches: (await caches.keys()).filter((k) => k.startsWith('hoard-')).length,
      // Finished background downloads of kept music.
      downloads: await caches.has('kept-downloads'),
      // Covers the pages showed.
      covers: await caches.has('seen-covers'),
      databases: (await indexedDB.databases()).map((d) => d.name),
      workers: (await navigator.serviceWorker.getRegistrations()).length,
      // The player's queue and place (saved once the queue changes).
      player: localStorage.length > 0,
    }));
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await expect(page).toHaveURL(/\/login/);
    await page.getByLabel('Password').fill('open sesame');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${hoard.url}/playlists/1`);
    await controlled(page);
    await keepDemoPlaylist(page);
    expect(Object.keys(await keptAudioSizes(page)).sort()).toEqual(['1', '2', '3']);
    await page.getByRole('button', { name: 'Add Starálfur to the queue' }).click();
    await expect(page.getByRole('button', { name: 'Queue (1)' })).toBeVisible();
    expect(await stored()).toMatchObject({ caches: 1, databases: ['hoard'], workers: 1, player: true });

    await page.goto(`${hoard.url}/settings`);
    await hydrated(page);
    await expect(page.locator('.sign-out')).toContainText('removes the music and pages kept on this device');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(`${hoard.url}/login`);
    // Clear-Site-Data took the service worker, its cached pages and the kept music.
    await expect.poll(stored).toEqual({ caches: 0, downloads: false, covers: false, databases: [], workers: 0, player: false });
    // And offline, nothing of the vault opens.
    await hoard.stop();
    await context.setOffline(true);
    const offline = await page.goto(`${hoard.url}/playlists/1`).catch(() => null);
    expect(offline === null || !offline.ok()).toBe(true);
    await expect(page.getByText('Nordic Nights')).toHaveCount(0);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
  }
});

test("a cover Hoard keeps is served by Hoard in the page's size, and shows offline on a visited page", async () => {
  test.setTimeout(90_000);
  const hoard = await Hoard.start({ seed: true });
  const { context, page, dir } = await browser();
  try {
    // Homogenic's cover, as the cover keeper would have fetched it from Spotify.
    mkdirSync(path.join(hoard.dataDir, 'covers'), { recursive: true });
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=teal:s=700x700', '-frames:v', '1', path.join(hoard.dataDir, 'covers', '2.jpg')]);
    await page.goto(`${hoard.url}/albums/2`);
    await expect(page.getByRole('heading', { name: 'Homogenic' })).toBeVisible();
    const cover = page.getByRole('img', { name: 'Cover of Homogenic' });
    await expect(cover).toHaveAttribute('src', '/covers/2?size=640');
    await controlled(page);
    // Now through the service worker, which keeps what it fetched.
    await page.reload();
    await hydrated(page);
    await expect.poll(() => cover.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(640);
    await expect.poll(() => page.evaluate(async () => (await (await caches.open('seen-covers')).keys()).length)).toBe(1);

    await hoard.stop();
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Homogenic' })).toBeVisible();
    await expect.poll(() => cover.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(640);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    await hoard.dispose();
  }
});
