// A workflow's stored test mocks and importing workflow files, through the real API.
import { describe, expect, it } from 'vitest';
import { toFiles, type WorkflowDefinition } from '../../src/shared/workflow-files.ts';
import { testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const t = testServer();

const MOCKS = { responses: [{ method: 'GET', url: 'https://intel.example.com/*', status: 200, json: { verdict: 'clean' } }], default: 'error' };

async function workflow(name: string): Promise<{ uuid: string; code_version: number }> {
  const res = await t.request('POST', '/v1/workflows', { body: { name, code: TRIVIAL_WORKFLOW } });
  expect(res.status).toBe(201);
  return res.body.data;
}

function definition(over: Partial<WorkflowDefinition>): WorkflowDefinition {
  return {
    uuid: null,
    name: 'Imported',
    kind: 'script',
    code: TRIVIAL_WORKFLOW,
    workflow_type: 'indicator',
    indicator_types: ['ip'],
    approval_mode: 'always',
    approval_timeout_seconds: 3600,
    risk_level: 'medium',
    timeout_seconds: 60,
    secrets: [],
    allowed_hosts: [],
    tags: ['imported'],
    documentation: 'Imported from files.',
    schedule: null,
    mocks: null,
    ...over,
  };
}

const filesOf = (...definitions: WorkflowDefinition[]) => Object.fromEntries(toFiles(definitions));

describe('stored test mocks', () => {
  it('are empty at first, saved as given, and not a new version', async () => {
    const { uuid } = await workflow('Mocks kept');
    const empty = await t.request('GET', `/v1/workflows/${uuid}/mocks`, { key: t.keys.agent });
    expect(empty.status).toBe(200);
    expect(empty.body.data).toEqual({ mocks: null, updated_at: null });
    const saved = await t.request('PUT', `/v1/workflows/${uuid}/mocks`, { key: t.keys.human, body: { mocks: MOCKS } });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toEqual({ mocks: MOCKS, updated_at: expect.stringMatching(/Z$/) });
    expect((await t.request('GET', `/v1/workflows/${uuid}/mocks`)).body.data.mocks).toEqual(MOCKS);
    expect((await t.request('GET', `/v1/workflows/${uuid}`)).body.data.code_version).toBe(1);
    const removed = await t.request('PUT', `/v1/workflows/${uuid}/mocks`, { body: { mocks: null } });
    expect(removed.body.data).toEqual({ mocks: null, updated_at: null });
    expect((await t.request('GET', `/v1/workflows/${uuid}/mocks`)).body.data.mocks).toBeNull();
  });

  it('are refused with 422 when a test would refuse them, and need workflows:write to change', async () => {
    const { uuid } = await workflow('Mocks refused');
    const bad = await t.request('PUT', `/v1/workflows/${uuid}/mocks`, { body: { mocks: { responses: [{ url: 'https://x.example/*', status: 'ok' }] } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.problems[0]).toMatchObject({ field: 'body.mocks' });
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    const nested = await t.request('PUT', `/v1/workflows/${uuid}/mocks`, { body: { mocks: { responses: [], default: { status: 200, json: deep } } } });
    expect(nested.status).toBe(422);
    expect(nested.body.error.details.problems[0].message).toMatch(/deeper than 64/);
    const missing = await t.request('PUT', `/v1/workflows/${uuid}/mocks`, { body: {} });
    expect(missing.status).toBe(422);
    expect((await t.request('PUT', `/v1/workflows/${uuid}/mocks`, { key: t.keys.agent, body: { mocks: MOCKS } })).status).toBe(403);
    expect((await t.request('GET', `/v1/workflows/${uuid}/mocks`, { key: null })).status).toBe(401);
    expect((await t.request('GET', '/v1/workflows/01900000-0000-7000-8000-000000000000/mocks')).status).toBe(404);
  });
});

describe('POST /v1/workflows/import', () => {
  it('answers the plan on a dry run and changes nothing, then creates with the files\' uuid as a draft', async () => {
    const uuid = '01936b2a-0000-7000-8000-00000000aa01';
    const files = filesOf(definition({ uuid, name: 'Imported block', mocks: MOCKS }));
    const planned = await t.request('POST', '/v1/workflows/import', { key: t.keys.human, body: { files: { ...files, 'README.md': '# notes' }, dry_run: true } });
    expect(planned.status).toBe(200);
    expect(planned.body.data).toMatchObject({
      dry_run: true,
      applied: false,
      items: [{ file: 'imported-block.vigil.json', name: 'Imported block', uuid, action: 'create', new_version: true, activate: false }],
      ignored: ['README.md'],
      summary: { create: 1, update: 0, unchanged: 0, activate: 0 },
    });
    expect((await t.request('GET', `/v1/workflows/${uuid}`)).status).toBe(404);

    const applied = await t.request('POST', '/v1/workflows/import', { body: { files } });
    expect(applied.status).toBe(200);
    expect(applied.body.data).toMatchObject({ applied: true, items: [{ action: 'create', uuid }] });
    const created = (await t.request('GET', `/v1/workflows/${uuid}`)).body.data;
    expect(created).toMatchObject({ name: 'Imported block', state: 'draft', tags: ['imported'], code: TRIVIAL_WORKFLOW });
    expect((await t.request('GET', `/v1/workflows/${uuid}/mocks`)).body.data.mocks).toEqual(MOCKS);

    const again = await t.request('POST', '/v1/workflows/import', { body: { files } });
    expect(again.body.data.items).toMatchObject([{ action: 'unchanged', matched_by: 'uuid', changes: [] }]);

    const edited = filesOf(definition({ uuid, name: 'Imported block', mocks: null, code: TRIVIAL_WORKFLOW.replace('"done"', '"blocked"'), tags: ['imported', 'edited'] }));
    const updated = await t.request('POST', '/v1/workflows/import', { body: { files: edited, activate: true } });
    expect(updated.body.data.items).toMatchObject([{ action: 'update', new_version: true, changes: ['code', 'tags', 'mocks'], activate: true }]);
    const after = (await t.request('GET', `/v1/workflows/${uuid}`)).body.data;
    expect(after).toMatchObject({ code_version: 2, state: 'active', tags: ['imported', 'edited'] });
    expect((await t.request('GET', `/v1/workflows/${uuid}/mocks`)).body.data.mocks).toBeNull();
  });

  it('matches by name when the uuid is unknown, and leaves activation alone', async () => {
    const existing = await workflow('Matched by name');
    await t.request('PATCH', `/v1/workflows/${existing.uuid}`, { body: { state: 'active' } });
    const files = filesOf(definition({ uuid: '01936b2a-0000-7000-8000-00000000bb02', name: 'Matched by name', risk_level: 'high' }));
    const res = await t.request('POST', '/v1/workflows/import', { body: { files } });
    expect(res.body.data.items).toMatchObject([
      { action: 'update', matched_by: 'name', uuid: existing.uuid, new_version: false, activate: false, notes: [expect.stringMatching(/keeps its uuid/)] },
    ]);
    expect((await t.request('GET', `/v1/workflows/${existing.uuid}`)).body.data).toMatchObject({ risk_level: 'high', state: 'active', code_version: 1 });
  });

  it('refuses the whole import with 422, naming each file and line, and changes nothing', async () => {
    const good = definition({ name: 'Would be fine' });
    const bad = definition({ name: 'Uses eval', code: 'export async function run(ctx) {\n  eval("1");\n  return ctx.ok("x");\n}\n' });
    const files = { ...filesOf(good, bad), 'broken.vigil.json': '{\n  "name": "Broken",\n  "risk_level": "severe"\n}\n', 'broken.ts': TRIVIAL_WORKFLOW };
    const res = await t.request('POST', '/v1/workflows/import', { body: { files } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('IMPORT_INVALID');
    expect(res.body.error.details.problems).toEqual(
      expect.arrayContaining([
        { file: 'uses-eval.ts', line: 2, message: expect.stringMatching(/eval/) },
        { file: 'broken.vigil.json', line: 3, message: expect.stringMatching(/risk_level: must be one of low, medium, high, critical/) },
      ]),
    );
    const listed = await t.request('GET', '/v1/workflows?q=Would%20be%20fine');
    expect(listed.body.data).toEqual([]);
  });

  it('saves every workflow or none: a failure while writing the second leaves the first unsaved', async () => {
    const files = filesOf(definition({ name: 'All or none, first' }), definition({ name: 'All or none, second', mocks: MOCKS }));
    const repository = t.server.engine.store.workflows;
    const setMocks = repository.setMocks;
    // The disk fails as the second workflow's mocks are written, after the first was created.
    repository.setMocks = () => {
      throw new Error('disk I/O error');
    };
    let failed;
    try {
      failed = await t.request('POST', '/v1/workflows/import', { body: { files } });
    } finally {
      repository.setMocks = setMocks;
    }
    expect(failed.status).toBe(500);
    expect((await t.request('GET', '/v1/workflows?q=All%20or%20none')).body.data).toEqual([]);

    const retried = await t.request('POST', '/v1/workflows/import', { body: { files } });
    expect(retried.status).toBe(200);
    const listed = (await t.request('GET', '/v1/workflows?q=All%20or%20none&sort=name')).body.data;
    expect(listed.map((item: { name: string }) => item.name)).toEqual(['All or none, first', 'All or none, second']);
    expect((await t.request('GET', `/v1/workflows/${listed[1].uuid}/mocks`)).body.data.mocks).toEqual(MOCKS);
  });

  it('refuses a body that is not a folder of files, and keys without workflows:write', async () => {
    expect((await t.request('POST', '/v1/workflows/import', { body: { files: { 'a.ts': 42 } } })).status).toBe(422);
    expect((await t.request('POST', '/v1/workflows/import', { body: { files: {}, extra: true } })).status).toBe(422);
    const nested = await t.request('POST', '/v1/workflows/import', { body: { files: { 'sub/a.vigil.json': '{}' } } });
    expect(nested.status).toBe(422);
    expect(nested.body.error.details.problems[0]).toMatchObject({ file: 'sub/a.vigil.json' });
    expect((await t.request('POST', '/v1/workflows/import', { key: t.keys.agent, body: { files: {} } })).status).toBe(403);
  });
});
