import { spawn } from 'node:child_process';
import { mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { chromium } from '@playwright/test';
const port = 38126;
const SITE = process.env.SITE ?? '/tmp/site-rel';
rmSync('/tmp/lzd', { recursive: true, force: true }); mkdirSync('/tmp/lzd'); for (const s of ['', '-wal', '-shm']) copyFileSync('/tmp/lz/h10k.db' + s, '/tmp/lzd/hoard.db' + s);
const child = spawn('/work/main/target/release/hoard', [], { env: { PATH: process.env.PATH, HOARD_LISTEN: `127.0.0.1:${port}`, HOARD_DATA_DIR: '/tmp/lzd', HOARD_SITE_DIR: SITE, HOARD_LOG: 'error' }, stdio: 'inherit' });
process.on('exit', () => child.kill('SIGKILL'));
for (let i = 0; i < 100; i++) { try { if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (let i = 0; i < 3; i++) {
  const ctx = await b.newContext();
  const page = await ctx.newPage();
  await page.addInitScript(() => {
    window.__lcp = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lcp.push([e.entryType, e.name, Math.round(e.startTime), e.element?.tagName + ' ' + (e.element?.textContent ?? '').slice(0, 30)]); }).observe({ type: 'largest-contentful-paint', buffered: true });
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lcp.push([e.entryType, e.name, Math.round(e.startTime)]); }).observe({ type: 'paint', buffered: true });
  });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => performance.getEntriesByName('hoard-hydrated').length > 0);
  await page.waitForTimeout(1500);
  const r = await page.evaluate(() => ({
    lcp: window.__lcp,
    hydrated: Math.round(performance.getEntriesByName('hoard-hydrated')[0].startTime),
    nav: performance.getEntriesByType('navigation').map((n) => [Math.round(n.responseStart), Math.round(n.responseEnd), Math.round(n.domInteractive), Math.round(n.domContentLoadedEventEnd), Math.round(n.loadEventEnd)])[0],
    res: performance.getEntriesByType('resource').filter((e) => e.name.includes('/pkg/')).map((e) => [e.name.split('/').pop().slice(0, 30), Math.round(e.startTime), Math.round(e.responseEnd)]),
  }));
  console.log(JSON.stringify(r));
  await ctx.close();
}
await b.close();
process.exit(0);
