import { describe, expect, it } from 'vitest';
import {
  bytes,
  duration,
  expiresIn,
  indicatorLabel,
  label,
  lastDays,
  percent,
  plural,
  relativeDay,
  relativeTime,
  shortDate,
  shortSpan,
} from '../../src/renderer/lib/format.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');

describe('formatting', () => {
  it('spans and relative times read naturally', () => {
    expect(shortSpan(4_200)).toBe('4 s');
    expect(shortSpan(-125_000)).toBe('2 min');
    expect(shortSpan(3 * 3600_000)).toBe('3 h');
    expect(shortSpan(5 * 86_400_000)).toBe('5 d');
    expect(relativeTime('2026-11-22T11:59:55Z', NOW)).toBe('just now');
    expect(relativeTime('2026-11-22T11:57:00Z', NOW)).toBe('3 min ago');
    expect(relativeTime('2026-11-22T12:12:00Z', NOW)).toBe('in 12 min');
    expect(relativeTime(null, NOW)).toBe('—');
    expect(relativeTime('not a date', NOW)).toBe('—');
    // Older than a week: a date, not "23 d ago".
    expect(relativeTime('2026-10-30T12:00:00Z', NOW)).toBe(shortDate('2026-10-30T12:00:00Z'));
    // Narrow columns: the day alone beyond a week, the same relative time within it.
    expect(relativeDay('2026-10-30T12:00:00Z', NOW)).toBe(shortDate('2026-10-30T12:00:00Z').slice(0, 10));
    expect(relativeDay('2026-11-22T11:57:00Z', NOW)).toBe('3 min ago');
    expect(relativeDay(null, NOW)).toBe('—');
  });

  it('counts down to an expiry', () => {
    expect(expiresIn('2026-11-22T12:12:00Z', NOW)).toBe('expires in 12 min');
    expect(expiresIn('2026-11-22T12:00:45Z', NOW)).toBe('expires in 45 s');
    expect(expiresIn('2026-11-22T13:30:00Z', NOW)).toBe('expires in 1 h 30 min');
    expect(expiresIn('2026-11-22T11:59:00Z', NOW)).toBe('expired');
    expect(expiresIn('garbage', NOW)).toBe('expired');
  });

  it('durations, sizes, percents and counts', () => {
    expect(duration(850)).toBe('850 ms');
    expect(duration(1_234)).toBe('1.23 s');
    expect(duration(2_000)).toBe('2 s');
    expect(duration(12_500)).toBe('12.5 s');
    expect(duration(125_000)).toBe('2 min 5 s');
    expect(duration(null)).toBe('—');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KB');
    expect(bytes(2 * 1024 * 1024)).toBe('2 MB');
    expect(percent(0.92)).toBe('92 %');
    expect(percent(null)).toBe('—');
    expect(plural(1, 'run')).toBe('1 run');
    expect(plural(1200, 'run')).toBe('1,200 runs');
  });

  it('labels enum values the way analysts say them', () => {
    expect(label('timed_out')).toBe('Timed out');
    expect(label('agent_only')).toBe('Agents only');
    expect(label('some_new_state')).toBe('Some new state');
    expect(label(null)).toBe('—');
    expect(indicatorLabel('hash_sha256')).toBe('SHA-256');
  });

  it('lists whole local days, oldest first, ending today', () => {
    const days = lastDays(14, NOW);
    expect(days).toHaveLength(14);
    expect(days[13]!.start).toBeLessThanOrEqual(NOW);
    expect(days[13]!.end).toBeGreaterThan(NOW);
    for (let i = 1; i < days.length; i++) expect(days[i]!.start).toBe(days[i - 1]!.end);
  });
});
