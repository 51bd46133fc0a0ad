import { beforeEach, describe, expect, it } from 'vitest';
import { useEditor } from '../../src/renderer/stores/editor.ts';
import { fakeApi } from './helpers.ts';

describe('the Test form checks the indicator value as the server does', () => {
  beforeEach(async () => {
    useEditor.getState().prepareNew({});
    await useEditor.getState().open(null);
  });

  it('names the broken rule next to the field and sends nothing', async () => {
    const { calls } = fakeApi({});
    useEditor.getState().setTest({ indicatorType: 'ip', indicatorValue: 'hello world' });
    await useEditor.getState().runTest();
    expect(useEditor.getState().test.fieldErrors.indicator_value).toMatch(/"hello world" is not a valid ip indicator \(rule ip-address\)/);
    expect(calls).toEqual([]);
  });

  it('trims what was typed before checking and sending it', async () => {
    const { calls } = fakeApi({ 'workflows.test': () => ({ data: { success: true }, meta: {} }) });
    useEditor.getState().setTest({ indicatorType: 'domain', indicatorValue: '  bücher.example ' });
    await useEditor.getState().runTest();
    expect(useEditor.getState().test.fieldErrors).toEqual({});
    expect(calls[0]![1][0]).toMatchObject({ indicator_type: 'domain', indicator_value: 'bücher.example' });
  });

  it('tests a scheduled workflow left without an indicator as its schedule runs it, and still asks one of any other', async () => {
    const { calls } = fakeApi({ 'workflows.test': () => ({ data: { success: true }, meta: {} }) });
    useEditor.getState().setTest({ indicatorValue: '' });
    await useEditor.getState().runTest();
    expect(useEditor.getState().test.fieldErrors.indicator_value).toBe('Type an indicator value to test with.');
    expect(calls).toEqual([]);

    useEditor.getState().setField('workflow_type', 'scheduled');
    await useEditor.getState().runTest();
    expect(useEditor.getState().test.fieldErrors).toEqual({});
    const sent = calls[0]![1][0] as Record<string, unknown>;
    expect(sent).not.toHaveProperty('indicator_type');
    expect(sent).not.toHaveProperty('indicator_value');
    expect(Number.isNaN(Date.parse(sent.scheduled_for as string))).toBe(false);
  });
});
