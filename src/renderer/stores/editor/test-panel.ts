// The Test panel: its input (kept per workflow in localStorage, never the secret values), running
// a test of the unsaved draft against mock responses, and the result with what it was made from.
import { ApiError, errorMessage } from '../../api/client.ts';
import { api } from '../../api/instance.ts';
import type { IndicatorType, TestResult, WorkflowFields } from '../../api/types.ts';
import { checkIndicator } from '../../../shared/indicators.ts';
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

/** Remembers the panel's input for the workflow (`new` until it has an id). */
export function storeTestSettings(key: string, test: TestSettings): void {
  try {
    const { indicatorType, indicatorValue, inputJson, alertJson, mocksJson } = test;
    localStorage.setItem(testStorageKey(key), JSON.stringify({ indicatorType, indicatorValue, inputJson, alertJson, mocksJson }));
  } catch {
    // Storage full or disabled: the panel keeps its values for this visit.
  }
}

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
