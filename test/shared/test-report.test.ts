import { describe, expect, it } from 'vitest';
import type { RunLogEntry } from '../../src/shared/domain.ts';
import { callError, mockLabel, reportLogs } from '../../src/shared/test-report.ts';

const entry = (fields: Partial<RunLogEntry>): RunLogEntry => ({
  seq: 0,
  ts: '2026-01-01T00:00:00.000Z',
  level: 'info',
  message: '',
  fields: null,
  step: null,
  http: null,
  ...fields,
});

describe('test reports read the same in the CLI and the console', () => {
  it('numbers mocks from 1, as people count', () => {
    expect(mockLabel(0)).toBe('mock #1');
    expect(mockLabel(4)).toBe('mock #5');
    expect(mockLabel('default')).toBe('default mock');
    expect(mockLabel(null)).toBe('no mock');
  });

  it('drops HTTP lines and the error line that repeats the result, keeping its stack', () => {
    const error = 'Error: boom (workflow.ts line 2)';
    const http = entry({ level: 'warn', message: 'GET x', http: { method: 'GET', url: 'x', status: null, ms: 1, bytes: 0, error: 'no mock' } });
    const said = entry({ level: 'info', message: 'looking up' });
    const thrown = entry({ level: 'error', message: error, fields: { stack: 'at run (workflow.ts:2:18)' } });
    expect(reportLogs({ logs: [said, http, thrown], error })).toEqual({ logs: [said], stack: 'at run (workflow.ts:2:18)' });
    // A line of the workflow's own that happens to say the same, with fields of its own, stays.
    const own = entry({ level: 'error', message: error, fields: { ticket: 'INC-1' } });
    expect(reportLogs({ logs: [own], error }).logs).toEqual([own]);
    expect(reportLogs({ logs: [thrown], error: null }).logs).toEqual([thrown]);
  });

  it("leaves out a call's error that the result's message already says", () => {
    const message = 'Error: no mock matches GET https://a.example/x (test mode: add a mock for it, or a "default")';
    expect(callError({ error: 'no mock matches GET https://a.example/x (test mode: add a mock for it, or a "default")' }, { message })).toBeNull();
    expect(callError({ error: 'connect ECONNREFUSED' }, { message: 'caught it' })).toBe('connect ECONNREFUSED');
    expect(callError({ error: null }, { message })).toBeNull();
  });
});
