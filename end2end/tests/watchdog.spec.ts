// The connection watchdog: a banner while the server is gone, none once it is back.
import { expect, test } from '@playwright/test';
import { Hoard, hydrated } from './harness';

test('the banner appears when the server stops and goes when it is back', async ({ page }) => {
  const hoard = await Hoard.start();
  // Each poll is a whole answer, read and done, not a response left open
  // until its timeout aborts it (that held one of the browser's few
  // connections to the server all the time).
  const polls: string[] = [];
  page.on('requestfinished', (r) => r.url().endsWith('/health') && polls.push('finished'));
  page.on('requestfailed', (r) => r.url().endsWith('/health') && polls.push(`failed: ${r.failure()?.errorText}`));
  try {
    await page.goto(`${hoard.url}/`);
    await expect(page.getByRole('heading', { name: 'No liked songs yet' })).toBeVisible();
    await hydrated(page); // the watchdog runs
    const banner = page.getByTestId('watchdog');
    await expect(banner).toHaveCount(0);
    await page.waitForTimeout(2_500); // a healthy poll or two: still no banner
    await expect(banner).toHaveCount(0);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls).toEqual(polls.map(() => 'finished'));

    await hoard.stop();
    await expect(banner).toBeVisible();
    await expect(banner).toContainText("Can't reach the Hoard server");
    // The page stays usable for what it already has.
    await expect(page.getByRole('heading', { name: 'No liked songs yet' })).toBeVisible();

    await hoard.resume();
    await expect(banner).toHaveCount(0);
  } finally {
    await hoard.dispose();
  }
});
