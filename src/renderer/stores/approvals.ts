// Approval requests: the pending queue (soonest expiry first) and the decided history, kept
// current from /v1/events; decisions with their errors shown on the request they concern.
import { create } from 'zustand';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type { Approval } from '../api/types.ts';
import { omit } from '../lib/util.ts';

export const HISTORY_PAGE_SIZE = 100;
const DECIDED = 'approved,rejected,expired,cancelled';

export function sortPending(list: Approval[]): Approval[] {
  return [...list].sort((a, b) => (a.expires_at < b.expires_at ? -1 : a.expires_at > b.expires_at ? 1 : 0));
}

export function sortHistory(list: Approval[]): Approval[] {
  const at = (a: Approval) => a.decided_at ?? a.expires_at;
  return [...list].sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0));
}

/** Puts an approval where its status says it belongs (pending queue or history), once. */
export function placeApproval(
  pending: Approval[],
  history: Approval[],
  approval: Approval,
): { pending: Approval[]; history: Approval[]; historyDelta: number } {
  const wasInHistory = history.some((a) => a.uuid === approval.uuid);
  const restPending = pending.filter((a) => a.uuid !== approval.uuid);
  const restHistory = history.filter((a) => a.uuid !== approval.uuid);
  if (approval.status === 'pending') {
    return { pending: sortPending([...restPending, approval]), history: restHistory, historyDelta: wasInHistory ? -1 : 0 };
  }
  return { pending: restPending, history: sortHistory([approval, ...restHistory]), historyDelta: wasInHistory ? 0 : 1 };
}

interface ApprovalsState {
  pending: Approval[];
  history: Approval[];
  historyTotal: number;
  loaded: boolean;
  loading: boolean;
  error: string | null;
  deciding: Record<string, 'approve' | 'reject'>;
  decideErrors: Record<string, string>;
  load(): Promise<void>;
  loadMoreHistory(): Promise<void>;
  refreshOne(uuid: string): Promise<Approval | null>;
  decide(uuid: string, decision: 'approve' | 'reject', reason?: string): Promise<boolean>;
  apply(approval: Approval): void;
}

export const useApprovals = create<ApprovalsState>()((set, get) => ({
  pending: [],
  history: [],
  historyTotal: 0,
  loaded: false,
  loading: false,
  error: null,
  deciding: {},
  decideErrors: {},

  async load() {
    set({ loading: true });
    try {
      const [pending, history] = await Promise.all([
        api().approvals.list({ status: 'pending', page_size: 500 }),
        api().approvals.list({ status: DECIDED, page_size: HISTORY_PAGE_SIZE }),
      ]);
      set({
        pending: sortPending(pending.data),
        history: sortHistory(history.data),
        historyTotal: history.meta.total,
        loaded: true,
        loading: false,
        error: null,
      });
    } catch (error) {
      set({ loading: false, loaded: true, error: errorMessage(error) });
    }
  },

  async loadMoreHistory() {
    const { history, historyTotal, loading } = get();
    if (loading || history.length >= historyTotal) return;
    set({ loading: true });
    try {
      const page = Math.floor(history.length / HISTORY_PAGE_SIZE) + 1;
      const { data, meta } = await api().approvals.list({ status: DECIDED, page, page_size: HISTORY_PAGE_SIZE });
      const known = new Set(get().history.map((a) => a.uuid));
      set((s) => ({
        history: sortHistory([...s.history, ...data.filter((a) => !known.has(a.uuid))]),
        historyTotal: meta.total,
        loading: false,
      }));
    } catch (error) {
      set({ loading: false, error: errorMessage(error) });
    }
  },

  async refreshOne(uuid) {
    try {
      const { data } = await api().approvals.get(uuid);
      get().apply(data);
      return data;
    } catch {
      // The list shows what it has; the next event or visit refreshes it.
      return null;
    }
  },

  async decide(uuid, decision, reason) {
    set((s) => ({ deciding: { ...s.deciding, [uuid]: decision }, decideErrors: omit(s.decideErrors, uuid) }));
    try {
      const { data } = await api().approvals.decide(uuid, decision, reason?.trim() || undefined);
      get().apply(data);
      return true;
    } catch (error) {
      let message = errorMessage(error);
      // Someone else (the tray, Slack, the browser page) decided first: show what happened.
      if (error instanceof ApiError && error.status === 409) {
        const current = await get().refreshOne(uuid);
        if (current && current.status !== 'pending') {
          message = `${message} It was ${current.status}${current.responder ? ` by ${current.responder}` : ''}.`;
        }
      }
      set((s) => ({ decideErrors: { ...s.decideErrors, [uuid]: message } }));
      return false;
    } finally {
      set((s) => ({ deciding: omit(s.deciding, uuid) }));
    }
  },

  apply(approval) {
    set((s) => {
      const placed = placeApproval(s.pending, s.history, approval);
      return { pending: placed.pending, history: placed.history, historyTotal: s.historyTotal + placed.historyDelta };
    });
  },
}));
