// Acquisition in the browser: "Download all" on liked songs, every row's
// state changing live while Hoard searches the local YouTube Music (through
// the real ytmusicapi) and real yt-dlp downloads from it, a failure with its
// reason in the Downloads view, Retry, and the audio served for seeking.
import { expect, test } from '@playwright/test';
import { Hoard, YtMusicMock } from './harness';

/** "3:05" and 40 → "3:45". */
function later(time: string, by: number): string {
  const [m, s] = time.trim().split(':').map(Number);
  const total = m * 60 + s + by;
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

let source: YtMusicMock;
let hoard: Hoard;
test.beforeAll(async () => {
  source = await YtMusicMock.start();
  // The demo library has one job queued already; it runs at start, while
  // the source has nothing yet, and fails.
  hoard = await Hoard.start({
    seed: true,
    env: {
      HOARD_YTMUSIC_URL: source.url,
      HOARD_SEARCH_SOURCES: '[youtube-music]',
      HOARD_DOWNLOAD_RETRY_SECONDS: '0',
    },
  });
});
test.afterAll(async () => {
  await hoard.dispose();
  source.stop();
});

test('liked songs download live, a failure shows its reason and Retry fixes it', async ({ page }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${hoard.url}/`);
  await expect(page.getByRole('searchbox')).toBeVisible(); // hydrated
  const rows = page.getByTestId('track-row');
  await expect(rows).toHaveCount(8);

  // YouTube Music has every liked song, as a song result of the right
  // length, below a live recording that must lose.
  for (let i = 0; i < 8; i++) {
    const row = rows.nth(i);
    const title = (await row.locator('.title .name').innerText()).trim();
    const artist = (await row.locator('.title .artists a').first().innerText()).trim();
    const time = (await row.locator('.dur').innerText()).trim();
    const id = (n: number) => `e2e${i}${n}`.padEnd(11, '_');
    await source.offer(`e2e-${i}`, title, [artist], [
      { videoId: id(0), title: `${title} (Live)`, artists: [artist], album: 'Live at the Hall', duration: later(time, 40), type: 'ATV' },
      { videoId: id(1), title, artists: [artist], album: title, duration: time, type: 'ATV' },
    ]);
  }

  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByRole('button', { name: 'Download all' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'tracks queued' })).toBeVisible();

  // Without a reload, rows go through the queue: a progress percentage
  // shows while a file arrives, then "In vault".
  await expect(page.locator('[data-testid=track-row] .title .badge').filter({ hasText: /Downloading \d+%/ }).first()).toBeVisible({
    timeout: 60_000,
  });
  const inVault = page.locator('[data-testid=track-row] .title .badge.dl-downloaded');
  await expect(inVault).toHaveCount(7, { timeout: 120_000 });
  await expect(inVault.first()).toHaveText('In vault');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  // The Downloads view: counts, and the failed job with its reason.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Downloads' }).click();
  await expect(page.locator('[data-count="downloaded"]')).toHaveText('7');
  await expect(page.locator('[data-count="failed"]')).toHaveText('1');
  await page.getByRole('link', { name: 'Failed', exact: true }).click();
  await expect(page).toHaveURL(`${hoard.url}/downloads?state=failed`);
  const failed = page.locator('table.jobs tbody tr');
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText('nothing found');

  // Retry: the source has it now. The job leaves the failed list and the
  // counts follow the queue live.
  await failed.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Queued again.' })).toHaveText('Queued again.');
  await expect(page.locator('[data-count="downloaded"]')).toHaveText('8', { timeout: 60_000 });
  await expect(page.locator('[data-count="failed"]')).toHaveText('0');
  await page.getByRole('link', { name: 'In vault', exact: true }).click();
  await expect(page.locator('table.jobs tbody tr')).toHaveCount(8);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  // Every file is served with seeking: a Range request gets its bytes.
  const trackId = await page.locator('table.jobs tbody tr').first().getAttribute('data-track');
  const ranged = await page.request.get(`${hoard.url}/audio/${trackId}`, {
    headers: { range: 'bytes=100-199' },
  });
  expect(ranged.status()).toBe(206);
  // YouTube's Opus, moved from WebM into Ogg without re-encoding.
  expect(ranged.headers()['content-type']).toMatch(/^audio\/(ogg|opus)/);
  expect((await ranged.body()).length).toBe(100);

  // The report lists what is still missing: the playlist tracks that are not liked songs.
  const report = await page.request.get(`${hoard.url}/downloads/not-downloaded.txt`);
  const text = await report.text();
  expect(text).toContain('# Hoard: 2 tracks not downloaded');
  expect(text).toContain('Björk - Jóga https://open.spotify.com/track/');
  expect(text).toContain('(not queued)');
  expect(errors).toEqual([]);
});
