import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { closeSharedSandbox, startTestServer, TRIVIAL_WORKFLOW, type TestServer } from '../helpers/server.ts';

let t: TestServer;
const clients: Client[] = [];
let neverUuid: string;
let gatedUuid: string;
let draftUuid: string;

async function workflow(fields: Record<string, unknown>): Promise<string> {
  const res = await t.request('POST', '/v1/workflows', { body: { code: TRIVIAL_WORKFLOW, ...fields } });
  return res.body.data.uuid;
}

async function httpClient(key: string): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  clients.push(client);
  return client;
}

async function stdioClient(key: string): Promise<Client> {
  const client = new Client({ name: 'stdio-agent', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [join(ROOT, 'bin', 'vigil.js'), 'mcp', '--url', t.url],
      env: { ...(process.env as Record<string, string>), VIGIL_API_KEY: key },
      cwd: ROOT,
    }),
  );
  clients.push(client);
  return client;
}

function payload(result: any): any {
  return JSON.parse(result.content[0].text);
}

beforeAll(async () => {
  t = await startTestServer();
  neverUuid = await workflow({
    name: 'Block IP on edge firewall',
    state: 'active',
    approval_mode: 'never',
    indicator_types: ['ip'],
    documentation: 'Adds the IP to the edge deny list.',
  });
  gatedUuid = await workflow({ name: 'Disable account', state: 'active', approval_mode: 'always', indicator_types: ['account'], risk_level: 'high' });
  draftUuid = await workflow({ name: 'Draft thing', state: 'draft' });
});
afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await t.close();
  await closeSharedSandbox();
});

describe.each([
  ['Streamable HTTP', httpClient],
  ['stdio (vigil mcp)', stdioClient],
] as const)('MCP over %s', (_name, connect) => {
  it('lists and reads workflow resources', async () => {
    const client = await connect(t.keys.agent);
    const resources = await client.listResources();
    expect(resources.resources.map((r) => r.uri)).toContain('vigil://workflows');
    expect(resources.resources.map((r) => r.uri)).toContain(`vigil://workflows/${neverUuid}`);
    const all = await client.readResource({ uri: 'vigil://workflows' });
    const list = JSON.parse((all.contents[0] as { text: string }).text);
    expect(list.map((w: { name: string }) => w.name)).toEqual(['Block IP on edge firewall', 'Disable account']);
    const one = await client.readResource({ uri: `vigil://workflows/${gatedUuid}` });
    expect(JSON.parse((one.contents[0] as { text: string }).text)).toMatchObject({ approval_mode: 'always', risk_level: 'high', indicator_types: ['account'] });
  });

  it('lists workflows filtered by indicator type and text', async () => {
    const client = await connect(t.keys.agent);
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name).sort()).toEqual(['execute_workflow', 'get_approval', 'get_run', 'list_workflows', 'wait_for_run']);
    const ip = payload(await client.callTool({ name: 'list_workflows', arguments: { indicator_type: 'ip' } }));
    expect(ip.workflows.map((w: { uuid: string }) => w.uuid)).toEqual([neverUuid]);
    const text = payload(await client.callTool({ name: 'list_workflows', arguments: { text: 'deny list' } }));
    expect(text.workflows.map((w: { uuid: string }) => w.uuid)).toEqual([neverUuid]);
  });

  it('executes, then waits for the run and reads it', async () => {
    const client = await connect(t.keys.agent);
    const executed = payload(
      await client.callTool({
        name: 'execute_workflow',
        arguments: { workflow_uuid: neverUuid, indicator_type: 'ip', indicator_value: '198.51.100.9', reason: 'C2 beacon', confidence: 0.8, context: { case: 7 } },
      }),
    );
    expect(executed).toEqual({
      run_uuid: expect.any(String),
      status: 'queued',
      workflow_uuid: neverUuid,
      workflow_version: 1,
      created_at: expect.stringMatching(/Z$/),
    });
    const waited = payload(await client.callTool({ name: 'wait_for_run', arguments: { run_uuid: executed.run_uuid, timeout_seconds: 30 } }));
    expect(waited.done).toBe(true);
    expect(waited.run).toMatchObject({ status: 'success', trigger_type: 'agent', result: { success: true } });
    const run = payload(await client.callTool({ name: 'get_run', arguments: { run_uuid: executed.run_uuid } }));
    expect(run.logs_summary.by_level.info).toBe(1);
  });

  it('holds gated runs for approval; wait_for_run follows the approval to the run', async () => {
    const client = await connect(t.keys.agent);
    const gated = payload(
      await client.callTool({
        name: 'execute_workflow',
        arguments: { workflow_uuid: gatedUuid, indicator_type: 'account', indicator_value: 'bob@example.com', reason: 'token theft', confidence: 0.7, idempotency_key: `k-${Math.random()}` },
      }),
    );
    expect(gated.status).toBe('pending_approval');
    const waiting = client.callTool({ name: 'wait_for_run', arguments: { approval_request_uuid: gated.approval_request_uuid, timeout_seconds: 30 } });
    const pending = payload(await client.callTool({ name: 'get_approval', arguments: { approval_request_uuid: gated.approval_request_uuid } }));
    expect(pending.status).toBe('pending');
    await t.request('POST', `/v1/workflow-approvals/${gated.approval_request_uuid}/approve`, { key: t.keys.human });
    const result = payload(await waiting);
    expect(result.done).toBe(true);
    expect(result.run.status).toBe('success');
    const approved = payload(await client.callTool({ name: 'get_approval', arguments: { approval_request_uuid: gated.approval_request_uuid } }));
    expect(approved.run.uuid).toBe(result.run.uuid);
  });

  it('reports API errors as tool errors with the API code', async () => {
    const client = await connect(t.keys.agent);
    const base = { indicator_type: 'ip', indicator_value: '1.2.3.4', reason: 'r', confidence: 0.5 };
    const unknown = await client.callTool({ name: 'execute_workflow', arguments: { ...base, workflow_uuid: '01936c3e-0000-7000-8000-000000000000' } });
    expect(unknown.isError).toBe(true);
    expect(payload(unknown).error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'workflow' } });
    const inactive = await client.callTool({ name: 'execute_workflow', arguments: { ...base, workflow_uuid: draftUuid } });
    expect(payload(inactive).error.code).toBe('WORKFLOW_NOT_EXECUTABLE');
    const missingReason = await client.callTool({ name: 'execute_workflow', arguments: { workflow_uuid: neverUuid, indicator_type: 'ip', indicator_value: '1.2.3.4', confidence: 0.5 } });
    expect(missingReason.isError).toBe(true);
    expect(JSON.stringify(missingReason.content)).toMatch(/reason/);
    const badConfidence = await client.callTool({ name: 'execute_workflow', arguments: { ...base, confidence: 1.5, workflow_uuid: neverUuid } });
    expect(badConfidence.isError).toBe(true);
    expect(JSON.stringify(badConfidence.content)).toMatch(/confidence/);
    const readOnly = t.server.engine.keys.create({ name: 'reader', key_type: 'agent', scopes: ['workflows:read'] }).secret;
    const reader = await connect(readOnly);
    const forbidden = await reader.callTool({ name: 'execute_workflow', arguments: { ...base, workflow_uuid: neverUuid } });
    expect(payload(forbidden).error.code).toBe('FORBIDDEN');
  });
});

