// A workflow's schedule: when it runs on its own. The same rules check a schedule on save (engine),
// preview it in the editor (console) and compute its occurrences (engine); croner parses the cron
// expression and cronstrue says it in words, so neither is parsed by hand.
import { Cron } from 'croner';
import cronstrue from 'cronstrue';

export const CATCH_UP_MODES = ['none', 'last'] as const;
export type CatchUp = (typeof CATCH_UP_MODES)[number];
export const OVERLAP_MODES = ['skip', 'queue'] as const;
export type Overlap = (typeof OVERLAP_MODES)[number];

export interface Schedule {
  /** 5 fields (minute hour day month weekday), or 6 with seconds first. */
  cron: string;
  /** IANA zone the expression is read in. */
  timezone: string;
  /** What the run sees as ctx.input. */
  context: unknown;
  /** Occurrences missed while Vigil was not running: none, or only the last one. */
  catch_up: CatchUp;
  /** An occurrence due while the previous run is still queued or running: skip it, or queue it. */
  overlap: Overlap;
}

export interface ScheduleProblem {
  field: 'cron' | 'timezone';
  message: string;
}

/** The zone this machine's clock is in, the default of a schedule saved without one. */
export function machineTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function cronOf(schedule: Pick<Schedule, 'cron' | 'timezone'>): Cron {
  return new Cron(schedule.cron.trim(), { timezone: schedule.timezone, mode: '5-or-6-parts', paused: true });
}

/** Every problem with a schedule's expression and zone, each naming its field. */
export function checkSchedule(schedule: Pick<Schedule, 'cron' | 'timezone'>): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  const fields = schedule.cron.trim().split(/\s+/).filter(Boolean).length;
  if (fields !== 5 && fields !== 6) {
    problems.push({ field: 'cron', message: `a cron expression has 5 fields (minute hour day month weekday) or 6 with seconds first; this one has ${fields}` });
  } else {
    try {
      new Cron(schedule.cron.trim(), { mode: '5-or-6-parts', paused: true });
    } catch (error) {
      problems.push({ field: 'cron', message: `not a valid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}` });
    }
  }
  if (!isTimezone(schedule.timezone)) {
    problems.push({ field: 'timezone', message: `${JSON.stringify(schedule.timezone)} is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)` });
  }
  return problems;
}

/** The first occurrence strictly after `after`, or null when the expression never fires again. */
export function nextOccurrence(schedule: Pick<Schedule, 'cron' | 'timezone'>, after: Date): Date | null {
  return cronOf(schedule).nextRun(after);
}

/** The next `count` occurrences after `after` (the console's "upcoming" list). */
export function nextOccurrences(schedule: Pick<Schedule, 'cron' | 'timezone'>, after: Date, count: number): Date[] {
  return cronOf(schedule).nextRuns(count, after);
}

/** The schedule in words: "At 08:00, Monday through Friday (Europe/Berlin)". */
export function describeSchedule(schedule: Pick<Schedule, 'cron' | 'timezone'>): string {
  try {
    return `${cronstrue.toString(schedule.cron.trim(), { use24HourTimeFormat: true, throwExceptionOnParseError: true })} (${schedule.timezone})`;
  } catch {
    return `${schedule.cron.trim()} (${schedule.timezone})`;
  }
}

/** A schedule as a caller may send it: only the expression is required. */
export interface ScheduleInput {
  cron: string;
  timezone?: string;
  context?: unknown;
  catch_up?: CatchUp;
  overlap?: Overlap;
}

/** The schedule with its defaults filled: the machine's zone, catch up the last, skip overlaps, no context. */
export function normalizeSchedule(input: ScheduleInput): Schedule {
  return {
    cron: input.cron.trim(),
    timezone: input.timezone ?? machineTimezone(),
    context: input.context ?? {},
    catch_up: input.catch_up ?? 'last',
    overlap: input.overlap ?? 'skip',
  };
}

/**
 * The occurrences in (after, until], oldest first, at most `limit` (a schedule every second over a
 * week of sleep has more than anyone needs listed): `more` says whether some were left out.
 */
export function occurrencesBetween(
  schedule: Pick<Schedule, 'cron' | 'timezone'>,
  after: Date,
  until: Date,
  limit: number,
): { dates: Date[]; more: boolean } {
  const cron = cronOf(schedule);
  const dates: Date[] = [];
  let cursor: Date | null = after;
  while (cursor) {
    cursor = cron.nextRun(cursor);
    if (!cursor || cursor.getTime() > until.getTime()) return { dates, more: false };
    if (dates.length === limit) return { dates, more: true };
    dates.push(cursor);
  }
  return { dates, more: false };
}

/** The console's preview: "At 08:00, Monday through Friday (Europe/Berlin); next: …", or the problems. */
export function previewSchedule(
  schedule: Pick<Schedule, 'cron' | 'timezone'>,
  now: Date,
  count = 5,
): { ok: true; description: string; upcoming: Date[] } | { ok: false; problems: ScheduleProblem[] } {
  const problems = checkSchedule(schedule);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, description: describeSchedule(schedule), upcoming: nextOccurrences(schedule, now, count) };
}
