// Ratings, loved marks, tags and smart playlists in real Chromium, against
// the real server and its SQLite vault: a rating given in a list row with
// the keyboard, a track loved from its page, a tag added there, and the
// smart playlists and list filters following at once; a Navidrome .nsp file
// imported, and a bad one refused with a reason.
import { expect, Page, test } from '@playwright/test';
import { Hoard, hydrated } from './harness';

let hoard: Hoard;
test.beforeAll(async () => {
  hoard = await Hoard.start({ seed: true });
});
test.afterAll(async () => {
  await hoard.dispose();
});

const rows = (page: Page) => page.getByTestId('track-row');

test('a rating, a loved mark and a tag reach the lists and the smart playlists', async ({ page }) => {
  // Eight page loads, each hydrated: more than the default minute on a loaded machine.
  test.setTimeout(150_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${hoard.url}/?q=hunter`);
  await hydrated(page);
  await expect(rows(page)).toHaveCount(1);
  // Four stars with the mouse, then five with the keyboard.
  const stars = page.getByRole('radiogroup', { name: 'Rating of Hunter' });
  await stars.getByRole('radio', { name: '4 stars' }).click();
  await expect(stars.getByRole('radio', { name: '4 stars' })).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(stars.getByRole('radio', { name: '5 stars' })).toHaveAttribute('aria-checked', 'true');
  await expect(stars.getByRole('radio', { name: '5 stars' })).toBeFocused();

  // Kept by the server: a reload shows it, and Top rated holds the track.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('radiogroup', { name: 'Rating of Hunter' }).getByRole('radio', { name: '5 stars' }))
    .toHaveAttribute('aria-checked', 'true');
  await page.goto(`${hoard.url}/smart`);
  await hydrated(page);
  await page.getByRole('link', { name: /Top rated/ }).click();
  await expect(page.getByRole('heading', { name: 'Top rated' })).toBeVisible();
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText('Hunter');
  await hydrated(page);
  await page.getByTestId('smart-download').click();
  await expect(page.getByTestId('smart-message')).toHaveText(/^(1 track queued\.|Nothing new to queue: every track already has a job\.)$/);

  // Loved and tagged on the track's page.
  await rows(page).first().getByRole('link', { name: 'Hunter' }).click();
  await expect(page.getByTestId('track-title')).toHaveText('Hunter');
  await hydrated(page);
  const love = page.locator('.track-marks').getByRole('button', { name: 'Love Hunter' });
  await love.click();
  await expect(love).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('tag-input').fill('  Road   trip ');
  await page.getByTestId('tag-input').press('Enter');
  await expect(page.getByRole('list', { name: 'Tags of Hunter' })).toContainText('Road trip');

  await page.goto(`${hoard.url}/?tag=road%20trip`);
  await hydrated(page);
  await expect(page.getByTestId('list-count')).toHaveText('1 liked song');
  await page.goto(`${hoard.url}/?loved=1`);
  await hydrated(page);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().getByRole('button', { name: 'Love Hunter' })).toHaveAttribute('aria-pressed', 'true');
  await page.goto(`${hoard.url}/smart`);
  await hydrated(page);
  await page.getByRole('link', { name: /^Loved/ }).click();
  await expect(rows(page)).toHaveCount(1);
});

test('a Navidrome .nsp file becomes a smart playlist; a bad one is refused with the reason', async ({ page }) => {
  await page.goto(`${hoard.url}/smart`);
  await hydrated(page);
  const nsp = JSON.stringify({
    name: 'Long ones',
    comment: 'From Navidrome',
    all: [{ gt: { duration: 200 } }, { gt: { bitrate: 256 } }],
    sort: '-duration',
    limit: 3,
  });
  await page.getByTestId('nsp-input').setInputFiles({ name: 'long.nsp', mimeType: 'application/json', buffer: Buffer.from(nsp) });
  const notice = page.getByTestId('nsp-imported');
  await expect(notice).toContainText('Imported Long ones');
  await expect(notice).toContainText('bitrate');
  await notice.getByRole('link', { name: 'Long ones' }).click();
  await expect(page.getByTestId('rule-summary')).toContainText('Length (seconds) more than 200');
  await expect(rows(page)).toHaveCount(3);

  await page.goto(`${hoard.url}/smart`);
  await hydrated(page);
  await page.getByTestId('nsp-input').setInputFiles({ name: 'bad.nsp', mimeType: 'application/json', buffer: Buffer.from('{"sort": "title"}') });
  await expect(page.getByRole('alert')).toContainText('bad.nsp: the file has no rules');
});

test('a rule with a bad value is refused with the rule named, and a good one saved', async ({ page }) => {
  await page.goto(`${hoard.url}/smart/new`);
  await hydrated(page);
  await page.getByTestId('smart-name').fill('Björk only');
  const rule = page.getByTestId('rule').first();
  await rule.getByRole('combobox', { name: 'Field' }).selectOption('artist');
  await rule.getByRole('combobox', { name: 'Test' }).selectOption('contains');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('rule-error')).toContainText('rule 1');
  await rule.getByTestId('rule-value').fill('björk');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'Björk only' })).toBeVisible();
  await hydrated(page);
  await expect(rows(page).first()).toContainText('Björk');
});
