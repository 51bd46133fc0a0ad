// The workflow list: server-side search, filters and sort; row actions; live refresh.
import { create } from 'zustand';
import { errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type { Run, WorkflowListItem, WorkflowState } from '../api/types.ts';
import { omit } from '../lib/util.ts';

export interface WorkflowQuery {
  q: string;
  state: WorkflowState | '';
  risk_level: string;
  workflow_type: string;
  tag: string;
  sort: string;
}

export const DEFAULT_WORKFLOW_QUERY: WorkflowQuery = { q: '', state: '', risk_level: '', workflow_type: '', tag: '', sort: 'name' };

/** Enough for any realistic library; past it the list says to narrow the search. */
export const WORKFLOW_PAGE_SIZE = 500;

interface WorkflowsState {
  items: WorkflowListItem[];
  total: number;
  loaded: boolean;
  loading: boolean;
  error: string | null;
  query: WorkflowQuery;
  /** Per-row errors from an action (activate, duplicate…), shown in that row. */
  rowErrors: Record<string, string>;
  busy: Record<string, boolean>;
  load(): Promise<void>;
  setQuery(change: Partial<WorkflowQuery>): void;
  setState(uuid: string, state: WorkflowState): Promise<boolean>;
  duplicate(uuid: string): Promise<string | null>;
  remove(uuid: string): Promise<boolean>;
  /** A run changed: keep the "last run" column current without reloading the list. */
  applyRun(run: Run): void;
  clearRowError(uuid: string): void;
}

let generation = 0;

/** Whether `run` is at least as recent as the row's last run (runs are listed by queue time). */
export function isNewerRun(run: Pick<Run, 'uuid' | 'queued_at'>, last: WorkflowListItem['last_run']): boolean {
  if (!last) return true;
  if (last.uuid === run.uuid) return true;
  return run.queued_at >= last.queued_at;
}

export const useWorkflows = create<WorkflowsState>()((set, get) => {
  const rowAction = async <T>(uuid: string, work: () => Promise<T>): Promise<T | null> => {
    set((s) => ({ busy: { ...s.busy, [uuid]: true }, rowErrors: omit(s.rowErrors, uuid) }));
    try {
      return await work();
    } catch (error) {
      set((s) => ({ rowErrors: { ...s.rowErrors, [uuid]: errorMessage(error) } }));
      return null;
    } finally {
      set((s) => ({ busy: omit(s.busy, uuid) }));
    }
  };

  return {
    items: [],
    total: 0,
    loaded: false,
    loading: false,
    error: null,
    query: DEFAULT_WORKFLOW_QUERY,
    rowErrors: {},
    busy: {},

    async load() {
      const mine = ++generation;
      const { query } = get();
      set({ loading: true });
      try {
        const { data, meta } = await api().workflows.list({
          q: query.q.trim() || undefined,
          state: query.state || undefined,
          risk_level: query.risk_level || undefined,
          workflow_type: query.workflow_type || undefined,
          tag: query.tag.trim() || undefined,
          sort: query.sort,
          page_size: WORKFLOW_PAGE_SIZE,
        });
        // A slower, older request must not overwrite the answer to a newer one.
        if (mine !== generation) return;
        set({ items: data, total: meta.total, loaded: true, loading: false, error: null });
      } catch (error) {
        if (mine !== generation) return;
        set({ loading: false, loaded: true, error: errorMessage(error) });
      }
    },

    setQuery(change) {
      set((s) => ({ query: { ...s.query, ...change } }));
      void get().load();
    },

    async setState(uuid, state) {
      const updated = await rowAction(uuid, () => api().workflows.patch(uuid, { state }));
      if (!updated) return false;
      set((s) => ({
        items: s.items.map((item) =>
          item.uuid === uuid ? { ...item, state: updated.data.state, updated_at: updated.data.updated_at } : item,
        ),
      }));
      return true;
    },

    async duplicate(uuid) {
      const copy = await rowAction(uuid, () => api().workflows.duplicate(uuid));
      if (!copy) return null;
      void get().load();
      return copy.data.uuid;
    },

    async remove(uuid) {
      const done = await rowAction(uuid, () => api().workflows.remove(uuid));
      if (done === null) return false;
      set((s) => ({ items: s.items.filter((item) => item.uuid !== uuid), total: Math.max(0, s.total - 1) }));
      return true;
    },

    applyRun(run) {
      set((s) => {
        let changed = false;
        const items = s.items.map((item) => {
          if (item.uuid !== run.workflow_uuid || !isNewerRun(run, item.last_run)) return item;
          changed = true;
          return {
            ...item,
            last_run: { uuid: run.uuid, status: run.status, queued_at: run.queued_at, finished_at: run.finished_at },
          };
        });
        return changed ? { items } : s;
      });
    },

    clearRowError(uuid) {
      set((s) => ({ rowErrors: omit(s.rowErrors, uuid) }));
    },
  };
});
