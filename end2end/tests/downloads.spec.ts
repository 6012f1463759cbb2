// Acquisition in the browser: "Download all" on liked songs, every row's
// state changing live while real yt-dlp downloads from a loopback source,
// a failure with its reason in the Downloads view, Retry, and the audio
// served for seeking.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Hoard } from './harness';

/** An upload the loopback source offers. */
type Upload = { title: string; seconds: number; file: string };

/**
 * The loopback source: a search answering with a podcast feed (which yt-dlp
 * reads as a list of results) and files sent at about 300 KB/s, so progress
 * is visible.
 */
class AudioSource {
  uploads: Upload[] = [];
  private server!: Server;
  url = '';
  readonly dir = mkdtempSync(path.join(tmpdir(), 'hoard-audio-'));

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', this.url);
      if (url.pathname === '/search') {
        // Results sharing the most words with the query first, as a search
        // engine ranks them (yt-dlp reads the first five).
        const words = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 1);
        const wanted = new Set(words(url.searchParams.get('q') ?? ''));
        const ranked = this.uploads
          .map((u, i) => ({ u, i, hits: words(u.title).filter((w) => wanted.has(w)).length }))
          .filter((r) => r.hits > 0)
          .sort((a, b) => b.hits - a.hits);
        const items = ranked
          .map(
            ({ u, i }) =>
              `<item><title>${escape(u.title)}</title><guid>u${i}</guid>` +
              `<itunes:duration>${u.seconds}</itunes:duration>` +
              `<enclosure url="${this.url}/files/${u.file}" type="audio/mpeg" length="1"/></item>`,
          )
          .join('');
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" ` +
            `xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>search</title>${items}</channel></rss>`,
        );
        return;
      }
      const name = path.basename(url.pathname);
      let data: Buffer;
      try {
        data = readFileSync(path.join(this.dir, name));
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': data.length });
      let sent = 0;
      const chunk = 30_000;
      const timer = setInterval(() => {
        res.write(data.subarray(sent, sent + chunk));
        sent += chunk;
        if (sent >= data.length) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Offers `title` with a real MP3 of `seconds` made by ffmpeg. */
  add(title: string, seconds: number): void {
    const file = `u${this.uploads.length}.mp3`;
    execFileSync('ffmpeg', [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=330:duration=${seconds}`,
      '-ac', '1', '-c:a', 'libmp3lame', '-b:a', '32k', path.join(this.dir, file),
    ]);
    this.uploads.push({ title, seconds, file });
  }

  stop(): void {
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** "3:05" → 185. */
function seconds(time: string): number {
  const [m, s] = time.trim().split(':').map(Number);
  return m * 60 + s;
}

let source: AudioSource;
let hoard: Hoard;
test.beforeAll(async () => {
  source = new AudioSource();
  await source.start();
  // The demo library has one job queued already; it runs at start, while
  // the source has nothing yet, and fails.
  hoard = await Hoard.start({
    seed: true,
    env: {
      HOARD_YTDLP_SEARCH: `${source.url}/search?q={query}`,
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

  // The source offers every liked song, as "Artist - Title" uploads of the right length.
  for (let i = 0; i < 8; i++) {
    const row = rows.nth(i);
    const title = (await row.locator('.title .name').innerText()).trim();
    const artist = (await row.locator('.title .artists a').first().innerText()).trim();
    const time = await row.locator('.dur').innerText();
    source.add(`${artist} - ${title} (Official Audio)`, seconds(time));
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
  expect(ranged.headers()['content-type']).toBe('audio/mpeg');
  expect((await ranged.body()).length).toBe(100);

  // The report lists what is still missing: the playlist tracks that are not liked songs.
  const report = await page.request.get(`${hoard.url}/downloads/not-downloaded.txt`);
  const text = await report.text();
  expect(text).toContain('# Hoard: 2 tracks not downloaded');
  expect(text).toContain('Björk - Jóga https://open.spotify.com/track/');
  expect(text).toContain('(not queued)');
  expect(errors).toEqual([]);
});
