// Importing a list in a real browser, against the local Spotify Web API: a
// .txt file (a byte-order mark, CRLF) previewed line by line, then kept as
// a playlist of the listener's own.
import { expect, test } from '@playwright/test';
import { connectSpotify, Hoard, hydrated, SpotifyMock } from './harness';

test('a .txt list is previewed line by line, then imported as a playlist', async ({ page }) => {
  const spotify = await SpotifyMock.start(['--liked', '20', '--playlists', '2', '--playlist-len', '5', '--no-quirks']);
  const hoard = await Hoard.start({ spotify });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await connectSpotify(page, hoard);
    // A song whose title is on Spotify once.
    const catalogue = (await spotify.control('catalogue')) as { title: string; artists: string[] }[];
    const song = catalogue.find((t) => catalogue.filter((u) => u.title === t.title).length === 1)!;
    const list =
      '\uFEFF# for the road\r\n' +
      `1. ${song.artists[0]} - ${song.title}\r\n` +
      'Nobody Famous - A Song Nobody Wrote\r\n' +
      'just some words\r\n';

    await page.goto(`${hoard.url}/playlists`);
    await page.getByRole('link', { name: 'Import a list' }).click();
    await expect(page).toHaveURL(`${hoard.url}/import`);
    await hydrated(page);
    await page.getByLabel(/A \.txt file/).setInputFiles({
      name: 'road-trip.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(list, 'utf8'),
    });
    await expect(page.getByLabel('Playlist name')).toHaveValue('road-trip');
    await page.getByRole('button', { name: 'Preview' }).click();
    const rows = page.getByTestId('import-preview').locator('tbody tr');
    await expect(rows).toHaveCount(3, { timeout: 30_000 });
    await expect(rows.nth(0)).toHaveAttribute('data-status', 'matched');
    await expect(rows.nth(0)).toContainText(song.title);
    await expect(rows.nth(1)).toHaveAttribute('data-status', 'by_name');
    await expect(rows.nth(1)).toContainText('Not on Spotify');
    await expect(rows.nth(2)).toHaveAttribute('data-status', 'refused');
    await expect(rows.nth(2)).toContainText('no " - " between artist and title');
    await expect(page.getByTestId('import-summary')).toContainText('2 songs: 1 found on Spotify');

    await page.getByLabel('Playlist name').fill('Road trip');
    await page.getByRole('button', { name: 'Import 2 songs' }).click();
    await page.getByTestId('import-done').getByRole('link', { name: 'Open the playlist' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Road trip');
    await expect(page.getByTestId('track-row')).toHaveCount(2);
    await expect(page.getByTestId('track-row').nth(1)).toContainText('A Song Nobody Wrote');
    expect(errors).toEqual([]);
  } finally {
    await hoard.stop();
    spotify.stop();
  }
});

test('a list over the limit is refused with the limit named', async ({ page }) => {
  const hoard = await Hoard.start({ seed: true });
  try {
    await page.goto(`${hoard.url}/import`);
    await hydrated(page);
    await page.getByLabel(/A \.txt file/).setInputFiles({
      name: 'huge.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('A - B\n'.repeat(200_000), 'utf8'),
    });
    await expect(page.getByTestId('import-error')).toContainText('up to 1000 KB');
  } finally {
    await hoard.stop();
  }
});
