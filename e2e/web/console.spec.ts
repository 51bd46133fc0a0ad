// The console end to end, in Chromium, against a real `vigil serve` (issue: the console, "Tests").
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWorkflow, expect, INTEL_WORKFLOW, openSignedIn, screenshot, setCode, test } from './vigil.ts';

const LOGGING_WORKFLOW = `import type { WorkflowContext, WorkflowResult } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  ctx.log.info("containing host", { ip: ctx.indicator.value });
  return ctx.ok("contained " + ctx.indicator.value, { ip: ctx.indicator.value });
}
`;

test('the console is served with a strict CSP and signs in once with the printed login URL', async ({ page, vigil, consoleErrors, browser }) => {
  const index = await fetch(`${vigil.url}/`);
  expect(index.status).toBe(200);
  const csp = index.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-eval');

  await page.goto(vigil.loginUrl);
  await expect(page.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Workflows' })).toHaveAttribute('aria-current', 'page');
  // The single-use token leaves the address bar at once.
  expect(page.url()).not.toContain('login=');
  // A fresh install lists only the built-in identity workflows, waiting for their integrations.
  await expect(page.getByText('9 workflows')).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'Okta: suspend user' }).getByText('not configured')).toBeVisible();
  await screenshot(page, 'workflows-first-start');

  // A second browser presenting the same link is refused and told how to get in.
  const other = await browser.newPage();
  await other.goto(vigil.loginUrl);
  await expect(other.getByRole('alert')).toContainText('already used');
  await expect(other.getByLabel('API key')).toBeVisible();
  await screenshot(other, 'login');
  await other.close();
  expect(consoleErrors).toEqual([]);
});

