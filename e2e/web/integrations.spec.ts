// Settings → Integrations in the console against a real `vigil serve` and a fake Okta org on
// 127.0.0.1: save, Test connection, and the built-ins' `not configured` badges.
import { fakeOkta } from '../../test/helpers/fake-okta.ts';
import { expect, openSignedIn, screenshot, test } from './vigil.ts';

test('Okta is configured and tested from Settings, and its built-ins stop showing not configured', async ({ page, vigil, consoleErrors }) => {
  const okta = await fakeOkta();
  try {
    await openSignedIn(page, vigil);
    const suspendRow = page.getByRole('row').filter({ hasText: 'Okta: suspend user' });
    await expect(suspendRow.getByText('not configured')).toBeVisible();

    await page.goto(`${vigil.url}/#/settings`);
    const form = page.getByRole('form', { name: 'Okta' });
    await expect(form.getByText('not configured')).toBeVisible();
    await form.getByLabel('Org URL').fill(okta.url);
    await form.getByLabel('API token').fill(okta.token);
    await form.getByRole('button', { name: 'Save Okta' }).click();
    await expect(form.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    await expect(form.getByText('Stored in the OS keychain')).toBeVisible();
    await form.getByRole('button', { name: 'Test connection' }).click();
    await expect(form.getByRole('status').filter({ hasText: `Connected: connected to ${okta.url} as soc-bot@example.com` })).toBeVisible();
    await expect(page.getByText(okta.token)).toHaveCount(0);
    expect((await vigil.api('GET', '/v1/integrations/okta')).body.data).toMatchObject({ configured: true, api_token_set: true });
    await screenshot(page, 'settings-integrations');

    await page.getByRole('link', { name: 'Workflows' }).click();
    await expect(page.getByRole('row').filter({ hasText: 'Okta: suspend user' })).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: 'Okta: suspend user' }).getByText('not configured')).toHaveCount(0);
    await expect(page.getByRole('row').filter({ hasText: 'Entra ID: disable account' }).getByText('not configured')).toBeVisible();
  } finally {
    await okta.close();
  }
  expect(consoleErrors).toEqual([]);
});
