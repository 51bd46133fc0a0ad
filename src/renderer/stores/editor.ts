// The open workflow: the saved copy, the analyst's draft, lint results, save/activate, versions,
// and the test panel. "Dirty" is a comparison of the draft with what was last saved (or, for a
// new workflow, with the template it started from), so undoing an edit makes it clean again.
import { create } from 'zustand';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/instance.ts';
import type {
  IndicatorType,
  LintProblemView,
  TestResult,
  Workflow,
  WorkflowFields,
  WorkflowState,
  WorkflowVersionSummary,
} from '../api/types.ts';
import { checkIndicator } from '../../shared/indicators.ts';
import type { ProposedChanges } from '../lib/generation.ts';
import { omit } from '../lib/util.ts';

export const NEW_WORKFLOW_CODE = `import type { WorkflowContext, WorkflowResult } from "vigil";

// Called once per run with the indicator (and alert, input) it was triggered with.
export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const { type, value } = ctx.indicator;
  ctx.log.info("received indicator", { type, value });
  return ctx.ok(\`checked \${value}\`, { type, value });
}
`;

export const NEW_WORKFLOW_FIELDS: WorkflowFields = {
  name: '',
  kind: 'script',
  workflow_type: 'indicator',
  indicator_types: [],
  code: NEW_WORKFLOW_CODE,
  approval_mode: 'always',
  approval_timeout_seconds: 3600,
  risk_level: 'medium',
  timeout_seconds: 60,
  secrets: [],
  allowed_hosts: [],
  documentation: '',
  tags: [],
};

const FIELD_NAMES = Object.keys(NEW_WORKFLOW_FIELDS) as Array<keyof WorkflowFields>;

export function fieldsOf(workflow: Workflow): WorkflowFields {
  const fields = {} as Record<keyof WorkflowFields, unknown>;
  for (const name of FIELD_NAMES) fields[name] = workflow[name];
  return fields as WorkflowFields;
}

/** The fields of `draft` that differ from `baseline` (what a PATCH must send). */
export function changedFields(baseline: WorkflowFields, draft: WorkflowFields): Partial<WorkflowFields> {
  const changes: Partial<Record<keyof WorkflowFields, unknown>> = {};
  for (const name of FIELD_NAMES) {
    if (JSON.stringify(baseline[name]) !== JSON.stringify(draft[name])) changes[name] = draft[name];
  }
  return changes as Partial<WorkflowFields>;
}

export function isDirty(state: Pick<EditorState, 'baseline' | 'draft'>): boolean {
  return Object.keys(changedFields(state.baseline, state.draft)).length > 0;
}

/** A 422 problem's field ("body.tags.2") as the settings field it belongs to ("tags"). */
export function fieldOfProblem(field: string): string {
  return field.replace(/^body\.?/, '').split('.')[0] || 'form';
}

/** The example mocks a new test panel starts with: the shape the sandbox's test mode reads. */
export const DEFAULT_MOCKS = `{
  "responses": [
    {
      "method": "GET",
      "url": "https://intel.example.com/*",
      "status": 200,
      "json": { "verdict": "malicious", "score": 92 }
    }
  ],
  "default": "error"
}
`;

/** The HTTP-endpoint counterpart: the endpoint's request answered as a receiver would. */
export const ENDPOINT_DEFAULT_MOCKS = `{
  "responses": [
    {
      "method": "POST",
      "url": "*",
      "status": 202,
      "json": { "accepted": true }
    }
  ],
  "default": "error"
}
`;

/** Untouched example mocks follow the workflow's kind; mocks the analyst wrote are kept. */
export function mocksForKind(mocksJson: string, kind: WorkflowFields['kind']): string {
  if (mocksJson !== DEFAULT_MOCKS && mocksJson !== ENDPOINT_DEFAULT_MOCKS) return mocksJson;
  return kind === 'http_endpoint' ? ENDPOINT_DEFAULT_MOCKS : DEFAULT_MOCKS;
}

export interface TestSettings {
  indicatorType: IndicatorType;
  indicatorValue: string;
  inputJson: string;
  /** ctx.alert as JSON; empty: no alert. */
  alertJson: string;
  mocksJson: string;
}

export const DEFAULT_TEST_SETTINGS: TestSettings = {
  indicatorType: 'ip',
  indicatorValue: '203.0.113.7',
  inputJson: '{}',
  alertJson: '',
  mocksJson: DEFAULT_MOCKS,
};

