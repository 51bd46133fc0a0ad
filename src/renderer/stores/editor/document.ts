// The open workflow: the saved copy, the analyst's draft, loading, saving, changes made elsewhere,
// and accepting generated code into the draft. Opening another workflow resets every slice.
import { ApiError, errorMessage } from '../../api/client.ts';
import { api } from '../../api/instance.ts';
import type { LintProblemView, Workflow, WorkflowFields, WorkflowState } from '../../api/types.ts';
import type { ProposedChanges } from '../../lib/generation.ts';
import { omit } from '../../lib/util.ts';
import { NO_ACTIVATION } from './activation.ts';
import { changedFields, fieldOfProblem, fieldsOf, isDirty, NEW_WORKFLOW_FIELDS } from './fields.ts';
import { NO_PROBLEMS } from './problems.ts';
import type { EditorSlice, EditorState } from './slice.ts';
import { freshTest, mocksForKind, storeTestSettings } from './test-panel.ts';
import { NO_VERSIONS } from './versions.ts';

interface SaveState {
  saving: boolean;
  saveError: string | null;
  /** Warnings the server saved with. */
  saveWarnings: LintProblemView[];
  fieldErrors: Record<string, string>;
  /**
   * Text a settings form holds that does not read as a value yet (a schedule's context that is not
   * JSON), by field. The draft still has the last value that did, so saving now would save that:
   * save refuses instead.
   */
  unreadInput: Record<string, string>;
  notice: string | null;
  /** Someone else changed the workflow while the analyst had unsaved edits. */
  remoteChanged: boolean;
}

export interface DocumentSlice extends SaveState {
  /** The workflow's uuid, or null for a new one not saved yet. */
  uuid: string | null;
  workflow: Workflow | null;
  baseline: WorkflowFields;
  draft: WorkflowFields;
  loading: boolean;
  loadError: string | null;
  /** Fields the next new workflow starts with; kept so that opening "new" twice starts the same. */
  pendingNew: Partial<WorkflowFields> | null;
  /** Counts opens, so that the answer for a workflow left meanwhile is dropped. */
  openCount: number;

  open(uuid: string | null): Promise<void>;
  /** Fields the next new workflow starts with (an imported file, a duplicate to edit). */
  prepareNew(fields: Partial<WorkflowFields>): void;
  reload(): Promise<void>;
  setField<K extends keyof WorkflowFields>(name: K, value: WorkflowFields[K]): void;
  /** A form's text for `name` does not read as a value (`message` says why), or reads again (null). */
  setUnreadInput(name: keyof WorkflowFields, message: string | null): void;
  /** Saves the draft (and optionally a new state in the same request); returns the uuid or null. */
  save(state?: WorkflowState): Promise<string | null>;
  remoteChange(uuid: string): Promise<void>;
  /**
   * Puts accepted generated code in the draft (unsaved: the save path lints it), then the
   * settings, mocks and test input that came with it.
   */
  applyGenerated(code: string, changes: ProposedChanges): void;
  dismissNotice(): void;
}

const SAVE_IDLE: SaveState = { saving: false, saveError: null, saveWarnings: [], fieldErrors: {}, unreadInput: {}, notice: null, remoteChanged: false };

