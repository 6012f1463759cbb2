// The loopback boundary, tried from real pages in Chromium as an attacker
// would: a page on another loopback origin (another port; localhost against
// 127.0.0.1) sends what browsers send without asking, and a page on a name
// re-pointed at 127.0.0.1 (DNS rebinding, made real with Chromium's host
// resolver rules) tries to read the vault. Every attempt is refused by Hoard
// itself (the statuses are Hoard's answers, seen on the wire) and the vault
// is unchanged afterwards.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { chromium, expect, Page, test } from '@playwright/test';
import { Hoard, hydrated, SpotifyMock } from './harness';

/** A web site of the attacker's: a blank page on its own loopback port. */
async function attackerSite(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><title>Free music</title><p>Nothing to see here.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * Hoard's answers to requests made from `page`, as the network saw them.
 * Read through the DevTools protocol: the browser itself withholds some of
 * them from the page (Cross-Origin-Resource-Policy), and Playwright with it.
 */
async function answers(page: Page, hoardPort: number): Promise<{ method: string; path: string; status: number }[]> {
  const seen: { method: string; path: string; status: number }[] = [];
  const requests = new Map<string, { method: string; path: string }>();
  const statuses = new Map<string, number>();
  const record = (id: string) => {
    const request = requests.get(id);
    const status = statuses.get(id);
    if (request && status !== undefined) seen.push({ ...request, status });
  };
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e) => {
    const url = new URL(e.request.url);
    if (url.port !== String(hoardPort)) return;
    requests.set(e.requestId, { method: e.request.method, path: url.pathname });
    record(e.requestId);
  });
  cdp.on('Network.responseReceivedExtraInfo', (e) => {
    statuses.set(e.requestId, e.statusCode);
    record(e.requestId);
  });
  return seen;
}

/** What an attack could change: the account, the schedule, the queue. */
async function vaultState(hoard: Hoard): Promise<unknown> {
  const sync = await (await hoard.api('sync_overview', {})).json();
  const downloads = await (await hoard.api('downloads_view', { state: null, page: 0 })).json();
  return {
    account: sync.account?.client_id ?? null,
    autoSync: sync.auto_sync,
    counts: downloads.counts,
    paused: downloads.paused,
  };
}

/** Form posts, the oldest cross-site request of all: each one navigates the attacker's tab. */
async function formPosts(page: Page, origin: string, target: string): Promise<void> {
  const forms: [string, Record<string, string>][] = [
    ['/spotify/connect', { client_id: '0123456789abcdef0123456789abcdef' }],
    ['/api/download_command', { command: 'QueueLibrary' }],
    ['/logout', {}],
    ['/login', { password: 'guess', next: '/' }],
  ];
  for (const [action, fields] of forms) {
    await page.goto(`${origin}/`);
    await Promise.all([
      page.waitForURL(`${target}${action}`),
      page.evaluate(
        ([url, fields]) => {
          const f = document.createElement('form');
          f.method = 'POST';
          f.action = url;
          for (const [name, value] of Object.entries(fields)) {
            const input = document.createElement('input');
            input.name = name;
            input.value = value;
            f.appendChild(input);
          }
          document.body.appendChild(f);
          f.submit();
        },
        [`${target}${action}`, fields] as const,
      ),
    ]);
    await expect(page.locator('body')).toContainText('Hoard refused this request');
  }
}

/** Sends, from the current page, the requests any page may send to `target` without asking. */
async function attack(page: Page, target: string): Promise<string[]> {
  return page.evaluate(async (target) => {
    const outcomes: string[] = [];
    const simple = async (path: string, body: string) => {
      // `no-cors` with text/plain: no preflight, the browser just sends it.
      await fetch(`${target}${path}`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }).catch(() => {});
    };
    await simple('/api/spotify_command', '{"command":"Disconnect"}');
    await simple('/api/download_command', '{"command":"QueueLibrary"}');
    await simple('/api/download_command', '{"command":"Pause"}');
    await simple('/api/spotify_command', '{"command":{"AutoSync":false}}');
    // A JSON fetch needs a preflight, which Hoard does not grant.
    try {
      await fetch(`${target}/api/spotify_command`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"command":"Disconnect"}',
      });
      outcomes.push('json fetch answered');
    } catch {
      outcomes.push('json fetch refused');
    }
    // Reading the library: opaque at best, refused by Hoard.
    try {
      const r = await fetch(`${target}/api/track_window`, { method: 'POST', mode: 'no-cors', body: '{}' });
      outcomes.push(`read ${r.type}`);
    } catch {
      outcomes.push('read refused');
    }
    return outcomes;
  }, target);
}