export interface TestState extends TestSettings {
  /** Values for the workflow's declared secrets, for this test only; never stored anywhere. */
  secretValues: Record<string, string>;
  running: boolean;
  result: TestResult | null;
  /** testInputKey() of what produced `result`: when it differs from the current one, the result is stale. */
  resultKey: string | null;
  /** The mocks the shown result was produced with (to name the rule that answered each call). */
  mocksUsed: unknown;
  error: string | null;
  /** Field problems: "indicator_value", "input", "mocks", or the request field the server named. */
  fieldErrors: Record<string, string>;
}

const testStorageKey = (key: string) => `vigil.test.${key}`;

function loadTestSettings(key: string): TestSettings {
  try {
    const raw = localStorage.getItem(testStorageKey(key));
    if (raw) return { ...DEFAULT_TEST_SETTINGS, ...(JSON.parse(raw) as Partial<TestSettings>) };
  } catch {
    // Unreadable settings: start from the defaults.
  }
  return DEFAULT_TEST_SETTINGS;
}

function storeTestSettings(key: string, test: TestSettings): void {
  try {
    const { indicatorType, indicatorValue, inputJson, alertJson, mocksJson } = test;
    localStorage.setItem(testStorageKey(key), JSON.stringify({ indicatorType, indicatorValue, inputJson, alertJson, mocksJson }));
  } catch {
    // Storage full or disabled: the panel keeps its values for this visit.
  }
}

/** The Test panel's fields, as the analyst reads them in the form (for messages that name them). */
export const TEST_FIELD_LABELS: Record<string, string> = {
  indicator_type: 'Indicator type',
  indicator_value: 'Indicator value',
  input: 'Input (ctx.input)',
  alert: 'Alert (ctx.alert)',
  mocks: 'Mock responses',
};

/** The message under the Run test button when fields are marked: it names them, once each. */
export function testFieldsMessage(fieldErrors: Record<string, string>): string {
  const names = Object.keys(fieldErrors).map((field) => TEST_FIELD_LABELS[field] ?? field);
  return `The test did not run: fix ${names.join(' and ')}, marked above.`;
}

/**
 * Everything a test result depends on: the code (or endpoint configuration) and the test input.
 * A shown result whose key differs from the current one no longer describes what is on screen.
 */
export function testInputKey(draft: WorkflowFields, test: TestSettings & { secretValues: Record<string, string> }): string {
  return JSON.stringify([
    draft.kind,
    draft.code,
    draft.secrets,
    draft.allowed_hosts,
    test.indicatorType,
    test.indicatorValue,
    test.inputJson,
    test.alertJson,
    test.mocksJson,
    test.secretValues,
  ]);
}

/** Parses a JSON text field; an empty field is `undefined`. */
export function parseJsonField(text: string): { value: unknown } | { error: string } {
  if (!text.trim()) return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `Not valid JSON: ${(error as Error).message}` };
  }
}

export interface EditorState {
  /** The workflow's uuid, or null for a new one not saved yet. */
  uuid: string | null;
  workflow: Workflow | null;
  baseline: WorkflowFields;
  draft: WorkflowFields;
  loading: boolean;
  loadError: string | null;
  lintProblems: LintProblemView[];
  lintError: string | null;
  /** The type errors the editor underlines (Monaco's TypeScript worker), as warnings. */
  typeProblems: LintProblemView[];
  saving: boolean;
  saveError: string | null;
  /** Lint problems of a save the server refused (400 WORKFLOW_CODE_INVALID). */
  saveProblems: LintProblemView[];
  /** Warnings the server saved with. */
  saveWarnings: LintProblemView[];
  fieldErrors: Record<string, string>;
  notice: string | null;
  /** Someone else changed the workflow while the analyst had unsaved edits. */
  remoteChanged: boolean;
  versions: WorkflowVersionSummary[] | null;
  versionsError: string | null;
  versionCode: Record<number, string>;
  test: TestState;

