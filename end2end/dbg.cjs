const { chromium } = require('@playwright/test');
(async () => {
  const url = process.argv[2];
  const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
  const p = await b.newPage();
  p.on('console', m => console.log('console', m.type(), m.text().slice(0, 1500)));
  p.on('pageerror', e => console.log('pageerror', e.message));
  await p.goto(url);
  await p.waitForTimeout(3000);
  console.log((await p.content()).length);
  await b.close();
})();
