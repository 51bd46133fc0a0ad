// Run from the console (issue "The analyst's day", item 1): the analyst runs a workflow as
// themselves through the same execute path and gate as agents. An `always` workflow asks for an
// approval, the analyst's own run included; approving it follows the run live. A high-risk run
// that starts at once is confirmed first. Workflows that cannot run say why.
import { createWorkflow, expect, openSignedIn, screenshot, test } from './vigil.ts';

const CONTAIN = `import type { WorkflowContext, WorkflowResult } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  ctx.log.info("containing host", { ip: ctx.indicator.value, ticket: (ctx.input as { ticket?: string } | null)?.ticket ?? null });
  return ctx.ok("contained " + ctx.indicator.value, { ip: ctx.indicator.value });
}
`;

test('Run on an always workflow asks for an approval, the analyst approves it, and the run is followed live', async ({ page, vigil, consoleErrors }) => {
  const { uuid, name } = await createWorkflow(vigil, {
    name: 'Contain host',
    code: CONTAIN,
    state: 'active',
    approval_mode: 'always',
    risk_level: 'medium',
    indicator_types: ['ip'],
  });
  await openSignedIn(page, vigil);
  const row = page.getByRole('row').filter({ hasText: name });
  await row.getByRole('button', { name: 'Run', exact: true }).click();

  const dialog = page.getByRole('dialog', { name: `Run “${name}”` });
  await expect(dialog).toContainText('asks for an approval before every run, yours included');
  // The type is checked against the workflow's types: only those are offered.
  await expect(dialog.getByLabel('Indicator type').locator('option')).toHaveText(['IP']);
  await expect(dialog.getByLabel('Indicator value')).toBeFocused();
  await dialog.getByLabel('Indicator value').fill(' 198.51.100.23 ');
  await dialog.getByLabel('Context (ctx.input, JSON, optional)').fill('{"ticket": "INC-4711"}');
  await dialog.getByLabel('Note (optional)').fill('Beaconing seen on the proxy, checked by hand');
  await screenshot(page, 'run-form');
  await dialog.getByRole('button', { name: 'Request approval' }).click();

  // The request waits in the Approvals view, highlighted, and says it is the analyst's own.
  await expect(page).toHaveURL(/#\/approvals\/[0-9a-f-]{36}$/);
  const approvalUuid = page.url().split('/').pop()!;
  const card = page.getByRole('list', { name: 'Pending approvals' }).getByRole('listitem').filter({ hasText: name });
  await expect(card).toHaveClass(/selected/);
  await expect(card).toContainText('You just asked for this run');
  await expect(card).toContainText('Beaconing seen on the proxy, checked by hand');
  const approval = (await vigil.api('GET', `/v1/workflow-approvals/${approvalUuid}`)).body.data;
  expect(approval).toMatchObject({
    status: 'pending',
    trigger_type: 'human',
    reason: 'Beaconing seen on the proxy, checked by hand',
    input: { indicator: { type: 'ip', value: '198.51.100.23' }, context: { ticket: 'INC-4711' } },
  });
  expect(approval.workflow_uuid).toBe(uuid);
  await screenshot(page, 'run-pending-approval');

  await card.getByRole('button', { name: 'Approve' }).click();
  // Approved: the console follows the run it started, live.
  await expect(page).toHaveURL(/#\/runs\/[0-9a-f-]{36}$/);
  const detail = page.getByRole('complementary', { name: 'Run detail' });
  await expect(detail).toContainText('Success');
  await expect(detail).toContainText('contained 198.51.100.23');
  await expect(detail).toContainText('INC-4711');
  await expect(detail).toContainText('Human');
  const runUuid = page.url().split('/').pop()!;
  expect((await vigil.api('GET', `/v1/workflow-runs/${runUuid}`)).body.data.approval_uuid).toBe(approvalUuid);
  expect(consoleErrors).toEqual([]);
});

test('a high-risk run that starts at once is confirmed first; bad context JSON is marked at its field', async ({ page, vigil, consoleErrors }) => {
  const { uuid, name } = await createWorkflow(vigil, {
    name: 'Isolate endpoint',
    code: CONTAIN,
    state: 'active',
    approval_mode: 'agent_only',
    risk_level: 'high',
    indicator_types: ['ip', 'domain'],
  });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Run “${name}”` });
  await expect(dialog).toContainText('The run starts as soon as you send it');
  await expect(dialog.getByLabel('Indicator type').locator('option')).toHaveText(['IP', 'Domain']);

  await dialog.getByRole('button', { name: 'Run workflow' }).click();
  await expect(dialog.getByLabel('Indicator value')).toHaveAttribute('aria-invalid', 'true');
  await dialog.getByLabel('Indicator value').fill('203.0.113.9');
  await dialog.getByLabel('Context (ctx.input, JSON, optional)').fill('{"ticket": ');
  await dialog.getByRole('button', { name: 'Run workflow' }).click();
  const context = dialog.getByLabel('Context (ctx.input, JSON, optional)');
  await expect(context).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog).toContainText('Not valid JSON');
  await context.fill('{"ticket": "INC-9"}');
  await expect(context).toHaveAttribute('aria-invalid', 'false');
  await dialog.getByRole('button', { name: 'Run workflow' }).click();

  // Nothing has run yet: the confirmation comes first, and Back returns to the form as it was.
  const confirm = page.getByRole('dialog', { name: 'Run a high-risk workflow?' });
  await expect(confirm).toContainText('203.0.113.9');
  expect((await vigil.api('GET', `/v1/workflow-runs?workflow_uuid=${uuid}`)).body.meta.total).toBe(0);
  await confirm.getByRole('button', { name: 'Back' }).click();
  await expect(dialog.getByLabel('Indicator value')).toHaveValue('203.0.113.9');
  await dialog.getByRole('button', { name: 'Run workflow' }).click();
  await confirm.getByRole('button', { name: 'Run it now' }).click();

  await expect(page).toHaveURL(/#\/runs\/[0-9a-f-]{36}$/);
  const detail = page.getByRole('complementary', { name: 'Run detail' });
  await expect(detail).toContainText('Success');
  await expect(detail).toContainText('contained 203.0.113.9');
  const run = (await vigil.api('GET', `/v1/workflow-runs/${page.url().split('/').pop()}`)).body.data;
  expect(run).toMatchObject({ trigger_type: 'human', approval_uuid: null, input: { context: { ticket: 'INC-9' } } });
  expect(consoleErrors).toEqual([]);
});

test('Run says why it cannot run, and a refusal reads well in the form', async ({ page, vigil }) => {
  const draft = await createWorkflow(vigil, { name: 'Draft lookup', code: CONTAIN });
  const live = await createWorkflow(vigil, { name: 'Live lookup', code: CONTAIN, state: 'active', approval_mode: 'never' });
  await openSignedIn(page, vigil);

  const draftRun = page.getByRole('row').filter({ hasText: draft.name }).getByRole('button', { name: 'Run', exact: true });
  await expect(draftRun).toHaveAttribute('aria-disabled', 'true');
  await expect(draftRun).toHaveAttribute('title', 'A draft cannot run: activate it first.');
  // Still focusable (so the reason is read out), and pressing it does nothing.
  await draftRun.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  // A built-in whose integration is not set up (which one depends on what other tests configured).
  const builtins = (await vigil.api('GET', '/v1/workflows?page_size=100')).body.data as Array<{ name: string; integration: { name: string; configured: boolean } | null }>;
  const unconfigured = builtins.find((w) => w.integration && !w.integration.configured)!;
  const product = unconfigured.integration!.name === 'okta' ? 'Okta' : 'Microsoft Entra ID';
  await expect(page.getByRole('row').filter({ hasText: unconfigured.name }).getByRole('button', { name: 'Run', exact: true })).toHaveAttribute(
    'title',
    `Needs the ${product} integration: set it up under Settings → Integrations.`,
  );

  // Deactivated behind the analyst's back while the form is open: the API's refusal, in words.
  await page.getByRole('row').filter({ hasText: live.name }).getByRole('button', { name: 'Run', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Run “${live.name}”` });
  await dialog.getByLabel('Indicator value').fill('192.0.2.1');
  expect((await vigil.api('PATCH', `/v1/workflows/${live.uuid}`, { state: 'inactive' })).status).toBe(200);
  await dialog.getByRole('button', { name: 'Run workflow' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(`The workflow "${live.name}" is inactive; only active workflows can be executed. Activate it, then run it.`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  // In the editor, unsaved edits keep Run from running a version other than the one on screen.
  const edited = await createWorkflow(vigil, { name: 'Edited lookup', code: CONTAIN, state: 'active' });
  await page.goto(`${vigil.url}/#/workflows/${edited.uuid}`);
  const run = page.getByRole('button', { name: 'Run', exact: true });
  await expect(run).toHaveAttribute('aria-disabled', 'false');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Edited lookup, renamed');
  await expect(run).toHaveAttribute('title', 'Save your changes first: a run uses the saved version.');
});
