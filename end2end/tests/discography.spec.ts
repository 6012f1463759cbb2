// Whole discographies in a real browser, against the local Spotify Web API:
// an artist's releases saved from their page with each song once, a new
// single found by the next read, and the Artists page's list of what is new.
import { expect, test } from '@playwright/test';
import { connectSpotify, Hoard, hydrated, LastfmMock, SpotifyMock } from './harness';

test('save a discography from the artist page, then see a new single', async ({ page }) => {
  const spotify = await SpotifyMock.start([
    '--liked', '20', '--playlists', '1', '--playlist-len', '5', '--discographies', '1', '--no-quirks',
  ]);
  const hoard = await Hoard.start({ spotify });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await connectSpotify(page, hoard);
    const [artist] = (await spotify.control('discographies')).artists as { id: string; name: string }[];

    // The artist is in the vault through one liked song.
    await page.goto(`${hoard.url}/?q=${encodeURIComponent(artist.name)}`);
    await page.getByRole('link', { name: artist.name, exact: true }).first().click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(artist.name);
    await hydrated(page);
    const panel = page.getByTestId('discography');
    await expect(panel).toContainText(`Keep every release of ${artist.name}`);
    // Albums, singles and compilations are chosen at first; add appearances.
    await expect(panel.getByLabel('Albums')).toBeChecked();
    await expect(panel.getByLabel('Appears on')).not.toBeChecked();
    await panel.getByLabel('Appears on').check();
    await panel.getByLabel('Watch for new releases').check();
    await panel.getByRole('button', { name: 'Save discography' }).click();

    const status = page.getByTestId('discography-status');
    await expect(status).toContainText('Done: 29 releases (29 new)', { timeout: 30_000 });
    // The deluxe edition adds only its bonus tracks; the best-of and the
    // lead singles add nothing; the regional edition is not listed at all.
    const deluxe = panel.getByTestId('release').filter({ hasText: '(Deluxe Edition)' });
    await expect(deluxe).toContainText('3 tracks kept');
    const hits = panel.getByTestId('release').filter({ hasText: 'Greatest Hits' });
    await expect(hits).toContainText('all 8 tracks already in your vault');
    await expect(panel.getByRole('heading', { name: /^Appears on \(2\)/ })).toBeVisible();
    await expect(panel.getByRole('button', { name: 'Update discography' })).toBeVisible();
    await expect(panel.getByTestId('watch')).toBeChecked();

    // A kept release opens as an album of the vault.
    await deluxe.getByRole('link').click();
    await expect(page).toHaveURL(/\/albums\/\d+$/);
    await expect(page.getByTestId('track-row')).toHaveCount(3);
    await page.goBack();

    // The artist puts out a single; the next read finds it, as new.
    const { album_id } = await spotify.control(`artists/${artist.id}/releases`, { album_type: 'single', tracks: 1 });
    expect(album_id).toBeTruthy();
    await hydrated(page);
    await panel.getByRole('button', { name: 'Update discography' }).click();
    await expect(status).toContainText('Done: 30 releases (1 new): 1 track saved', { timeout: 30_000 });
    await expect(panel.getByTestId('release').filter({ hasText: 'New' })).toHaveCount(1);

    // The Artists page lists it under New releases until it is marked seen.
    await page.goto(`${hoard.url}/artists`);
    const fresh = page.getByTestId('new-releases');
    await expect(fresh.getByRole('listitem')).toHaveCount(1);
    await expect(fresh).toContainText(artist.name);
    const saved = page.getByTestId('saved-discographies');
    await expect(saved).toContainText('Watched');
    await expect(saved).toContainText('1 new');
    await hydrated(page);
    await fresh.getByRole('button', { name: 'Mark all seen' }).click();
    await expect(fresh).toContainText('Nothing new from the artists you watch.');
    expect(errors).toEqual([]);
  } finally {
    await hoard.stop();
    spotify.stop();
  }
});

test("the artist page tells Last.fm's story and expands to similar artists", async ({ page }) => {
  const spotify = await SpotifyMock.start([
    '--liked', '8', '--playlists', '1', '--playlist-len', '3', '--discographies', '1', '--no-quirks',
  ]);
  const lastfm = await LastfmMock.start(spotify);
  const hoard = await Hoard.start({ spotify, env: lastfm.env() });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await connectSpotify(page, hoard);
    const [artist] = (await spotify.control('discographies')).artists as { id: string; name: string }[];
    await page.goto(`${hoard.url}/?q=${encodeURIComponent(artist.name)}`);
    await page.getByRole('link', { name: artist.name, exact: true }).first().click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(artist.name);

    const story = page.getByTestId('story');
    await expect(story.getByRole('heading', { name: 'About' })).toBeVisible();
    await expect(story).not.toContainText('Read more on Last.fm');
    await expect(story.getByTestId('story-figures')).toContainText(/[\d,]+ listeners · [\d,]+ plays on Last\.fm/);
    const similar = story.getByTestId('similar').getByRole('listitem');
    await expect(similar).toHaveCount(12);

    // A track page has the song's Last.fm figures and tags.
    const artistPage = page.url();
    await page.goto(`${hoard.url}/?q=${encodeURIComponent(artist.name)}`);
    await page.locator('a[href^="/tracks/"]').first().click();
    await expect(page.getByTestId('track-lastfm')).toContainText(/[\d,]+ listeners · [\d,]+ plays on Last\.fm/);
    await page.goto(artistPage);

    // Expand: preview what five similar artists would add, then save them.
    await hydrated(page);
    const expand = story.getByTestId('expand');
    await expand.getByLabel('Similar artists to add').fill('5');
    await expand.getByRole('button', { name: 'Preview' }).click();
    const rows = expand.getByTestId('expand-preview').locator('tbody tr');
    await expect(rows).toHaveCount(5, { timeout: 30_000 });
    // The names only Last.fm knows are shown, and cannot be chosen.
    await expect(rows.filter({ hasText: 'not on Spotify' })).not.toHaveCount(0);
    const save = expand.getByRole('button', { name: /^Save \d+ discographies$/ });
    await expect(save).toBeEnabled();
    await save.click();
    const status = expand.getByTestId('expand-status');
    await expect(status).toContainText(/^Done: \d+ releases \(\d+ new\): [1-9]\d* tracks? saved/, { timeout: 30_000 });
    // The Artists page lists them, each with the tracks kept.
    await page.goto(`${hoard.url}/artists`);
    const saved = page.getByTestId('saved-discographies').getByRole('listitem');
    await expect(saved).not.toHaveCount(0);
    await expect(saved.first()).toContainText(/\d+ releases, [1-9]\d* tracks/);
    expect(errors).toEqual([]);
  } finally {
    await hoard.stop();
    lastfm.stop();
    spotify.stop();
  }
});

test('without a Last.fm key the artist page says how to get the story', async ({ page }) => {
  const hoard = await Hoard.start({ seed: true });
  try {
    await page.goto(`${hoard.url}/artists/1`);
    await expect(page.getByTestId('story-off')).toContainText('lastfm_api_key');
  } finally {
    await hoard.stop();
  }
});
