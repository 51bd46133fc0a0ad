import { describe, expect, it } from 'vitest';
import { checkSchedule, describeSchedule, nextOccurrence, nextOccurrences } from '../../src/shared/schedule.ts';

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
});
