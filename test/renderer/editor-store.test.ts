import { beforeEach, describe, expect, it } from 'vitest';
import { isDirty, NEW_WORKFLOW_FIELDS, testInputKey, useEditor } from '../../src/renderer/stores/editor.ts';
import { changedFields, fieldOfProblem } from '../../src/renderer/stores/editor/fields.ts';
import { DEFAULT_MOCKS, ENDPOINT_DEFAULT_MOCKS, mocksForKind, parseJsonField } from '../../src/renderer/stores/editor/test-panel.ts';
import { mergeProblems } from '../../src/renderer/lib/problems.ts';
import { apiError, fakeApi, ok } from './helpers.ts';
import { workflow } from './fixtures.ts';

describe('editor state', () => {
  beforeEach(async () => {
    fakeApi({});
    useEditor.getState().prepareNew({});
    await useEditor.getState().open(null);
  });

  it('is dirty only while the draft differs from what was saved', () => {
    expect(isDirty(useEditor.getState())).toBe(false);
    useEditor.getState().setField('tags', ['email']);
    expect(isDirty(useEditor.getState())).toBe(true);
    expect(changedFields(NEW_WORKFLOW_FIELDS, useEditor.getState().draft)).toEqual({ tags: ['email'] });
    useEditor.getState().setField('tags', []);
    expect(isDirty(useEditor.getState())).toBe(false);
  });

  it('starts an import from its file, and a plain new workflow from the template', async () => {
    useEditor.getState().prepareNew({ name: 'Imported', code: 'export async function run() {}' });
    await useEditor.getState().open(null);
    expect(useEditor.getState().draft.name).toBe('Imported');
    expect(isDirty(useEditor.getState())).toBe(true);
    useEditor.getState().prepareNew({});
    await useEditor.getState().open(null);
    expect(useEditor.getState().draft.code).toBe(NEW_WORKFLOW_FIELDS.code);
  });

  it('creates on the first save, then sends only what changed', async () => {
    const created = workflow({ name: 'Block IP' });
    const { calls } = fakeApi({
      'workflows.create': (body: unknown) => ok({ ...created, ...(body as object) }, { lint_warnings: [] }),
      'workflows.patch': (_uuid: string, patch: Record<string, unknown>) =>
        ok({ ...created, ...patch, code_version: patch.code ? 2 : 1 }, { lint_warnings: [] }),
    });
    useEditor.getState().setField('name', 'Block IP');
    expect(await useEditor.getState().save()).toBe(created.uuid);
    expect(useEditor.getState().notice).toBe('Saved as version 1.');
    expect(isDirty(useEditor.getState())).toBe(false);

    useEditor.getState().setField('code', 'export async function run(ctx) { return ctx.ok("v2"); }');
    await useEditor.getState().save();
    const patch = calls.find(([name]) => name === 'workflows.patch')!;
    expect(patch[1]).toEqual([created.uuid, { code: 'export async function run(ctx) { return ctx.ok("v2"); }' }]);
    expect(useEditor.getState().notice).toBe('Saved as version 2.');
  });

  it('refuses to save while a schedule form holds text that is not a schedule, rather than saving the last one that was', async () => {
    const created = workflow({ name: 'Nightly sweep' });
    const { calls } = fakeApi({ 'workflows.create': (body: unknown) => ok({ ...created, ...(body as object) }, { lint_warnings: [] }) });
    useEditor.getState().setField('name', 'Nightly sweep');
    useEditor.getState().setUnreadInput('schedule', 'Context: not valid JSON');
    expect(await useEditor.getState().save()).toBeNull();
    expect(calls).toEqual([]);
    expect(useEditor.getState().fieldErrors.schedule).toBe('Context: not valid JSON');
    expect(useEditor.getState().saveError).toBe('Some settings need attention before saving.');
    useEditor.getState().setUnreadInput('schedule', null);
    expect(await useEditor.getState().save()).toBe(created.uuid);
    // Opening another workflow forgets what the last one's form held.
    useEditor.getState().setUnreadInput('schedule', 'Context: not valid JSON');
    await useEditor.getState().open(null);
    expect(useEditor.getState().unreadInput).toEqual({});
  });

  it('asks for a name before saving, and shows the problems of a refused save', async () => {
    expect(await useEditor.getState().save()).toBeNull();
    expect(useEditor.getState().fieldErrors.name).toBe('Give the workflow a name.');

    const problems = [{ rule: 'no-eval', severity: 'error' as const, message: 'no eval', line: 2, column: 3, endLine: 2, endColumn: 7 }];
    fakeApi({
      'workflows.create': () => {
        throw apiError(400, 'WORKFLOW_CODE_INVALID', 'The workflow code has 1 problem(s).', { problems });
      },
    });
    useEditor.getState().setField('name', 'X');
    expect(await useEditor.getState().save()).toBeNull();
    expect(useEditor.getState().saveProblems).toEqual(problems);
    expect(useEditor.getState().saveError).toBe('The workflow code has 1 problem(s).');
    // Editing the code hands over to the live linter.
    useEditor.getState().setField('code', 'changed');
    expect(useEditor.getState().saveProblems).toEqual([]);
  });

  it('maps 422 problems onto the settings fields', async () => {
    fakeApi({
      'workflows.create': () => {
        throw apiError(422, 'VALIDATION_ERROR', 'The request is not valid: 1 problem(s).', {
          problems: [{ field: 'body.tags.2', message: 'must match pattern' }],
        });
      },
    });
    useEditor.getState().setField('name', 'X');
    await useEditor.getState().save();
    expect(useEditor.getState().fieldErrors).toEqual({ tags: 'must match pattern' });
    expect(fieldOfProblem('body')).toBe('form');
  });

  it('restoring a version puts its code in the draft without saving', async () => {
    const saved = workflow({ code: 'v2', code_version: 2 });
    fakeApi({
      'workflows.get': () => ok(saved),
      'workflows.version': (_uuid: string, v: number) => ok({ version: v, code: `v${v}`, saved_at: '', author_key: null, workflow_uuid: saved.uuid, current: v === 2 }),
    });
    await useEditor.getState().open(saved.uuid);
    expect(await useEditor.getState().restoreVersion(1)).toBe(true);
    expect(useEditor.getState().draft.code).toBe('v1');
    expect(isDirty(useEditor.getState())).toBe(true);
  });

  it('checks test input before sending, and sends the unsaved code with its mocks', async () => {
    useEditor.getState().setTest({ inputJson: '{bad', indicatorValue: '1.2.3.4' });
    await useEditor.getState().runTest();
    expect(useEditor.getState().test.fieldErrors.input).toMatch(/^Not valid JSON/);

    const { calls } = fakeApi({
      'workflows.test': () =>
        ok({ success: true, message: 'ok', data: null, logs: [], http_calls: [], duration_ms: 3, status: 'success', error: null }),
    });
    useEditor.getState().setField('secrets', ['TOKEN']);
    useEditor.getState().setTest({ inputJson: '{"ticket":"INC-1"}', mocksJson: '[]', secretValues: { TOKEN: 's3cret', OTHER: 'x' } });
    await useEditor.getState().runTest();
    const body = calls.find(([name]) => name === 'workflows.test')![1][0] as Record<string, unknown>;
    expect(body).toMatchObject({
      code: NEW_WORKFLOW_FIELDS.code,
      indicator_type: 'ip',
      indicator_value: '1.2.3.4',
      context: { ticket: 'INC-1' },
      mocks: [],
      secrets: { TOKEN: 's3cret' },
    });
    expect(useEditor.getState().test.result?.status).toBe('success');
  });

  it('names the marked test fields in the message, keeps the last result dimmed while running, and drops it on failure', async () => {
    useEditor.getState().setTest({ inputJson: '{bad', indicatorValue: ' ' });
    await useEditor.getState().runTest();
    expect(useEditor.getState().test.error).toBe('The test did not run: fix Indicator value and Input (ctx.input), marked above.');
    // Editing clears the marks and the message that named them.
    useEditor.getState().setTest({ inputJson: '{}', indicatorValue: '1.2.3.4' });
    expect(useEditor.getState().test.error).toBeNull();

    let answer: (value: unknown) => void = () => undefined;
    fakeApi({ 'workflows.test': () => new Promise((resolve) => (answer = resolve)) });
    const report = { success: true, message: 'ok', data: null, logs: [], http_calls: [], duration_ms: 3, status: 'success', error: null, secrets: [] };
    const first = useEditor.getState().runTest();
    answer(ok(report));
    await first;
    const { test, draft } = useEditor.getState();
    expect(test.resultKey).toBe(testInputKey(draft, test));
    // A change to the code or the input makes the shown result out of date.
    useEditor.getState().setField('code', `${draft.code}\n// changed`);
    expect(useEditor.getState().test.resultKey).not.toBe(testInputKey(useEditor.getState().draft, useEditor.getState().test));

    const second = useEditor.getState().runTest();
    expect(useEditor.getState().test).toMatchObject({ running: true, result: report });
    fakeApi({
      'workflows.test': () => {
        throw apiError(422, 'VALIDATION_ERROR', 'The request is not valid: 2 problem(s).', {
          problems: [
            { field: 'body.indicator_value', message: 'not an IPv4 or IPv6 address' },
            { field: 'body.secrets.X', message: 'too long' },
          ],
        });
      },
    });
    answer(ok(report));
    await second;
    await useEditor.getState().runTest();
    expect(useEditor.getState().test).toMatchObject({
      running: false,
      result: null,
      fieldErrors: { indicator_value: 'not an IPv4 or IPv6 address' },
      error: 'The request is not valid: 2 problem(s). secrets.X: too long.',
    });
  });

  it('merges live and server problems without duplicates, in order', () => {
    const a = { rule: 'r', severity: 'error' as const, message: 'm', line: 3, column: 1, endLine: 3, endColumn: 2 };
    const b = { ...a, line: 1, severity: 'warning' as const };
    expect(mergeProblems([a, b], [a])).toEqual([b, a]);
  });

  it('leaves out a type error where a lint error already stands, keeps the others', () => {
    const lint = { rule: 'no-require', severity: 'error' as const, message: '`require` is not available', line: 4, column: 12, endLine: 4, endColumn: 19 };
    const same = { ...lint, rule: 'TS2580', severity: 'warning' as const, message: "Cannot find name 'require'.", source: 'typescript' as const };
    const elsewhere = { ...same, line: 6, message: 'Conversion of type …' };
    expect(mergeProblems([lint], [same, elsewhere])).toEqual([lint, elsewhere]);
  });

  it('parses JSON fields, empty meaning absent', () => {
    expect(parseJsonField('')).toEqual({ value: undefined });
    expect(parseJsonField('{"a":1}')).toEqual({ value: { a: 1 } });
    expect('error' in parseJsonField('{')).toBe(true);
  });
});

describe('example mocks follow the kind', () => {
  it('swaps the untouched example when the kind changes and keeps mocks the analyst wrote', () => {
    useEditor.getState().setField('kind', 'http_endpoint');
    expect(useEditor.getState().test.mocksJson).toBe(ENDPOINT_DEFAULT_MOCKS);
    useEditor.getState().setField('kind', 'script');
    expect(useEditor.getState().test.mocksJson).toBe(DEFAULT_MOCKS);
    const mine = '{"responses": []}';
    expect(mocksForKind(mine, 'http_endpoint')).toBe(mine);
  });
});
