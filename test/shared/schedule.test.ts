import { describe, expect, it } from 'vitest';
import {
  checkSchedule,
  describeSchedule,
  machineTimezone,
  nextOccurrence,
  nextOccurrences,
  normalizeSchedule,
  occurrencesBetween,
  previewSchedule,
} from '../../src/shared/schedule.ts';

describe('schedules', () => {
  it('reads 5 fields, or 6 with seconds, in the schedule\'s zone', () => {
    const weekdays = { cron: '0 8 * * 1-5', timezone: 'Europe/Berlin' };
    expect(checkSchedule(weekdays)).toEqual([]);
    // Sunday 2026-12-06: the next weekday 08:00 in Berlin is Monday 07:00 UTC.
    expect(nextOccurrences(weekdays, new Date('2026-12-06T00:00:00Z'), 2).map((d) => d.toISOString())).toEqual([
      '2026-12-07T07:00:00.000Z',
      '2026-12-08T07:00:00.000Z',
    ]);
    const everyTwoSeconds = { cron: '*/2 * * * * *', timezone: 'UTC' };
    expect(nextOccurrence(everyTwoSeconds, new Date('2026-12-06T10:00:01.500Z'))?.toISOString()).toBe('2026-12-06T10:00:02.000Z');
    expect(describeSchedule(weekdays)).toBe('At 08:00, Monday through Friday (Europe/Berlin)');
  });

  it('names every problem with its field', () => {
    expect(checkSchedule({ cron: '61 * * * *', timezone: 'Mars/Olympus' })).toEqual([
      { field: 'cron', message: expect.stringContaining('minute') },
      { field: 'timezone', message: expect.stringContaining('is not an IANA time zone') },
    ]);
    expect(checkSchedule({ cron: '* * * *', timezone: 'UTC' })[0]!.message).toMatch(/has 4$/);
    expect(checkSchedule({ cron: '0 0 0 * * * 2030', timezone: 'UTC' })[0]!.message).toMatch(/has 7$/);
  });

  it('fills the defaults of a schedule sent with only its expression', () => {
    expect(normalizeSchedule({ cron: ' 0 8 * * 1-5 ' })).toEqual({
      cron: '0 8 * * 1-5',
      timezone: machineTimezone(),
      context: {},
      catch_up: 'last',
      overlap: 'skip',
    });
  });

  it('lists the occurrences in a window, bounded', () => {
    const hourly = { cron: '0 * * * *', timezone: 'UTC' };
    const window = occurrencesBetween(hourly, new Date('2030-01-07T10:00:00Z'), new Date('2030-01-07T13:00:00Z'), 10);
    expect(window.dates.map((d) => d.toISOString())).toEqual(['2030-01-07T11:00:00.000Z', '2030-01-07T12:00:00.000Z', '2030-01-07T13:00:00.000Z']);
    expect(window.more).toBe(false);
    const capped = occurrencesBetween(hourly, new Date('2030-01-07T10:00:00Z'), new Date('2030-01-08T10:00:00Z'), 2);
    expect(capped).toMatchObject({ more: true });
    expect(capped.dates).toHaveLength(2);
  });

  it('previews a schedule in words with its next occurrences, or its problems', () => {
    const preview = previewSchedule({ cron: '0 8 * * 1-5', timezone: 'Europe/Berlin' }, new Date('2030-01-05T00:00:00Z'), 3);
    expect(preview).toMatchObject({ ok: true, description: 'At 08:00, Monday through Friday (Europe/Berlin)' });
    expect(preview.ok && preview.upcoming.map((d) => d.toISOString())).toEqual([
      '2030-01-07T07:00:00.000Z',
      '2030-01-08T07:00:00.000Z',
      '2030-01-09T07:00:00.000Z',
    ]);
    expect(previewSchedule({ cron: 'nope', timezone: 'UTC' }, new Date())).toMatchObject({ ok: false, problems: [{ field: 'cron' }] });
  });
});
