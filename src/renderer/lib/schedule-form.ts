// The schedule editor's logic: the form as the analyst types it, the schedule it stands for (with
// the problems the engine would answer, found before saving), and the preview in words with the
// next occurrences, all read by src/shared/schedule.ts, the rules the engine saves by.
import type { Run } from '../api/types.ts';
import {
  CATCH_UP_MODES,
  checkSchedule,
  describeSchedule,
  machineTimezone,
  nextOccurrences,
  normalizeSchedule,
  OVERLAP_MODES,
  type CatchUp,
  type Overlap,
  type Schedule,
} from '../../shared/schedule.ts';

export { CATCH_UP_MODES, OVERLAP_MODES };

/** What the editor's inputs hold: the context as JSON text, so a half-typed object is not lost. */
export interface ScheduleForm {
  cron: string;
  timezone: string;
  context: string;
  catch_up: CatchUp;
  overlap: Overlap;
}

export type ScheduleFormErrors = Partial<Record<'cron' | 'timezone' | 'context', string>>;

/** A schedule a new scheduled workflow starts with: weekdays at 08:00 in this machine's zone. */
export function defaultSchedule(): Schedule {
  return normalizeSchedule({ cron: '0 8 * * 1-5', timezone: machineTimezone() });
}

export function formOf(schedule: Schedule): ScheduleForm {
  return {
    cron: schedule.cron,
    timezone: schedule.timezone,
    context: JSON.stringify(schedule.context ?? {}, null, 2),
    catch_up: schedule.catch_up,
    overlap: schedule.overlap,
  };
}

/**
 * The schedule a form stands for, and what is wrong with it, field by field. The schedule is
 * there even when the expression or zone is wrong (the engine names the problem on save); only a
 * context that is not JSON leaves it out, since there is nothing to send.
 */
export function readForm(form: ScheduleForm): { schedule: Schedule | null; errors: ScheduleFormErrors } {
  const errors: ScheduleFormErrors = {};
  for (const problem of checkSchedule({ cron: form.cron, timezone: form.timezone })) errors[problem.field] = problem.message;
  let context: unknown = {};
  if (form.context.trim() !== '') {
    try {
      context = JSON.parse(form.context);
    } catch (error) {
      errors.context = `not JSON: ${(error as Error).message}`;
      return { schedule: null, errors };
    }
  }
  return {
    schedule: normalizeSchedule({ cron: form.cron, timezone: form.timezone, context, catch_up: form.catch_up, overlap: form.overlap }),
    errors,
  };
}

/** An occurrence as the schedule's zone reads it: "Mon 2030-01-07 08:00". */
export function inZone(date: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const seconds = part('second') === '00' ? '' : `:${part('second')}`;
  return `${part('weekday')} ${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}${seconds}`;
}

/**
 * "At 08:00, Monday through Friday (Europe/Berlin); next: Mon 2030-01-07 08:00" and the next
 * `count` occurrences, or null when the expression or zone is wrong (the errors say why).
 */
export function preview(form: Pick<ScheduleForm, 'cron' | 'timezone'>, now: Date, count = 5): { summary: string; upcoming: string[] } | null {
  if (checkSchedule(form).length > 0) return null;
  const upcoming = nextOccurrences(form, now, count).map((date) => inZone(date, form.timezone));
  const next = upcoming[0] ? `next: ${upcoming[0]}` : 'it never fires again';
  return { summary: `${describeSchedule(form)}; ${next}`, upcoming };
}

/** What the run list's outcome column says: why a skipped occurrence did not run, else the error or the message. */
export function runOutcome(run: Pick<Run, 'status' | 'reason' | 'error' | 'result'>): string {
  if (run.status === 'skipped') return run.reason ?? 'skipped';
  return run.error ?? run.result?.message ?? '';
}

/**
 * The settings a change of workflow type brings: a scheduled workflow starts with a schedule
 * (weekdays at 08:00 here), and only scheduled workflows keep one (the engine refuses it on others).
 */
export function typeChange(
  current: { schedule: Schedule | null },
  workflowType: string | null,
): { workflow_type: typeof workflowType; schedule: Schedule | null } {
  if (workflowType === 'scheduled') return { workflow_type: workflowType, schedule: current.schedule ?? defaultSchedule() };
  return { workflow_type: workflowType, schedule: null };
}

/**
 * What the workflow list says of a scheduled workflow's next run: when (relative, by `relative`),
 * or why there is none. Null for workflows without a schedule.
 */
export function nextRunLabel(
  workflow: { workflow_type: string | null; schedule: Schedule | null; state: string; next_run_at?: string | null },
  relative: (iso: string) => string,
): string | null {
  if (workflow.workflow_type !== 'scheduled' || !workflow.schedule) return null;
  if (workflow.next_run_at) return `next ${relative(workflow.next_run_at)}`;
  return workflow.state === 'active' ? 'no further occurrence' : `schedule off while ${workflow.state}`;
}
