const { chromium } = require('@playwright/test');
const fs = require('fs');
(async () => {
  const url = process.argv[2];
  const dir = fs.mkdtempSync('/tmp/prof-');
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
  const p = ctx.pages()[0];
  p.on('console', m => { if (m.type() !== 'log') console.log('console', m.type(), m.text().slice(0, 800)); });
  p.on('pageerror', e => console.log('pageerror', e.message));
  await p.goto(url);
  await p.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 20000 }).catch(e => console.log('no controller', e.message));
  console.log('controlled');
  await p.getByTestId('keep').click();
  await p.waitForTimeout(5000);
  console.log(await p.getByTestId('device-status').textContent());
  await ctx.close();
})();
