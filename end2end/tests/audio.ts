// A Hoard whose demo playlist's first three tracks are in the vault, taken
// from a music folder of small real MP3s made by ffmpeg (shared by the
// offline and player tests).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from '@playwright/test';
import { Hoard } from './harness';

/** The demo playlist's first tracks (see vault/examples/seed.rs), as files in a music folder. */
const KEPT = [
  { artist: 'Sigur Rós', title: 'Svefn-g-englar', seconds: 180 },
  { artist: 'Sigur Rós', title: 'Starálfur', seconds: 197 },
  { artist: 'Sigur Rós', title: 'Flugufrelsarinn', seconds: 214 },
];

/** A music folder with small real MP3s (16 kb/s mono, so the test stays light). */
function musicFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hoard-music-'));
  for (const t of KEPT) {
    execFileSync('ffmpeg', [
      '-loglevel', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${t.seconds}`,
      '-ac', '1', '-ar', '22050', '-b:a', '16k', path.join(dir, `${t.artist} - ${t.title}.mp3`),
    ]);
  }
  return dir;
}

/** A Hoard with the demo library whose first playlist tracks are in the vault. */
export async function vaultWithAudio(
  siteDir?: string,
  seedArgs?: string[],
): Promise<{ hoard: Hoard; music: string }> {
  const music = musicFolder();
  const env: Record<string, string> = { HOARD_MUSIC_FOLDER: music, HOARD_DOWNLOAD_ATTEMPTS: '1' };
  if (siteDir) env.HOARD_SITE_DIR = siteDir;
  const hoard = await Hoard.start({ seed: true, seedArgs, env });
  const res = await hoard.api('download_command', { command: { QueuePlaylist: 1 } });
  expect(res.ok).toBeTruthy();
  // The three files come from the folder; the rest of the playlist fails (no source here).
  await expect
    .poll(async () => (await (await fetch(`${hoard.url}/audio/1`)).status), { timeout: 30_000 })
    .toBe(200);
  for (const id of [2, 3]) {
    await expect.poll(async () => (await fetch(`${hoard.url}/audio/${id}`)).status, { timeout: 30_000 }).toBe(200);
  }
  return { hoard, music };
}