test('pages on other origins cannot drive Hoard, and a rebound name reads nothing', async ({ page, browser }) => {
  test.setTimeout(120_000);
  const spotify = await SpotifyMock.start(['--liked', '20', '--playlists', '2']);
  const hoard = await Hoard.start({ spotify, seed: false });
  const site = await attackerSite();
  try {
    // The user's own Hoard: connected, a schedule on.
    await page.goto(`${hoard.url}/settings`);
    await page.getByRole('button', { name: 'Connect Spotify' }).click();
    await expect(page.getByTestId('spotify-account')).toContainText('Connected as');
    await expect(page.getByTestId('last-sync')).toContainText('ok', { timeout: 30_000 });
    const before = await vaultState(hoard);
    expect(before).toMatchObject({ account: expect.any(String), autoSync: true, paused: false });

    // From another port of 127.0.0.1 (the same site, another origin), and
    // the localhost / 127.0.0.1 pair both ways.
    const localhostHoard = `http://localhost:${hoard.port}`;
    for (const [origin, target] of [
      [`http://127.0.0.1:${site.port}`, hoard.url],
      [`http://localhost:${site.port}`, hoard.url],
      [`http://127.0.0.1:${site.port}`, localhostHoard],
    ]) {
      const attacker = await browser.newPage();
      const seen = await answers(attacker, hoard.port);
      await attacker.goto(`${origin}/`);
      const outcomes = await attack(attacker, target);
      // The read is refused twice: by Hoard (403), and by the browser, as
      // Cross-Origin-Resource-Policy keeps even an opaque answer from the page.
      expect(outcomes, origin).toEqual(['json fetch refused', 'read refused']);
      await formPosts(attacker, origin, target);
      // 4 simple requests, 1 read, 4 forms; the JSON fetch's preflight was
      // refused, so its POST was never sent.
      await expect.poll(() => seen.filter((s) => s.method === 'POST').length, { message: origin }).toBe(9);
      // (The tab then shows Hoard's refusal, whose favicon request is Hoard's own.)
      for (const answer of seen.filter((s) => s.method !== 'GET')) {
        expect(answer.status, `${origin} -> ${target}: ${answer.method} ${answer.path}`).toBe(403);
      }
      await attacker.close();
    }
    expect(await vaultState(hoard)).toEqual(before);
    await page.goto(`${hoard.url}/settings`);
    await expect(page.getByTestId('spotify-account')).toContainText('Connected as');

    // DNS rebinding: attacker.example resolves to 127.0.0.1. Its page is
    // same-origin with itself, so the browser lets it read whatever Hoard
    // answers, and Hoard answers nothing.
    const rebound = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--host-resolver-rules=MAP attacker.example 127.0.0.1',
      ],
    });
    try {
      const evil = await rebound.newPage();
      const response = await evil.goto(`http://attacker.example:${hoard.port}/`);
      expect(response?.status()).toBe(421);
      await expect(evil.locator('body')).toContainText('does not answer for the host name');
      const reads = await evil.evaluate(async () => {
        const out: Record<string, [number, string]> = {};
        const read = async (path: string, init?: RequestInit) => {
          const r = await fetch(path, init);
          out[path] = [r.status, (await r.text()).slice(0, 200)];
        };
        await read('/settings');
        await read('/api/track_window', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ list: 'Liked', query: { q: '', filter: 'All', sort: 'Added', descending: true }, offset: 0, limit: 50 }),
        });
        await read('/api/sync_overview', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        await read('/audio/1');
        await read('/covers/1');
        await read('/downloads/events');
        await read('/downloads/not-downloaded.txt');
        return out;
      });
      for (const [path, [status, body]] of Object.entries(reads)) {
        expect(status, path).toBe(421);
        expect(body, path).toContain('does not answer for the host name');
      }
    } finally {
      await rebound.close();
    }
    expect(await vaultState(hoard)).toEqual(before);
  } finally {
    site.server.close();
    await hoard.dispose();
    spotify.stop();
  }
});

test('the policy is enforced and its reports reach the server', async ({ page }) => {
  const hoard = await Hoard.start({ seed: true });
  try {
    await page.goto(`${hoard.url}/`);
    await expect(page.getByTestId('list-count')).toContainText('liked songs');
    await hydrated(page);
    // What an injected script would try: a script from elsewhere, and an
    // inline one without the page's nonce. Neither runs.
    const ran = await page.evaluate(async () => {
      (window as any).injected = false;
      const inline = document.createElement('script');
      inline.textContent = 'window.injected = true';
      document.body.appendChild(inline);
      const external = document.createElement('script');
      external.src = 'https://evil.example/steal.js';
      document.body.appendChild(external);
      await new Promise((r) => setTimeout(r, 200));
      return (window as any).injected;
    });
    expect(ran).toBe(false);
    // The browser reported both to Hoard, which logged them: this is how
    // a violation anywhere in the suite fails it (Hoard.stop checks).
    await expect
      .poll(() => hoard.logged().split('\n').filter((l) => l.includes('content security policy violation')).length)
      .toBeGreaterThanOrEqual(2);
    hoard.forgetCspViolations();
  } finally {
    await hoard.dispose();
  }
});
