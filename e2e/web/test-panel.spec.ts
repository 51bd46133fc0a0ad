// The editor's Test panel (issue "The analyst's day", item 8): the result shows under the code,
// readable without scrolling at 1400×900; each problem is said once; marked fields are named
// where they are; a result that no longer matches the code or the input is dimmed and says so.
import { createWorkflow, expect, INTEL_WORKFLOW, openSignedIn, screenshot, test } from './vigil.ts';
import type { Page } from '@playwright/test';

test.use({ viewport: { width: 1400, height: 900 } });

async function setMocks(page: Page, json: string): Promise<void> {
  await page.locator('.json-host .view-lines').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(json);
}

test('the test result is visible without scrolling, says a missing mock once and dims when out of date', async ({ page, vigil, consoleErrors }) => {
  const { uuid } = await createWorkflow(vigil, { name: 'Intel lookup', code: INTEL_WORKFLOW, indicator_types: ['ip'] });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await page.getByRole('tab', { name: 'Test' }).click();
  await page.getByRole('button', { name: 'Run test' }).click();

  const result = page.getByRole('region', { name: 'Test result' });
  await expect(result.getByText('looked up 203.0.113.7')).toBeInViewport({ ratio: 1 });
  const call = result.getByRole('list', { name: 'HTTP calls' }).getByRole('listitem');
  await expect(call).toBeInViewport({ ratio: 1 });
  // Numbered as `vigil test` numbers it: the first rule is mock #1.
  await expect(call).toContainText('mock #1 · GET https://intel.example.com/*');
  await expect(result.getByRole('list', { name: 'Test logs' })).toBeInViewport();
  expect(await page.locator('.main').evaluate((main) => main.scrollTop + main.scrollLeft)).toBe(0);

  // Changing the mocks makes the shown result out of date: dimmed, and it says why.
  await setMocks(page, '{"responses": [], "default": "error"}');
  await expect(result.getByRole('status')).toHaveText('The code or the test input changed since this result. Run the test again.');
  await expect(result.locator('.test-output-body')).toHaveClass(/stale/);

  await page.getByRole('button', { name: 'Run test' }).click();
  await expect(result).toContainText('Failed');
  await expect(result.locator('.test-output-body')).not.toHaveClass(/stale/);
  await expect(result.getByText(/^Error: no mock matches GET/)).toBeInViewport({ ratio: 1 });
  await expect(call).toContainText('no mock matched');
  // The message, the call's error, the sandbox's log lines: one problem, said once.
  expect((await result.innerText()).match(/no mock matches/g)).toHaveLength(1);
  await screenshot(page, 'editor-test-result');

  // A field the test cannot use is marked where it is, and the message names it.
  await page.getByLabel('Input (ctx.input, JSON)').fill('{"case": ');
  await page.getByRole('button', { name: 'Run test' }).click();
  const panel = page.getByRole('tabpanel', { name: 'Test' });
  await expect(panel.getByRole('alert')).toHaveText('The test did not run: fix Input (ctx.input), marked above.');
  await expect(page.getByLabel('Input (ctx.input, JSON)')).toHaveAttribute('aria-invalid', 'true');
  // The result of other settings is gone rather than passing for this one.
  await expect(result).toHaveCount(0);
  await page.getByLabel('Input (ctx.input, JSON)').fill('{"case": 42}');
  await expect(panel.getByRole('alert')).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});
