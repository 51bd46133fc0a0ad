// The console's side of workflows as files: importing an export (files or a .zip) through a dry
// run's plan, and the Test panel's mocks kept by the server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useEditor } from '../../src/renderer/stores/editor.ts';
import { DEFAULT_MOCKS, mocksText } from '../../src/renderer/stores/editor/test-panel.ts';
import { filesOf, useImport } from '../../src/renderer/stores/import.ts';
import type { ImportPlan } from '../../src/renderer/api/types.ts';
import { zipSync } from 'fflate';
import { readZip } from '../../src/renderer/lib/zip.ts';
import { apiError, fakeApi, ok } from './helpers.ts';
import { workflow } from './fixtures.ts';

/** A zip archive as `zip -r` writes one: each entry deflated (or stored). */
function zip(entries: Array<{ name: string; text: string; store?: boolean }>): Uint8Array {
  return zipSync(Object.fromEntries(entries.map((entry) => [entry.name, [bytes(entry.text), { level: entry.store ? 0 : 6 }]])));
}

const bytes = (text: string) => new TextEncoder().encode(text);

const plan = (over: Partial<ImportPlan> = {}): ImportPlan => ({
  dry_run: true,
  applied: false,
  items: [{ file: 'block-ip.vigil.json', name: 'Block IP', kind: 'script', uuid: null, action: 'create', matched_by: null, changes: [], new_version: true, activate: false, notes: [] }],
  ignored: [],
  summary: { create: 1, update: 0, unchanged: 0, activate: 0 },
  ...over,
});

describe('importing an export in the console', () => {
  beforeEach(() => useImport.getState().start());

  it('reads a .zip of the export folder (deflated and stored entries), flattening folders and leaving other files out', async () => {
    const archive = zip([
      { name: 'export/', text: '', store: true },
      { name: 'export/block-ip.ts', text: 'export async function run(ctx) { return ctx.ok("x"); }\n' },
      { name: 'export/block-ip.vigil.json', text: '{"name": "Block IP"}\n', store: true },
      { name: 'export/README.md', text: '# notes' },
      { name: '__MACOSX/export/._block-ip.ts', text: 'junk' },
    ]);
    expect(readZip(archive).map((entry) => entry.name)).toEqual([
      'export/block-ip.ts',
      'export/block-ip.vigil.json',
      'export/README.md',
      '__MACOSX/export/._block-ip.ts',
    ]);
    expect(await filesOf([{ name: 'workflows.zip', bytes: archive }])).toEqual({
      'block-ip.ts': 'export async function run(ctx) { return ctx.ok("x"); }\n',
      'block-ip.vigil.json': '{"name": "Block IP"}\n',
    });
    await expect(filesOf([{ name: 'broken.zip', bytes: bytes('not a zip at all, just text') }])).rejects.toThrow(/not a zip archive/);
  });

  it('shows the dry run\'s plan first, then applies the same files, with activation only when ticked', async () => {
    const { calls } = fakeApi({
      'workflows.import': (body: { dry_run: boolean; activate: boolean }) =>
        ok(plan({ dry_run: body.dry_run, applied: !body.dry_run, items: [{ ...plan().items[0]!, activate: body.activate }] })),
    });
    await useImport.getState().choose([
      { name: 'block-ip.ts', bytes: bytes('code\n') },
      { name: 'block-ip.vigil.json', bytes: bytes('{"name": "Block IP"}\n') },
    ]);
    expect(useImport.getState().plan).toMatchObject({ dry_run: true, applied: false });
    expect(calls).toEqual([['workflows.import', [{ files: { 'block-ip.ts': 'code\n', 'block-ip.vigil.json': '{"name": "Block IP"}\n' }, dry_run: true, activate: false }]]]);

    await useImport.getState().setActivate(true);
    expect(calls.at(-1)![1][0]).toMatchObject({ dry_run: true, activate: true });
    expect(useImport.getState().plan!.items[0]!.activate).toBe(true);

    expect(await useImport.getState().apply()).toBe(true);
    expect(calls.at(-1)![1][0]).toMatchObject({ dry_run: false, activate: true });
    expect(useImport.getState().plan).toMatchObject({ applied: true });
    // Applied once: pressing again sends nothing more.
    expect(await useImport.getState().apply()).toBe(false);
    expect(calls).toHaveLength(3);
  });

  it('lists the problems of a refused import with their file and line, and cannot apply', async () => {
    const problems = [{ file: 'block-ip.ts', line: 2, message: 'eval is not available in the sandbox (no-eval)' }];
    fakeApi({
      'workflows.import': () => {
        throw apiError(422, 'IMPORT_INVALID', 'Nothing was imported: 1 problem(s) in 1 file(s).', { problems });
      },
    });
    await useImport.getState().choose([{ name: 'block-ip.ts', bytes: bytes('eval("1")') }, { name: 'block-ip.vigil.json', bytes: bytes('{"name": "B"}') }]);
    expect(useImport.getState()).toMatchObject({ plan: null, problems, error: 'Nothing was imported: 1 problem(s) in 1 file(s).' });
    expect(await useImport.getState().apply()).toBe(false);

    await useImport.getState().choose([{ name: 'notes.md', bytes: bytes('# hi') }]);
    expect(useImport.getState().error).toMatch(/None of the chosen files is a workflow file/);
  });
});

