// The workflow list at 1280 px (issue "The analyst's day", item 7): every column on screen with no
// horizontal scrolling, indicator types apart from tags, and the row actions in a menu that works
// from the keyboard.
import { createWorkflow, expect, openSignedIn, screenshot, test } from './vigil.ts';

const CODE = `export async function run(ctx) {\n  return ctx.ok("done");\n}\n`;

test.use({ viewport: { width: 1280, height: 800 } });

test('fits 1280 px without horizontal scrolling, with indicator types apart from tags', async ({ page, vigil, consoleErrors }) => {
  const { name } = await createWorkflow(vigil, {
    name: 'Quarantine the mailbox of a user reported for phishing by several colleagues',
    code: CODE,
    tags: ['email', 'containment', 'phishing'],
    indicator_types: ['email', 'account'],
  });
  await openSignedIn(page, vigil);
  const table = page.getByRole('table', { name: 'Workflows' });
  const row = table.getByRole('row').filter({ hasText: name });
  await expect(row).toBeVisible();

  // Nothing scrolls sideways: not the page, not the view, not the table.
  for (const selector of ['html', '.main', '.table-wrap']) {
    const [scroll, client] = await page.locator(selector).evaluate((el) => [el.scrollWidth, el.clientWidth]);
    expect(scroll, `${selector} scrolls sideways`).toBeLessThanOrEqual(client);
  }
  for (const header of ['Name', 'Updated', 'Last run', 'Indicators', 'Tags']) {
    await expect(table.getByRole('columnheader', { name: header })).toBeInViewport({ ratio: 1 });
  }
  await screenshot(page, 'workflows-1280');
  // Other tests' workflows may push the row below the fold: scrolling down is fine, sideways is not.
  await row.scrollIntoViewIfNeeded();
  await expect(row.getByRole('link', { name })).toBeInViewport({ ratio: 1 });
  await expect(row.getByRole('button', { name: 'Run', exact: true })).toBeInViewport({ ratio: 1 });
  await expect(row.getByRole('button', { name: `Actions for ${name}` })).toBeInViewport({ ratio: 1 });

  // Indicator types have a column of their own; the Tags column holds tags only.
  const cells = row.getByRole('cell');
  const headers = await table.getByRole('columnheader').allInnerTexts();
  const cell = (header: string) => cells.nth(headers.findIndex((text) => text.trim().startsWith(header)));
  await expect(cell('Indicators')).toHaveText('Email, Account');
  await expect(cell('Tags')).toHaveText(/^email\s*containment\s*phishing$/);
  expect(consoleErrors).toEqual([]);
});

test('the row menu opens, moves and closes from the keyboard', async ({ page, vigil }) => {
  const { name, uuid } = await createWorkflow(vigil, { name: 'Block sender', code: CODE });
  await openSignedIn(page, vigil);
  const row = page.getByRole('row').filter({ hasText: name });
  const menuButton = row.getByRole('button', { name: `Actions for ${name}` });
  await menuButton.focus();
  await page.keyboard.press('Enter');
  const menu = page.getByRole('menu', { name: `Actions for ${name}` });
  await expect(menu.getByRole('menuitem', { name: 'Activate' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Duplicate' })).toBeFocused();
  await page.keyboard.press('End');
  await expect(menu.getByRole('menuitem', { name: 'Delete' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Activate' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect(menuButton).toBeFocused();
  await expect(menuButton).toHaveAttribute('aria-expanded', 'false');

  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Activate' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(row).toContainText('Active');
  await expect.poll(async () => (await vigil.api('GET', `/v1/workflows/${uuid}`)).body.data.state).toBe('active');

  // A click elsewhere closes it too.
  await menuButton.click();
  await expect(menu.getByRole('menuitem', { name: 'Deactivate' })).toBeVisible();
  await page.getByRole('heading', { name: 'Workflows' }).click();
  await expect(menu).toHaveCount(0);
});
