// Long lists in real Chromium: 2,008 liked songs as one virtualised list
// (only the rows on screen in the page), searched, filtered and sorted by the
// server a window at a time.
import { expect, Page, test } from '@playwright/test';
import { Hoard, hydrated } from './harness';

let hoard: Hoard;
test.beforeAll(async () => {
  hoard = await Hoard.start({ seed: true, seedArgs: ['--liked', '2000'] });
});
test.afterAll(async () => {
  await hoard.dispose();
});

const rows = (page: Page) => page.getByTestId('track-row');
const titles = (page: Page) => rows(page).locator('.title .name').allInnerTexts();

test('2,008 liked songs scroll as one list that renders only what is on screen', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${hoard.url}/`);
  await hydrated(page);
  await expect(page.getByTestId('list-count')).toHaveText('2008 liked songs');
  expect(await rows(page).count()).toBeLessThan(80);
  // The last row is reachable by scrolling; windows load on the way.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(rows(page).locator('.n', { hasText: /^2008$/ })).toBeVisible();
  expect(await rows(page).count()).toBeLessThan(80);
  // And the middle, with real rows (not placeholders).
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight / 2));
  await expect(rows(page).locator('.n', { hasText: /^100\d$/ }).first()).toBeVisible();
  // Rows that came into view while the list scrolled show their text at
  // once and their controls once it stops; the controls work.
  const row = rows(page).filter({ has: page.locator('.n', { hasText: /^1004$/ }) });
  const stars = row.getByRole('radiogroup');
  await stars.getByRole('radio', { name: '4 stars' }).click();
  await expect(stars.getByRole('radio', { name: '4 stars' })).toHaveAttribute('aria-checked', 'true');
  await expect(row.getByRole('button', { name: /^Play .+ next$/ })).toBeVisible();
  await expect(row.getByRole('button', { name: /^Add .+ to the queue$/ })).toBeVisible();
});

test('on a phone, a row with badges keeps its links inside its own 56 px', async ({ page }) => {
  await page.setViewportSize({ width: 412, height: 823 });
  await page.goto(`${hoard.url}/?filter=gone`);
  await hydrated(page);
  await expect(rows(page).locator('.badge.gone').first()).toBeVisible();
  // A link reaching into the next row is half hidden and overlaps that row's links.
  const spilling = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=track-row]')].flatMap((row) => {
      const r = row.getBoundingClientRect();
      return [...row.querySelectorAll('a, button')]
        .filter((a) => {
          const b = a.getBoundingClientRect();
          return b.height > 0 && (b.bottom > r.bottom + 0.5 || b.top < r.top - 0.5);
        })
        .map((a) => a.textContent);
    }),
  );
  expect(spilling).toEqual([]);
});

test('search, filters and sort are done by the server and kept in the address', async ({ page }) => {
  // Tall enough for every gone track's row at once (the list renders what is on screen).
  await page.setViewportSize({ width: 1280, height: 1400 });
  await page.goto(`${hoard.url}/`);
  await hydrated(page);
  const search = page.getByRole('searchbox', { name: 'Search Liked songs' });
  await search.fill('hunter');
  await expect(page).toHaveURL(`${hoard.url}/?q=hunter`);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText('Björk');
  await search.fill('');
  await expect(page.getByTestId('list-count')).toHaveText('2008 liked songs');

  await page.getByRole('button', { name: 'Gone from Spotify' }).click();
  await expect(page).toHaveURL(`${hoard.url}/?filter=gone`);
  // The address changes at once, the count when the server has answered.
  await expect(page.getByTestId('list-count')).not.toHaveText('2008 liked songs');
  const gone = Number((await page.getByTestId('list-count').innerText()).split(' ')[0]);
  expect(gone).toBeGreaterThan(5);
  expect(gone).toBeLessThan(100);
  await expect(rows(page)).toHaveCount(gone);
  await expect(rows(page).locator('.badge.gone')).toHaveCount(gone);
  await page.getByRole('button', { name: 'All', exact: true }).click();

  await page.getByRole('button', { name: 'Title', exact: true }).click();
  await expect(page).toHaveURL(`${hoard.url}/?sort=title`);
  await expect(page.locator('[role=columnheader][aria-sort=ascending]')).toContainText('Title');
  const ordered = (xs: string[]) => xs.every((x, i) => i === 0 || xs[i - 1].toLowerCase() <= x.toLowerCase());
  await expect.poll(async () => { const t = await titles(page); return t.length > 10 && ordered(t); }).toBe(true);
  await page.getByRole('button', { name: 'Title', exact: true }).click();
  await expect(page).toHaveURL(`${hoard.url}/?sort=title&desc=1`);
  await expect.poll(async () => { const t = await titles(page); return t.length > 10 && ordered([...t].reverse()); }).toBe(true);
  // A reload shows the same order.
  const first = (await titles(page))[0];
  await page.reload();
  await expect(rows(page).first().locator('.title .name')).toHaveText(first);
});
