// The player in real Chromium: a real <audio> element playing files from the
// vault, the queue, keyboard shortcuts, the Media Session, playback going on
// across navigation, and a track with no file saying so.
import { rmSync } from 'node:fs';
import { expect, Page, test } from '@playwright/test';
import { vaultWithAudio } from './audio';
import { Hoard, hydrated } from './harness';
import { installGapMeter, longestGapMs, resetGapMeter } from '../lib/gap.mjs';

let hoard: Hoard;
let music: string;
test.beforeAll(async () => {
  test.setTimeout(90_000);
  ({ hoard, music } = await vaultWithAudio());
});
test.afterAll(async () => {
  await hoard.dispose();
  rmSync(music, { recursive: true, force: true });
});

const time = (page: Page) => page.locator('audio[data-active]').evaluate((a: HTMLAudioElement) => a.currentTime);
// The queue panel is a lazily loaded part: its rows are read once it is shown.
const queue = async (page: Page) => {
  await expect(page.getByTestId('queue')).toBeVisible();
  return page.getByTestId('queue').locator('li .link').allInnerTexts();
};

test('play, the queue, keys, the lock screen and navigation', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${hoard.url}/playlists/1`);
  await hydrated(page);

  await page.getByRole('button', { name: 'Play Svefn-g-englar', exact: true }).click();
  await expect(page.getByTestId('now-playing')).toHaveText('Svefn-g-englar');
  await expect.poll(() => time(page), { timeout: 15_000 }).toBeGreaterThan(0.5);
  await expect(page.getByTestId('total')).toHaveText('3:00');
  // The lock screen shows the track and knows it plays.
  expect(
    await page.evaluate(() => ({
      title: navigator.mediaSession.metadata?.title,
      artist: navigator.mediaSession.metadata?.artist,
      album: navigator.mediaSession.metadata?.album,
      state: navigator.mediaSession.playbackState,
    })),
  ).toEqual({ title: 'Svefn-g-englar', artist: 'Sigur Rós', album: 'Ágætis byrjun', state: 'playing' });

  // Every control draws an SVG icon; none is a symbol character, which
  // renders as an empty box where the device has no font for it.
  const controls = await page.getByTestId('player').locator('button.icon:visible').evaluateAll((buttons) =>
    buttons.map((b) => {
      const icon = b.querySelector('svg.i');
      const box = icon?.getBoundingClientRect();
      return { label: b.textContent?.trim(), drawn: !!box && box.width >= 16 && box.height >= 16 };
    }),
  );
  expect(controls.map((c) => c.label)).toEqual(['Shuffle', 'Previous', 'Pause', 'Next', 'Repeat: off', 'Mute']);
  expect(controls.filter((c) => !c.drawn)).toEqual([]);
  expect(await page.getByTestId('player').innerText()).not.toMatch(/[\u2190-\u2bff\u{1f000}-\u{1faff}]/u);

  // The queue is the list from the played track on.
  await page.getByRole('button', { name: /^Queue \(8\)$/ }).click();
  expect((await queue(page)).map((t) => t.split(' · ')[0])).toEqual([
    'Svefn-g-englar', 'Starálfur', 'Flugufrelsarinn', 'Olsen Olsen', 'Hunter', 'Jóga', 'Unravel', 'Bachelorette',
  ]);
  // "Play next" puts a track right after the current one; reorder and remove.
  await page.getByRole('button', { name: 'Play Hunter next' }).click();
  expect((await queue(page))[1]).toContain('Hunter');
  await page.getByRole('button', { name: 'Move Hunter down' }).first().click();
  expect((await queue(page))[2]).toContain('Hunter');
  await page.getByRole('button', { name: 'Remove Hunter from the queue' }).first().click();
  expect((await queue(page)).filter((t) => t.includes('Hunter'))).toHaveLength(1);
  // The queue downloads as a zip of its songs' files, in its order.
  const zipHref = await page.getByTestId('queue-zip').getAttribute('href');
  expect(zipHref).toMatch(/^\/zip\/selection\.zip\?ids=(\d+,){7}\d+&name=Queue$/);
  const zip = await page.request.get(`${hoard.url}${zipHref}`);
  expect(zip.status()).toBe(200);
  expect(zip.headers()['content-type']).toBe('application/zip');
  expect((await zip.body()).subarray(0, 2).toString()).toBe('PK');

  // Keys: N is the next track, Space pauses and plays, → seeks.
  await page.getByRole('heading', { level: 1 }).click();
  await page.keyboard.press('n');
  await expect(page.getByTestId('now-playing')).toHaveText('Starálfur');
  await expect.poll(() => time(page), { timeout: 15_000 }).toBeGreaterThan(0.3);
  await page.keyboard.press(' ');
  await expect.poll(() => page.locator('audio[data-active]').evaluate((a: HTMLAudioElement) => a.paused)).toBe(true);
  await expect(page.getByTestId('play-pause')).toContainText('Play');
  const paused = await time(page);
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => time(page)).toBeGreaterThan(paused + 4);
  await page.keyboard.press(' ');
  await expect.poll(() => page.locator('audio[data-active]').evaluate((a: HTMLAudioElement) => a.paused)).toBe(false);

  // Playback goes on across navigation.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playlists' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Playlists');
  const before = await time(page);
  await expect.poll(() => time(page), { timeout: 10_000 }).toBeGreaterThan(before + 0.5);
  await expect(page.getByTestId('now-playing')).toHaveText('Starálfur');

  // "Clear queue" keeps only what plays.
  await page.getByRole('button', { name: 'Clear queue' }).click();
  expect(await queue(page)).toHaveLength(1);
  expect(errors).toEqual([]);
});

test('the queue, the track and the place in it are back after a reload', async ({ page }) => {
  await page.goto(`${hoard.url}/playlists/1`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Play Starálfur', exact: true }).click();
  await expect(page.getByTestId('now-playing')).toHaveText('Starálfur');
  await expect.poll(() => time(page), { timeout: 15_000 }).toBeGreaterThan(0.3);
  await page.getByRole('button', { name: 'Repeat: off' }).click();
  await page.getByRole('heading', { level: 1 }).click();
  await page.keyboard.press(' ');
  await expect.poll(() => page.locator('audio[data-active]').evaluate((a: HTMLAudioElement) => a.paused)).toBe(true);
  await page.locator('audio[data-active]').evaluate((a: HTMLAudioElement) => { a.currentTime = 42; });
  await expect.poll(() => time(page)).toBeGreaterThan(41.5);
  await page.getByRole('button', { name: /^Queue \(\d+\)$/ }).click();
  const before = await queue(page);

  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('now-playing')).toHaveText('Starálfur');
  await expect(page.getByRole('button', { name: 'Repeat: all' })).toBeVisible();
  await page.getByRole('button', { name: /^Queue \(\d+\)$/ }).click();
  expect(await queue(page)).toEqual(before);
  // Paused where it was, and it plays on from there.
  expect(await page.locator('audio[data-active]').evaluate((a: HTMLAudioElement) => a.paused)).toBe(true);
  await expect.poll(() => time(page), { timeout: 15_000 }).toBeGreaterThan(41);
  await page.getByTestId('play-pause').click();
  await expect.poll(() => time(page), { timeout: 15_000 }).toBeGreaterThan(42.5);
  expect(await time(page)).toBeLessThan(60);
});

test('a Play pressed while the page is still starting plays once it is live, and only once', async ({ page }) => {
  // A slow start: the app's module arrives 1.5 s late.
  await page.route('**/*_bg.wasm', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await route.continue();
  });
  await page.goto(`${hoard.url}/playlists/1`);
  await page.getByRole('button', { name: 'Play Starálfur', exact: true }).click();
  await page.getByRole('button', { name: 'Love Svefn-g-englar', exact: true }).click();
  expect(await page.evaluate(() => performance.getEntriesByName('hoard-hydrated').length)).toBe(0);
  await hydrated(page);
  await expect(page.getByTestId('now-playing')).toHaveText('Starálfur');
  await expect.poll(() => time(page), { timeout: 15_000 }).toBeGreaterThan(0.5);
  // The heart was pressed once: it is on, not toggled twice.
  await expect(page.getByRole('button', { name: 'Love Svefn-g-englar', exact: true })).toHaveAttribute('aria-pressed', 'true');
  // A press once the page is live is not played back a second time.
  await page.getByRole('button', { name: 'Love Svefn-g-englar', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Love Svefn-g-englar', exact: true })).toHaveAttribute('aria-pressed', 'false');
  await page.reload();
  await expect(page.getByRole('button', { name: 'Love Svefn-g-englar', exact: true })).toHaveAttribute('aria-pressed', 'false');
});

test('a part of the app that cannot be downloaded says so, the app goes on, and the part loads once it can', async ({ browser }) => {
  // No service worker, so the queue panel's part comes from the network.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  let down = true;
  await page.route('**/*-split_hoard_queue.wasm', (route) => (down ? route.abort('internetdisconnected') : route.continue()));
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await hydrated(page);
    await page.getByRole('button', { name: 'Add Starálfur to the queue' }).click();
    await page.getByRole('button', { name: 'Queue (1)' }).click();
    const toggle = page.getByRole('button', { name: /^Queue \(/ });
    await expect(page.getByRole('alert').filter({ hasText: 'could not be loaded' })).toBeVisible();
    // The rest of the app is alive: the player plays.
    await page.getByRole('button', { name: 'Play Svefn-g-englar', exact: true }).click();
    await expect(page.getByTestId('now-playing')).toHaveText('Svefn-g-englar');
    // The network is back: opening the queue again loads it.
    down = false;
    await toggle.click();
    await toggle.click();
    expect(await queue(page)).toContain('Svefn-g-englar · Sigur Rós');
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

test('a track with no file in the vault says so instead of playing silence', async ({ page }) => {
  await page.goto(`${hoard.url}/playlists/1`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Play Olsen Olsen', exact: true }).click();
  await expect(page.getByTestId('player-note')).toContainText('Not in the vault');
  expect(await page.locator('audio[data-active]').evaluate((a: HTMLAudioElement) => a.paused)).toBe(true);
});

test('on a phone: a tab bar, a mini player above it, and a full-screen player the back button closes', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await hydrated(page);
    const tabs = page.getByRole('navigation', { name: 'Main' });
    await expect(tabs.getByRole('link')).toHaveText(['Library', 'Playlists', 'Smart', 'On device']);
    // The tab bar sits at the bottom of the screen; the other sections are under More.
    const bar = await tabs.boundingBox();
    expect(bar!.y + bar!.height).toBeCloseTo(800, 0);
    await tabs.getByRole('button', { name: 'More' }).click();
    await expect(tabs.getByRole('link', { name: 'Settings' })).toBeVisible();
    await tabs.getByRole('button', { name: 'More' }).click();
    await expect(tabs.getByRole('link', { name: 'Settings' })).toBeHidden();

    await page.getByRole('button', { name: 'Play Starálfur', exact: true }).tap();
    await expect(page.getByTestId('now-playing')).toHaveText('Starálfur');
    // The mini player: above the tab bar, without the seek bar.
    const player = page.getByTestId('player');
    const mini = await player.boundingBox();
    expect(mini!.y + mini!.height).toBeLessThanOrEqual(bar!.y + 1);
    await expect(player.getByRole('slider', { name: 'Seek' })).toBeHidden();

    // A tap opens the full-screen player: the cover, the seek bar, every control.
    const address = page.url();
    await page.getByTestId('open-player').tap();
    await expect(player).toHaveClass(/expanded/);
    const full = await player.boundingBox();
    expect(full!.height).toBeGreaterThan(780);
    // A large cover (the album's, or its initial where the album has none).
    await expect(player.locator('.np-cover')).toBeVisible();
    expect((await player.locator('.np-cover').boundingBox())!.width).toBeGreaterThan(250);
    await expect(player.getByRole('slider', { name: 'Seek' })).toBeVisible();
    await expect(player.getByRole('button', { name: 'Shuffle' })).toBeVisible();
    // The back button closes it, and the page is where it was.
    await page.goBack();
    await expect(player).not.toHaveClass(/expanded/);
    expect(page.url()).toBe(address);
    await expect(page.getByRole('heading', { name: 'Nordic Nights ❄' })).toBeVisible();
    // So does its own close button.
    await page.getByTestId('open-player').tap();
    await expect(player).toHaveClass(/expanded/);
    await page.getByTestId('close-player').tap();
    await expect(player).not.toHaveClass(/expanded/);
    expect(page.url()).toBe(address);
    await expect(page.getByTestId('now-playing')).toHaveText('Starálfur');
  } finally {
    await context.close();
  }
});

test('one album track follows another without a gap: the next is loaded ahead and started as the first ends', async ({ browser }) => {
  // The meter's worklet is a blob: script, which the app's CSP refuses.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await hydrated(page);
    await page.getByRole('button', { name: 'Play Svefn-g-englar', exact: true }).click();
    await expect.poll(() => time(page), { timeout: 15_000 }).toBeGreaterThan(0.3);
    await installGapMeter(page);
    // Three seconds before the end (the files are a steady tone throughout).
    await page.locator('audio[data-active]').evaluate((a: HTMLAudioElement) => {
      a.currentTime = a.duration - 3;
    });
    await page.waitForTimeout(500);
    await resetGapMeter(page);
    await expect(page.getByTestId('now-playing')).toHaveText('Starálfur', { timeout: 10_000 });
    await expect.poll(() => time(page), { timeout: 10_000 }).toBeGreaterThan(1);
    const heard = await longestGapMs(page);
    console.log(`silence between the tracks: ${heard.longest.toFixed(1)} ms`);
    expect(heard.heard).toBe(true);
    expect(heard.longest).toBeLessThan(50);
    // The track that played before is let go: only the one playing holds audio.
    await expect(page.locator('audio[data-active]')).toHaveAttribute('src', /\/audio\/2$/);
  } finally {
    await context.close();
  }
});

test('a next track with no file is asked for once ahead, not again at every tick', async ({ page }) => {
  const asked: string[] = [];
  page.context().on('request', (r) => {
    if (new URL(r.url()).pathname === '/audio/4') asked.push(r.url());
  });
  await page.goto(`${hoard.url}/playlists/1`);
  await hydrated(page);
  // Flugufrelsarinn is followed by Olsen Olsen, which the vault has no file for.
  await page.getByRole('button', { name: 'Play Flugufrelsarinn', exact: true }).click();
  await expect.poll(() => time(page), { timeout: 15_000 }).toBeGreaterThan(0.3);
  await page.locator('audio[data-active]').evaluate((a: HTMLAudioElement) => {
    a.currentTime = a.duration - 20;
  });
  // Four seconds of ticks (about four a second) inside the last 30 s.
  await expect.poll(() => asked.length, { timeout: 10_000 }).toBeGreaterThan(0);
  await page.waitForTimeout(4_000);
  expect(asked.length).toBeLessThanOrEqual(2);
  await expect(page.getByTestId('now-playing')).toHaveText('Flugufrelsarinn');
});