export const createDocumentSlice: EditorSlice<DocumentSlice> = (set, get) => ({
  ...SAVE_IDLE,
  uuid: null,
  workflow: null,
  baseline: NEW_WORKFLOW_FIELDS,
  draft: NEW_WORKFLOW_FIELDS,
  loading: false,
  loadError: null,
  pendingNew: null,
  openCount: 0,

  prepareNew(fields) {
    set({ pendingNew: fields });
  },

  async open(uuid) {
    const current = get();
    // Just saved a new workflow and the URL caught up: it is already open.
    if (uuid !== null && current.uuid === uuid && current.workflow) return;
    const mine = current.openCount + 1;
    current.testController?.abort();
    const reset = {
      ...SAVE_IDLE,
      ...NO_PROBLEMS,
      ...NO_VERSIONS,
      ...NO_ACTIVATION,
      uuid,
      workflow: null,
      openCount: mine,
      test: freshTest(uuid ?? 'new'),
      testController: null,
    };
    if (uuid === null) {
      const baseline = { ...NEW_WORKFLOW_FIELDS };
      set({ ...reset, baseline, draft: { ...baseline, ...current.pendingNew }, loading: false, loadError: null });
      return;
    }
    set({ ...reset, loading: true, loadError: null });
    try {
      const { data } = await api().workflows.get(uuid);
      if (mine !== get().openCount) return;
      const fields = fieldsOf(data);
      set((s) => ({ workflow: data, baseline: fields, draft: fields, loading: false, test: { ...s.test, mocksJson: mocksForKind(s.test.mocksJson, fields.kind) } }));
      await get().loadMocks();
    } catch (error) {
      if (mine !== get().openCount) return;
      set({ loading: false, loadError: errorMessage(error) });
    }
  },

  async reload() {
    const { uuid } = get();
    if (!uuid) return;
    try {
      const { data } = await api().workflows.get(uuid);
      const fields = fieldsOf(data);
      set({ workflow: data, baseline: fields, draft: fields, remoteChanged: false, saveProblems: [], fieldErrors: {} });
    } catch (error) {
      set({ saveError: errorMessage(error) });
    }
  },

  setField(name, value) {
    set((s) => ({
      draft: { ...s.draft, [name]: value },
      test: name === 'kind' ? { ...s.test, mocksJson: mocksForKind(s.test.mocksJson, value as WorkflowFields['kind']) } : s.test,
      fieldErrors: omit(s.fieldErrors, name),
      // The refused save's problems described the old code; the live linter takes over.
      saveProblems: name === 'code' ? [] : s.saveProblems,
      notice: null,
    }));
  },

  setUnreadInput(name, message) {
    set((s) => ({ unreadInput: message === null ? omit(s.unreadInput, name) : { ...s.unreadInput, [name]: message } }));
  },

  async save(state) {
    const s = get();
    if (s.saving) return null;
    const fieldErrors: Record<string, string> = { ...s.unreadInput };
    if (!s.draft.name.trim()) fieldErrors.name = 'Give the workflow a name.';
    if (Object.keys(fieldErrors).length > 0) {
      set({ fieldErrors, saveError: 'Some settings need attention before saving.' });
      return null;
    }
    const changes = changedFields(s.baseline, s.draft);
    if (s.uuid !== null && Object.keys(changes).length === 0 && (state === undefined || state === s.workflow?.state)) {
      set({ notice: 'No changes to save.' });
      return s.uuid;
    }
    set({ saving: true, saveError: null, saveProblems: [], fieldErrors: {}, notice: null });
    const draftAtSave = s.draft;
    try {
      const response =
        s.uuid === null
          ? await api().workflows.create({ ...s.draft, name: s.draft.name.trim(), ...(state ? { state } : {}) })
          : await api().workflows.patch(s.uuid, { ...changes, ...(state ? { state } : {}) });
      const workflow = response.data;
      // The test panel's settings follow the workflow from "new" to its id; its mocks go to the server.
      if (s.uuid === null) storeTestSettings(workflow.uuid, get().test);
      // Code, schedule and what a run may reach are versioned: any of them makes a new version.
      const versionNote = s.uuid === null || workflow.code_version !== s.workflow?.code_version ? ` as version ${workflow.code_version}` : '';
      const saved = fieldsOf(workflow);
      set({
        uuid: workflow.uuid,
        workflow,
        baseline: saved,
        // Keystrokes typed while the request was in flight stay in the draft (and dirty).
        draft: get().draft === draftAtSave ? saved : get().draft,
        saving: false,
        saveWarnings: response.meta.lint_warnings ?? [],
        notice: `Saved${versionNote}${state === 'active' ? ' and activated' : ''}.`,
        versions: null,
        remoteChanged: false,
        ...(s.uuid === null ? { pendingNew: null } : {}),
      });
      if (s.uuid === null) await get().saveMocks();
      return workflow.uuid;
    } catch (error) {
      const update: Partial<EditorState> = { saving: false, saveError: errorMessage(error) };
      if (error instanceof ApiError) {
        update.saveProblems = error.lintProblems;
        const fields: Record<string, string> = {};
        for (const problem of error.fieldProblems) fields[fieldOfProblem(problem.field)] = problem.message;
        update.fieldErrors = fields;
      }
      set(update);
      return null;
    }
  },

  async remoteChange(uuid) {
    const s = get();
    if (s.uuid !== uuid || s.saving) return;
    try {
      const { data } = await api().workflows.get(uuid);
      const now = get();
      if (now.uuid !== uuid || now.saving) return;
      // Our own save announces itself too; nothing changed then.
      if (now.workflow && data.updated_at === now.workflow.updated_at) return;
      if (isDirty(now)) {
        set({ remoteChanged: true, workflow: { ...data } });
      } else {
        const fields = fieldsOf(data);
        set({ workflow: data, baseline: fields, draft: fields, versions: null });
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        set({ loadError: 'This workflow was deleted.' });
      }
    }
  },

  applyGenerated(code, changes) {
    // The code first, on its own, exactly as typing it would: the editor and its linter get it
    // before anything that came with it.
    get().setField('code', code);
    set((s) => {
      const test = {
        ...s.test,
        ...changes.test,
        secretValues: { ...s.test.secretValues, ...changes.secretValues },
        // The shown result was for the code that was just replaced.
        result: null,
        resultKey: null,
        mocksUsed: undefined,
        error: null,
        fieldErrors: {},
      };
      storeTestSettings(s.uuid ?? 'new', test);
      return {
        draft: { ...s.draft, ...changes.fields },
        fieldErrors: Object.fromEntries(Object.entries(s.fieldErrors).filter(([name]) => !(name in changes.fields))),
        test,
        notice: 'The generated code is in the editor and not saved yet. Run a test, then save: saving lints it as usual.',
      };
    });
  },

  dismissNotice() {
    set({ notice: null });
  },
});
