import { describe, expect, it } from 'vitest';
import type { RunLogEntry, RunStep } from '../../src/renderer/api/types.ts';
import { groupTimeline } from '../../src/renderer/lib/timeline.ts';

let seq = 0;
const entry = (message: string, step: string | null): RunLogEntry => ({ seq: seq++, ts: '2026-12-06T00:00:00.000Z', level: 'info', message, fields: null, step, http: null });
const record = (name: string, status: RunStep['status']): RunStep => ({ name, status, started_at: '2026-12-06T00:00:00.000Z', duration_ms: 1, output: null, error: null, reason: null });

describe('groupTimeline', () => {
  it('gathers each step\'s entries under it and matches repeated names in order', () => {
    const logs = [
      entry('start', null),
      entry('step "check" started', 'check'),
      entry('inside', 'check'),
      entry('step "check" finished (1 ms)', 'check'),
      entry('step "check" started', 'check'),
      entry('step "check" failed after 1 ms: boom', 'check'),
      entry('step "notify" skipped: off', 'notify'),
      entry('end', null),
    ];
    const steps = [record('check', 'success'), record('check', 'failed'), record('notify', 'skipped')];
    const items = groupTimeline(logs, steps);
    expect(items.map((item) => (item.kind === 'entry' ? item.entry.message : `${item.name}:${item.step?.status}:${item.entries.length}`))).toEqual([
      'start',
      'check:success:3',
      'check:failed:2',
      'notify:skipped:1',
      'end',
    ]);
  });

  it('continues a step whose entries were interleaved with another\'s, and has no record while running', () => {
    const logs = [entry('step "a" started', 'a'), entry('step "b" started', 'b'), entry('more of a', 'a')];
    const items = groupTimeline(logs, []);
    expect(items.map((item) => (item.kind === 'step' ? [item.name, item.continued, item.step] : null))).toEqual([
      ['a', false, null],
      ['b', false, null],
      ['a', true, null],
    ]);
  });
});
