// The metadata editor in real Chromium against a real Hoard whose first
// tracks have real MP3 files: a bad value refused with the field named, an
// edit saved and read back from the served file by ffprobe, "as Spotify has
// it" with a revert, and an album cover upload (too big refused, a real
// JPEG taken and written into the album's files).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { vaultWithAudio } from './audio';
import { hydrated, Hoard } from './harness';

let hoard: Hoard;
test.beforeAll(async () => {
  ({ hoard } = await vaultWithAudio());
});
test.afterAll(async () => {
  await hoard.dispose();
});

/** The tags ffprobe reads from the file the server serves for a track. */
async function servedTags(track: number): Promise<Record<string, string>> {
  const bytes = Buffer.from(await (await fetch(`${hoard.url}/audio/${track}`)).arrayBuffer());
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'hoard-probe-')), 'track.mp3');
  writeFileSync(file, bytes);
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', file]).toString();
  const tags: Record<string, string> = JSON.parse(out).format?.tags ?? {};
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
}

test('a track edit is refused with the field named, then saved into the file', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(`${hoard.url}/tracks/1`);
  await hydrated(page);
  const spotifyTitle = await page.getByTestId('track-title').innerText();
  await page.getByText('Edit details').click();
  await page.getByTestId('edit-title').fill('Svefn (my edit)');
  await expect(page.getByText(`As Spotify has it: ${spotifyTitle}`)).toBeVisible();
  await page.getByTestId('edit-track-number').fill('A1');
  await page.getByTestId('track-editor').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('edit-status')).toContainText('Track number');
  await page.getByTestId('edit-track-number').fill('3');
  await page.getByTestId('edit-genre').fill('Post-rock');
  await page.getByTestId('track-editor').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('edit-status')).toHaveText('Saved, and written into the file.');
  const tags = await servedTags(1);
  expect(tags.title).toBe('Svefn (my edit)');
  expect(tags.genre).toBe('Post-rock');
  expect(tags.track?.startsWith('3')).toBeTruthy();

  // Lists show the edit; a revert brings Spotify's value back, in the file too.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('track-title')).toHaveText('Svefn (my edit)');
  await page.getByText('Edit details').click();
  await page.getByTestId('track-editor').getByRole('button', { name: 'Revert', exact: true }).first().click();
  await page.getByTestId('track-editor').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('edit-status')).toHaveText('Saved, and written into the file.');
  expect((await servedTags(1)).title).toBe(spotifyTitle);
});

test('an album edit: a bad date and a too-big cover are refused; a real cover is written', async ({ page }) => {
  // Writing the cover decodes each of the album's three files again: slow on a loaded machine.
  test.setTimeout(180_000);
  await page.goto(`${hoard.url}/tracks/1`);
  await hydrated(page);
  const album = await page.locator('.page-head .summary a[href^="/albums/"]').first().getAttribute('href');
  await page.goto(`${hoard.url}${album}`);
  await hydrated(page);
  await page.getByText('Edit album').click();
  await page.getByTestId('edit-date').fill('2024-13-40');
  await page.getByTestId('album-editor').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('album-edit-status')).toContainText('Date');

  await page.getByTestId('cover-input').setInputFiles({ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(40 * 1024 * 1024, 0xff) });
  await expect(page.getByTestId('album-edit-status')).toContainText('at most 10 MB');
  // Not an image, sent to the server as if it were one: refused with the reason.
  const fake = await fetch(`${hoard.url}/albums${album!.slice('/albums'.length)}/cover`, {
    method: 'POST', headers: { 'Content-Type': 'image/png', Origin: hoard.url }, body: 'not a picture',
  });
  expect(fake.status).toBe(422);
  expect(await fake.text()).toContain('not a JPEG or PNG');

  const dir = mkdtempSync(path.join(tmpdir(), 'hoard-cover-'));
  const jpeg = path.join(dir, 'cover.jpg');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=blue:s=300x300', '-frames:v', '1', jpeg]);
  await page.getByTestId('cover-input').setInputFiles({ name: 'cover.jpg', mimeType: 'image/jpeg', buffer: readFileSync(jpeg) });
  await expect(page.getByTestId('album-edit-status')).toContainText('Saved, and written into 3 files', { timeout: 120_000 });
  const probe = async (track: number) => {
    const bytes = Buffer.from(await (await fetch(`${hoard.url}/audio/${track}`)).arrayBuffer());
    const file = path.join(dir, `t${track}.mp3`);
    writeFileSync(file, bytes);
    return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]).toString()).streams;
  };
  const streams = await probe(1);
  const picture = streams.find((s: { codec_type: string; width?: number }) => s.codec_type === 'video');
  expect(picture?.width).toBe(300);
});
