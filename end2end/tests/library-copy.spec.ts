// The whole library on the device: a 10,000-track vault is copied into
// IndexedDB, then with the server stopped and the browser offline the
// library is searched for a track the page never rendered, sorted by
// duration the way the vault sorts it, an album never visited opens, and a
// kept track plays from a playlist reached offline.
import { rmSync } from 'node:fs';
import { expect, Page, test } from '@playwright/test';
import { vaultWithAudio } from './audio';
import { hydrated } from './harness';
import { browser, controlled, keepDemoPlaylist } from './pwa';

async function copied(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('hoard-library-copied').length > 0, undefined, {
    timeout: 90_000,
  });
}

function titles(page: Page) {
  return page.getByTestId('track-row').locator('.title a.name');
}

test('the whole library searches, sorts and opens offline from the copy on the device', async () => {
  test.setTimeout(240_000);
  const { hoard, music } = await vaultWithAudio(undefined, ['--liked', '10000']);
  const { context, page, dir } = await browser();
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await controlled(page);
    await keepDemoPlaylist(page);
    await copied(page);

    // What the vault answers for liked songs by duration, to hold the copy to.
    const res = await hoard.api('track_window', {
      list: 'Liked',
      query: { text: '', filter: 'All', sort: 'Duration', descending: true },
      offset: 0,
      limit: 5,
    });
    expect(res.ok).toBeTruthy();
    const longest: string[] = (await res.json()).items.map((t: { title: string }) => t.title);
    expect(longest).toHaveLength(5);

    // The device view says what the copy holds and takes.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'On device' }).click();
    const status = page.getByTestId('library-copy');
    await expect(status).toContainText(/^100\d\d tracks, \d+ albums, \d+ artists, \d+ playlists · [\d.]+ MB on this device$/);

    await page.goto(`${hoard.url}/`);
    await hydrated(page);
    // The first window of liked songs is in the page; track 5001 is thousands of rows further.
    await expect(titles(page).first()).toBeVisible();
    await expect(page.getByText(/ 5001$/)).toHaveCount(0);

    await hoard.stop();
    await context.setOffline(true);
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('watchdog')).toContainText('offline');

    // Search: the one track whose title ends in 5001, from the copy.
    await page.getByTestId('search').fill('5001');
    await expect(page.getByTestId('list-count')).toContainText('1 liked song');
    await expect(page.getByTestId('from-copy')).toBeVisible();
    await expect(titles(page)).toHaveCount(1);
    await expect(titles(page).first()).toHaveText(/ 5001$/);
    await expect(page).toHaveURL(/\?q=5001$/);

    // Sort the whole library by duration, longest first: the vault's own order.
    await page.getByTestId('search').fill('');
    await expect(page.getByTestId('list-count')).toContainText(/100\d\d liked songs/);
    await page.locator('.vhead .dur button').click();
    await page.locator('.vhead .dur button').click();
    await expect(page.locator('.vhead .dur')).toHaveAttribute('aria-sort', 'descending');
    await expect.poll(async () => (await titles(page).allTextContents()).slice(0, 5)).toEqual(longest);

    // An album never visited opens from the copy, with its eight tracks.
    await page.getByTestId('search').fill('5001');
    await expect(titles(page)).toHaveCount(1);
    const albumLink = page.getByTestId('track-row').locator('.album a');
    const album = (await albumLink.textContent()) ?? '';
    await albumLink.click();
    await expect(page.getByRole('heading', { level: 1, name: album })).toBeVisible();
    await expect(page.getByTestId('list-count')).toContainText('8 tracks');
    await expect(titles(page).filter({ hasText: / 5001$/ })).toHaveCount(1);

    // The playlists, then a kept track of one, played with no server.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playlists' }).click();
    await page.getByRole('link', { name: 'Nordic Nights ❄' }).first().click();
    await expect(page.getByRole('heading', { name: 'Nordic Nights ❄' })).toBeVisible();
    await page.getByRole('button', { name: 'Play Starálfur', exact: true }).click();
    await expect(page.getByTestId('now-playing')).toHaveText('Starálfur');
    const audio = page.locator('audio');
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 15_000 }).toBeGreaterThan(1);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
  }
});

test('a change in the vault reaches the copy without copying the library again', async () => {
  test.setTimeout(120_000);
  const { hoard, music } = await vaultWithAudio();
  const { context, page, dir } = await browser();
  try {
    await page.goto(`${hoard.url}/`);
    await controlled(page);
    await copied(page);

    // A track is loved in the vault after the copy was made.
    const marked = await hoard.api('marks_set', { target: { Track: 2 }, marks: { rating: 5, loved: true } });
    expect(marked.ok, await marked.text()).toBeTruthy();
    const res = await hoard.api('track_window', {
      list: 'Liked',
      query: { text: '', filter: 'All', sort: 'Natural', descending: false, loved: true },
      offset: 0,
      limit: 5,
    });
    const loved: string[] = (await res.json()).items.map((t: { title: string }) => t.title);
    expect(loved).toHaveLength(1);

    // The next visit brings only what changed: a small page of the feed.
    const feed: number[] = [];
    page.on('response', async (r) => {
      if (r.url().endsWith('/api/library_changes')) feed.push((await r.body()).length);
    });
    await page.reload();
    await hydrated(page);
    await copied(page);
    expect(feed.length).toBeGreaterThan(0);
    expect(Math.max(...feed)).toBeLessThan(4_000);

    await hoard.stop();
    await context.setOffline(true);
    await page.reload();
    await hydrated(page);
    await page.getByRole('button', { name: 'Loved', exact: true }).click();
    await expect(page.getByTestId('from-copy')).toBeVisible();
    await expect(titles(page)).toHaveText(loved);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
  }
});