describe('MCP sessions', () => {
  it('notifies clients when the workflow list changes', async () => {
    const client = await httpClient(t.keys.agent);
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ResourceListChangedNotificationSchema, () => resolve()));
    await client.listResources();
    await workflow({ name: 'Fresh', state: 'active' });
    await changed;
  });

  it('refuses a request without an API key', async () => {
    const res = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    });
    expect(res.status).toBe(401);
  });
});

describe('MCP and scheduled workflows', () => {
  it('shows the schedule, next_run_at and last_scheduled_at, and executes without an indicator', async () => {
    const uuid = await workflow({
      name: 'Nightly stale-account sweep',
      state: 'active',
      approval_mode: 'never',
      workflow_type: 'scheduled',
      schedule: { cron: '0 2 * * *', timezone: 'UTC', context: { days: 90 } },
    });
    const client = await httpClient(t.keys.agent);
    const listed = payload(await client.callTool({ name: 'list_workflows', arguments: { text: 'stale-account' } }));
    expect(listed.workflows).toHaveLength(1);
    expect(listed.workflows[0]).toMatchObject({
      uuid,
      workflow_type: 'scheduled',
      schedule: { cron: '0 2 * * *', timezone: 'UTC', context: { days: 90 }, catch_up: 'last', overlap: 'skip' },
      next_run_at: expect.stringMatching(/T02:00:00.000Z$/),
      last_scheduled_at: null,
      input_expectations: expect.stringContaining('indicator_type and indicator_value are optional'),
    });
    const one = await client.readResource({ uri: `vigil://workflows/${uuid}` });
    expect(JSON.parse((one.contents[0] as { text: string }).text)).toMatchObject({ next_run_at: listed.workflows[0].next_run_at });
    const executed = payload(
      await client.callTool({ name: 'execute_workflow', arguments: { workflow_uuid: uuid, reason: 'sweep now', confidence: 0.9, context: { days: 1 } } }),
    );
    expect(executed).toMatchObject({ status: 'queued', run_uuid: expect.any(String) });
  });
});
