// While the database is down every API request is refused; the log gets the first refusal and a
// count a minute, not a line per request.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OutageLog } from '../../src/main/engine/api/outage-log.ts';

afterEach(() => vi.useRealTimers());

describe('the API log during a database outage', () => {
  it('logs the first refusal in full and counts the rest of its minute in one line', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const log = new OutageLog((line) => lines.push(line));
    for (let i = 0; i < 500; i++) log.refused('POST', `/v1/workflows/w${i}/execute`, 'PostgreSQL did not answer within 5000 ms');
    expect(lines).toEqual(['API POST /v1/workflows/w0/execute: the database cannot be reached: PostgreSQL did not answer within 5000 ms']);
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('API: 499 more requests were refused in the last 60 s because the database could not be reached');

    // The next minute starts with a full line again, and a minute with one refusal says nothing more.
    log.refused('GET', '/v1/workflows', 'The PostgreSQL connection is gone: ECONNREFUSED');
    vi.advanceTimersByTime(60_000);
    expect(lines.slice(2)).toEqual(['API GET /v1/workflows: the database cannot be reached: The PostgreSQL connection is gone: ECONNREFUSED']);
    log.refused('GET', '/v1/runs', 'gone');
    log.refused('GET', '/v1/runs', 'gone');
    vi.advanceTimersByTime(60_000);
    expect(lines.slice(4)).toEqual(['API: 1 more request was refused in the last 60 s because the database could not be reached']);
  });
});
