// HTTP-endpoint workflows in the console: chosen when creating, edited with a form instead of
// code, saved as versions, and tested against mock responses.
import { createWorkflow, expect, openSignedIn, screenshot, test } from './vigil.ts';

test('creates an HTTP-endpoint workflow with the form and saves its configuration', async ({ page, vigil, consoleErrors }) => {
  await openSignedIn(page, vigil);
  await page.getByRole('button', { name: 'New workflow' }).click();
  await page.getByRole('group', { name: 'Workflow kind' }).getByRole('button', { name: 'HTTP endpoint' }).click();
  await expect(page.getByRole('region', { name: 'Workflow code' })).toHaveCount(0);
  const form = page.getByRole('region', { name: 'Endpoint configuration' });
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Start n8n containment');

  await form.getByLabel('URL').fill('https://n8n.example.com/webhook/contain');
  await form.getByLabel('Method').selectOption('PUT');
  await form.getByRole('button', { name: 'Add header' }).click();
  await form.getByLabel('Header name').fill('X-Source');
  await form.getByLabel('Value of X-Source').fill('vigil');
  await form.getByLabel('Timeout (seconds)').fill('45');
  await screenshot(page, 'editor-endpoint-form');

  await page.keyboard.press('ControlOrMeta+s');
  await expect(page).toHaveURL(/#\/workflows\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 1' })).toBeVisible();
  const uuid = page.url().split('/').pop()!;
  const saved = await vigil.api('GET', `/v1/workflows/${uuid}`);
  expect(saved.body.data).toMatchObject({
    kind: 'http_endpoint',
    timeout_seconds: 45,
    endpoint: { url: 'https://n8n.example.com/webhook/contain', method: 'PUT', headers: { 'X-Source': 'vigil' }, timeout_seconds: 45 },
  });

  // A change to the configuration is a new version.
  await form.getByLabel('Value of X-Source').fill('vigil-console');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 2' })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test('tests an HTTP-endpoint workflow against a mock response', async ({ page, vigil, consoleErrors }) => {
  const { uuid } = await createWorkflow(vigil, { name: 'Logic App', kind: 'http_endpoint', endpoint: { url: 'https://logic.example.com/run' } });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await expect(page.getByRole('region', { name: 'Endpoint configuration' }).getByLabel('URL')).toHaveValue('https://logic.example.com/run');
  await page.getByRole('tab', { name: 'Test' }).click();
  // The example mocks a new test panel starts with fit an endpoint: they answer its POST.
  await page.getByRole('button', { name: 'Run test' }).click();
  const result = page.getByRole('region', { name: 'Test result' });
  await expect(result).toContainText('POST https://logic.example.com/run answered 202');

  await page.locator('.json-host .view-lines').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('{"responses": [{"method": "POST", "url": "https://logic.example.com/run", "status": 202, "json": {"ok": true}}]}');
  await page.getByRole('button', { name: 'Run test' }).click();

  await expect(result).toContainText('POST https://logic.example.com/run answered 202');
  const calls = result.getByRole('list', { name: 'HTTP calls' }).getByRole('listitem');
  await expect(calls).toHaveCount(1);
  await expect(calls.first()).toContainText('mock #1');
  await screenshot(page, 'editor-endpoint-test');
  expect(consoleErrors).toEqual([]);
});
