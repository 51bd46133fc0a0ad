// Run history: pages loaded as the analyst scrolls (the table is virtualized), filters applied by
// the server, live changes merged in place from /v1/events, and run details cached.
import { create } from 'zustand';
import { errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type { Run, RunDetail, RunStatus, TriggerType } from '../api/types.ts';
import { lastDays } from '../lib/format.ts';
import { omit } from '../lib/util.ts';

export interface RunFilters {
  workflow_uuid: string;
  status: RunStatus[];
  trigger_type: TriggerType | '';
  /** Local datetime-local values ("2026-11-22T14:05"); empty = unbounded. */
  from: string;
  to: string;
}

export const EMPTY_RUN_FILTERS: RunFilters = { workflow_uuid: '', status: [], trigger_type: '', from: '', to: '' };
export const RUN_PAGE_SIZE = 200;

/** A datetime-local value as ISO-8601 UTC, or undefined when empty or invalid. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

export function matchesFilters(run: Run, filters: RunFilters): boolean {
  if (filters.workflow_uuid && run.workflow_uuid !== filters.workflow_uuid) return false;
  if (filters.status.length > 0 && !filters.status.includes(run.status)) return false;
  if (filters.trigger_type && run.trigger_type !== filters.trigger_type) return false;
  const from = localToIso(filters.from);
  const to = localToIso(filters.to);
  if (from && run.queued_at < from) return false;
  if (to && run.queued_at >= to) return false;
  return true;
}

const STAGE: Record<RunStatus, number> = { queued: 0, running: 1, success: 2, failed: 2, timed_out: 2, cancelled: 2, skipped: 2 };

/**
 * The later of two copies of one run. A run only moves forward (queued → running → finished), so
 * an answer read before a change that was already applied live must not undo it: a page or a
 * detail requested as a run starts can arrive after the events that followed it.
 */
export function laterRun<T extends Run>(known: T | undefined, incoming: T): T {
  return known && STAGE[known.status] > STAGE[incoming.status] ? known : incoming;
}

/** Newest first, as the server lists them (UUIDv7 ids grow with time, so they break ties). */
export function compareRuns(a: Run, b: Run): number {
  if (a.queued_at !== b.queued_at) return a.queued_at < b.queued_at ? 1 : -1;
  return a.uuid < b.uuid ? 1 : a.uuid > b.uuid ? -1 : 0;
}

/**
 * Merges changed runs into the loaded list: known runs are replaced (or dropped when they no
 * longer match the filters, e.g. a "running" filter after the run finished); new matching runs
 * are inserted in order when they fall inside the loaded window. Returns the list and how the
 * total changed.
 */
export function mergeRuns(
  items: Run[],
  incoming: Run[],
  filters: RunFilters,
  complete: boolean,
): { items: Run[]; delta: number } {
  const byUuid = new Map(items.map((run, index) => [run.uuid, index]));
  let next = items;
  let delta = 0;
  const added: Run[] = [];
  for (const run of incoming) {
    const index = byUuid.get(run.uuid);
    const matches = matchesFilters(run, filters);
    if (index !== undefined) {
      if (next === items) next = items.slice();
      if (matches) next[index] = laterRun(items[index], run);
      else {
        next[index] = null as unknown as Run;
        delta--;
      }
    } else if (matches) {
      const oldest = items[items.length - 1];
      // Older than everything loaded: it belongs to a page not fetched yet (unless all are loaded).
      if (complete || !oldest || compareRuns(run, oldest) < 0) added.push(run);
      delta++;
    }
  }
  if (next !== items) next = next.filter(Boolean);
  if (added.length > 0) next = [...added, ...(next === items ? items : next)].sort(compareRuns);
  return { items: next, delta };
}

export interface DayCounts {
  label: string;
  start: number;
  end: number;
  success: number;
  failed: number;
  cancelled: number;
}

/** Chart buckets: failed includes timed out. */
export const CHART_SERIES = [
  { key: 'success', statuses: 'success' },
  { key: 'failed', statuses: 'failed,timed_out' },
  { key: 'cancelled', statuses: 'cancelled' },
] as const;
export const CHART_DAYS = 14;

interface RunsState {
  filters: RunFilters;
  items: Run[];
  total: number;
  pagesLoaded: number;
  loading: boolean;
  loaded: boolean;
  error: string | null;
  details: Record<string, RunDetail>;
  detailErrors: Record<string, string>;
  cancelErrors: Record<string, string>;
  chart: DayCounts[];
  chartError: string | null;
  setFilters(change: Partial<RunFilters>): void;
  load(): Promise<void>;
  loadMore(): Promise<void>;
  loadDetail(uuid: string): Promise<void>;
  cancel(uuid: string): Promise<void>;
  applyRuns(runs: RunDetail[]): void;
  loadChart(days?: Array<{ start: number; end: number; label: string }>): Promise<void>;
}

let generation = 0;
let chartGeneration = 0;
/** Runs heard of live while the first page was on its way: merged into it when it arrives. */
const heardWhileLoading = new Map<string, RunDetail>();
/** Details being fetched: live changes to them are kept, so the answer cannot undo them. */
const detailsLoading = new Set<string>();

function listQuery(filters: RunFilters, page: number) {
  return {
    workflow_uuid: filters.workflow_uuid || undefined,
    status: filters.status.length > 0 ? filters.status.join(',') : undefined,
    trigger_type: filters.trigger_type || undefined,
    from: localToIso(filters.from),
    to: localToIso(filters.to),
    page,
    page_size: RUN_PAGE_SIZE,
  };
}

export const useRuns = create<RunsState>()((set, get) => ({
  filters: EMPTY_RUN_FILTERS,
  items: [],
  total: 0,
  pagesLoaded: 0,
  loading: false,
  loaded: false,
  error: null,
  details: {},
  detailErrors: {},
  cancelErrors: {},
  chart: [],
  chartError: null,

  setFilters(change) {
    set((s) => ({ filters: { ...s.filters, ...change } }));
    void get().load();
    void get().loadChart();
  },

  async load() {
    const mine = ++generation;
    heardWhileLoading.clear();
    set({ loading: true });
    try {
      const { data, meta } = await api().runs.list(listQuery(get().filters, 1));
      if (mine !== generation) return;
      const heard = [...heardWhileLoading.values()].map(({ logs: _logs, ...run }) => run);
      heardWhileLoading.clear();
      const { items } = mergeRuns(data, heard, get().filters, data.length >= meta.total);
      set({ items, total: Math.max(items.length, meta.total), pagesLoaded: 1, loading: false, loaded: true, error: null });
    } catch (error) {
      if (mine !== generation) return;
      set({ loading: false, loaded: true, error: errorMessage(error) });
    }
  },

  async loadMore() {
    const { loading, items, total, pagesLoaded, filters } = get();
    if (loading || items.length >= total) return;
    const mine = generation;
    set({ loading: true });
    try {
      const { data, meta } = await api().runs.list(listQuery(filters, pagesLoaded + 1));
      if (mine !== generation) return;
      // Runs that arrived live shift the pages; anything already shown comes back and is skipped.
      const known = new Set(get().items.map((run) => run.uuid));
      set((s) => ({
        items: [...s.items, ...data.filter((run) => !known.has(run.uuid))],
        total: meta.total,
        pagesLoaded: s.pagesLoaded + 1,
        loading: false,
      }));
    } catch (error) {
      if (mine !== generation) return;
      set({ loading: false, error: errorMessage(error) });
    }
  },

  async loadDetail(uuid) {
    detailsLoading.add(uuid);
    try {
      const { data } = await api().runs.get(uuid);
      set((s) => ({ details: { ...s.details, [uuid]: laterRun(s.details[uuid], data) }, detailErrors: omit(s.detailErrors, uuid) }));
    } catch (error) {
      set((s) => ({ detailErrors: { ...s.detailErrors, [uuid]: errorMessage(error) } }));
    } finally {
      detailsLoading.delete(uuid);
    }
  },

  async cancel(uuid) {
    set((s) => ({ cancelErrors: omit(s.cancelErrors, uuid) }));
    try {
      await api().runs.cancel(uuid);
      await get().loadDetail(uuid);
    } catch (error) {
      set((s) => ({ cancelErrors: { ...s.cancelErrors, [uuid]: errorMessage(error) } }));
    }
  },

  applyRuns(runs) {
    set((s) => {
      const details = { ...s.details };
      // Only details someone opened are kept current; the rest are fetched when opened.
      for (const run of runs) {
        if (details[run.uuid] || detailsLoading.has(run.uuid)) details[run.uuid] = laterRun(details[run.uuid], run);
      }
      if (s.loading) for (const run of runs) heardWhileLoading.set(run.uuid, run);
      if (!s.loaded) return { details };
      const { items, delta } = mergeRuns(
        s.items,
        runs.map(({ logs: _logs, ...run }) => run),
        s.filters,
        s.items.length >= s.total,
      );
      return { details, items, total: Math.max(items.length, s.total + delta) };
    });
  },

  async loadChart(days) {
    // A full load supersedes everything before it; a partial refresh (today) supersedes nothing.
    const mine = days ? chartGeneration : ++chartGeneration;
    days ??= lastDays(CHART_DAYS, Date.now());
    const { filters } = get();
    const base = {
      workflow_uuid: filters.workflow_uuid || undefined,
      trigger_type: filters.trigger_type || undefined,
      page_size: 1,
    };
    try {
      // One count per day and status group; each is a first page of one row, which the engine
      // answers from its index, so the chart stays cheap however many runs exist.
      const counts = await Promise.all(
        days.map(async (day) => {
          const entry: DayCounts = { ...day, success: 0, failed: 0, cancelled: 0 };
          await Promise.all(
            CHART_SERIES.map(async (series) => {
              const { meta } = await api().runs.list({
                ...base,
                status: series.statuses,
                from: new Date(day.start).toISOString(),
                to: new Date(day.end).toISOString(),
              });
              entry[series.key] = meta.total;
            }),
          );
          return entry;
        }),
      );
      if (mine !== chartGeneration) return;
      set((s) => {
        // Refreshing only some days (today, after a run finished) keeps the others.
        const merged = new Map(s.chart.map((day) => [day.start, day]));
        for (const day of counts) merged.set(day.start, day);
        const wanted = lastDays(CHART_DAYS, Date.now()).map((day) => day.start);
        return {
          chart: wanted.map((start) => merged.get(start)).filter((d): d is DayCounts => d !== undefined),
          chartError: null,
        };
      });
    } catch (error) {
      if (mine !== chartGeneration) return;
      set({ chartError: errorMessage(error) });
    }
  },
}));