test('creates a workflow: a lint marker and problem for require("fs"), fixed, then saved', async ({ page, vigil, consoleErrors }) => {
  await openSignedIn(page, vigil);
  await page.getByRole('button', { name: 'New workflow' }).click();
  await expect(page).toHaveURL(/#\/workflows\/new$/);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Block IP on firewall');

  const code = page.getByRole('region', { name: 'Workflow code' });
  await code.locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('const fs = require("fs");');

  const problems = page.getByRole('list', { name: 'Problems' });
  await expect(problems.getByRole('listitem').filter({ hasText: 'require' })).toBeVisible();
  await expect(code.locator('.squiggly-error').first()).toBeVisible();
  await screenshot(page, 'editor-lint-problem');

  // Jumping from the problem puts the cursor on the line; deleting it clears the problem.
  await problems.getByRole('button').filter({ hasText: 'require' }).click();
  await page.keyboard.press('ControlOrMeta+Shift+k');
  await expect(problems).toHaveCount(0);
  await expect(code.locator('.squiggly-error')).toHaveCount(0);

  await page.keyboard.press('ControlOrMeta+s');
  await expect(page).toHaveURL(/#\/workflows\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 1' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Block IP on firewall' })).toBeVisible();
  await screenshot(page, 'editor');

  const uuid = page.url().split('/').pop()!;
  const saved = await vigil.api('GET', `/v1/workflows/${uuid}`);
  expect(saved.body.data.code).not.toContain('require');
  expect(saved.body.data.state).toBe('draft');
  expect(consoleErrors).toEqual([]);
});

test('the editor knows the ctx API: completion and hover docs from vigil.d.ts', async ({ page, vigil, consoleErrors }) => {
  const { uuid } = await createWorkflow(vigil, { name: 'Completion', code: LOGGING_WORKFLOW });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  const code = page.getByRole('region', { name: 'Workflow code' });
  await expect(code.locator('.view-lines')).toContainText('containing host');
  // Inside run(), after its first line.
  await code.locator('.view-line').filter({ hasText: 'containing host' }).click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('const who = ctx.');
  const suggestions = page.locator('.suggest-widget');
  await expect(suggestions).toBeVisible();
  await expect(suggestions).toContainText('indicator');
  await expect(suggestions).toContainText('secrets');
  await page.keyboard.press('Escape');
  // Hover over `indicator` in the existing code shows its documentation.
  await code.locator('.view-line').filter({ hasText: 'containing host' }).getByText('indicator').first().hover();
  await expect(page.locator('.monaco-hover').filter({ hasText: 'Indicator' }).first()).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test('a save the server refuses shows its problems next to the code', async ({ page, vigil }) => {
  const { uuid } = await createWorkflow(vigil, { name: 'Refused save', code: LOGGING_WORKFLOW });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await expect(page.getByRole('region', { name: 'Workflow code' }).locator('.view-lines')).toContainText('containing host');
  await setCode(page, 'export async function run(ctx) {\n  return eval("1");\n}\n');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'sandbox would refuse' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Problems' }).getByRole('listitem').filter({ hasText: 'eval' }).first()).toBeVisible();
});

test('runs a test with mock responses and shows each HTTP call with the mock that answered', async ({ page, vigil, consoleErrors }) => {
  const { uuid } = await createWorkflow(vigil, { name: 'Intel lookup', code: INTEL_WORKFLOW, indicator_types: ['ip'], secrets: ['INTEL_TOKEN'] });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await page.getByRole('tab', { name: 'Test' }).click();
  await page.getByLabel('Indicator value').fill('203.0.113.7');
  // Tests never read the keychain: an empty test value becomes a placeholder, and the panel says so.
  await expect(page.getByLabel('INTEL_TOKEN')).toHaveAttribute('placeholder', 'test-value-of-INTEL_TOKEN');
  // The panel starts with a mock for GET https://intel.example.com/*.
  await expect(page.locator('.json-host .view-lines')).toContainText('intel.example.com');
  await page.getByRole('button', { name: 'Run test' }).click();

  const result = page.getByRole('region', { name: 'Test result' });
  await expect(result).toContainText('looked up 203.0.113.7');
  await expect(result.getByLabel('Placeholder secrets')).toContainText('INTEL_TOKEN = test-value-of-INTEL_TOKEN');
  const calls = result.getByRole('list', { name: 'HTTP calls' }).getByRole('listitem');
  await expect(calls).toHaveCount(1);
  await expect(calls.first()).toContainText('https://intel.example.com/v1/ip/203.0.113.7');
  await expect(calls.first()).toContainText('mock #1');
  await expect(result.getByRole('list', { name: 'Test logs' })).toContainText('intel answered');
  await screenshot(page, 'editor-test-panel');

  // Ctrl/Cmd+Enter runs it again from the code.
  await page.getByRole('region', { name: 'Workflow code' }).locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(result).toContainText('looked up 203.0.113.7');
  expect(consoleErrors).toEqual([]);
});

test('activates; an agent execution appears live as an approval; approving runs it live with its logs', async ({
  page,
  context,
  vigil,
  consoleErrors,
}) => {
  const { uuid, name } = await createWorkflow(vigil, { name: 'Contain host', code: LOGGING_WORKFLOW, risk_level: 'medium' });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await page.getByRole('button', { name: 'Activate' }).click();
  await expect(page.getByRole('button', { name: 'Deactivate' })).toBeVisible();
  expect((await vigil.api('GET', `/v1/workflows/${uuid}`)).body.data.state).toBe('active');

  await page.getByRole('link', { name: 'Approvals' }).click();
  await expect(page.getByRole('heading', { name: 'Approvals' })).toBeVisible();

  // A second tab watches the run history while the first one decides.
  const runsPage = await context.newPage();
  await runsPage.goto(`${vigil.url}/#/runs`);
  await expect(runsPage.getByRole('heading', { name: 'Runs' })).toBeVisible();

  const executed = await vigil.api(
    'POST',
    `/v1/workflows/${uuid}/execute`,
    { indicator_type: 'ip', indicator_value: '198.51.100.23', reason: 'Beaconing to a known C2 every 60 s', confidence: 0.87 },
    vigil.agentKey,
  );
  expect(executed.status).toBe(202);
  expect(executed.body.data.status).toBe('pending_approval');

  // No reload: the request arrives over /v1/events.
  const card = page.getByRole('list', { name: 'Pending approvals' }).getByRole('listitem').filter({ hasText: name });
  await expect(card).toBeVisible();
  await expect(card).toContainText('Beaconing to a known C2 every 60 s');
  await expect(card).toContainText('87 %');
  await expect(card).toContainText(/expires in \d+ min/);
  await expect(page.getByRole('link', { name: 'Approvals' })).toContainText('1');
  await screenshot(page, 'approvals');

  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(card).toHaveCount(0);
  const decided = page.getByRole('table', { name: 'Decided approvals' }).getByRole('row').filter({ hasText: name });
  await expect(decided).toContainText('Approved');

  const row = runsPage.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('Success');
  await row.click();
  const detail = runsPage.getByRole('complementary', { name: 'Run detail' });
  await expect(detail).toContainText('containing host');
  await expect(detail).toContainText('contained 198.51.100.23');
  await expect(detail).toContainText('Beaconing to a known C2 every 60 s');
  await expect(runsPage).toHaveURL(/#\/runs\/[0-9a-f-]{36}$/);
  // The chart's bar for today follows the finished run too.
  await expect(runsPage.getByRole('img', { name: /^Runs per day, last 14 days: [1-9]\d* finished$/ })).toBeVisible();
  await screenshot(runsPage, 'runs');
  await runsPage.close();
  expect(consoleErrors).toEqual([]);
});

test('a high-risk approval asks for confirmation, and a rejection keeps its reason', async ({ page, vigil }) => {
  const { uuid, name } = await createWorkflow(vigil, { name: 'Disable account', code: LOGGING_WORKFLOW, risk_level: 'high', state: 'active' });
  const executed = await vigil.api(
    'POST',
    `/v1/workflows/${uuid}/execute`,
    { indicator_type: 'account', indicator_value: 'jdoe@example.com', reason: 'Impossible travel', confidence: 0.4 },
    vigil.agentKey,
  );
  const approvalUuid = executed.body.data.approval_request_uuid as string;
  // Deep link, as the tray and notifications open it.
  await openSignedIn(page, vigil, `#/approvals/${approvalUuid}`);
  const card = page.getByRole('listitem').filter({ hasText: name });
  await expect(card).toBeVisible();
  await card.getByLabel('Reason (optional)').fill('Travelling, confirmed by phone');
  await card.getByRole('button', { name: 'Reject' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('high-risk');
  await dialog.getByRole('button', { name: 'Reject run' }).click();
  await expect(card).toHaveCount(0);
  const approval = await vigil.api('GET', `/v1/workflow-approvals/${approvalUuid}`);
  expect(approval.body.data.status).toBe('rejected');
  expect(approval.body.data.decision_reason).toBe('Travelling, confirmed by phone');
});

test('sets a secret (never shown again) and deletes it with a warning naming the workflows that use it', async ({ page, vigil, consoleErrors }) => {
  const { name } = await createWorkflow(vigil, { name: 'Okta revoke', code: LOGGING_WORKFLOW, secrets: ['OKTA_API_TOKEN'] });
  await openSignedIn(page, vigil, '#/secrets');
  const table = page.getByRole('table', { name: 'Secrets' });
  await expect(table.getByRole('row').filter({ hasText: 'OKTA_API_TOKEN' })).toContainText('not set');

  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('OKTA_API_TOKEN');
  await page.getByLabel('Value').fill('00a-very-secret-token');
  await page.getByRole('button', { name: 'Set secret' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Stored OKTA_API_TOKEN' })).toBeVisible();
  const row = table.getByRole('row').filter({ hasText: 'OKTA_API_TOKEN' });
  await expect(row).toContainText('stored');
  await expect(row).toContainText(name);
  await expect(page.getByText('00a-very-secret-token')).toHaveCount(0);
  await expect(page.getByLabel('Value')).toHaveValue('');
  await screenshot(page, 'secrets');

  await row.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(name);
  await dialog.getByRole('button', { name: 'Delete secret' }).click();
  await expect(row).toContainText('not set');
  const secrets = await vigil.api('GET', '/v1/secrets');
  expect(secrets.body.data.find((s: any) => s.name === 'OKTA_API_TOKEN').set).toBe(false);
  expect(consoleErrors).toEqual([]);
});

test('creates an API key shown once with a copy button, then revokes it', async ({ page, vigil, consoleErrors }) => {
  await openSignedIn(page, vigil, '#/keys');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('SOAR triage agent');
  await page.getByLabel('Agent').check();
  await expect(page.getByRole('checkbox', { name: 'approvals:write' })).toBeDisabled();
  await page.getByRole('button', { name: 'Create key' }).click();

  const created = page.getByRole('status', { name: 'New API key' });
  const keyField = created.getByRole('textbox', { name: 'The new key' });
  await expect(keyField).toHaveValue(/^vgl_[A-Za-z0-9]{43}$/);
  const key = await keyField.inputValue();
  await expect(created.getByRole('button', { name: 'Copy' })).toBeVisible();
  await screenshot(page, 'api-keys');
  expect((await vigil.api('GET', '/v1/workflows', undefined, key)).status).toBe(200);

  await created.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('textbox', { name: 'The new key' })).toHaveCount(0);
  const row = page.getByRole('table', { name: 'API keys' }).getByRole('row').filter({ hasText: 'SOAR triage agent' });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
  await expect(row).toContainText('Revoked');
  expect((await vigil.api('GET', '/v1/workflows', undefined, key)).status).toBe(401);
  expect(consoleErrors).toEqual([]);
});

test('compares two versions side by side and restores the older one', async ({ page, vigil, consoleErrors }) => {
  const v1 = LOGGING_WORKFLOW;
  const v2 = LOGGING_WORKFLOW.replace('containing host', 'isolating host');
  const { uuid } = await createWorkflow(vigil, { name: 'Versioned', code: v1 });
  expect((await vigil.api('PATCH', `/v1/workflows/${uuid}`, { code: v2 })).status).toBe(200);

  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await page.getByRole('tab', { name: 'History' }).click();
  const versions = page.getByRole('table', { name: 'Versions' });
  await expect(versions.getByRole('row')).toHaveCount(3);
  await versions.getByRole('button', { name: 'Compare version 1 with the current one' }).click();
  const diff = page.locator('.monaco-diff-editor');
  await expect(diff).toBeVisible();
  await expect(diff.locator('.editor.original')).toContainText('containing host');
  await expect(diff.locator('.editor.modified')).toContainText('isolating host');
  await screenshot(page, 'editor-diff');

  await page.getByRole('button', { name: 'Restore v1' }).click();
  await expect(page.getByRole('region', { name: 'Workflow code' }).locator('.view-lines')).toContainText('containing host');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 3' })).toBeVisible();
  const saved = await vigil.api('GET', `/v1/workflows/${uuid}`);
  expect(saved.body.data.code_version).toBe(3);
  expect(saved.body.data.code).toBe(v1);
  expect(consoleErrors).toEqual([]);
});

test('unsaved edits are guarded when leaving the editor', async ({ page, vigil }) => {
  const { uuid } = await createWorkflow(vigil, { name: 'Guarded', code: LOGGING_WORKFLOW });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Guarded, renamed');
  await page.getByRole('link', { name: 'Runs' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Leave without saving?');
  await dialog.getByRole('button', { name: 'Stay' }).click();
  await expect(page).toHaveURL(new RegExp(`#/workflows/${uuid}$`));
  await expect(page.getByRole('textbox', { name: 'Name', exact: true })).toHaveValue('Guarded, renamed');
  await page.getByRole('link', { name: 'Runs' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Discard changes' }).click();
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
});

test('the workflow list searches, filters, and activates from the row', async ({ page, vigil, consoleErrors }) => {
  const { name } = await createWorkflow(vigil, { name: 'Quarantine mailbox', code: LOGGING_WORKFLOW, tags: ['email', 'containment'] });
  await openSignedIn(page, vigil);
  await expect(page.getByRole('row').filter({ hasText: name })).toBeVisible();
  await screenshot(page, 'workflows');
  await page.getByRole('searchbox', { name: 'Search workflows' }).fill('Quarantine');
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'Contain host' })).toHaveCount(0);
  await row.getByRole('button', { name: `Actions for ${name}` }).click();
  await row.getByRole('menuitem', { name: 'Activate' }).click();
  await expect(row).toContainText('Active');
  await row.getByRole('button', { name: `Actions for ${name}` }).click();
  await expect(row.getByRole('menuitem', { name: 'Deactivate' })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test('settings save the engine settings, and a Teams webhook gets a test message', async ({ page, vigil, consoleErrors }) => {
  // A receiver on loopback standing in for the Teams webhook.
  const received: string[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push(body);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('1');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  try {
    await openSignedIn(page, vigil, '#/settings');
    await page.getByLabel('Runs at once').fill('4');
    await page.getByRole('button', { name: 'Save execution settings' }).click();
    await expect(page.getByRole('form', { name: 'Execution' }).getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    expect((await vigil.api('GET', '/v1/settings')).body.data.run_concurrency).toBe(4);
    await expect(page.getByText(vigil.dataDir)).toBeVisible();

    const teams = page.getByRole('form', { name: 'Microsoft Teams' });
    await teams.getByLabel('Webhook or workflow URL').fill(`http://127.0.0.1:${port}/webhook`);
    await teams.getByRole('button', { name: 'Save Teams settings' }).click();
    await expect(teams.getByText('Stored in the keychain')).toBeVisible();
    await teams.getByRole('button', { name: 'Send test to Teams' }).click();
    await expect(teams.getByRole('status').filter({ hasText: 'Delivered' })).toBeVisible();
    expect(received).toHaveLength(1);
    await screenshot(page, 'settings');
  } finally {
    receiver.close();
  }
  expect(consoleErrors).toEqual([]);
});

test('follows the OS dark theme, the editor included', async ({ page, vigil, consoleErrors }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  const { uuid } = await createWorkflow(vigil, { name: 'Dark', code: LOGGING_WORKFLOW });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await expect(page.getByRole('region', { name: 'Workflow code' }).locator('.monaco-editor.vs-dark')).toBeVisible();
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(19, 21, 24)');
  await screenshot(page, 'editor-dark');
  await page.getByRole('link', { name: 'Approvals' }).click();
  await expect(page.getByRole('heading', { name: 'Approvals' })).toBeVisible();
  await screenshot(page, 'approvals-dark');
  expect(consoleErrors).toEqual([]);
});
