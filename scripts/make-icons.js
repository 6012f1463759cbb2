// Renders the app's PNG icons (public/icons/) from the favicon's drawing
// with Debian's Chromium. Run from the repository root after `scripts/setup`:
//   node scripts/make-icons.js
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const { chromium } = require(path.join(root, 'end2end', 'node_modules', 'playwright-core'));
const note = '<path d="M20 44a6 6 0 1 1-2-4.5V14l26-5v29a6 6 0 1 1-2-4.5V17l-22 4z" fill="#f5b942"/>';
// "any": the favicon's rounded tile. "maskable": full bleed, the note inside the 80% safe zone.
const any = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#14161a"/>${note}</svg>`;
const maskable = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#14161a"/><g transform="translate(13.85 11.1) scale(0.7)">${note}</g></svg>`;
(async () => {
  const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  for (const [name, svg, size] of [['icon-192', any, 192], ['icon-512', any, 512], ['icon-maskable-512', maskable, 512]]) {
    const p = await b.newPage({ viewport: { width: size, height: size } });
    await p.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
    await p.screenshot({ path: path.join(root, 'public', 'icons', `${name}.png`), omitBackground: true });
    await p.close();
  }
  await b.close();
})();
