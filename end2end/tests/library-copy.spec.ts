// The whole library on the device: a 10,000-track vault is copied into
// IndexedDB, then with the server stopped and the browser offline the
// library is searched for a track the page never rendered, sorted by
// duration the way the vault sorts it, an album never visited opens, and a
// kept track plays from a playlist reached offline. A change reaches the
// copy as a small page of the feed; a kept playlist follows what Spotify
// adds to it and removes from it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, Page, test } from '@playwright/test';
import { vaultWithAudio } from './audio';
import { Hoard, hydrated, SpotifyMock } from './harness';
import { browser, controlled, copied, keepDemoPlaylist } from './pwa';

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
    const audio = page.locator('audio[data-active]');
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

    // The next visit brings only what changed: a small page of the feed
    // (read by the service worker: its requests are the context's).
    // (The worker's responses are reported apart from the page's marks, and
    // their bodies are read asynchronously: the sizes are awaited, not
    // assumed to be in by the time the copy is marked done.)
    const feed: Promise<number>[] = [];
    context.on('response', (r) => {
      if (r.url().endsWith('/api/library_changes')) feed.push(r.body().then((b) => b.length));
    });
    await page.reload();
    await hydrated(page);
    await copied(page);
    await expect.poll(() => feed.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(Math.max(...(await Promise.all(feed)))).toBeLessThan(4_000);

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

test('a kept playlist follows Spotify: a track added there is kept after a sync and a revisit, one removed is freed', async () => {
  test.setTimeout(240_000);
  const spotify = await SpotifyMock.start(['--liked', '4', '--playlists', '1', '--playlist-len', '3']);
  // Every track of the local Spotify's catalogue is in a folder Hoard takes audio from.
  const music = mkdtempSync(path.join(tmpdir(), 'hoard-follow-'));
  const catalogue: { title: string; artists: string[]; duration_ms: number }[] = await spotify.control('catalogue');
  // (The catalogue has the same song more than once, as Spotify does: one file each.)
  for (const [i, t] of catalogue.entries()) {
    const name = `${t.artists[0]} - ${t.title} (${i})`.replace(/[/\\]/g, '_');
    execFileSync('ffmpeg', [
      '-y', '-loglevel', 'error', '-f', 'lavfi', '-i', `sine=frequency=330:duration=${t.duration_ms / 1000}`,
      '-ac', '1', '-ar', '22050', '-b:a', '16k',
      '-metadata', `title=${t.title}`, '-metadata', `artist=${t.artists[0]}`,
      path.join(music, `${name}.mp3`),
    ]);
  }
  const hoard = await Hoard.start({
    spotify,
    env: { HOARD_MUSIC_FOLDER: music, HOARD_AUTO_DOWNLOAD: 'true', HOARD_DOWNLOAD_ATTEMPTS: '1' },
  });
  const { context, page, dir } = await browser();
  const tracksOf = async (list: unknown): Promise<{ id: number; spotify_id: string; title: string; download_state: string | null }[]> => {
    const res = await hoard.api('track_window', {
      list,
      query: { text: '', filter: 'All', sort: 'Natural', descending: false },
      offset: 0,
      limit: 200,
    });
    expect(res.ok).toBeTruthy();
    return (await res.json()).items;
  };
  try {
    await page.goto(`${hoard.url}/settings`);
    await page.getByRole('button', { name: 'Connect Spotify' }).click();
    const lastSync = page.getByTestId('last-sync');
    await expect(lastSync).toContainText('ok', { timeout: 30_000 });
    // The synced library is downloaded from the folder.
    await expect
      .poll(async () => (await tracksOf('Liked')).filter((t) => t.download_state === 'downloaded').length, { timeout: 60_000 })
      .toBe(4);
    // The local Spotify's first playlist, as Hoard knows it.
    const state = await spotify.control('state');
    const playlist: string = state.playlists[0];
    const all: { id: number; spotify_id: string }[] = await (await hoard.api('playlists_list', {})).json();
    const id = all.find((p) => p.spotify_id === playlist)!.id;
    // Every entry settles (the local Spotify's playlists carry quirks, so an
    // entry may fail; the kept list holds what is in the vault).
    const settled = ['downloaded', 'failed', 'skipped'];
    await expect
      .poll(async () => (await tracksOf({ Playlist: id })).filter((t) => !settled.includes(t.download_state ?? '')).length, {
        timeout: 60_000,
      })
      .toBe(0);
    const before = await tracksOf({ Playlist: id });
    const inVault = [...new Set(before.filter((t) => t.download_state === 'downloaded').map((t) => t.id))];
    expect(inVault.length).toBeGreaterThan(1);

    await page.goto(`${hoard.url}/playlists/${id}`);
    await controlled(page);
    await copied(page);
    await page.getByTestId('keep').click();
    // (A track in the playlist twice counts twice.)
    const entries = before.filter((t) => t.download_state === 'downloaded').length;
    await expect(page.getByTestId('device-status')).toContainText(`is on this device: ${entries} of ${before.length} tracks`, {
      timeout: 30_000,
    });

    // On Spotify, a liked song joins the playlist, and an entry of a track
    // that is in it once (and kept) leaves.
    const joining = (await tracksOf('Liked')).find((t) => !before.some((b) => b.id === t.id));
    expect(joining).toBeDefined();
    const token = (await spotify.control('token', {})).access_token;
    const items: { item?: { id: string }; track?: { id: string } }[] = (
      await (await fetch(`${spotify.url}/v1/playlists/${playlist}/items?limit=50`, {
        headers: { authorization: `Bearer ${token}` },
      })).json()
    ).items;
    const ids = items.map((e) => (e.item ?? e.track)?.id);
    const position = ids.findIndex(
      (sid) => ids.filter((x) => x === sid).length === 1 && before.some((t) => t.spotify_id === sid && t.download_state === 'downloaded'),
    );
    expect(position).toBeGreaterThanOrEqual(0);
    const leaving = before.find((t) => t.spotify_id === ids[position])!;
    await spotify.control(`playlists/${playlist}/add`, { track_id: joining!.spotify_id });
    await spotify.control(`playlists/${playlist}/remove`, { position });
    await page.goto(`${hoard.url}/settings`);
    await page.getByRole('button', { name: 'Sync now', exact: true }).click();
    await expect(lastSync.locator('tbody tr').first()).toContainText('manual');
    await expect(lastSync.locator('tbody tr').first()).toContainText('ok', { timeout: 30_000 });

    // The next visit brings the copy up to date and the kept list with it.
    await page.goto(`${hoard.url}/playlists/${id}`);
    await expect(page.getByTestId('device-status')).toContainText('followed its changes: 1 added, 1 left (1 freed)', {
      timeout: 30_000,
    });
    const kept = await page.evaluate(
      () =>
        new Promise<number[]>((resolve, reject) => {
          const open = indexedDB.open('hoard');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const keys = open.result.transaction('audio').objectStore('audio').getAllKeys();
            keys.onsuccess = () => {
              open.result.close();
              resolve((keys.result as number[]).sort((a, b) => a - b));
            };
          };
        }),
    );
    const expected = [...inVault.filter((t) => t !== leaving.id), joining!.id].sort((a, b) => a - b);
    expect(kept).toEqual(expected);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
    spotify.stop();
  }
});

