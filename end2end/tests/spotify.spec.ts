// Connecting Spotify from Settings and watching a sync, in a real browser,
// against the local Spotify Web API.
import { expect, test } from '@playwright/test';
import { CLIENT_ID, Hoard, hydrated, SpotifyMock } from './harness';

test('connect from Settings, watch the first sync live, then sync a removal', async ({ page }) => {
  // Latency makes the sync last a few seconds, long enough to watch.
  const spotify = await SpotifyMock.start([
    '--liked', '120', '--playlists', '6', '--playlist-len', '40', '--latency-ms', '250',
  ]);
  const hoard = await Hoard.start({ spotify });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${hoard.url}/settings`);
    const panel = page.getByTestId('spotify');
    await expect(panel).toContainText('No Spotify account is connected');
    await expect(page.getByTestId('redirect-uri')).toHaveText(
      `http://127.0.0.1:${hoard.port}/spotify/callback`,
    );
    await expect(page.getByLabel('Client ID')).toHaveValue(CLIENT_ID);

    // Connect: Hoard -> Spotify's authorize page (approves at once) -> callback -> Settings.
    await page.getByRole('button', { name: 'Connect Spotify' }).click();
    await expect(page).toHaveURL(`${hoard.url}/settings`);
    await expect(page.getByTestId('spotify-account')).toContainText('Connected as');
    const progress = page.getByTestId('sync-progress');
    await expect(progress).toContainText('Syncing');
    // The result arrives without a reload: the panel polls while the sync runs.
    const lastSync = page.getByTestId('last-sync');
    await expect(lastSync).toContainText('ok', { timeout: 30_000 });
    await expect(lastSync).toContainText('120 liked songs');
    // The vault's counts below follow without a reload too.
    await expect(page.getByTestId('stats').locator('dt:has-text("Liked songs") + dd')).toHaveText('120');
    await expect(progress).not.toContainText('Syncing');

    await page.goto(`${hoard.url}/`);
    await expect(page.getByText('120 liked songs')).toBeVisible();
    await page.goto(`${hoard.url}/playlists`);
    await expect(page.locator('.card')).toHaveCount(6);

    // A song leaves liked songs on Spotify; "Sync now" brings the change.
    const state = await spotify.control('state');
    const likedIds: string[] = state.liked;
    await spotify.control('liked/remove', { track_id: likedIds[0] });
    // And every playlist loses its first entry.
    for (const id of state.playlists as string[]) {
      await spotify.control(`playlists/${id}/remove`, { position: 0 });
    }
    await page.goto(`${hoard.url}/settings`);
    await page.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect(lastSync.locator('tbody tr').first()).toContainText('manual');
    await expect(lastSync.locator('tbody tr').first()).toContainText('119 liked songs', {
      timeout: 30_000,
    });
    await page.goto(`${hoard.url}/`);
    await expect(page.getByText('119 liked songs')).toBeVisible();

    // A playlist keeps what left it, and its earlier version can be shown.
    await page.goto(`${hoard.url}/playlists`);
    await hydrated(page);
    await page.locator('.card a').first().click();
    await expect(page).toHaveURL(/\/playlists\/\d+$/);
    const history = page.getByTestId('playlist-history');
    await expect(history).toContainText('Removed from this playlist');
    await expect(history.locator('.versions li')).toHaveCount(2);
    await expect(page.getByTestId('version-note')).toHaveCount(0);
    await history.locator('.versions li a').last().click();
    await expect(page.getByTestId('version-note')).toContainText('as it was on');
    await expect(page.locator('tbody tr')).toHaveCount(40);

    // Spotify ends the authorization (as it does six months after sign-in):
    // the next sync says so, and every page carries the word until the user
    // signs in again.
    await page.goto(`${hoard.url}/settings`);
    await expect(page.getByTestId('spotify-renewal')).toContainText('Renew by');
    await spotify.control('revoke-grants', {});
    await page.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect(page.getByTestId('spotify-renewal')).toContainText('Spotify wants a new sign-in', { timeout: 30_000 });
    await page.goto(`${hoard.url}/`);
    await expect(page.getByTestId('renewal-banner')).toContainText('Spotify wants a new sign-in');
    await expect(page.getByText('119 liked songs')).toBeVisible();
    await page.getByTestId('renewal-banner').getByRole('link', { name: 'Open Settings' }).click();
    await page.getByRole('button', { name: 'Sign in to Spotify again' }).click();
    await expect(page).toHaveURL(`${hoard.url}/settings`);
    await expect(page.getByTestId('spotify-renewal')).toContainText('Renew by');
    await expect(page.getByTestId('renewal-banner')).toHaveCount(0);

    // Disconnect forgets the account; the library stays.
    await page.goto(`${hoard.url}/settings`);
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await expect(panel).toContainText('No Spotify account is connected');
    await page.goto(`${hoard.url}/`);
    await expect(page.getByText('119 liked songs')).toBeVisible();
    expect(errors).toEqual([]);
  } finally {
    await hoard.dispose();
    spotify.stop();
  }
});
