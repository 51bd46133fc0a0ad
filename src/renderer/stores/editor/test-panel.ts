// The Test panel: its input (kept per workflow in localStorage, never the secret values), its mocks
// (stored with the workflow by the server, so every console and `vigil export` sees them), running a
// test of the unsaved draft against mock responses, and the result with what it was made from.
import { ApiError, errorMessage } from '../../api/client.ts';
import { api } from '../../api/instance.ts';
import type { IndicatorType, TestResult, WorkflowFields } from '../../api/types.ts';
import { checkIndicator } from '../../../shared/indicators.ts';
import { indicatorOptional } from '../../lib/run-form.ts';
import { fieldOfProblem } from './fields.ts';
import type { EditorSlice } from './slice.ts';

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

const DEFAULT_TEST_SETTINGS: TestSettings = {
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
  /** The mocks text the server has for the workflow (null: none stored), to save only a change. */
  mocksSaved: string | null;
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

/**
 * Remembers the panel's input for the workflow (`new` until it has an id). The mocks of a saved
 * workflow are the server's; only a workflow not saved yet keeps its mocks here until it is.
 */
export function storeTestSettings(key: string, test: TestSettings): void {
  try {
    const { indicatorType, indicatorValue, inputJson, alertJson, mocksJson } = test;
    const kept = { indicatorType, indicatorValue, inputJson, alertJson, ...(key === 'new' || legacyMocks(key) !== null ? { mocksJson } : {}) };
    localStorage.setItem(testStorageKey(key), JSON.stringify(kept));
  } catch {
    // Storage full or disabled: the panel keeps its values for this visit.
  }
}

/** Mocks an older console kept in this browser for a saved workflow, before the server stored them. */
function legacyMocks(key: string): string | null {
  try {
    const raw = localStorage.getItem(testStorageKey(key));
    const mocksJson = raw ? (JSON.parse(raw) as Partial<TestSettings>).mocksJson : undefined;
    return typeof mocksJson === 'string' ? mocksJson : null;
  } catch {
    return null;
  }
}

/** Drops the mocks from a workflow's remembered input once the server has them. */
function forgetLegacyMocks(key: string): void {
  try {
    const raw = localStorage.getItem(testStorageKey(key));
    if (!raw) return;
    const { mocksJson: _mocks, ...rest } = JSON.parse(raw) as Partial<TestSettings>;
    localStorage.setItem(testStorageKey(key), JSON.stringify(rest));
  } catch {
    // Unreadable or unwritable: nothing to forget.
  }
}

/** How mocks from the server appear in the editor. */
export const mocksText = (mocks: unknown): string => `${JSON.stringify(mocks, null, 2)}\n`;

const isExampleMocks = (text: string) => text === DEFAULT_MOCKS || text === ENDPOINT_DEFAULT_MOCKS;

/** The panel for a workflow just opened: its remembered input, no secret values, no result. */
export const freshTest = (key: string): TestState => ({
  ...loadTestSettings(key),
  secretValues: {},
  running: false,
  result: null,
  resultKey: null,
  mocksUsed: undefined,
  error: null,
  fieldErrors: {},
  mocksSaved: null,
});

/** The Test panel's fields, as the analyst reads them in the form (for messages that name them). */
const TEST_FIELD_LABELS: Record<string, string> = {
  indicator_type: 'Indicator type',
  indicator_value: 'Indicator value',
  input: 'Input (ctx.input)',
  alert: 'Alert (ctx.alert)',
  mocks: 'Mock responses',
};

/** The message under the Run test button when fields are marked: it names them, once each. */
function testFieldsMessage(fieldErrors: Record<string, string>): string {
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

export interface TestSlice {
  test: TestState;
  /** The request of the test running now; a newer test or another workflow aborts it. */
  testController: AbortController | null;
  setTest(change: Partial<TestSettings> & { secretValues?: Record<string, string> }): void;
  /**
   * The open workflow's stored mocks. Mocks an older console kept in this browser move to the
   * server once (when it has none), then leave localStorage.
   */
  loadMocks(): Promise<void>;
  /** Stores the panel's mocks with the open workflow when they changed (not the untouched example). */
  saveMocks(): Promise<void>;
  runTest(): Promise<void>;
  /** Closes the result pane. */
  clearTestResult(): void;
}

export const createTestSlice: EditorSlice<TestSlice> = (set, get) => ({
  test: freshTest('new'),
  testController: null,

  setTest(change) {
    set((s) => {
      // Editing clears the marks, and the message that named them with them.
      const marked = Object.keys(s.test.fieldErrors).length > 0;
      const test = { ...s.test, ...change, fieldErrors: {}, error: marked ? null : s.test.error };
      storeTestSettings(s.uuid ?? 'new', test);
      return { test };
    });
  },

  async loadMocks() {
    const { uuid, openCount } = get();
    if (!uuid) return;
    const legacy = legacyMocks(uuid);
    try {
      const { data } = await api().workflows.mocks(uuid);
      if (get().uuid !== uuid || get().openCount !== openCount) return;
      if (data.mocks !== null) {
        const text = mocksText(data.mocks);
        set((s) => ({ test: { ...s.test, mocksJson: text, mocksSaved: text } }));
        if (legacy !== null) forgetLegacyMocks(uuid);
        return;
      }
      if (legacy === null || isExampleMocks(legacy)) {
        if (legacy !== null) forgetLegacyMocks(uuid);
        return;
      }
      const parsed = parseJsonField(legacy);
      // Mocks the server would refuse stay in this browser, and in the panel, for the analyst to fix.
      if (!('value' in parsed) || parsed.value === undefined) return;
      await api().workflows.saveMocks(uuid, parsed.value);
      forgetLegacyMocks(uuid);
      if (get().uuid === uuid) set((s) => ({ test: { ...s.test, mocksSaved: legacy } }));
    } catch {
      // The panel keeps the mocks it shows; the next test run saves them.
    }
  },

  async saveMocks() {
    const { uuid, test } = get();
    if (!uuid || test.mocksJson === test.mocksSaved) return;
    if (test.mocksSaved === null && isExampleMocks(test.mocksJson)) return;
    const parsed = parseJsonField(test.mocksJson);
    if ('error' in parsed) return;
    const text = test.mocksJson;
    try {
      await api().workflows.saveMocks(uuid, parsed.value ?? null);
      if (get().uuid === uuid) set((s) => ({ test: { ...s.test, mocksSaved: parsed.value === undefined ? null : text } }));
      forgetLegacyMocks(uuid);
    } catch (error) {
      if (get().uuid !== uuid) return;
      const problem = error instanceof ApiError ? error.fieldProblems.find((p) => p.field.startsWith('body.mocks')) : undefined;
      set((s) => ({ test: { ...s.test, fieldErrors: { ...s.test.fieldErrors, mocks: problem?.message ?? `The mocks were not saved: ${errorMessage(error)}` } } }));
    }
  },

  async runTest() {
    const { draft, test } = get();
    const fieldErrors: Record<string, string> = {};
    const indicatorValue = test.indicatorValue.trim();
    // A scheduled workflow left without an indicator is tested as its schedule runs it: no
    // indicator, and an occurrence (now) in ctx.run.scheduled_for.
    const asScheduled = !indicatorValue && indicatorOptional(draft);
    // The same rule the server applies (it would answer 422), said before the request.
    const indicatorProblem = indicatorValue ? checkIndicator(test.indicatorType, indicatorValue) : null;
    if (!indicatorValue && !asScheduled) fieldErrors.indicator_value = 'Type an indicator value to test with.';
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
    // Saved beside the test, not before it: the test needs nothing from the answer.
    void get().saveMocks();
    get().testController?.abort();
    const controller = new AbortController();
    const secrets = Object.fromEntries(
      Object.entries(test.secretValues).filter(([name, value]) => value !== '' && draft.secrets.includes(name)),
    );
    const key = testInputKey(draft, test);
    // The previous result stays on screen, dimmed, until this one replaces it.
    set((s) => ({ testController: controller, test: { ...s.test, running: true, error: null, fieldErrors: {} } }));
    try {
      const { data } = await api().workflows.test(
        {
          kind: draft.kind,
          code: draft.code,
          ...(asScheduled ? { scheduled_for: new Date().toISOString() } : { indicator_type: test.indicatorType, indicator_value: indicatorValue }),
          ...('value' in input && input.value !== undefined ? { context: input.value } : {}),
          ...('value' in alert && alert.value !== undefined ? { alert: alert.value as Record<string, unknown> | null } : {}),
          ...('value' in mocks && mocks.value !== undefined ? { mocks: mocks.value } : {}),
          ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
          declared_secrets: draft.secrets,
          allowed_hosts: draft.allowed_hosts,
        },
        controller.signal,
      );
      if (get().testController !== controller) return;
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
      if (get().testController === controller) set({ testController: null });
    }
  },

  clearTestResult() {
    set((s) => ({ test: { ...s.test, result: null, resultKey: null, mocksUsed: undefined } }));
  },
});
