// Starts and stops real Hoard servers for the browser tests: the debug build
// of the server, a fresh data folder, and optionally the demo library.
import { expect } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const bin = (rel: string) => path.join(process.env.HOARD_TARGET_DIR ?? path.join(root, 'target', 'debug'), rel);

/** Waits until the app is live in `page` (the mark it sets once hydrated). */
export async function hydrated(page: import('@playwright/test').Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('hoard-hydrated').length > 0, undefined, { timeout: 20_000 });
}

/** A free loopback port. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts one of the workspace's stand-ins (`spotify-mock`, `ytmusic-mock`) on
 * a free loopback port and waits for its `… listening on URL` line.
 */
async function startListening(program: string, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(bin(program), ['--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      const match = out.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${program} exited with ${code}: ${out}`)));
  });
  return { url, child };
}

/** The local Spotify Web API (`spotify-mock`), as its own process. */
export class SpotifyMock {
  private constructor(readonly url: string, private child: ChildProcess) {}

  /** Starts it with `args` (e.g. `--liked 120 --latency-ms 200`). */
  static async start(args: string[] = []): Promise<SpotifyMock> {
    const { url, child } = await startListening('spotify-mock', args);
    return new SpotifyMock(url, child);
  }

  /** Calls one of its `/_mock/` controls. */
  async control(path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.url}/_mock/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    if (!res.ok) throw new Error(`/_mock/${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

/** The local Last.fm (`lastfm-mock`), knowing the local Spotify's catalogue. */
export class LastfmMock {
  /** The key it accepts (lastfm_mock::TEST_KEY). */
  static readonly KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';

  private constructor(readonly url: string, private child: ChildProcess, private dir: string) {}

  static async start(spotify: SpotifyMock): Promise<LastfmMock> {
    const dir = mkdtempSync(path.join(tmpdir(), 'hoard-lastfm-'));
    const catalogue = path.join(dir, 'catalogue.json');
    writeFileSync(catalogue, JSON.stringify(await spotify.control('catalogue')));
    const { url, child } = await startListening('lastfm-mock', ['--catalogue', catalogue]);
    return new LastfmMock(url, child, dir);
  }

  /** Hoard's settings that point it here. */
  env(): Record<string, string> {
    return { HOARD_LASTFM_API_URL: this.url, HOARD_LASTFM_API_KEY: LastfmMock.KEY };
  }

  stop(): void {
    this.child.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One result as the local YouTube Music shows it (acquire/match-cases/README.md). */
export type Shown = {
  videoId: string;
  title: string;
  artists: string[];
  album?: string;
  duration: string;
  explicit?: boolean;
  type: 'ATV' | 'OMV' | 'UGC' | 'OFFICIAL_SOURCE_MUSIC';
};

/**
 * The local YouTube Music (`ytmusic-mock`), as its own process: searched by
 * Hoard through the real ytmusicapi, audio (ffmpeg-made tones) at
 * `/watch?v=ID`, sent at `rate` bytes per second.
 */
export class YtMusicMock {
  private constructor(readonly url: string, private child: ChildProcess, private dir: string) {}

  static async start(rate = 300_000): Promise<YtMusicMock> {
    const dir = mkdtempSync(path.join(tmpdir(), 'hoard-ytmusic-'));
    const { url, child } = await startListening('ytmusic-mock', ['--audio-dir', dir, '--rate', String(rate)]);
    return new YtMusicMock(url, child, dir);
  }

  /** Shows `results` when the track `title` by `artists` is searched. */
  async offer(id: string, title: string, artists: string[], songs: Shown[], videos: Shown[] = []): Promise<void> {
    const res = await fetch(`${this.url}/_mock/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ id, track: { title, artists, duration_ms: 0 }, songs, videos, accept: [] }]),
    });
    if (!res.ok) throw new Error(`/_mock/cases: ${res.status} ${await res.text()}`);
  }

  stop(): void {
    this.child.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Connects the local Spotify from Settings, as a person would, and waits
 * for the first sync to end.
 */
export async function connectSpotify(page: import('@playwright/test').Page, hoard: Hoard): Promise<void> {
  await page.goto(`${hoard.url}/settings`);
  await page.getByRole('button', { name: 'Connect Spotify' }).click();
  await expect(page.getByTestId('last-sync')).toContainText('ok', { timeout: 30_000 });
}

/** The client ID the browser tests connect with (any ID works with the local API). */
export const CLIENT_ID = '0123456789abcdef0123456789abcdef';

export class Hoard {
  readonly url: string;
  private child?: ChildProcess;
  private log = '';
  private extraEnv: Record<string, string> = {};

  private constructor(readonly port: number, readonly dataDir: string) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /**
   * A new server on a fresh vault; `seed` writes the demo library first
   * (`seedArgs` adds to it, e.g. `['--liked', '2000']`);
   * `spotify` points it at a local Spotify API (schedule off, no sync on start);
   * `env` adds settings.
   */
  static async start(
    opts: { seed?: boolean; seedArgs?: string[]; spotify?: SpotifyMock; env?: Record<string, string> } = {},
  ): Promise<Hoard> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hoard-e2e-'));
    if (opts.seed) {
      execFileSync(bin(path.join('examples', 'seed')), [path.join(dataDir, 'hoard.db'), ...(opts.seedArgs ?? [])]);
    }
    const hoard = new Hoard(await freePort(), dataDir);
    if (opts.spotify) {
      hoard.extraEnv = {
        HOARD_SPOTIFY_API_URL: `${opts.spotify.url}/v1/`,
        HOARD_SPOTIFY_ACCOUNTS_URL: `${opts.spotify.url}/`,
        HOARD_SPOTIFY_CLIENT_ID: CLIENT_ID,
        HOARD_SYNC_INTERVAL_MINUTES: '0',
        HOARD_SYNC_ON_START: 'false',
      };
    }
    hoard.extraEnv = { ...hoard.extraEnv, ...(opts.env ?? {}) };
    await hoard.resume();
    return hoard;
  }

  /** Adds settings for the next `resume()`. */
  addEnv(env: Record<string, string>): void {
    this.extraEnv = { ...this.extraEnv, ...env };
  }

  /** The Argon2 hash of `password`, as `hoard hash-password` prints it. */
  static hashPassword(password: string): string {
    return execFileSync(bin('hoard'), ['hash-password'], { input: `${password}\n`, stdio: ['pipe', 'pipe', 'ignore'] })
      .toString()
      .trim();
  }

  /** Starts the server process (again) on the same port and vault. */
  async resume(): Promise<void> {
    this.child = spawn(bin('hoard'), [], {
      cwd: this.dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOARD_LISTEN: `127.0.0.1:${this.port}`,
        HOARD_DATA_DIR: this.dataDir,
        HOARD_SITE_DIR: path.join(root, 'target', 'site'),
        // HOARD_TEST_LOG=debug (or tower_http=debug, …) shows more of the server's log.
        HOARD_LOG: process.env.HOARD_TEST_LOG ?? 'warn',
        ...this.extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d) => (this.log += d));
    this.child.stderr?.on('data', (d) => (this.log += d));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`hoard exited early:\n${this.log}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`hoard did not answer /health within 20 s:\n${this.log}`);
  }

  /**
   * Calls a server function the way a script does: JSON, saying it comes
   * from Hoard's own origin (the boundary refuses requests that do not).
   */
  async api(name: string, args: unknown): Promise<Response> {
    return fetch(`${this.url}/api/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: this.url },
      body: JSON.stringify(args),
    });
  }

  /** Drops the violations logged so far: for a test that causes them on purpose. */
  forgetCspViolations(): void {
    this.log = this.log
      .split('\n')
      .filter((line) => !line.includes('content security policy violation'))
      .join('\n');
  }

  /** What the server has logged so far. */
  logged(): string {
    return this.log;
  }

  /**
   * Stops the server with SIGTERM and waits for it to exit. Fails if a
   * browser reported a Content-Security-Policy violation to it meanwhile:
   * the app must work within its own policy.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    const violations = this.log.split('\n').filter((line) => line.includes('content security policy violation'));
    if (violations.length > 0) {
      throw new Error(`the browser reported Content-Security-Policy violations:\n${violations.join('\n')}`);
    }
  }

  /** Stops the server and removes its vault. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
