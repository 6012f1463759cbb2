// Stats by calendar period on the listener's clock, the yearly review with
// its picture, Spotify's own top lists, and the now-playing widget: a public
// image at a secret address that stops answering when revoked.
import { expect, test } from '@playwright/test';
import { Hoard, hydrated } from './harness';

let hoard: Hoard;
test.beforeAll(async () => {
  hoard = await Hoard.start({ seed: true });
});
test.afterAll(async () => {
  await hoard.dispose();
});

test('calendar periods step back and forth, and the year has a review with a picture', async ({ page }) => {
  await page.goto(`${hoard.url}/stats?period=month&at=2026-03-15`);
  await hydrated(page);
  await expect(page.getByTestId('period-label')).toHaveText('March 2026');
  await page.getByRole('link', { name: '‹ Earlier' }).click();
  await expect(page.getByTestId('period-label')).toHaveText('February 2026');
  await page.getByRole('link', { name: 'Later ›' }).click();
  await expect(page.getByTestId('period-label')).toHaveText('March 2026');
  await page.goto(`${hoard.url}/stats?period=week&at=2026-12-02`);
  await expect(page.getByTestId('period-label')).toHaveText('Week of 2026-11-30');

  await page.goto(`${hoard.url}/stats?period=year&at=2026-06-01`);
  await page.getByRole('link', { name: 'Your 2026 in review' }).click();
  await expect(page.getByRole('heading', { name: '2026', level: 1 })).toBeVisible();
  const card = page.getByTestId('review-card');
  await expect(card).toBeVisible();
  // The picture is a real image the browser decoded.
  await expect.poll(() => card.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1080);
});

test('a time zone is chosen by name; the hours follow it', async ({ page }) => {
  await page.goto(`${hoard.url}/settings`);
  await hydrated(page);
  await page.getByTestId('time-zone').selectOption('Asia/Tokyo');
  await expect(page.getByText('Stats now count hours and days in Asia/Tokyo.')).toBeVisible();
  await page.goto(`${hoard.url}/stats?period=all`);
  await expect(page.locator('figcaption', { hasText: 'Listening by hour (Asia/Tokyo)' })).toBeVisible();
  // A name the time zone database does not know is refused, naming the setting.
  const res = await hoard.api('personal_time_zone', { zone: 'Mars/Olympus' });
  expect(res.ok).toBeFalsy();
  expect(await res.text()).toContain('Time zone');
});

test('the now-playing widget is public at its secret address until revoked', async ({ page, browser }) => {
  await page.goto(`${hoard.url}/settings`);
  await hydrated(page);
  await page.getByTestId('widget-make').click();
  const url = await page.getByTestId('widget-url').innerText();
  expect(url).toMatch(/\/widget\/[0-9a-f]{64}\.svg$/);
  // Another site can show it: a page elsewhere loads it as an image.
  const other = await browser.newPage();
  await other.setContent(`<img id="w" src="${url}">`);
  await expect.poll(() => other.evaluate(() => (document.getElementById('w') as HTMLImageElement).naturalWidth)).toBe(420);
  const answer = await fetch(url);
  expect(answer.headers.get('content-type')).toContain('image/svg+xml');
  expect(answer.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  expect(await answer.text()).toMatch(/Last played|Now playing|Nothing played yet/);
  // A guessed address and a revoked one answer the same: nothing.
  expect((await fetch(url.replace(/[0-9a-f]{8}\.svg$/, '00000000.svg'))).status).toBe(404);
  await page.getByTestId('widget-revoke').click();
  await expect(page.getByText('The widget link is revoked')).toBeVisible();
  expect((await fetch(url)).status).toBe(404);
});
