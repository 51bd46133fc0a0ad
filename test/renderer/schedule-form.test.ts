import { beforeEach, describe, expect, it } from 'vitest';
import { machineTimezone } from '../../src/shared/schedule.ts';
import { defaultSchedule, formOf, inZone, nextRunLabel, preview, readForm, runOutcome, typeChange } from '../../src/renderer/lib/schedule-form.ts';
import { exampleForType, NEW_SCHEDULED_WORKFLOW_CODE, NEW_WORKFLOW_CODE, useEditor } from '../../src/renderer/stores/editor.ts';
import { apiError, fakeApi, ok } from './helpers.ts';
import { run, workflow } from './fixtures.ts';

const weekdays = { cron: '0 8 * * 1-5', timezone: 'Europe/Berlin', context: { scope: 'all' }, catch_up: 'last' as const, overlap: 'skip' as const };

describe('the schedule editor', () => {
  it('previews the schedule in words, in its zone, with the next five occurrences', () => {
    // Saturday 2030-01-05: the next weekday 08:00 in Berlin is Monday.
    const shown = preview(formOf(weekdays), new Date('2030-01-05T12:00:00Z'));
    expect(shown).toEqual({
      summary: 'At 08:00, Monday through Friday (Europe/Berlin); next: Mon 2030-01-07 08:00',
      upcoming: ['Mon 2030-01-07 08:00', 'Tue 2030-01-08 08:00', 'Wed 2030-01-09 08:00', 'Thu 2030-01-10 08:00', 'Fri 2030-01-11 08:00'],
    });
    expect(inZone(new Date('2030-01-07T07:00:02Z'), 'UTC')).toBe('Mon 2030-01-07 07:00:02');
  });

  it('shows each problem beside its field; only a context that is not JSON keeps the schedule from the draft', () => {
    const form = formOf(weekdays);
    expect(readForm(form)).toEqual({ schedule: weekdays, errors: {} });
    const wrong = readForm({ ...form, cron: '61 * * * *', timezone: 'Mars/Olympus' });
    expect(wrong.errors).toEqual({ cron: expect.stringContaining('minute'), timezone: expect.stringContaining('Mars/Olympus') });
    expect(wrong.schedule).toMatchObject({ cron: '61 * * * *' });
    expect(preview({ ...form, cron: '61 * * * *' }, new Date())).toBeNull();
    const badContext = readForm({ ...form, context: '{"scope": ' });
    expect(badContext.schedule).toBeNull();
    expect(badContext.errors.context).toMatch(/^not JSON/);
    expect(readForm({ ...form, context: '' }).schedule?.context).toEqual({});
  });

  it('gives a scheduled workflow a schedule and takes it away from other types', () => {
    expect(defaultSchedule()).toEqual({ cron: '0 8 * * 1-5', timezone: machineTimezone(), context: {}, catch_up: 'last', overlap: 'skip' });
    expect(typeChange({ schedule: null }, 'scheduled').schedule).toEqual(defaultSchedule());
    expect(typeChange({ schedule: weekdays }, 'scheduled').schedule).toBe(weekdays);
    expect(typeChange({ schedule: weekdays }, 'indicator')).toEqual({ workflow_type: 'indicator', schedule: null });
    // The untouched example follows the type (a scheduled run has no ctx.indicator); written code stays.
    expect(exampleForType(NEW_WORKFLOW_CODE, 'scheduled')).toBe(NEW_SCHEDULED_WORKFLOW_CODE);
    expect(exampleForType(NEW_SCHEDULED_WORKFLOW_CODE, 'alert')).toBe(NEW_WORKFLOW_CODE);
    expect(exampleForType('export async function run(ctx) {}', 'scheduled')).toBe('export async function run(ctx) {}');
    expect(NEW_SCHEDULED_WORKFLOW_CODE).not.toContain('ctx.indicator');
  });

  it('says when a scheduled workflow runs next in the list, and why a skipped run did not run', () => {
    const relative = (iso: string) => `at ${iso}`;
    expect(nextRunLabel(workflow(), relative)).toBeNull();
    const scheduled = workflow({ workflow_type: 'scheduled', schedule: weekdays, state: 'active', next_run_at: '2030-01-07T07:00:00.000Z' });
    expect(nextRunLabel(scheduled, relative)).toBe('next at 2030-01-07T07:00:00.000Z');
    expect(nextRunLabel({ ...scheduled, state: 'inactive', next_run_at: null }, relative)).toBe('schedule off while inactive');
    expect(runOutcome(run({ status: 'skipped', reason: 'skipped: paused', error: null }))).toBe('skipped: paused');
    expect(runOutcome(run({ status: 'failed', error: 'boom' }))).toBe('boom');
  });
});

describe('saving a schedule from the editor', () => {
  beforeEach(async () => {
    fakeApi({});
    useEditor.getState().prepareNew({});
    await useEditor.getState().open(null);
  });

  it('sends the schedule with the type, and puts the engine\'s schedule problems on the schedule field', async () => {
    const created = workflow({ name: 'Nightly' });
    const { calls } = fakeApi({ 'workflows.create': (body: unknown) => ok({ ...created, ...(body as object) }, { lint_warnings: [] }) });
    const changes = typeChange(useEditor.getState().draft, 'scheduled');
    useEditor.getState().setField('name', 'Nightly');
    useEditor.getState().setField('workflow_type', 'scheduled');
    useEditor.getState().setField('schedule', changes.schedule);
    await useEditor.getState().save();
    const create = calls.find(([name]) => name === 'workflows.create')!;
    expect(create[1][0]).toMatchObject({ workflow_type: 'scheduled', schedule: defaultSchedule() });

    fakeApi({
      'workflows.patch': () => {
        throw apiError(422, 'VALIDATION_ERROR', 'The schedule is not valid.', {
          problems: [{ field: 'body.schedule.timezone', message: '"Mars/Olympus" is not an IANA time zone' }],
        });
      },
    });
    useEditor.getState().setField('schedule', { ...weekdays, timezone: 'Mars/Olympus' });
    await useEditor.getState().save();
    expect(useEditor.getState().fieldErrors).toEqual({ schedule: '"Mars/Olympus" is not an IANA time zone' });
  });
});
