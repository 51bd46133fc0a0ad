// Activating and deactivating the open workflow. Activating asks first ("Activate anyway?") when
// type errors remain or the draft's declared secrets have no value; with unsaved edits, the edits
// are saved in the same request, so what runs is what the analyst sees.
import { ApiError, errorMessage } from '../../api/client.ts';
import { api } from '../../api/instance.ts';
import type { WorkflowState } from '../../api/types.ts';
import { draftSecretWarnings, hasIssues, type ActivationIssues } from '../../lib/activation.ts';
import { isDirty } from './fields.ts';
import type { EditorSlice } from './slice.ts';

export interface ActivationState {
  /** What the "Activate anyway?" dialog lists; null while it is closed. */
  activation: ActivationIssues | null;
}

export interface ActivationSlice extends ActivationState {
  setState(state: WorkflowState): Promise<boolean>;
  /** True when nothing needs asking before activating; otherwise opens the dialog with what was found. */
  checkActivation(): Promise<boolean>;
  dismissActivation(): void;
}

export const NO_ACTIVATION: ActivationState = { activation: null };

export const createActivationSlice: EditorSlice<ActivationSlice> = (set, get) => ({
  ...NO_ACTIVATION,

  async setState(state) {
    const s = get();
    // Activating with unsaved edits saves them in the same request: what runs is what you see.
    if (s.uuid === null || isDirty(s)) return (await get().save(state)) !== null;
    set({ saving: true, saveError: null, saveProblems: [], notice: null });
    try {
      const { data } = await api().workflows.patch(s.uuid, { state });
      set({ workflow: data, saving: false, notice: state === 'active' ? 'Activated: agents can execute it now.' : 'Deactivated.' });
      return true;
    } catch (error) {
      set({
        saving: false,
        saveError: errorMessage(error),
        saveProblems: error instanceof ApiError ? error.lintProblems : [],
      });
      return false;
    }
  },

  async checkActivation() {
    const { draft, typeProblems } = get();
    // An HTTP-endpoint workflow has no code for Monaco to type-check.
    const issues = { typeProblems: draft.kind === 'script' ? typeProblems : [], warnings: await draftSecretWarnings(draft.secrets) };
    if (!hasIssues(issues)) return true;
    set({ activation: issues });
    return false;
  },

  dismissActivation() {
    set({ activation: null });
  },
});