describe('the Test panel\'s mocks', () => {
  const store = new Map<string, string>();
  const original = (globalThis as { localStorage?: Storage }).localStorage;
  beforeAll(() => {
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (key: string) => store.get(key) ?? null,
      setItem: (key: string, value: string) => void store.set(key, value),
      removeItem: (key: string) => void store.delete(key),
    };
  });
  afterAll(() => {
    (globalThis as { localStorage?: unknown }).localStorage = original;
  });
  beforeEach(() => store.clear());

  const MOCKS = { responses: [{ url: 'https://intel.example.com/*', status: 200, json: { verdict: 'clean' } }] };

  it('load from the server when a workflow opens, and save only when changed', async () => {
    const saved = workflow({ name: 'Enrich' });
    let stored: unknown = MOCKS;
    const { calls } = fakeApi({
      'workflows.get': () => ok(saved),
      'workflows.mocks': () => ok({ mocks: stored, updated_at: '2026-12-01T00:00:00.000Z' }),
      'workflows.saveMocks': (_uuid: string, mocks: unknown) => {
        stored = mocks;
        return ok({ mocks, updated_at: '2026-12-02T00:00:00.000Z' });
      },
    });
    await useEditor.getState().open(saved.uuid);
    expect(useEditor.getState().test.mocksJson).toBe(mocksText(MOCKS));

    await useEditor.getState().saveMocks();
    expect(calls.filter(([name]) => name === 'workflows.saveMocks')).toEqual([]);

    const edited = { responses: [...MOCKS.responses, { url: 'https://other.example.com/*', status: 404 }] };
    useEditor.getState().setTest({ mocksJson: JSON.stringify(edited) });
    await useEditor.getState().saveMocks();
    expect(calls.filter(([name]) => name === 'workflows.saveMocks')).toEqual([['workflows.saveMocks', [saved.uuid, edited]]]);
    // The browser does not keep a saved workflow's mocks.
    expect(store.get(`vigil.test.${saved.uuid}`) ?? '').not.toContain('other.example.com');
  });

  it('move mocks an older console kept in localStorage to the server once, then drop them there', async () => {
    const saved = workflow({ name: 'Legacy' });
    const legacy = JSON.stringify(MOCKS);
    store.set(`vigil.test.${saved.uuid}`, JSON.stringify({ indicatorValue: '198.51.100.9', mocksJson: legacy }));
    const { calls } = fakeApi({
      'workflows.get': () => ok(saved),
      'workflows.mocks': () => ok({ mocks: null, updated_at: null }),
      'workflows.saveMocks': (_uuid: string, mocks: unknown) => ok({ mocks, updated_at: '2026-12-02T00:00:00.000Z' }),
    });
    await useEditor.getState().open(saved.uuid);
    expect(calls.filter(([name]) => name === 'workflows.saveMocks')).toEqual([['workflows.saveMocks', [saved.uuid, MOCKS]]]);
    expect(JSON.parse(store.get(`vigil.test.${saved.uuid}`)!)).toEqual({ indicatorValue: '198.51.100.9' });
    expect(useEditor.getState().test).toMatchObject({ mocksJson: legacy, mocksSaved: legacy, indicatorValue: '198.51.100.9' });
  });

  it('keep mocks the server refuses in the panel and in this browser, marked', async () => {
    const saved = workflow({ name: 'Refused' });
    const bad = '{"responses": [{"url": "x", "status": "ok"}]}';
    store.set(`vigil.test.${saved.uuid}`, JSON.stringify({ mocksJson: bad }));
    fakeApi({
      'workflows.get': () => ok(saved),
      'workflows.mocks': () => ok({ mocks: null, updated_at: null }),
      'workflows.saveMocks': () => {
        throw apiError(422, 'VALIDATION_ERROR', 'The mock responses are not valid.', { problems: [{ field: 'body.mocks', message: 'responses[0].status must be an integer' }] });
      },
    });
    await useEditor.getState().open(saved.uuid);
    expect(useEditor.getState().test.mocksJson).toBe(bad);
    expect(JSON.parse(store.get(`vigil.test.${saved.uuid}`)!).mocksJson).toBe(bad);
    await useEditor.getState().saveMocks();
    expect(useEditor.getState().test.fieldErrors.mocks).toBe('responses[0].status must be an integer');
  });

  it('leave the untouched example out of the server', async () => {
    const saved = workflow({ name: 'Example only' });
    const { calls } = fakeApi({ 'workflows.get': () => ok(saved), 'workflows.mocks': () => ok({ mocks: null, updated_at: null }) });
    await useEditor.getState().open(saved.uuid);
    expect(useEditor.getState().test.mocksJson).toBe(DEFAULT_MOCKS);
    await useEditor.getState().saveMocks();
    expect(calls.map(([name]) => name)).toEqual(['workflows.get', 'workflows.mocks']);
  });
});
