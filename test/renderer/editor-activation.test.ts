import { beforeEach, describe, expect, it } from 'vitest';
import { useEditor } from '../../src/renderer/stores/editor.ts';
import { fakeApi, ok } from './helpers.ts';

const typeError = { rule: 'TS2322', severity: 'warning' as const, message: 'not a string', line: 4, column: 9, endLine: 4, endColumn: 12, source: 'typescript' as const };

describe('activating from the editor', () => {
  beforeEach(async () => {
    fakeApi({});
    useEditor.getState().prepareNew({});
    await useEditor.getState().open(null);
  });

  it('goes ahead when nothing needs asking, without reading the secrets for a draft that declares none', async () => {
    const { calls } = fakeApi({});
    expect(await useEditor.getState().checkActivation()).toBe(true);
    expect(useEditor.getState().activation).toBeNull();
    expect(calls).toEqual([]);
  });

  it('asks first about type errors and secrets without a value, until dismissed or another workflow opens', async () => {
    fakeApi({ 'secrets.list': () => ok([{ name: 'INTEL_TOKEN', set: false, used_by: [], updated_at: null }], { total: 1 }) });
    useEditor.getState().setField('secrets', ['INTEL_TOKEN']);
    useEditor.getState().setTypeProblems([typeError]);
    expect(await useEditor.getState().checkActivation()).toBe(false);
    expect(useEditor.getState().activation).toMatchObject({
      typeProblems: [typeError],
      warnings: [{ code: 'SECRET_NOT_SET', secret: 'INTEL_TOKEN' }],
    });
    useEditor.getState().dismissActivation();
    expect(useEditor.getState().activation).toBeNull();

    expect(await useEditor.getState().checkActivation()).toBe(false);
    await useEditor.getState().open(null);
    expect(useEditor.getState().activation).toBeNull();
  });

  it('leaves the type errors of an HTTP-endpoint workflow out: it has no code to check', async () => {
    useEditor.getState().setField('kind', 'http_endpoint');
    useEditor.getState().setTypeProblems([typeError]);
    expect(await useEditor.getState().checkActivation()).toBe(true);
  });
});
