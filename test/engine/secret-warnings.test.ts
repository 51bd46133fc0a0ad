// A workflow whose declared secret has no value is flagged wherever someone is about to rely on
// it: its list row and detail (so also the answer to activating it), a dry run, a pending approval.
import { describe, expect, it } from 'vitest';
import { testServer } from '../helpers/server.ts';

const t = testServer();

const CODE = `export async function run(ctx) {
  const token = ctx.secrets.get("INTEL_TOKEN");
  if (!token) return ctx.fail("INTEL_TOKEN is not set");
  return ctx.ok("looked up");
}
`;
const notSet = (subject: 'this run' | 'its runs') => ({
  code: 'SECRET_NOT_SET',
  secret: 'INTEL_TOKEN',
  message: `secret INTEL_TOKEN is not set: ${subject} will fail`,
});

describe('secret-not-set warnings', () => {
  it('appear on the workflow, its list row, the activation answer, dry runs and pending approvals, and go once the secret is set', async () => {
    const created = await t.request('POST', '/v1/workflows', { body: { name: 'Intel lookup', code: CODE, secrets: ['INTEL_TOKEN'], approval_mode: 'always' } });
    expect(created.body.data.warnings).toEqual([notSet('its runs')]);
    const uuid = created.body.data.uuid;

    const activated = await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { state: 'active' } });
    expect(activated.status).toBe(200);
    expect(activated.body.data.warnings).toEqual([notSet('its runs')]);
    const row = (await t.request('GET', '/v1/workflows?q=Intel')).body.data.find((w: { uuid: string }) => w.uuid === uuid);
    expect(row.warnings).toEqual([notSet('its runs')]);

    const body = { indicator_type: 'domain', indicator_value: 'evil.example', reason: 'phishing domain', confidence: 0.8 };
    const plan = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.agent, body: { ...body, dry_run: true } });
    expect(plan.body.data.warnings).toEqual([notSet('this run')]);
    expect(plan.body.data.secrets).toEqual([{ name: 'INTEL_TOKEN', exists: false }]);

    const pending = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.agent, body });
    const approvalUuid = pending.body.data.approval_request_uuid;
    expect((await t.request('GET', `/v1/workflow-approvals/${approvalUuid}`)).body.data.warnings).toEqual([notSet('this run')]);
    const listed = (await t.request('GET', '/v1/workflow-approvals?status=pending')).body.data.find((a: { uuid: string }) => a.uuid === approvalUuid);
    expect(listed.warnings).toEqual([notSet('this run')]);
    // The agent that asked sees it too: it learns why its run would fail before it waits.
    expect((await t.request('GET', `/v1/workflow-approvals/${approvalUuid}`, { key: t.keys.agent })).body.data.warnings).toEqual([notSet('this run')]);

    expect((await t.request('PUT', '/v1/secrets/INTEL_TOKEN', { body: { value: 'tok' } })).status).toBe(200);
    expect((await t.request('GET', `/v1/workflows/${uuid}`)).body.data.warnings).toEqual([]);
    expect((await t.request('GET', `/v1/workflow-approvals/${approvalUuid}`)).body.data.warnings).toEqual([]);
    const rejected = await t.request('POST', `/v1/workflow-approvals/${approvalUuid}/reject`, { body: { reason: 'not now' } });
    expect(rejected.body.data.warnings).toEqual([]);
  });

  it('follow the approval\'s pinned version, not the workflow\'s current secrets', async () => {
    const created = await t.request('POST', '/v1/workflows', {
      body: { name: 'Pinned', code: CODE.replaceAll('INTEL_TOKEN', 'PINNED_TOKEN'), secrets: ['PINNED_TOKEN'], state: 'active', approval_mode: 'always' },
    });
    const uuid = created.body.data.uuid;
    const pending = await t.request('POST', `/v1/workflows/${uuid}/execute`, {
      key: t.keys.agent,
      body: { indicator_type: 'ip', indicator_value: '203.0.113.7', reason: 'r', confidence: 0.5 },
    });
    await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { code: 'export async function run(ctx) { return ctx.ok("none"); }', secrets: [] } });
    const approval = await t.request('GET', `/v1/workflow-approvals/${pending.body.data.approval_request_uuid}`);
    expect(approval.body.data.warnings.map((w: { secret: string }) => w.secret)).toEqual(['PINNED_TOKEN']);
    expect((await t.request('GET', `/v1/workflows/${uuid}`)).body.data.warnings).toEqual([]);
  });

  it('are empty for workflows that declare no secrets', async () => {
    const created = await t.request('POST', '/v1/workflows', { body: { name: 'No secrets', code: 'export async function run(ctx) { return ctx.ok("x"); }' } });
    expect(created.body.data.warnings).toEqual([]);
  });
});

describe('GET /v1/workflows/{uuid}/lint', () => {
  it('reports the current version\'s type errors as warnings, as a dry run would', async () => {
    const code = 'import type { WorkflowContext } from "vigil";\nexport async function run(ctx: WorkflowContext) {\n  const n = ctx.indicator.value as number;\n  return ctx.ok(String(n));\n}\n';
    const created = await t.request('POST', '/v1/workflows', { body: { name: 'Typed', code } });
    const report = await t.request('GET', `/v1/workflows/${created.body.data.uuid}/lint`, { key: t.keys.human });
    expect(report.status).toBe(200);
    expect(report.body.data).toEqual({ ok: true, problems: [expect.objectContaining({ rule: 'TS2352', severity: 'warning', source: 'typescript', line: 3 })] });
  });
});

describe('keychain status', () => {
  it('is available with a working store, in settings and the secrets list', async () => {
    expect((await t.request('GET', '/v1/settings')).body.data.keychain).toEqual({ state: 'available' });
    expect((await t.request('GET', '/v1/secrets')).body.meta.keychain).toEqual({ state: 'available' });
  });
});
