import { describe, expect, it } from 'vitest';
import { codeCheckLimits } from '../../src/main/engine/workflows/code-check-thread.ts';
import { testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const t = testServer();

const create = (body: Record<string, unknown>) => t.request('POST', '/v1/workflows', { body: { code: TRIVIAL_WORKFLOW, ...body } });

describe('workflows CRUD', () => {
  it('creates with defaults, returns 201 and the stored workflow', async () => {
    const res = await create({ name: 'Block IP', indicator_types: ['ip'], tags: ['network'] });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      name: 'Block IP',
      state: 'draft',
      approval_mode: 'always',
      approval_timeout_seconds: 3600,
      risk_level: 'medium',
      code_version: 1,
      kind: 'script',
      is_system: false,
      indicator_types: ['ip'],
      tags: ['network'],
    });
    expect(res.body.data.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.data.created_at).toMatch(/Z$/);
    expect(res.body.data).not.toHaveProperty('id');
    const got = await t.request('GET', `/v1/workflows/${res.body.data.uuid}`, { key: t.keys.agent });
    expect(got.status).toBe(200);
    expect(got.body.data.code).toBe(TRIVIAL_WORKFLOW);
  });

  it('lists with filters, text search, sort and pagination', async () => {
    const names = ['alpha list', 'bravo list', 'charlie list', 'delta list', 'echo list'];
    for (const [i, name] of names.entries()) {
      await create({
        name,
        risk_level: i % 2 === 0 ? 'high' : 'low',
        tags: i < 2 ? ['listtest', 'first'] : ['listtest'],
        workflow_type: i === 4 ? 'alert' : 'indicator',
        documentation: i === 3 ? 'Revokes the sessions of a phished user' : '',
      });
    }
    const page1 = await t.request('GET', '/v1/workflows?tag=listtest&sort=name&page_size=2');
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((w: { name: string }) => w.name)).toEqual(['alpha list', 'bravo list']);
    expect(page1.body.meta).toEqual({ total: 5, page: 1, page_size: 2, total_pages: 3 });
    expect(page1.body.data[0]).not.toHaveProperty('code');
    expect(page1.body.data[0].last_run).toBeNull();
    const page3 = await t.request('GET', '/v1/workflows?tag=listtest&sort=name&page_size=2&page=3');
    expect(page3.body.data.map((w: { name: string }) => w.name)).toEqual(['echo list']);
    const desc = await t.request('GET', '/v1/workflows?tag=listtest&sort=-name&page_size=1');
    expect(desc.body.data[0].name).toBe('echo list');
    const high = await t.request('GET', '/v1/workflows?tag=listtest&risk_level=high');
    expect(high.body.meta.total).toBe(3);
    const alert = await t.request('GET', '/v1/workflows?tag=listtest&workflow_type=alert');
    expect(alert.body.data.map((w: { name: string }) => w.name)).toEqual(['echo list']);
    const tagged = await t.request('GET', '/v1/workflows?tag=first');
    expect(tagged.body.meta.total).toBe(2);
    const search = await t.request('GET', '/v1/workflows?q=phished');
    expect(search.body.data.map((w: { name: string }) => w.name)).toEqual(['delta list']);
    const byRisk = await t.request('GET', '/v1/workflows?tag=listtest&sort=-risk_level&page_size=1');
    expect(byRisk.body.data[0].risk_level).toBe('high');
    const drafts = await t.request('GET', '/v1/workflows?state=active&tag=listtest');
    expect(drafts.body.meta.total).toBe(0);
  });

  it('versions every code change and serves each version', async () => {
    const { body } = await create({ name: 'versioned' });
    const uuid = body.data.uuid;
    const v2code = TRIVIAL_WORKFLOW.replace('"done"', '"done v2"');
    const patched = await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { code: v2code, risk_level: 'high' } });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ code_version: 2, risk_level: 'high' });
    const settingsOnly = await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { risk_level: 'low', tags: ['x'] } });
    expect(settingsOnly.body.data.code_version).toBe(2);
    const versions = await t.request('GET', `/v1/workflows/${uuid}/versions`);
    expect(versions.body.data.map((v: { version: number; current: boolean }) => [v.version, v.current])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(versions.body.data[0].author_key).toContain('admin');
    const v1 = await t.request('GET', `/v1/workflows/${uuid}/versions/1`);
    expect(v1.body.data.code).toBe(TRIVIAL_WORKFLOW);
    const v9 = await t.request('GET', `/v1/workflows/${uuid}/versions/9`);
    expect(v9.status).toBe(404);
    expect(v9.body.error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'workflow_version', id: 9 } });
  });

  it('deletes (then 404) but refuses to delete system workflows', async () => {
    const { body } = await create({ name: 'to delete' });
    const del = await t.request('DELETE', `/v1/workflows/${body.data.uuid}`);
    expect(del.status).toBe(204);
    const gone = await t.request('GET', `/v1/workflows/${body.data.uuid}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'workflow' } });

    const system = t.server.engine.store.workflows.create(
      {
        name: 'Built-in',
        code: TRIVIAL_WORKFLOW,
        workflow_type: 'indicator',
        indicator_types: ['account'],
        kind: 'script',
        state: 'inactive',
        approval_mode: 'always',
        approval_timeout_seconds: 3600,
        risk_level: 'high',
        timeout_seconds: 60,
        secrets: [],
        allowed_hosts: [],
        documentation: '',
        tags: [],
        schedule: null,
      },
      { now: new Date().toISOString(), author: null, isSystem: true },
    );
    const refused = await t.request('DELETE', `/v1/workflows/${system.uuid}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('SYSTEM_WORKFLOW');
    const codeEdit = await t.request('PATCH', `/v1/workflows/${system.uuid}`, { body: { code: TRIVIAL_WORKFLOW + '\n' } });
    expect(codeEdit.status).toBe(403);
    const activate = await t.request('PATCH', `/v1/workflows/${system.uuid}`, { body: { state: 'active' } });
    expect(activate.status).toBe(200);
    const copy = await t.request('POST', `/v1/workflows/${system.uuid}/duplicate`);
    expect(copy.status).toBe(201);
    expect(copy.body.data).toMatchObject({ name: 'Built-in (copy)', is_system: false, state: 'draft' });
  });

  it('range-checks fields and lists every problem', async () => {
    const res = await t.request('POST', '/v1/workflows', {
      body: { name: '', code: TRIVIAL_WORKFLOW, timeout_seconds: 0, risk_level: 'extreme', secrets: ['bad name'], bogus: 1 },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    const fields = res.body.error.details.problems.map((p: { field: string }) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining(['body.name', 'body.timeout_seconds', 'body.risk_level', 'body.secrets.0', 'body']),
    );
    const tooLong = await t.request('POST', '/v1/workflows', { body: { name: 'x', code: TRIVIAL_WORKFLOW, timeout_seconds: 3601 } });
    expect(tooLong.status).toBe(422);
  });

  it('refuses code the linter rejects, with every problem, and saves code with only warnings', async () => {
    const bad = `import fs from "fs";\nexport async function run(ctx) {\n  const x = require("child_process");\n  eval("1");\n  return ctx.ok("x");\n}\n`;
    const res = await create({ name: 'bad', code: bad });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WORKFLOW_CODE_INVALID');
    const rules = res.body.error.details.problems.map((p: { rule: string; line: number }) => p.line);
    expect(rules).toEqual(expect.arrayContaining([1, 3, 4]));
    const list = await t.request('GET', '/v1/workflows?q=bad');
    expect(list.body.data.find((w: { name: string }) => w.name === 'bad')).toBeUndefined();
  });

  it('saves code with only warnings and returns them', async () => {
    const code = `export async function run(ctx) {\n  if (ctx.indicator.value === "x") return ctx.ok("x");\n}\n`;
    const res = await create({ name: 'warned', code });
    expect(res.status).toBe(201);
    expect(res.body.meta.lint_warnings.map((p: { rule: string }) => p.rule)).toContain('run-returns-result');
  });

  it('reports the type errors the editor underlines as warnings marked typescript, on save and in a dry run', async () => {
    const code = `import type { WorkflowContext, WorkflowResult } from "vigil";\nexport async function run(ctx: WorkflowContext): Promise<WorkflowResult> {\n  const port = ctx.indicator.value as number;\n  return ctx.ok(\`port \${port}\`);\n}\n`;
    const res = await create({ name: 'typed', code, state: 'active', approval_mode: 'never' });
    expect(res.status).toBe(201);
    const typeError = { rule: 'TS2352', severity: 'warning', source: 'typescript', message: expect.stringContaining("Conversion of type 'string' to type 'number'"), line: 3, column: 16, endLine: 3, endColumn: 45 };
    expect(res.body.meta.lint_warnings).toEqual([typeError]);
    const patched = await t.request('PATCH', `/v1/workflows/${res.body.data.uuid}`, { body: { code: `${code}// edited\n` } });
    expect(patched.body.meta.lint_warnings).toEqual([typeError]);
    const plan = await t.request('POST', `/v1/workflows/${res.body.data.uuid}/execute`, {
      key: t.keys.human,
      body: { indicator_type: 'ip', indicator_value: '203.0.113.7', dry_run: true },
    });
    expect(plan.body.data.lint).toEqual({ ok: true, problems: [typeError] });
  });

  it('lints again on activation and when the declared secrets change', async () => {
    const code = `export async function run(ctx) {\n  return ctx.ok(String(ctx.secrets.get("FW_TOKEN") !== null));\n}\n`;
    const saved = await create({ name: 'secretive', code, secrets: ['FW_TOKEN'] });
    expect(saved.status).toBe(201);
    const dropped = await t.request('PATCH', `/v1/workflows/${saved.body.data.uuid}`, { body: { secrets: [] } });
    expect(dropped.status).toBe(400);
    expect(dropped.body.error.details.problems[0].rule).toBe('undeclared-secret');
  });
});

describe('saves whose code is slow to check', () => {
  // Recursive tuple types TypeScript instantiates for seconds; each save's check is cut at the
  // deadline (lowered here from 10 s), and the code-check thread checks one at a time.
  const slowToCheck = (n: number) =>
    Array.from({ length: 16 }, (_, i) => `type Rep${i}<N extends number, A extends unknown[] = []> = A["length"] extends N ? A : Rep${i}<N, [...A, A, ${n * 100 + i}]>;\nconst x${i}: Rep${i}<999> = null as any;`).join('\n') +
    '\nexport async function run(ctx: any) {\n  return ctx.ok("done");\n}\n';

  it('are saved with a warning that the types went unchecked, four per key at a time: the fifth is refused (429)', async () => {
    const deadline = codeCheckLimits.deadlineMs;
    codeCheckLimits.deadlineMs = 1_000;
    try {
      const saves = await Promise.all([0, 1, 2, 3, 4].map((n) => t.request('POST', '/v1/workflows', { key: t.keys.human, body: { name: `slow ${n}`, code: slowToCheck(n) } })));
      const refused = saves.filter((res) => res.status === 429);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.body.error.code).toBe('SAVES_BUSY');
      expect(refused[0]!.headers.get('retry-after')).toBe('1');
      const saved = saves.filter((res) => res.status === 201);
      expect(saved).toHaveLength(4);
      for (const res of saved) {
        expect(res.body.meta.lint_warnings).toEqual([
          expect.objectContaining({ rule: 'type-check', severity: 'warning', message: expect.stringMatching(/^The type check stopped \(it took longer than 1 s\)/) }),
        ]);
      }
    } finally {
      codeCheckLimits.deadlineMs = deadline;
    }
    // Its places are back once the others are done.
    const again = await t.request('POST', '/v1/workflows', { key: t.keys.human, body: { name: 'after', code: TRIVIAL_WORKFLOW } });
    expect(again.status).toBe(201);
    expect(again.body.meta.lint_warnings).toEqual([]);
  }, 60_000);

  it('take turns by key: another key\'s save does not wait behind one key\'s pile of them', async () => {
    const deadline = codeCheckLimits.deadlineMs;
    codeCheckLimits.deadlineMs = 1_000;
    try {
      let done = 0;
      const pile = [0, 1, 2, 3].map((n) =>
        t.request('POST', '/v1/workflows', { key: t.keys.human, body: { name: `pile ${n}`, code: slowToCheck(10 + n) } }).then((res) => {
          done++;
          return res;
        }),
      );
      // The pile's checks are waiting on the code-check thread by then.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const other = await t.request('POST', '/v1/workflows', { key: t.keys.admin, body: { name: 'another key', code: TRIVIAL_WORKFLOW } });
      expect(other.status).toBe(201);
      // Behind at most two of the pile's type checks (the one running and one more), never all four.
      expect(done).toBeLessThanOrEqual(2);
      expect((await Promise.all(pile)).map((res) => res.status)).toEqual([201, 201, 201, 201]);
    } finally {
      codeCheckLimits.deadlineMs = deadline;
    }
  }, 60_000);
});
