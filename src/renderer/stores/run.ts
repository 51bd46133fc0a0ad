// Running a workflow from the console, as the signed-in analyst, through the same execute path and
// approval gate as any caller. A queued run opens in the Runs view, which follows it live; a
// request that waits for approval opens in the Approvals view, and once it is approved there the
// console follows the run it started.
import { create } from 'zustand';
import { api } from '../api/instance.ts';
import type { ExecuteRequest } from '../api/types.ts';
import {
  checkRunForm,
  emptyRunForm,
  explainRunError,
  needsConfirmation,
  newIdempotencyKey,
  type RunField,
  type RunForm,
  type RunTarget,
} from '../lib/run-form.ts';
import { useRouter } from './router.ts';

interface RunState {
  /** The workflow the Run dialog is open for; null when it is closed. */
  target: RunTarget | null;
  form: RunForm;
  fieldErrors: Partial<Record<RunField, string>>;
  error: string | null;
  settingsLink: boolean;
  /** A checked request waiting for the analyst to confirm a high- or critical-risk run. */
  confirming: ExecuteRequest | null;
  sending: boolean;
  /** The approval request the analyst's own Run created: the Approvals view follows it to its run. */
  followApproval: string | null;
  open(target: RunTarget): void;
  close(): void;
  setForm(change: Partial<RunForm>): void;
  /** Checks the form, then asks for confirmation or sends. */
  submit(): Promise<void>;
  confirm(): Promise<void>;
  cancelConfirm(): void;
  stopFollowing(): void;
}

// One key per request body: a retry of the same request (after a lost answer) reuses it, so the
// server answers it from its idempotency record instead of queuing a second run.
let idempotency: { key: string; body: string } | null = null;

export const useRun = create<RunState>()((set, get) => {
  async function send(body: ExecuteRequest): Promise<void> {
    const target = get().target;
    if (!target || get().sending) return;
    const text = JSON.stringify(body);
    if (idempotency?.body !== text) idempotency = { key: newIdempotencyKey(), body: text };
    set({ sending: true, error: null, settingsLink: false, fieldErrors: {} });
    try {
      const { data } = await api().workflows.execute(target.uuid, body, idempotency.key);
      idempotency = null;
      set({ target: null, sending: false, confirming: null });
      if (data.status === 'queued') {
        useRouter.getState().navigate({ view: 'runs', uuid: data.run_uuid });
      } else {
        set({ followApproval: data.approval_request_uuid });
        useRouter.getState().navigate({ view: 'approvals', uuid: data.approval_request_uuid });
      }
    } catch (error) {
      const refusal = explainRunError(error, target);
      set({ sending: false, confirming: null, error: refusal.message, fieldErrors: refusal.fieldErrors, settingsLink: refusal.settingsLink });
    }
  }

  return {
    target: null,
    form: { indicatorType: 'ip', indicatorValue: '', contextJson: '', note: '' },
    fieldErrors: {},
    error: null,
    settingsLink: false,
    confirming: null,
    sending: false,
    followApproval: null,

    open(target) {
      idempotency = null;
      set({ target, form: emptyRunForm(target), fieldErrors: {}, error: null, settingsLink: false, confirming: null, sending: false });
    },

    close() {
      if (get().sending) return;
      set({ target: null, confirming: null });
    },

    setForm(change) {
      set((s) => {
        const fieldErrors = { ...s.fieldErrors };
        if ('indicatorType' in change) delete fieldErrors.indicator_type;
        if ('indicatorValue' in change) delete fieldErrors.indicator_value;
        if ('contextJson' in change) delete fieldErrors.context;
        if ('note' in change) delete fieldErrors.note;
        return { form: { ...s.form, ...change }, fieldErrors };
      });
    },

    async submit() {
      const { target, form } = get();
      if (!target) return;
      const checked = checkRunForm(target, form);
      if ('fieldErrors' in checked) {
        set({ fieldErrors: checked.fieldErrors, error: null });
        return;
      }
      if (needsConfirmation(target)) {
        set({ confirming: checked.body, error: null });
        return;
      }
      await send(checked.body);
    },

    async confirm() {
      const body = get().confirming;
      if (body) await send(body);
    },

    cancelConfirm() {
      set({ confirming: null });
    },

    stopFollowing() {
      set({ followApproval: null });
    },
  };
});

// The follow ends when the analyst leaves the request it is for: a decision taken later, from the
// tray or Slack, does not pull them away from whatever they went on to do.
useRouter.subscribe(({ route }) => {
  const follow = useRun.getState().followApproval;
  if (follow && !(route.view === 'approvals' && route.uuid === follow)) useRun.getState().stopFollowing();
});
