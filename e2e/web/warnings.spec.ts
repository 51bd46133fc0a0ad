// What the console says before something goes wrong (issue "The analyst's day", items 3, 4, 6):
// type errors in Problems and before activating, secrets without a value on the list row, the
// activation and the approval card, indicator values checked in the Test form, and the keychain
// banner on a server that has no keychain.
import { createWorkflow, expect, openSignedIn, screenshot, startServe, test, type VigilServer } from './vigil.ts';

// The editor underlines the cast (TS2352); the safety linter has nothing against it.
const TYPE_ERROR_WORKFLOW = `import type { WorkflowContext, WorkflowResult } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const port = ctx.indicator.value as number;
  return ctx.ok("port " + port);
}
`;

const INTEL_TOKEN_WORKFLOW = `import type { WorkflowContext, WorkflowResult } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const token = ctx.secrets.get("INTEL_TOKEN");
  if (!token) return ctx.fail("INTEL_TOKEN is not set");
  return ctx.ok("looked up " + ctx.indicator.value);
}
`;

test('type errors are listed under Problems, marked "type", and activating asks first', async ({ page, vigil, consoleErrors }) => {
  const { uuid, name } = await createWorkflow(vigil, { name: 'Typed lookup', code: TYPE_ERROR_WORKFLOW });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  const problems = page.getByRole('region', { name: /Problems/ });
  const entry = problems.getByRole('listitem').filter({ hasText: 'TS2352' });
  await expect(entry).toContainText("Conversion of type 'string' to type 'number' may be a mistake");
  await expect(entry).toContainText('type');
  await expect(problems.getByRole('heading')).toContainText('0 errors, 1 warning');

  await page.getByRole('button', { name: 'Activate' }).click();
  const dialog = page.getByRole('dialog', { name: `Activate ${name}?` });
  await expect(dialog.getByRole('list', { name: 'Type errors' })).toContainText('TS2352');
  await screenshot(page, 'activate-with-type-errors');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect((await vigil.api('GET', `/v1/workflows/${uuid}`)).body.data.state).toBe('draft');

  await page.getByRole('button', { name: 'Activate' }).click();
  await dialog.getByRole('button', { name: 'Activate anyway' }).click();
  await expect(page.getByRole('button', { name: 'Deactivate' })).toBeVisible();
  expect((await vigil.api('GET', `/v1/workflows/${uuid}`)).body.data.state).toBe('active');
  expect(consoleErrors).toEqual([]);
});

test('a secret without a value is flagged on the list row, before activating, and on the approval card', async ({ page, vigil, consoleErrors }) => {
  const { uuid, name } = await createWorkflow(vigil, { name: 'Intel with token', code: INTEL_TOKEN_WORKFLOW, secrets: ['INTEL_TOKEN'], approval_mode: 'always' });
  await openSignedIn(page, vigil);
  await page.getByRole('searchbox', { name: 'Search workflows' }).fill('Intel with token');
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('secret INTEL_TOKEN is not set: its runs will fail');

  await row.getByRole('button', { name: `Actions for ${name}` }).click();
  await row.getByRole('menuitem', { name: 'Activate' }).click();
  const dialog = page.getByRole('dialog', { name: `Activate ${name}?` });
  await expect(dialog.getByRole('list', { name: 'Warnings' })).toContainText('secret INTEL_TOKEN is not set: its runs will fail');
  await dialog.getByRole('button', { name: 'Activate anyway' }).click();
  await expect(row).toContainText('Active');

  const executed = await vigil.api(
    'POST',
    `/v1/workflows/${uuid}/execute`,
    { indicator_type: 'ip', indicator_value: '203.0.113.7', reason: 'Seen in the phishing campaign', confidence: 0.8 },
    vigil.agentKey,
  );
  expect(executed.status).toBe(202);
  await page.getByRole('link', { name: 'Approvals' }).click();
  const card = page.getByRole('listitem', { name: `${name} on 203.0.113.7` });
  await expect(card.getByRole('list', { name: 'Warnings' })).toContainText('secret INTEL_TOKEN is not set: this run will fail');
  await screenshot(page, 'approval-secret-warning');
  expect(consoleErrors).toEqual([]);
});

test('the Test form checks the indicator value against its type before sending it', async ({ page, vigil, consoleErrors }) => {
  const { uuid } = await createWorkflow(vigil, { name: 'Checked input', code: TYPE_ERROR_WORKFLOW.replace(' as number', '') });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await page.getByRole('tab', { name: 'Test' }).click();
  const value = page.getByRole('textbox', { name: 'Indicator value' });
  await value.fill('hello world');
  await page.getByRole('tabpanel').getByRole('button', { name: /Run test/ }).click();
  await expect(page.getByRole('tabpanel')).toContainText('"hello world" is not a valid ip indicator (rule ip-address)');
  expect(consoleErrors).toEqual([]);
});

test.describe('a server without a keychain (no D-Bus session)', () => {
  let server: VigilServer;
  let stop: () => Promise<void>;

  test.beforeAll(async () => {
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    ({ server, stop } = await startServe(env));
  });
  test.afterAll(async () => {
    await stop();
  });

  test('Secrets shows why and how to fix it, and no form that cannot work', async ({ page, consoleErrors }) => {
    await createWorkflow(server, { name: 'Needs a token', code: INTEL_TOKEN_WORKFLOW, secrets: ['INTEL_TOKEN'] });
    await openSignedIn(page, server, '#/secrets');
    const banner = page.getByRole('alert').filter({ hasText: 'The OS keychain is unavailable' });
    await expect(banner).toContainText('no D-Bus session bus is reachable');
    await expect(banner).toContainText('To fix it:');
    await expect(banner).toContainText('scripts/with-keyring.sh npm run serve');
    await expect(page.getByRole('form', { name: 'Set a secret' })).toHaveCount(0);
    const row = page.getByRole('table', { name: 'Secrets' }).getByRole('row').filter({ hasText: 'INTEL_TOKEN' });
    await expect(row).toContainText('not set');
    await expect(row.getByRole('button')).toHaveCount(0);
    await screenshot(page, 'keychain-banner');
    await expect(page.getByText('Platform failure')).toHaveCount(0);
    expect(consoleErrors).toEqual([]);
  });

  test('Settings shows the same banner and disables the fields that would store a secret', async ({ page, consoleErrors }) => {
    await openSignedIn(page, server, '#/settings');
    await expect(page.getByRole('alert').filter({ hasText: 'The OS keychain is unavailable' })).toBeVisible();
    await expect(page.getByLabel('Bot token')).toBeDisabled();
    await expect(page.getByLabel('Bot token')).toHaveAttribute('placeholder', 'keychain unavailable');
    // The settings that do not need the keychain still save.
    await expect(page.getByRole('button', { name: 'Save execution settings' })).toBeEnabled();
    await expect(page.getByText('Platform failure')).toHaveCount(0);
    expect(consoleErrors).toEqual([]);
  });
});
