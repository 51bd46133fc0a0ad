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
