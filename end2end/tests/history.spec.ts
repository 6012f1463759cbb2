// Plays heard in Hoard's own player, in real Chromium: a play heard with no
// server and no network waits on the device (IndexedDB) and reaches the
// History once the server is back, exactly once, even when the device
// sends it again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, Page, test } from '@playwright/test';
import { vaultWithAudio } from './audio';
import { hydrated, Hoard } from './harness';
import { browser, controlled, keepDemoPlaylist } from './pwa';

/** The plays waiting on the device to be sent. */
async function waiting(page: Page): Promise<{ client_play_id: string; track_id: number; ms_played: number; offline: boolean }[]> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('hoard');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('plays').objectStore('plays').getAll();
          all.onsuccess = () => {
            open.result.close();
            resolve(all.result);
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

/** Puts a play back on the device, as a device that never heard the answer would have it. */
async function putBack(page: Page, play: unknown): Promise<void> {
  await page.evaluate(
    (record) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('hoard');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('plays', 'readwrite');
          tx.objectStore('plays').put(record);
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    play,
  );
}

test('a play heard offline reaches the history once the server is back, once', async () => {
  test.setTimeout(150_000);
  const { hoard, music } = await vaultWithAudio();
  const { context, page, dir } = await browser();
  try {
    await page.goto(`${hoard.url}/playlists/1`);
    await controlled(page);
    await keepDemoPlaylist(page);

    await hoard.stop();
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Nordic Nights ❄' })).toBeVisible();

    // Starálfur (3:17) at 16 times the speed, heard to about two thirds,
    // then stopped by taking it out of the queue.
    await page.getByRole('button', { name: 'Play Starálfur', exact: true }).click();
    const audio = page.locator('audio[data-active]');
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 15_000 }).toBeGreaterThan(0.5);
    await audio.evaluate((a: HTMLAudioElement) => {
      a.playbackRate = 16;
    });
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 30_000 }).toBeGreaterThan(130);
    await page.getByRole('button', { name: /^Queue/ }).click();
    await page.getByRole('button', { name: 'Remove Starálfur from the queue' }).click();

    await expect.poll(async () => (await waiting(page)).length, { timeout: 10_000 }).toBe(1);
    const [play] = await waiting(page);
    expect(play.track_id).toBe(2);
    expect(play.offline).toBe(true);
    expect(play.ms_played).toBeGreaterThan(120_000);
    expect(play.ms_played).toBeLessThan(150_000);

    // The server comes back, then the network: the device sends it.
    await hoard.resume();
    await context.setOffline(false);
    await expect.poll(async () => (await waiting(page)).length, { timeout: 20_000 }).toBe(0);
    await page.goto(`${hoard.url}/history`);
    const rows = page.getByTestId('history-row');
    await expect(rows).toHaveCount(3); // two Spotify plays from the demo vault, and this one
    const heard = rows.filter({ hasText: 'Starálfur' });
    await expect(heard).toHaveCount(1);
    await expect(heard).toContainText('Hoard');
    await expect(heard).not.toContainText('skipped');

    // A device that sends it again (it never heard the answer) adds nothing.
    await putBack(page, play);
    await page.reload();
    await expect.poll(async () => (await waiting(page)).length, { timeout: 20_000 }).toBe(0);
    await page.reload();
    await expect(page.getByTestId('history-row').filter({ hasText: 'Starálfur' })).toHaveCount(1);
    await expect(page.getByTestId('history-row')).toHaveCount(3);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(music, { recursive: true, force: true });
    await hoard.dispose();
  }
});

/** A row of an Extended Streaming History file, every field as Spotify writes it. */
function stream(ts: string, msPlayed: number, track: { uri: string; name: string; artist: string; album: string } | null) {
  return {
    ts,
    platform: 'ios',
    ms_played: msPlayed,
    conn_country: 'SE',
    ip_addr: '192.0.2.7',
    master_metadata_track_name: track?.name ?? null,
    master_metadata_album_artist_name: track?.artist ?? null,
    master_metadata_album_album_name: track?.album ?? null,
    spotify_track_uri: track?.uri ?? null,
    episode_name: track ? null : 'Episode 3',
    episode_show_name: track ? null : 'A Show',
    spotify_episode_uri: track ? null : 'spotify:episode:4rOoJ6Egrf8K2IrywzwOMk',
    audiobook_title: null,
    audiobook_uri: null,
    audiobook_chapter_uri: null,
    audiobook_chapter_title: null,
    reason_start: 'trackdone',
    reason_end: msPlayed < 30_000 ? 'fwdbtn' : 'trackdone',
    shuffle: false,
    skipped: msPlayed < 30_000,
    offline: false,
    offline_timestamp: null,
    incognito_mode: false,
  };
}

test('a streaming history uploaded in Settings shows in History and in Stats', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  const hoard = await Hoard.start({ seed: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'hoard-history-'));
  try {
    const teardrop = { uri: 'spotify:track:67Hna13dNDkZvBpTXRIaOJ', name: 'Teardrop', artist: 'Massive Attack', album: 'Mezzanine' };
    const rows = [
      stream('2024-03-01T08:05:00Z', 330_000, teardrop),
      stream('2024-03-02T08:10:00Z', 330_000, teardrop),
      stream('2024-03-03T20:00:00Z', 12_000, teardrop),
      stream('2024-03-04T08:15:00Z', 330_000, teardrop),
      stream('2024-03-05T21:00:00Z', 1_800_000, null),
    ];
    const file = path.join(dir, 'Streaming_History_Audio_2024_0.json');
    writeFileSync(file, JSON.stringify(rows, null, 4));

    await page.goto(`${hoard.url}/settings`);
    await hydrated(page);
    await page.getByLabel(/Import Spotify's Extended Streaming History/).setInputFiles(file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Importing' })).toContainText('Importing Streaming_History_Audio_2024_0.json');
    await expect(page.getByTestId('imports')).toContainText('Done: 5 rows, 4 plays added', { timeout: 20_000 });
    await expect(page.getByTestId('imports')).toContainText('1 podcast and audiobook rows left out');

    // A file that is not a history is refused with the reason.
    const bad = path.join(dir, 'notes.txt');
    writeFileSync(bad, 'my playlists, from memory');
    await page.getByLabel(/Import Spotify's Extended Streaming History/).setInputFiles(bad);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByTestId('import-error')).toContainText('notes.txt: this is neither a zip nor a JSON file');

    await page.goto(`${hoard.url}/history`);
    const heard = page.getByTestId('history-row').filter({ hasText: 'Teardrop' });
    await expect(heard).toHaveCount(4);
    await expect(heard.filter({ hasText: 'skipped' })).toHaveCount(1);
    await expect(heard.first()).toContainText('Spotify (history file)');

    await page.goto(`${hoard.url}/stats?period=all`);
    const tracks = page.locator('section.top').filter({ has: page.getByRole('heading', { name: 'Top tracks' }) });
    await expect(tracks.getByRole('listitem').first()).toContainText('Teardrop');
    await expect(tracks.getByRole('listitem').first()).toContainText('3 plays');
    await expect(page.getByTestId('stats-summary')).toContainText('Skips1');
    await expect(page.getByRole('img', { name: /Listening by hour \(UTC\): most plays at 08/ })).toBeVisible();
    await expect(page.getByRole('img', { name: /Listening by weekday: most plays at/ })).toBeVisible();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hoard.dispose();
  }
});
