// Settings → Subsonic apps in a real browser: a key made for an app signs
// that app in (a Subsonic request from outside the browser, as an app
// sends it), and is refused once revoked; a Subsonic password set here
// works with Subsonic's token sign-in.
import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { Hoard, hydrated } from './harness';

async function ping(hoard: Hoard, credentials: Record<string, string>): Promise<{ status: string; error?: { code: number } }> {
  const query = new URLSearchParams({ v: '1.16.1', c: 'spec', f: 'json', ...credentials });
  const res = await fetch(`${hoard.url}/rest/ping.view?${query}`);
  return (await res.json())['subsonic-response'];
}

test('an API key made in Settings signs an app in until it is revoked; the Subsonic password signs in by token', async ({ page }) => {
  const hoard = await Hoard.start({ seed: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${hoard.url}/settings`);
    await hydrated(page);
    const panel = page.getByTestId('subsonic');
    await expect(panel.getByTestId('subsonic-address')).toHaveText(hoard.url);
    await expect(panel.getByTestId('subsonic-no-keys')).toBeVisible();
    const user = (await panel.getByTestId('subsonic-user').textContent())!;

    await panel.getByTestId('subsonic-key-name').fill('Symfonium');
    await panel.getByTestId('subsonic-key-make').click();
    const key = (await panel.getByTestId('subsonic-key').textContent())!;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await ping(hoard, { apiKey: key })).toMatchObject({ status: 'ok', openSubsonic: true });
    // The panel tells which app used the key.
    await page.reload();
    await hydrated(page);
    await expect(panel.getByTestId('subsonic-keys')).toContainText('last used');
    await expect(panel.getByTestId('subsonic-keys')).toContainText('by spec');
    await expect(panel.getByTestId('subsonic-key')).toHaveCount(0);

    await panel.getByRole('button', { name: 'Revoke the key for Symfonium' }).click();
    await expect(panel.getByRole('status')).toContainText('revoked');
    expect((await ping(hoard, { apiKey: key })).error?.code).toBe(44);

    // Token sign-in needs the Subsonic password; without one it says so (41).
    const salt = 'a1b2c3';
    const token = (p: string) => createHash('md5').update(p + salt).digest('hex');
    expect((await ping(hoard, { u: user, t: token('x'), s: salt })).error?.code).toBe(41);
    const password = 'a long subsonic password';
    await panel.getByTestId('subsonic-password').fill(password);
    await panel.getByTestId('subsonic-password-save').click();
    await expect(panel.getByTestId('subsonic-password-state')).toHaveText('A Subsonic password is set.');
    expect(await ping(hoard, { u: user, t: token(password), s: salt })).toMatchObject({ status: 'ok' });
    expect((await ping(hoard, { u: user, t: token('wrong password'), s: salt })).error?.code).toBe(40);
    expect(errors).toEqual([]);
  } finally {
    await hoard.stop();
  }
});