test('with a storage budget, keeping more frees the track played least recently', async () => {
  test.setTimeout(120_000);
  const { hoard, music } = await vaultWithAudio();
  const { context, page, dir } = await browser();
  try {
    // Svefn-g-englar (1) was played an hour ago, Flugufrelsarinn (3) a year ago.
    const now = Date.now();
    const play = (id: number, at: number) => ({
      client_play_id: `budget-${id}`,
      track_id: id,
      started_ms: at,
      ended_ms: at + 120_000,
      ms_played: 120_000,
      offline: false,
    });
    const res = await hoard.api('record_plays', { plays: [play(1, now - 3_600_000), play(3, now - 365 * 86_400_000)] });
    expect(res.ok, await res.text()).toBeTruthy();

    await page.goto(`${hoard.url}/playlists/1`);
    await controlled(page);
    await copied(page);
    // Each track kept on its own (about 0.36, 0.39 and 0.43 MB).
    for (const title of ['Svefn-g-englar', 'Flugufrelsarinn']) {
      await page.getByRole('button', { name: `Keep ${title} on this device` }).click();
      await expect(page.getByTestId('device-status')).toContainText(`“${title}” is on this device: 1 of 1 tracks`);
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'On device' }).click();
    const budget = page.getByTestId('budget');
    await budget.getByRole('textbox').fill('lots');
    await budget.getByRole('button', { name: 'Set' }).click();
    await expect(budget.getByRole('alert')).toContainText('a number of megabytes');
    await budget.getByRole('textbox').fill('1');
    await budget.getByRole('button', { name: 'Set' }).click();
    await expect(budget).toContainText('of 1.0 MB used');
    await expect(page.getByTestId('kept-list')).toHaveCount(2);

    // Starálfur does not fit beside both: the one played longest ago goes.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playlists' }).click();
    await page.getByRole('link', { name: 'Nordic Nights ❄' }).first().click();
    await page.getByRole('button', { name: 'Keep Starálfur on this device' }).click();
    await expect(page.getByTestId('device-status')).toContainText('“Starálfur” is on this device: 1 of 1 tracks');
    await expect(page.getByTestId('device-status')).toContainText('“Flugufrelsarinn” was freed (played least recently)');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'On device' }).click();
    await expect(page.getByTestId('device-usage')).toContainText('2 tracks on this device');
    // A single track freed is no longer a kept list.
    const lists = page.getByTestId('kept-list');
    await expect(lists).toHaveCount(2);
    await expect(lists.filter({ hasText: 'Flugufrelsarinn' })).toHaveCount(0);
    await expect(lists.filter({ hasText: 'Svefn-g-englar' })).toContainText('1 track');
    await expect(lists.filter({ hasText: 'Starálfur' })).toContainText('1 track');
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
  }
});

