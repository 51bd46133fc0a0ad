// The identity integrations through the real engine: settings API (secrets into the keychain,
// never out), Test connection, the nine seeded built-in workflows (system, gated, `not configured`
// until credentials exist) and each of them executed end to end — execute, approval gate, real
// sandbox — against fake Okta and Microsoft Graph servers on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemorySecretStore } from '../../src/main/engine/secrets/index.ts';
import { fakeGraph, type FakeGraph } from '../helpers/fake-graph.ts';
import { fakeOkta, type FakeOkta } from '../helpers/fake-okta.ts';
import { closeSharedSandbox, eventually, startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let okta: FakeOkta;
let graph: FakeGraph;
const credentials = createMemorySecretStore();

beforeAll(async () => {
  okta = await fakeOkta();
  graph = await fakeGraph();
  t = await startTestServer({ credentials });
});
afterAll(async () => {
  await t.close();
  await closeSharedSandbox();
  await okta.close();
  await graph.close();
});

interface ListedWorkflow {
  uuid: string;
  name: string;
  builtin_key: string | null;
  is_system: boolean;
  state: string;
  approval_mode: string;
  risk_level: string;
  indicator_types: string[];
  integration: { name: string; configured: boolean } | null;
  documentation: string;
}

async function builtins(): Promise<Map<string, ListedWorkflow>> {
  const res = await t.request<{ data: ListedWorkflow[] }>('GET', '/v1/workflows?tag=builtin&page_size=100');
  expect(res.status).toBe(200);
  return new Map(res.body.data.map((w) => [w.builtin_key!, w]));
}

const configureOkta = () => t.request('PUT', '/v1/integrations/okta', { body: { org_url: okta.url, api_token: okta.token } });
const configureEntra = () =>
  t.request('PUT', '/v1/integrations/entra', {
    body: { tenant_id: graph.tenant, client_id: graph.clientId, client_secret: graph.clientSecret, authority_url: graph.url, graph_url: graph.url },
  });

async function finished(runUuid: string) {
  return eventually(async () => {
    const res = await t.request('GET', `/v1/workflow-runs/${runUuid}`);
    return ['success', 'failed', 'timed_out', 'cancelled'].includes(res.body.data.status) ? res.body.data : null;
  }, `run ${runUuid} to finish`);
}

/** Agent executes, the analyst approves, the sandbox runs it: the run as recorded. */
async function executeApproved(uuid: string, account: string, context?: Record<string, unknown>) {
  const executed = await t.request('POST', `/v1/workflows/${uuid}/execute`, {
    key: t.keys.agent,
    body: { indicator_type: 'account', indicator_value: account, reason: 'phishing victim', confidence: 0.9, ...(context ? { context } : {}) },
  });
  expect(executed.status).toBe(202);
  expect(executed.body.data.status).toBe('pending_approval');
  const approved = await t.request('POST', `/v1/workflow-approvals/${executed.body.data.approval_request_uuid}/approve`, { key: t.keys.human });
  expect(approved.status).toBe(200);
  return finished(approved.body.data.run.uuid);
}

describe('built-in identity workflows', () => {
  it('are seeded as nine gated, high-risk, account workflows that show not configured', async () => {
    const all = await builtins();
    expect([...all.keys()].sort()).toEqual([
      'entra.disable_account',
      'entra.enable_account',
      'entra.force_mfa_reregistration',
      'entra.revoke_sessions',
      'okta.expire_password',
      'okta.reset_password',
      'okta.revoke_sessions',
      'okta.suspend_user',
      'okta.unsuspend_user',
    ]);
    for (const workflow of all.values()) {
      expect(workflow).toMatchObject({ is_system: true, state: 'active', approval_mode: 'always', risk_level: 'high', indicator_types: ['account'] });
      expect(workflow.integration).toEqual({ name: workflow.builtin_key!.split('.')[0], configured: false });
      expect(workflow.documentation).toContain('**Indicator:** type `account`');
    }
    const own = await t.request('POST', '/v1/workflows', { body: { name: 'mine', code: 'export async function run(ctx) { return ctx.ok("x"); }' } });
    expect(own.body.data.integration).toBeNull();
    expect(own.body.data.builtin_key).toBeNull();
  });

  it('refuse execution with INTEGRATION_NOT_CONFIGURED until credentials exist', async () => {
    const suspend = (await builtins()).get('okta.suspend_user')!;
    const res = await t.request('POST', `/v1/workflows/${suspend.uuid}/execute`, {
      key: t.keys.agent,
      body: { indicator_type: 'account', indicator_value: 'alice@example.com', reason: 'r', confidence: 0.5 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INTEGRATION_NOT_CONFIGURED');
    expect(res.body.error.message).toContain('Settings → Integrations');
    expect((await t.request('GET', `/v1/workflow-approvals?workflow_uuid=${suspend.uuid}`)).body.meta.total).toBe(0);
  });

  it('cannot be deleted or have their code edited, but can be duplicated and the copy edited', async () => {
    const revoke = (await builtins()).get('okta.revoke_sessions')!;
    const deleted = await t.request('DELETE', `/v1/workflows/${revoke.uuid}`);
    expect(deleted.status).toBe(403);
    expect(deleted.body.error.code).toBe('SYSTEM_WORKFLOW');
    const edited = await t.request('PATCH', `/v1/workflows/${revoke.uuid}`, { body: { code: 'export async function run(ctx) { return ctx.ok("x"); }' } });
    expect(edited.status).toBe(403);
    const copy = await t.request('POST', `/v1/workflows/${revoke.uuid}/duplicate`);
    expect(copy.status).toBe(201);
    expect(copy.body.data).toMatchObject({ is_system: false, builtin_key: null, integration: null, state: 'draft', approval_mode: 'always' });
    const full = await t.request('GET', `/v1/workflows/${revoke.uuid}`);
    const changed = await t.request('PATCH', `/v1/workflows/${copy.body.data.uuid}`, {
      body: { code: full.body.data.code.replace('Revoked all Okta sessions of', 'Signed out'), name: 'Okta: sign out (mine)' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data.code_version).toBe(2);
    expect((await t.request('DELETE', `/v1/workflows/${copy.body.data.uuid}`)).status).toBe(204);
  });
});

describe('integration settings', () => {
  it('validates input and lists every problem', async () => {
    const bad = await t.request('PUT', '/v1/integrations/okta', { body: { org_url: 'ftp://x/y?z', api_token: 'short' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.problems.map((p: { field: string }) => p.field).sort()).toEqual(['body.api_token', 'body.org_url', 'body.org_url']);
    const wrongShape = await t.request('PUT', '/v1/integrations/entra', { body: { org_url: okta.url } });
    expect(wrongShape.status).toBe(422);
    const entra = await t.request('PUT', '/v1/integrations/entra', { body: { tenant_id: 'contoso.onmicrosoft.com', client_id: 'not-a-guid' } });
    expect(entra.body.error.details.problems.map((p: { field: string }) => p.field).sort()).toEqual(['body.client_id', 'body.client_secret']);
    expect((await t.request('PUT', '/v1/integrations/github', { body: {} })).status).toBe(422);
    expect((await t.request('GET', '/v1/integrations', { key: t.keys.agent })).status).toBe(403);
  });

  it('keeps the secret in the keychain, never in a response, and shows whether it is set', async () => {
    const saved = await configureOkta();
    expect(saved.status).toBe(200);
    expect(saved.body.data).toEqual({ name: 'okta', configured: true, org_url: okta.url, api_token_set: true });
    expect(await credentials.get('INTEGRATION_OKTA_API_TOKEN')).toBe(okta.token);
    const entra = await configureEntra();
    expect(entra.body.data).toEqual({
      name: 'entra',
      configured: true,
      tenant_id: graph.tenant,
      client_id: graph.clientId,
      client_secret_set: true,
      authority_url: graph.url,
      graph_url: graph.url,
    });
    const list = await t.request('GET', '/v1/integrations');
    expect(JSON.stringify(list.body)).not.toContain(okta.token);
    expect(JSON.stringify(list.body)).not.toContain(graph.clientSecret);
    // Changing the URL keeps the stored token.
    const kept = await t.request('PUT', '/v1/integrations/okta', { body: { org_url: `${okta.url}/` } });
    expect(kept.body.data).toMatchObject({ configured: true, org_url: okta.url });
    for (const workflow of (await builtins()).values()) expect(workflow.integration!.configured).toBe(true);
  });

  it('tests the connection through the sandbox and reports what the vendor said', async () => {
    const good = await t.request('POST', '/v1/integrations/okta/test');
    expect(good.status).toBe(200);
    expect(good.body.data).toMatchObject({ ok: true, code: null, message: `connected to ${okta.url} as soc-bot@example.com` });
    expect(good.body.data.http_calls).toEqual([expect.objectContaining({ method: 'GET', url: `${okta.url}/api/v1/users/me`, status: 200 })]);
    const entra = await t.request('POST', '/v1/integrations/entra/test');
    expect(entra.body.data).toMatchObject({ ok: true, code: null });
    expect(entra.body.data.http_calls.map((c: { status: number }) => c.status)).toEqual([200, 200]);

    await t.request('PUT', '/v1/integrations/okta', { body: { org_url: okta.url, api_token: 'revoked-token-123456' } });
    const bad = await t.request('POST', '/v1/integrations/okta/test');
    expect(bad.body.data).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(bad.body.data.message).toContain('Invalid token provided');
    expect(JSON.stringify(bad.body)).not.toContain('revoked-token-123456');
    await configureOkta();
  });

  it('removes an integration and its keychain entry; the built-ins go back to not configured', async () => {
    const removed = await t.request('DELETE', '/v1/integrations/okta');
    expect(removed.body.data).toEqual({ name: 'okta', configured: false, org_url: null, api_token_set: false });
    expect(await credentials.get('INTEGRATION_OKTA_API_TOKEN')).toBeNull();
    expect((await t.request('POST', '/v1/integrations/okta/test')).body.error.code).toBe('INTEGRATION_NOT_CONFIGURED');
    const all = await builtins();
    expect(all.get('okta.suspend_user')!.integration).toEqual({ name: 'okta', configured: false });
    expect(all.get('entra.enable_account')!.integration).toEqual({ name: 'entra', configured: true });
    await configureOkta();
  });
});

describe('agents over MCP', () => {
  it('see only the built-ins whose integration is configured', async () => {
    await t.request('DELETE', '/v1/integrations/entra');
    const client = new Client({ name: 'integrations-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: { authorization: `Bearer ${t.keys.agent}` } } }));
    try {
      const listed = await client.callTool({ name: 'list_workflows', arguments: { indicator_type: 'account' } });
      const names = (JSON.parse((listed.content as Array<{ text: string }>)[0]!.text) as { workflows: Array<{ name: string }> }).workflows.map((w) => w.name);
      expect(names.filter((name) => name.startsWith('Okta: '))).toHaveLength(5);
      expect(names.filter((name) => name.startsWith('Entra ID: '))).toHaveLength(0);
    } finally {
      await client.close();
      await configureEntra();
    }
  });
});

describe('each built-in, executed through the approval gate and the sandbox', () => {
  it('Okta: revoke sessions, suspend, unsuspend, reset password, expire password', async () => {
    const all = await builtins();
    const revoke = await executeApproved(all.get('okta.revoke_sessions')!.uuid, 'alice@example.com');
    expect(revoke.status).toBe('success');
    expect(revoke.result).toMatchObject({ success: true, message: 'Revoked all Okta sessions of alice@example.com', data: { oauth_tokens_revoked: true } });
    expect(okta.revoked).toContainEqual({ id: '00u1alice000000000x7', oauthTokens: true });

    const suspend = await executeApproved(all.get('okta.suspend_user')!.uuid, 'bob');
    expect(suspend.result).toMatchObject({ success: true, data: { user: { id: '00u2bob00000000000x7', status: 'SUSPENDED' }, already_suspended: false } });
    expect(okta.users.get('00u2bob00000000000x7')!.status).toBe('SUSPENDED');
    const again = await executeApproved(all.get('okta.suspend_user')!.uuid, 'bob');
    expect(again.result).toMatchObject({ success: true, message: 'Okta user bob was already suspended', data: { already_suspended: true } });

    const unsuspend = await executeApproved(all.get('okta.unsuspend_user')!.uuid, 'bob.builder@example.com');
    expect(unsuspend.result).toMatchObject({ success: true, data: { user: { status: 'ACTIVE' } } });
    expect(okta.users.get('00u2bob00000000000x7')!.status).toBe('ACTIVE');

    const reset = await executeApproved(all.get('okta.reset_password')!.uuid, 'alice@example.com', { send_email: false });
    expect(reset.result).toMatchObject({ success: true, data: { email_sent: false, reset_password_url: expect.stringMatching(/\/reset_password\/drp/) } });
    const mailed = await executeApproved(all.get('okta.reset_password')!.uuid, 'alice@example.com');
    expect(mailed.result).toMatchObject({ success: true, message: 'Okta emailed alice@example.com a password reset link', data: { reset_password_url: null } });

    const expire = await executeApproved(all.get('okta.expire_password')!.uuid, '00u1alice000000000x7');
    expect(expire.result).toMatchObject({ success: true, data: { user: { status: 'PASSWORD_EXPIRED' } } });
    expect(okta.users.get('00u1alice000000000x7')!.status).toBe('PASSWORD_EXPIRED');

    const missing = await executeApproved(all.get('okta.suspend_user')!.uuid, 'ghost@example.com');
    expect(missing.status).toBe('failed');
    expect(missing.result).toMatchObject({ success: false, message: 'No Okta user matches "ghost@example.com"', data: { code: 'NOT_FOUND' } });

    // The run log shows the vendor calls, the token never.
    const detail = await t.request('GET', `/v1/workflow-runs/${revoke.uuid}`);
    expect(detail.body.data.logs.some((entry: { http: { url: string } | null }) => entry.http?.url.endsWith('/api/v1/users/00u1alice000000000x7/sessions?oauthTokens=true'))).toBe(true);
    expect(JSON.stringify(detail.body)).not.toContain(okta.token);
  });

  it('Entra: revoke sessions, disable, enable, force MFA re-registration', async () => {
    const all = await builtins();
    const adele = '6e7b768e-07e2-4810-8459-485f84f8f204';
    const revoke = await executeApproved(all.get('entra.revoke_sessions')!.uuid, 'adele@contoso.example');
    expect(revoke.result).toMatchObject({ success: true, message: 'Revoked the sign-in sessions of adele@contoso.example' });
    expect(graph.revoked).toContain(adele);

    const disable = await executeApproved(all.get('entra.disable_account')!.uuid, 'adele.vance@contoso.example');
    expect(disable.result).toMatchObject({ success: true, data: { user: { account_enabled: false }, sessions_revoked: true } });
    expect(graph.users.get(adele)!.accountEnabled).toBe(false);

    const enable = await executeApproved(all.get('entra.enable_account')!.uuid, adele);
    expect(enable.result).toMatchObject({ success: true, message: 'Enabled adele@contoso.example' });
    expect(graph.users.get(adele)!.accountEnabled).toBe(true);

    const mfa = await executeApproved(all.get('entra.force_mfa_reregistration')!.uuid, 'adele@contoso.example');
    expect(mfa.status).toBe('success');
    expect((mfa.result.data as { removed: unknown[] }).removed).toHaveLength(3);
    expect(graph.users.get(adele)!.methods.map((m) => m.type)).toEqual(['#microsoft.graph.passwordAuthenticationMethod']);

    graph.deny(/^\/v1\.0\/users\/[^/]+$/);
    const denied = await executeApproved(all.get('entra.enable_account')!.uuid, 'megan@contoso.example');
    expect(denied.result).toMatchObject({ success: false, data: { code: 'FORBIDDEN', status: 403, vendor_code: 'Authorization_RequestDenied' } });
    expect(JSON.stringify(await t.request('GET', `/v1/workflow-runs/${mfa.uuid}`))).not.toContain(graph.clientSecret);
  });

  it('fails the run clearly when the integration was removed while the approval waited', async () => {
    const expire = (await builtins()).get('okta.expire_password')!;
    const executed = await t.request('POST', `/v1/workflows/${expire.uuid}/execute`, {
      key: t.keys.agent,
      body: { indicator_type: 'account', indicator_value: 'bob', reason: 'leaked password', confidence: 0.8 },
    });
    expect(executed.status).toBe(202);
    await t.request('DELETE', '/v1/integrations/okta');
    try {
      const approved = await t.request('POST', `/v1/workflow-approvals/${executed.body.data.approval_request_uuid}/approve`, { key: t.keys.human });
      const run = await finished(approved.body.data.run.uuid);
      expect(run.status).toBe('failed');
      expect(run.result.message).toContain('Okta is not configured');
    } finally {
      await configureOkta();
    }
  });

  it('can be tested against mocks: nothing reaches the configured org and no credential is read', async () => {
    const suspend = (await builtins()).get('okta.suspend_user')!;
    const before = okta.requests.length;
    const res = await t.request('POST', `/v1/workflows/${suspend.uuid}/test`, {
      body: {
        indicator_type: 'account',
        indicator_value: 'mock@example.com',
        mocks: {
          responses: [
            { method: 'GET', url: `${okta.url}/api/v1/users/*`, json: { id: '00umock', status: 'ACTIVE', profile: { login: 'mock@example.com' } } },
            { method: 'POST', url: `${okta.url}/api/v1/users/00umock/lifecycle/suspend`, json: {} },
          ],
        },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ success: true, message: 'Suspended Okta user mock@example.com' });
    expect(res.body.data.http_calls.map((c: { mock: number }) => c.mock)).toEqual([0, 1]);
    expect(okta.requests.length).toBe(before);
  });
});

describe('seeding on upgrade', () => {
  it('brings a built-in up to date and keeps the analyst\'s state, gate and tags', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-upgrade-'));
    let server = await startTestServer({ dataDir, credentials });
    try {
      const listed = await server.request<{ data: ListedWorkflow[] }>('GET', '/v1/workflows?tag=builtin');
      const uuid = listed.body.data.find((w) => w.builtin_key === 'okta.unsuspend_user')!.uuid;
      await server.request('PATCH', `/v1/workflows/${uuid}`, { body: { state: 'inactive', approval_mode: 'agent_only', tags: ['builtin', 'okta', 'reviewed'] } });
      // An older Vigil seeded other code and documentation.
      const store = server.server.engine.store;
      store.workflows.update(store.workflows.get(uuid)!.id, { code: 'export async function run(ctx) { return ctx.ok("old"); }', documentation: 'old' }, { now: new Date().toISOString(), author: null });
      const oldVersion = store.workflows.get(uuid)!.code_version;
      await server.close();

      server = await startTestServer({ dataDir, credentials });
      const after = (await server.request('GET', `/v1/workflows/${uuid}`)).body.data;
      expect(after).toMatchObject({ state: 'inactive', approval_mode: 'agent_only', tags: ['builtin', 'okta', 'reviewed'], is_system: true });
      expect(after.code).toContain('client.unsuspend(account)');
      expect(after.documentation).toContain('Unsuspends a suspended Okta user');
      expect(after.code_version).toBe(oldVersion + 1);
      expect((await server.request('GET', '/v1/workflows?tag=builtin')).body.meta.total).toBe(9);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