  open(uuid: string | null): Promise<void>;
  /** Fields the next new workflow starts with (an imported file, a duplicate to edit). */
  prepareNew(fields: Partial<WorkflowFields>): void;
  reload(): Promise<void>;
  setField<K extends keyof WorkflowFields>(name: K, value: WorkflowFields[K]): void;
  setLint(problems: LintProblemView[]): void;
  setLintError(message: string | null): void;
  setTypeProblems(problems: LintProblemView[]): void;
  /** Saves the draft (and optionally a new state in the same request); returns the uuid or null. */
  save(state?: WorkflowState): Promise<string | null>;
  setState(state: WorkflowState): Promise<boolean>;
  loadVersions(): Promise<void>;
  loadVersionCode(version: number): Promise<string | null>;
  restoreVersion(version: number): Promise<boolean>;
  remoteChange(uuid: string): Promise<void>;
  setTest(change: Partial<TestSettings> & { secretValues?: Record<string, string> }): void;
  runTest(): Promise<void>;
  /** Closes the result pane. */
  clearTestResult(): void;
  /**
   * Puts accepted generated code in the draft (unsaved: the save path lints it), then the
   * settings, mocks and test input that came with it.
   */
  applyGenerated(code: string, changes: ProposedChanges): void;
  dismissNotice(): void;
}

let testController: AbortController | null = null;
let pendingNew: Partial<WorkflowFields> | null = null;
let openGeneration = 0;

const freshTest = (key: string): TestState => ({
  ...loadTestSettings(key),
  secretValues: {},
  running: false,
  result: null,
  resultKey: null,
  mocksUsed: undefined,
  error: null,
  fieldErrors: {},
});

