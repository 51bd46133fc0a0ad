// Each step's result in the run's timeline (issue "The analyst's day", item 2): steps are
// collapsible groups holding their logs and HTTP calls, with their status, duration and output.
import { createWorkflow, expect, openSignedIn, screenshot, test } from './vigil.ts';

const STEPS = `import type { WorkflowContext, WorkflowResult } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const user = await ctx.step("find user", async () => {
    ctx.log.info("looking up", { login: ctx.indicator.value });
    return { id: "00u42", status: "ACTIVE" };
  });
  ctx.step.skip("reset MFA", "no factors enrolled");
  try {
    await ctx.step("suspend", async () => {
      throw new Error("Okta answered 403");
    });
  } catch {
    return ctx.fail("could not suspend " + user.id);
  }
  return ctx.ok("suspended");
}
`;

test('a run shows each step as a group with its status, duration, output and entries', async ({ page, vigil, consoleErrors }) => {
  const { uuid } = await createWorkflow(vigil, { name: 'Stepped', code: STEPS, state: 'active', approval_mode: 'never', indicator_types: ['account'] });
  const started = await vigil.api('POST', `/v1/workflows/${uuid}/execute`, { indicator_type: 'account', indicator_value: 'jdoe@example.com' });
  const runUuid = started.body.data.run_uuid as string;
  await openSignedIn(page, vigil, `#/runs/${runUuid}`);
  const detail = page.getByRole('complementary', { name: 'Run detail' });
  await expect(detail).toContainText('Failed');

  const find = detail.locator('.step-group').filter({ hasText: 'find user' });
  await expect(find.locator('summary')).toContainText('Success');
  // A successful step starts folded; opening it shows what it returned and its log lines.
  await find.locator('summary').click();
  await expect(find.getByLabel('Output of step find user')).toContainText('"00u42"');
  await expect(find.getByRole('list', { name: 'Entries of step find user' })).toContainText('looking up');

  const skipped = detail.locator('.step-group').filter({ hasText: 'reset MFA' });
  await expect(skipped.locator('summary')).toContainText('Skipped');
  await expect(skipped.locator('summary')).toContainText('no factors enrolled');

  const failed = detail.locator('.step-group').filter({ hasText: 'suspend' });
  await expect(failed.locator('summary')).toContainText('Failed');
  await expect(failed).toContainText('Okta answered 403');
  await screenshot(page, 'run-steps');
  expect(consoleErrors).toEqual([]);
});
