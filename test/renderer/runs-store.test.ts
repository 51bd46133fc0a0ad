import { beforeEach, describe, expect, it } from 'vitest';
import { compareRuns, EMPTY_RUN_FILTERS, laterRun, matchesFilters, mergeRuns, RUN_PAGE_SIZE, useRuns } from '../../src/renderer/stores/runs.ts';
import { fakeApi, ok } from './helpers.ts';
import { lastDays } from '../../src/renderer/lib/format.ts';
import { run } from './fixtures.ts';

describe('run history merging', () => {
  it('filters like the server: workflow, statuses, trigger and [from, to) on queue time', () => {
    const r = run({ status: 'failed', trigger_type: 'human', queued_at: '2026-11-22T12:00:00.000Z' });
    expect(matchesFilters(r, EMPTY_RUN_FILTERS)).toBe(true);
    expect(matchesFilters(r, { ...EMPTY_RUN_FILTERS, status: ['failed', 'timed_out'] })).toBe(true);
    expect(matchesFilters(r, { ...EMPTY_RUN_FILTERS, status: ['success'] })).toBe(false);
    expect(matchesFilters(r, { ...EMPTY_RUN_FILTERS, trigger_type: 'agent' })).toBe(false);
    expect(matchesFilters(r, { ...EMPTY_RUN_FILTERS, workflow_uuid: 'other' })).toBe(false);
  });

  it('inserts new runs in order, replaces known ones, and drops those that stop matching', () => {
    const older = run({ queued_at: '2026-11-22T10:00:00.000Z', status: 'running' });
    const old = run({ queued_at: '2026-11-22T11:00:00.000Z', status: 'running' });
    const items = [old, older];
    const fresh = run({ queued_at: '2026-11-22T12:00:00.000Z', status: 'running' });
    const filters = { ...EMPTY_RUN_FILTERS, status: ['running' as const] };

    const merged = mergeRuns(items, [fresh, { ...old, status: 'success' }], filters, true);
    expect(merged.items.map((r) => r.uuid)).toEqual([fresh.uuid, older.uuid]);
    expect(merged.delta).toBe(0);
    expect([...merged.items].sort(compareRuns)).toEqual(merged.items);
  });

  it('counts but does not show a run older than the loaded window when more pages exist', () => {
    const loaded = [run({ queued_at: '2026-11-22T12:00:00.000Z' })];
    const ancient = run({ queued_at: '2026-11-01T12:00:00.000Z' });
    const merged = mergeRuns(loaded, [ancient], EMPTY_RUN_FILTERS, false);
    expect(merged.items).toEqual(loaded);
    expect(merged.delta).toBe(1);
  });
});

describe('runs store', () => {
  beforeEach(() => {
    useRuns.setState({ items: [], total: 0, pagesLoaded: 0, loaded: false, loading: false, filters: EMPTY_RUN_FILTERS, details: {} });
  });

  it('loads pages as asked and skips runs a live insert pushed onto the next page', async () => {
    const first = Array.from({ length: RUN_PAGE_SIZE }, (_, i) => run({ queued_at: new Date(Date.UTC(2026, 10, 22, 12, 0, 0) - i * 1000).toISOString() }));
    const second = [first[first.length - 1]!, run({ queued_at: '2026-11-01T00:00:00.000Z' })];
    const { calls } = fakeApi({
      'runs.list': (query: { page: number }) => (query.page === 1 ? ok(first, { total: 201 }) : ok(second, { total: 201 })),
    });
    await useRuns.getState().load();
    expect(useRuns.getState().items).toHaveLength(RUN_PAGE_SIZE);
    await useRuns.getState().loadMore();
    expect(useRuns.getState().items).toHaveLength(RUN_PAGE_SIZE + 1);
    expect(calls.map(([name, args]) => [name, (args[0] as { page: number }).page])).toEqual([
      ['runs.list', 1],
      ['runs.list', 2],
    ]);
    await useRuns.getState().loadMore();
    expect(calls).toHaveLength(2);
  });

  it('applies live runs to the list and to open details', async () => {
    const shown = run({ status: 'running' });
    fakeApi({ 'runs.list': () => ok([shown], { total: 1 }), 'runs.get': () => ok({ ...shown, logs: [] }) });
    await useRuns.getState().load();
    await useRuns.getState().loadDetail(shown.uuid);
    const done = { ...shown, status: 'success' as const, logs: [] };
    const fresh = { ...run({ queued_at: '2026-11-22T13:00:00.000Z' }), logs: [] };
    useRuns.getState().applyRuns([done, fresh]);
    const state = useRuns.getState();
    expect(state.items.map((r) => r.uuid)).toEqual([fresh.uuid, shown.uuid]);
    expect(state.items[1]!.status).toBe('success');
    expect(state.total).toBe(2);
    expect(state.details[shown.uuid]!.status).toBe('success');
    expect(state.details[fresh.uuid]).toBeUndefined();
  });

  it('counts runs per day and status group for the chart', async () => {
    fakeApi({ 'runs.list': (q: { status: string }) => ok([], { total: q.status === 'success' ? 5 : q.status === 'failed,timed_out' ? 2 : 0 }) });
    await useRuns.getState().loadChart(lastDays(1, Date.now()));
    expect(useRuns.getState().chart.at(-1)).toMatchObject({ success: 5, failed: 2, cancelled: 0 });
  });
});

describe('live changes are not undone by answers read before them', () => {
  beforeEach(() => {
    useRuns.setState({ items: [], total: 0, pagesLoaded: 0, loaded: false, loading: false, filters: EMPTY_RUN_FILTERS, details: {} });
  });

  it('a run only moves forward', () => {
    const queued = run({ status: 'queued' });
    const done = { ...queued, status: 'success' as const };
    expect(laterRun(done, queued)).toBe(done);
    expect(laterRun(queued, done)).toBe(done);
    expect(laterRun(undefined, queued)).toBe(queued);
  });

  it('keeps a finish heard while the detail and the first page were on their way', async () => {
    const queued = { ...run({ status: 'queued' }), logs: [] };
    const finished = { ...queued, status: 'success' as const };
    let answerDetail: (value: unknown) => void = () => undefined;
    let answerList: (value: unknown) => void = () => undefined;
    fakeApi({
      'runs.get': () => new Promise((resolve) => (answerDetail = resolve)),
      'runs.list': () => new Promise((resolve) => (answerList = resolve)),
    });
    const detail = useRuns.getState().loadDetail(queued.uuid);
    const list = useRuns.getState().load();
    // The run finishes and the event stream says so before either answer (read earlier) arrives.
    useRuns.getState().applyRuns([finished]);
    answerDetail(ok(queued));
    answerList(ok([queued], { total: 1 }));
    await Promise.all([detail, list]);
    expect(useRuns.getState().details[queued.uuid]?.status).toBe('success');
    expect(useRuns.getState().items.map((r) => r.status)).toEqual(['success']);
  });
});