export const useEditor = create<EditorState>()((set, get) => ({
  uuid: null,
  workflow: null,
  baseline: NEW_WORKFLOW_FIELDS,
  draft: NEW_WORKFLOW_FIELDS,
  loading: false,
  loadError: null,
  lintProblems: [],
  lintError: null,
  typeProblems: [],
  saving: false,
  saveError: null,
  saveProblems: [],
  saveWarnings: [],
  fieldErrors: {},
  notice: null,
  remoteChanged: false,
  versions: null,
  versionsError: null,
  versionCode: {},
  test: freshTest('new'),

  prepareNew(fields) {
    pendingNew = fields;
  },

  async open(uuid) {
    const current = get();
    // Just saved a new workflow and the URL caught up: it is already open.
    if (uuid !== null && current.uuid === uuid && current.workflow) return;
    const mine = ++openGeneration;
    testController?.abort();
    const reset = {
      uuid,
      workflow: null,
      lintProblems: [],
      lintError: null,
      typeProblems: [],
      saving: false,
      saveError: null,
      saveProblems: [],
      saveWarnings: [],
      fieldErrors: {},
      notice: null,
      remoteChanged: false,
      versions: null,
      versionsError: null,
      versionCode: {},
      test: freshTest(uuid ?? 'new'),
    };
    if (uuid === null) {
      const baseline = { ...NEW_WORKFLOW_FIELDS };
      // Kept (not consumed) so that opening "new" twice in a row starts from the same fields.
      const initial = pendingNew;
      set({ ...reset, baseline, draft: { ...baseline, ...initial }, loading: false, loadError: null });
      return;
    }
    set({ ...reset, loading: true, loadError: null });
    try {
      const { data } = await api().workflows.get(uuid);
      if (mine !== openGeneration) return;
      const fields = fieldsOf(data);
      set((s) => ({ workflow: data, baseline: fields, draft: fields, loading: false, test: { ...s.test, mocksJson: mocksForKind(s.test.mocksJson, fields.kind) } }));
    } catch (error) {
      if (mine !== openGeneration) return;
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

  setLint(problems) {
    set({ lintProblems: problems, lintError: null });
  },

  setLintError(message) {
    set({ lintError: message });
  },

  setTypeProblems(problems) {
    set({ typeProblems: problems });
  },

  async save(state) {
    const s = get();
    if (s.saving) return null;
    const fieldErrors: Record<string, string> = {};
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
      if (s.uuid === null) {
        // The test panel's settings follow the workflow from "new" to its id.
        storeTestSettings(workflow.uuid, get().test);
        pendingNew = null;
      }
      const versionNote = s.uuid === null || changes.code !== undefined ? ` as version ${workflow.code_version}` : '';
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
      });
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

  async loadVersions() {
    const { uuid } = get();
    if (!uuid) return;
    try {
      const { data } = await api().workflows.versions(uuid);
      if (get().uuid === uuid) set({ versions: data, versionsError: null });
    } catch (error) {
      set({ versionsError: errorMessage(error) });
    }
  },

  async loadVersionCode(version) {
    const { uuid, versionCode } = get();
    if (!uuid) return null;
    if (versionCode[version] !== undefined) return versionCode[version]!;
    try {
      const { data } = await api().workflows.version(uuid, version);
      set((s) => ({ versionCode: { ...s.versionCode, [version]: data.code } }));
      return data.code;
    } catch (error) {
      set({ versionsError: errorMessage(error) });
      return null;
    }
  },

  async restoreVersion(version) {
    const code = await get().loadVersionCode(version);
    if (code === null) return false;
    get().setField('code', code);
    set({ notice: `Version ${version} is in the editor. Save to make it the current version.` });
    return true;
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

  setTest(change) {
    set((s) => {
      // Editing clears the marks, and the message that named them with them.
      const marked = Object.keys(s.test.fieldErrors).length > 0;
      const test = { ...s.test, ...change, fieldErrors: {}, error: marked ? null : s.test.error };
      storeTestSettings(s.uuid ?? 'new', test);
      return { test };
    });
  },

  async runTest() {
    const { draft, test } = get();
    const fieldErrors: Record<string, string> = {};
    const indicatorValue = test.indicatorValue.trim();
    // The same rule the server applies (it would answer 422), said before the request.
    const indicatorProblem = indicatorValue ? checkIndicator(test.indicatorType, indicatorValue) : null;
    if (!indicatorValue) fieldErrors.indicator_value = 'Type an indicator value to test with.';
    else if (indicatorProblem) fieldErrors.indicator_value = indicatorProblem.message;
    const input = parseJsonField(test.inputJson);
    if ('error' in input) fieldErrors.input = input.error;
    const alert = parseJsonField(test.alertJson);
    if ('error' in alert) fieldErrors.alert = alert.error;
    else if (alert.value !== undefined && alert.value !== null && (typeof alert.value !== 'object' || Array.isArray(alert.value))) {
      fieldErrors.alert = 'An alert is a JSON object (or empty for none).';
    }
    const mocks = parseJsonField(test.mocksJson);
    if ('error' in mocks) fieldErrors.mocks = mocks.error;
    if (Object.keys(fieldErrors).length > 0) {
      // The shown result is not what these settings would give: it goes rather than mislead.
      set((s) => ({ test: { ...s.test, fieldErrors, error: testFieldsMessage(fieldErrors), result: null, resultKey: null } }));
      return;
    }
    testController?.abort();
    const controller = new AbortController();
    testController = controller;
    const secrets = Object.fromEntries(
      Object.entries(test.secretValues).filter(([name, value]) => value !== '' && draft.secrets.includes(name)),
    );
    const key = testInputKey(draft, test);
    // The previous result stays on screen, dimmed, until this one replaces it.
    set((s) => ({ test: { ...s.test, running: true, error: null, fieldErrors: {} } }));
    try {
      const { data } = await api().workflows.test(
        {
          kind: draft.kind,
          code: draft.code,
          indicator_type: test.indicatorType,
          indicator_value: indicatorValue,
          ...('value' in input && input.value !== undefined ? { context: input.value } : {}),
          ...('value' in alert && alert.value !== undefined ? { alert: alert.value as Record<string, unknown> | null } : {}),
          ...('value' in mocks && mocks.value !== undefined ? { mocks: mocks.value } : {}),
          ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
          declared_secrets: draft.secrets,
          allowed_hosts: draft.allowed_hosts,
        },
        controller.signal,
      );
      if (testController !== controller) return;
      set((s) => ({ test: { ...s.test, running: false, result: data, resultKey: key, mocksUsed: 'value' in mocks ? mocks.value : undefined } }));
    } catch (error) {
      if (controller.signal.aborted) return;
      const fields: Record<string, string> = {};
      // Problems with no field of their own in the form are said in the message instead.
      const unplaced: string[] = [];
      if (error instanceof ApiError) {
        for (const problem of error.fieldProblems) {
          const field = fieldOfProblem(problem.field);
          const key = field === 'context' ? 'input' : field;
          if (key in TEST_FIELD_LABELS) fields[key] = problem.message;
          else unplaced.push(`${problem.field.replace(/^body\./, '')}: ${problem.message}`);
        }
      }
      let message = Object.keys(fields).length > 0 && unplaced.length === 0 ? testFieldsMessage(fields) : errorMessage(error);
      if (unplaced.length > 0) message = `${message} ${unplaced.join('; ')}.`;
      if (error instanceof ApiError && error.lintProblems.length > 0) {
        message = `${message} See the problems list under the code.`;
        set({ saveProblems: error.lintProblems });
      }
      set((s) => ({ test: { ...s.test, running: false, error: message, fieldErrors: fields, result: null, resultKey: null } }));
    } finally {
      if (testController === controller) testController = null;
    }
  },

  clearTestResult() {
    set((s) => ({ test: { ...s.test, result: null, resultKey: null, mocksUsed: undefined } }));
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
}));