test('a keep that stopped part way goes on at the next visit, and leaves no track half-kept', async () => {
  test.setTimeout(120_000);
  const { hoard, music } = await vaultWithAudio();
  const { context, page, dir } = await browser();
  const stored = (store: string) =>
    page.evaluate(
      (name) =>
        new Promise<number[]>((resolve, reject) => {
          const open = indexedDB.open('hoard');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const keys = open.result.transaction(name, 'readonly').objectStore(name).getAllKeys();
            keys.onsuccess = () => {
              open.result.close();
              resolve((keys.result as number[]).slice().sort());
            };
          };
        }),
      store,
    );
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await controlled(page);
    await copied(page);
    // A browser without Background Fetch (Firefox, Safari): the page
    // downloads each track itself (offline.spec.ts has the browser keep
    // downloading with the tab closed).
    await context.addInitScript(() => {
      if (self.ServiceWorkerRegistration)
        delete (ServiceWorkerRegistration.prototype as { backgroundFetch?: unknown }).backgroundFetch;
    });
    await page.reload();
    await hydrated(page);
    // The connection drops while the third track's audio comes (the
    // service worker's request for it fails, as when the tab closes or
    // the network goes).
    await context.route('**/audio/3', (route) => route.abort('internetdisconnected'));
    await page.getByTestId('keep').click();
    await expect(page.getByTestId('device-status')).toContainText('Stopped keeping', { timeout: 30_000 });
    expect(await stored('audio')).toEqual([1, 2]);
    expect(await stored('tracks')).toEqual([1, 2]);

    // The next visit, with the connection back, goes on from there.
    await context.unrouteAll();
    await page.reload();
    await hydrated(page);
    await copied(page);
    await expect(page.getByTestId('device-status')).toContainText('1 added', { timeout: 30_000 });
    expect(await stored('audio')).toEqual([1, 2, 3]);
    expect(await stored('tracks')).toEqual([1, 2, 3]);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
  }
});
