// A scheduled workflow in the console: the editor previews the schedule in words with the next
// occurrences, says what is wrong as the analyst types, saves a change as a new version, and the
// workflow list says when it runs next.
import { createWorkflow, expect, openSignedIn, screenshot, test } from './vigil.ts';

const CODE = `export async function run(ctx) {\n  return ctx.ok("swept", ctx.input);\n}\n`;

test('edits a schedule with its preview, inline errors and the next run in the list', async ({ page, vigil, consoleErrors }) => {
  const { uuid, name } = await createWorkflow(vigil, {
    name: 'Nightly sweep',
    code: CODE,
    workflow_type: 'scheduled',
    state: 'active',
    approval_mode: 'never',
    schedule: { cron: '0 8 * * 1-5', timezone: 'Europe/Berlin', context: { days: 90 } },
  });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  const editor = page.locator('.schedule-editor');
  await expect(editor.locator('.schedule-preview p')).toHaveText(/^At 08:00, Monday through Friday \(Europe\/Berlin\); next: \w{3} \d{4}-\d{2}-\d{2} 08:00$/);
  await expect(editor.getByRole('list', { name: 'Next occurrences' }).getByRole('listitem')).toHaveCount(5);

  const cron = editor.getByLabel('Cron expression');
  await cron.fill('61 * * * *');
  await expect(editor.getByText(/not a valid cron expression/)).toBeVisible();
  await expect(cron).toHaveAttribute('aria-invalid', 'true');
  await cron.fill('30 9 * * *');
  await expect(editor.locator('.schedule-preview p')).toHaveText(/^At 09:30 \(Europe\/Berlin\); next: /);
  await screenshot(page, 'editor-schedule');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 2' })).toBeVisible();
  const saved = await vigil.api('GET', `/v1/workflows/${uuid}`);
  expect(saved.body.data.schedule).toMatchObject({ cron: '30 9 * * *', timezone: 'Europe/Berlin', context: { days: 90 } });
  expect(saved.body.data.next_run_at).toMatch(/T0[78]:30:00.000Z$/);

  await openSignedIn(page, vigil);
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row.locator('.next-run')).toHaveText(/^next in /);
  expect(consoleErrors).toEqual([]);
});
