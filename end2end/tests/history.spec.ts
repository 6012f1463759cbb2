// Plays heard in Hoard's own player, in real Chromium: a play heard with no
// server and no network waits on the device (IndexedDB) and reaches the
// History once the server is back, exactly once, even when the device
// sends it again.
import { rmSync } from 'node:fs';
import { expect, Page, test } from '@playwright/test';
import { vaultWithAudio } from './audio';
import { browser, controlled } from './pwa';

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
    await page.getByTestId('keep').click();
    await expect(page.getByTestId('device-status')).toContainText('is on this device: 3 of 8 tracks', { timeout: 30_000 });

    await hoard.stop();
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Nordic Nights ❄' })).toBeVisible();

    // Starálfur (3:17) at 16 times the speed, heard to about two thirds,
    // then stopped by taking it out of the queue.
    await page.getByRole('button', { name: 'Play Starálfur', exact: true }).click();
    const audio = page.locator('audio');
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
