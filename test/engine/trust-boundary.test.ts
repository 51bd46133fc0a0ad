// The trust boundary as a hostile caller meets it: nothing a caller sends ends the engine, skips the
// gate, widens an approved run, or reads what another key triggered. Each block pins one defect
// found against a running server.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/main/engine/util/json-bounds.ts';
import { closeSharedSandbox, eventually, startTestServer, TRIVIAL_WORKFLOW, type TestServer } from '../helpers/server.ts';
import { openEventStream } from '../helpers/sse.ts';

let t: TestServer;
let receiver: Server;
let receiverUrl: string;
let received = 0;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestServer({ mcpSessionIdleMs: 1_000 });
  receiver = createServer((_req, res) => {
    received++;
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
});
afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  receiver.close();
  await t.close();
  await closeSharedSandbox();
});

async function activeWorkflow(fields: Record<string, unknown> = {}): Promise<string> {
  const res = await t.request('POST', '/v1/workflows', {
    body: { name: `tb ${Math.random()}`, code: TRIVIAL_WORKFLOW, state: 'active', ...fields },
  });
  expect(res.status).toBe(201);
  return res.body.data.uuid;
}

const agentBody = { indicator_type: 'ip', indicator_value: '203.0.113.7', reason: 'trust boundary test', confidence: 0.9 };
const execute = (uuid: string, key: string, body: Record<string, unknown> = agentBody) =>
  t.request('POST', `/v1/workflows/${uuid}/execute`, { key, body });

async function finished(runUuid: string) {
  return eventually(async () => {
    const res = await t.request('GET', `/v1/workflow-runs/${runUuid}`);
    return ['success', 'failed', 'timed_out', 'cancelled'].includes(res.body.data.status) ? res.body.data : null;
  }, `run ${runUuid} to finish`);
}

/** `levels` arrays nested inside each other: a few KB of JSON that any recursive walk trips over. */
const nestedText = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const nested = (levels: number) => JSON.parse(nestedText(levels));

/** A JSON body with raw JSON spliced in (JSON.stringify itself overflows on the deepest values). */
function rawJson(fields: Record<string, unknown>, raw: Record<string, string>): string {
  const text = JSON.stringify(fields);
  return `${text.slice(0, -1)}${Object.entries(raw).map(([name, value]) => `,${JSON.stringify(name)}:${value}`).join('')}}`;
}
const json = { 'content-type': 'application/json' };

async function mcpClient(key: string): Promise<Client> {
  const client = new Client({ name: 'hostile-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  clients.push(client);
  return client;
}

const toolPayload = (result: any) => JSON.parse(result.content[0].text);

describe('poison pills: deeply nested or oversized JSON is refused at the door', () => {
  it('refuses a deep context, alert or enrichment on execute with 422 naming each field and the limit', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const runsBefore = (await t.request('GET', '/v1/workflow-runs')).body.meta.total;
    const res = await t.request('POST', `/v1/workflows/${uuid}/execute`, {
      key: t.keys.agent,
      headers: json,
      rawBody: rawJson(agentBody, {
        context: nestedText(3_800),
        alert: `{"title":"x","fields":{"f":${nestedText(10_000)}}}`,
        enrichment: `{"deep":${nestedText(MAX_JSON_DEPTH + 1)}}`,
      }),
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    const problems = res.body.error.details.problems;
    expect(problems.map((p: { field: string }) => p.field)).toEqual(['body.context', 'body.alert', 'body.enrichment']);
    expect(problems[0].message).toContain(`${MAX_JSON_DEPTH} levels`);
    expect((await t.request('GET', '/v1/workflow-runs')).body.meta.total).toBe(runsBefore);
    expect((await t.request('GET', '/v1/health')).status).toBe(200);
  });

  it('accepts nesting up to the limit and runs it', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const res = await execute(uuid, t.keys.human, { indicator_type: 'ip', indicator_value: '203.0.113.7', context: nested(MAX_JSON_DEPTH) });
    expect(res.status).toBe(202);
    expect((await finished(res.body.data.run_uuid)).status).toBe('success');
  });

  it('refuses a context larger than 256 KB', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const res = await execute(uuid, t.keys.human, { indicator_type: 'ip', indicator_value: '203.0.113.7', context: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(422);
    expect(res.body.error.details.problems[0]).toMatchObject({ field: 'body.context', message: expect.stringContaining('262144 bytes') });
  });

  it('refuses a gated request with a deep context before any approval exists', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const res = await execute(uuid, t.keys.agent, { ...agentBody, context: nested(3_800) });
    expect(res.status).toBe(422);
    const approvals = await t.request('GET', `/v1/workflow-approvals?workflow_uuid=${uuid}`);
    expect(approvals.body.meta.total).toBe(0);
  });

  it('refuses deep test input and mocks on the test endpoints', async () => {
    const res = await t.request('POST', '/v1/workflows/test', {
      headers: json,
      rawBody: rawJson(
        { code: TRIVIAL_WORKFLOW, indicator_type: 'ip', indicator_value: '203.0.113.7' },
        { context: nestedText(10_000), mocks: `{"responses":${nestedText(5_000)}}` },
      ),
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details.problems.map((p: { field: string }) => p.field)).toEqual(['body.context', 'body.mocks']);
    expect((await t.request('GET', '/v1/health')).status).toBe(200);
  });

  it('refuses a deep context over MCP with the same error', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const client = await mcpClient(t.keys.agent);
    const result: any = await client.callTool({
      name: 'execute_workflow',
      arguments: { workflow_uuid: uuid, ...agentBody, context: { deep: nested(3_800) } },
    });
    expect(result.isError).toBe(true);
    expect(toolPayload(result).error.code).toBe('VALIDATION_ERROR');
  });
});

describe('MCP never skips the gate', () => {
  it('treats every MCP execution as an agent\'s, even with a human key', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'agent_only' });
    const client = await mcpClient(t.keys.human);
    const result: any = await client.callTool({ name: 'execute_workflow', arguments: { workflow_uuid: uuid, ...agentBody } });
    const answer = toolPayload(result);
    expect(answer.status).toBe('pending_approval');
    const approval = await t.request('GET', `/v1/workflow-approvals/${answer.approval_request_uuid}`);
    expect(approval.body.data).toMatchObject({ trigger_type: 'agent', status: 'pending' });
  });

  it('applies the agents\' pause to MCP executions with a human key', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const client = await mcpClient(t.keys.human);
    await t.request('PATCH', '/v1/settings', { body: { execution_paused: true } });
    try {
      const result: any = await client.callTool({ name: 'execute_workflow', arguments: { workflow_uuid: uuid, ...agentBody } });
      expect(toolPayload(result).error.code).toBe('EXECUTION_PAUSED');
    } finally {
      await t.request('PATCH', '/v1/settings', { body: { execution_paused: false } });
    }
  });
});

describe('approvals do not outlive their workflow', () => {
  it('deactivating a workflow cancels its pending requests, with an event; approving then is 409', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const stream = await openEventStream(t.url, t.keys.human);
    try {
      const gated = await execute(uuid, t.keys.agent);
      const id = gated.body.data.approval_request_uuid;
      const patched = await t.request('PATCH', `/v1/workflows/${uuid}`, { key: t.keys.human, body: { state: 'inactive' } });
      expect(patched.status).toBe(200);
      const cancelled = await stream.next((e) => e.type === 'approval.cancelled' && e.data.approval_uuid === id, 'approval.cancelled');
      expect(cancelled.data.reason).toContain('inactive');
      const approval = await t.request('GET', `/v1/workflow-approvals/${id}`);
      expect(approval.body.data).toMatchObject({ status: 'cancelled', run: null });
      const approve = await t.request('POST', `/v1/workflow-approvals/${id}/approve`, { key: t.keys.human });
      expect(approve.status).toBe(409);
      expect(approve.body.error.code).toBe('APPROVAL_CANCELLED');
      expect((await t.request('GET', `/v1/workflows/${uuid}/runs`)).body.meta.total).toBe(0);
    } finally {
      stream.close();
    }
  });

  it('deleting a workflow cancels its pending requests', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const id = (await execute(uuid, t.keys.agent)).body.data.approval_request_uuid;
    expect((await t.request('DELETE', `/v1/workflows/${uuid}`)).status).toBe(204);
    const approve = await t.request('POST', `/v1/workflow-approvals/${id}/approve`, { key: t.keys.human });
    expect(approve.status).toBe(409);
    expect(approve.body.error.code).toBe('APPROVAL_CANCELLED');
  });

  it('refuses to approve a request whose workflow stopped being active without the service noticing', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const id = (await execute(uuid, t.keys.agent)).body.data.approval_request_uuid;
    // Another process (or a future code path) deactivates it behind the workflows service.
    t.server.engine.store.db.prepare("UPDATE workflows SET state = 'inactive' WHERE uuid = ?").run(uuid);
    const approve = await t.request('POST', `/v1/workflow-approvals/${id}/approve`, { key: t.keys.human });
    expect(approve.status).toBe(409);
    expect(approve.body.error.code).toBe('WORKFLOW_NOT_EXECUTABLE');
    expect((await t.request('GET', `/v1/workflow-approvals/${id}`)).body.data.status).toBe('cancelled');
    expect((await t.request('GET', `/v1/workflows/${uuid}/runs`)).body.meta.total).toBe(0);
  });
});

describe('an approved run gets the reach of the version that was approved', () => {
  const callsReceiver = () => `export async function run(ctx) {
  const res = await ctx.http.post(${JSON.stringify(receiverUrl)}, { json: { hello: 1 } });
  return ctx.ok("called", { status: res.status });
}
`;

  it('widening allowed_hosts after the request is a new version; the approved run stays on the old one', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always', code: callsReceiver() });
    const id = (await execute(uuid, t.keys.agent)).body.data.approval_request_uuid;
    const widened = await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { allowed_hosts: ['127.0.0.1'] } });
    expect(widened.body.data.code_version).toBe(2);
    const before = received;
    const approved = await t.request('POST', `/v1/workflow-approvals/${id}/approve`, { key: t.keys.human });
    expect(approved.status).toBe(200);
    const run = await finished(approved.body.data.run.uuid);
    expect(run).toMatchObject({ status: 'failed', workflow_version: 1 });
    expect(JSON.stringify(run.logs)).toContain('denied');
    expect(received).toBe(before);
    const versions = await t.request('GET', `/v1/workflows/${uuid}/versions`);
    expect(versions.body.data.map((v: any) => [v.version, v.allowed_hosts])).toEqual([
      [2, ['127.0.0.1']],
      [1, []],
    ]);
  });

  it('a run of the new version reaches the newly allowed host', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never', code: callsReceiver(), allowed_hosts: ['127.0.0.1'] });
    const before = received;
    const run = await finished((await execute(uuid, t.keys.human, { indicator_type: 'ip', indicator_value: '203.0.113.7' })).body.data.run_uuid);
    expect(run.status).toBe('success');
    expect(received).toBe(before + 1);
  });

  it('changing the timeout or the declared secrets after the request is a new version; the approved run keeps the old', async () => {
    const uuid = await activeWorkflow({
      approval_mode: 'always',
      code: `export async function run(ctx) {\n  return ctx.ok("pinned", { n: 1 });\n}\n`,
      timeout_seconds: 30,
    });
    const id = (await execute(uuid, t.keys.agent)).body.data.approval_request_uuid;
    expect((await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { timeout_seconds: 5 } })).body.data.code_version).toBe(2);
    expect((await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { secrets: ['LATE_SECRET'] } })).body.data.code_version).toBe(3);
    const v1 = await t.request('GET', `/v1/workflows/${uuid}/versions/1`);
    expect(v1.body.data).toMatchObject({ timeout_seconds: 30, secrets: [], allowed_hosts: [] });
    const v3 = await t.request('GET', `/v1/workflows/${uuid}/versions/3`);
    expect(v3.body.data).toMatchObject({ timeout_seconds: 5, secrets: ['LATE_SECRET'] });
    const approved = await t.request('POST', `/v1/workflow-approvals/${id}/approve`, { key: t.keys.human });
    expect((await finished(approved.body.data.run.uuid))).toMatchObject({ status: 'success', workflow_version: 1 });
  });
});

describe('an agent key sees and cancels only what it triggered', () => {
  let other: string;
  let executeOnly: string;
  beforeAll(() => {
    other = t.server.engine.keys.create({ name: 'other agent', key_type: 'agent' }).secret;
    executeOnly = t.server.engine.keys.create({ name: 'human executor', key_type: 'human', scopes: ['workflows:execute'] }).secret;
  });

  const slow = `export async function run(ctx) {\n  await ctx.sleep(20000);\n  return ctx.ok("slept");\n}\n`;

  it('another agent can neither read nor cancel a run, and does not see it listed', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never', code: slow });
    const runUuid = (await execute(uuid, t.keys.agent)).body.data.run_uuid;
    expect((await t.request('GET', `/v1/workflow-runs/${runUuid}`, { key: other })).status).toBe(404);
    const cancel = await t.request('POST', `/v1/workflow-runs/${runUuid}/cancel`, { key: other });
    expect(cancel.status).toBe(404);
    expect(cancel.body.error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'run' } });
    const listed = await t.request('GET', `/v1/workflows/${uuid}/runs`, { key: other });
    expect(listed.body.meta.total).toBe(0);
    const own = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${uuid}`, { key: t.keys.agent });
    expect(own.body.data.map((run: { uuid: string }) => run.uuid)).toEqual([runUuid]);
    const analyst = await t.request('GET', `/v1/workflow-runs/${runUuid}`, { key: t.keys.human });
    expect(analyst.status).toBe(200);
    expect((await t.request('POST', `/v1/workflow-runs/${runUuid}/cancel`, { key: t.keys.agent })).status).toBe(202);
    expect((await finished(runUuid)).status).toBe('cancelled');
  });

  it('an agent cannot cancel an analyst\'s run; a human key with workflows:execute can cancel any', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never', code: slow });
    const analystRun = (await execute(uuid, t.keys.human, { indicator_type: 'ip', indicator_value: '203.0.113.7' })).body.data.run_uuid;
    expect((await t.request('POST', `/v1/workflow-runs/${analystRun}/cancel`, { key: t.keys.agent })).status).toBe(404);
    const agentRun = (await execute(uuid, t.keys.agent)).body.data.run_uuid;
    expect((await t.request('POST', `/v1/workflow-runs/${agentRun}/cancel`, { key: executeOnly })).status).toBe(202);
    expect((await t.request('POST', `/v1/workflow-runs/${analystRun}/cancel`, { key: t.keys.human })).status).toBe(202);
  });

  it('a run approved for one agent belongs to that agent', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always', code: slow });
    const id = (await execute(uuid, t.keys.agent)).body.data.approval_request_uuid;
    expect((await t.request('GET', `/v1/workflow-approvals/${id}`, { key: other })).status).toBe(404);
    const approved = await t.request('POST', `/v1/workflow-approvals/${id}/approve`, { key: t.keys.human });
    const runUuid = approved.body.data.run.uuid;
    expect((await t.request('POST', `/v1/workflow-runs/${runUuid}/cancel`, { key: other })).status).toBe(404);
    const otherList = await t.request('GET', `/v1/workflow-approvals?workflow_uuid=${uuid}`, { key: other });
    expect(otherList.body.meta.total).toBe(0);
    expect((await t.request('GET', `/v1/workflow-approvals?workflow_uuid=${uuid}`, { key: t.keys.agent })).body.meta.total).toBe(1);
    expect((await t.request('POST', `/v1/workflow-runs/${runUuid}/cancel`, { key: t.keys.agent })).status).toBe(202);
  });

  it('over MCP another agent\'s run and approval are not found', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const id = (await execute(uuid, t.keys.agent)).body.data.approval_request_uuid;
    const client = await mcpClient(other);
    const approval: any = await client.callTool({ name: 'get_approval', arguments: { approval_request_uuid: id } });
    expect(toolPayload(approval).error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'approval' } });
    const waited: any = await client.callTool({ name: 'wait_for_run', arguments: { approval_request_uuid: id, timeout_seconds: 1 } });
    expect(toolPayload(waited).error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'approval' } });
    const never = await activeWorkflow({ approval_mode: 'never' });
    const runUuid = (await execute(never, t.keys.agent)).body.data.run_uuid;
    const run: any = await client.callTool({ name: 'get_run', arguments: { run_uuid: runUuid } });
    expect(toolPayload(run).error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'run' } });
  });

  it('an agent\'s event stream carries only its own runs and approvals', async () => {
    const mine = await openEventStream(t.url, t.keys.agent);
    const theirs = await openEventStream(t.url, other);
    try {
      const uuid = await activeWorkflow({ approval_mode: 'never' });
      const runUuid = (await execute(uuid, t.keys.agent)).body.data.run_uuid;
      await mine.next((e) => e.type === 'run.finished' && e.data.run_uuid === runUuid, 'own run.finished');
      const otherRun = (await execute(uuid, other)).body.data.run_uuid;
      await theirs.next((e) => e.type === 'run.finished' && e.data.run_uuid === otherRun, 'the other agent\'s own run.finished');
      expect(theirs.events.some((e) => e.data.run_uuid === runUuid)).toBe(false);
      expect(mine.events.some((e) => e.data.run_uuid === otherRun)).toBe(false);
    } finally {
      mine.close();
      theirs.close();
    }
  });
});

describe('bounded growth', () => {
  it('a revoked key\'s event stream is closed', async () => {
    const created = await t.request('POST', '/v1/api-keys', { body: { name: 'doomed', key_type: 'agent' } });
    const stream = await openEventStream(t.url, created.body.data.key);
    expect(stream.status).toBe(200);
    expect((await t.request('DELETE', `/v1/api-keys/${created.body.data.uuid}`)).status).toBe(200);
    await stream.ended;
  });

  it('a key revoked by another process loses its event stream within seconds', async () => {
    const { key, secret } = t.server.engine.keys.create({ name: 'revoked elsewhere', key_type: 'agent' });
    const stream = await openEventStream(t.url, secret);
    t.server.engine.store.keys.revokeKey(key.uuid, new Date().toISOString());
    await stream.ended;
  });

  it('MCP sessions per key are capped, idle ones expire, and a revoked key\'s close', async () => {
    const { key, secret } = t.server.engine.keys.create({ name: 'mcp flood', key_type: 'agent' });
    const transports: StreamableHTTPClientTransport[] = [];
    for (let i = 0; i < 20; i++) {
      const transport = new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: { authorization: `Bearer ${secret}` } } });
      const client = new Client({ name: `flood-${i}`, version: '1' });
      await client.connect(transport);
      clients.push(client);
      transports.push(transport);
    }
    // The oldest sessions were closed to keep the key at its cap: their next call is refused.
    const oldest = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transports[0]!.sessionId!,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(oldest.status).toBe(404);
    const newest = clients.at(-1)!;
    expect((await newest.listTools()).tools.length).toBeGreaterThan(0);
    // Left idle past the test server's 1 s idle time (and one sweep), the session is gone.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    {
      const res = await fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secret}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': transports.at(-1)!.sessionId!,
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
    }
    const fresh = await mcpClient(secret);
    t.server.engine.keys.revoke(key.uuid);
    await expect(fresh.listTools()).rejects.toThrow();
  });

  it('bounds the run queue: 503 QUEUE_FULL with Retry-After, nothing stored, and one key holds half', async () => {
    const sleeper = `export async function run(ctx) {\n  await ctx.sleep(30000);\n  return ctx.ok("slept");\n}\n`;
    const uuid = await activeWorkflow({ approval_mode: 'never', code: sleeper });
    const flooder = t.server.engine.keys.create({ name: 'flooder', key_type: 'human' }).secret;
    const patient = t.server.engine.keys.create({ name: 'patient', key_type: 'human' }).secret;
    await t.request('PATCH', '/v1/settings', { body: { run_concurrency: 1, max_queued_runs: 10 } });
    const accepted: string[] = [];
    try {
      const body = { indicator_type: 'ip', indicator_value: '203.0.113.7' };
      // The first starts at once (one slot); then the flooder may hold five (half of ten) waiting.
      let refused: Awaited<ReturnType<typeof execute>> | null = null;
      for (let i = 0; i < 12 && !refused; i++) {
        const res = await execute(uuid, flooder, body);
        if (res.status === 202) accepted.push(res.body.data.run_uuid);
        else refused = res;
      }
      expect(refused?.status).toBe(503);
      expect(refused?.body.error.code).toBe('QUEUE_FULL');
      expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const queuedByFlooder = (await t.request('GET', `/v1/workflows/${uuid}/runs?status=queued`)).body.meta.total;
      expect(queuedByFlooder).toBe(5);
      const stored = (await t.request('GET', `/v1/workflows/${uuid}/runs`)).body.meta.total;
      expect(stored).toBe(accepted.length);
      // A request the gate holds queues no run, so a full share does not refuse it.
      const gated = await execute(await activeWorkflow({ approval_mode: 'always' }), flooder, body);
      expect(gated.status).toBe(202);
      expect(gated.body.data.status).toBe('pending_approval');
      // Refused before its body is read, and still refused the same way when the body is broken.
      const broken = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: flooder, rawBody: '{"indicator_type":', headers: { 'content-type': 'application/json' } });
      expect(broken.status).toBe(503);
      expect(broken.body.error.code).toBe('QUEUE_FULL');
      // Another key still gets in, and its run is the next to start: turns go key by key.
      const patientRun = await execute(uuid, patient, body);
      expect(patientRun.status).toBe(202);
      accepted.push(patientRun.body.data.run_uuid);
      await t.request('POST', `/v1/workflow-runs/${accepted[0]}/cancel`);
      await eventually(async () => {
        const run = await t.request('GET', `/v1/workflow-runs/${patientRun.body.data.run_uuid}`);
        return run.body.data.status === 'running';
      }, 'the other key\'s run to start next');
    } finally {
      for (const runUuid of accepted) await t.request('POST', `/v1/workflow-runs/${runUuid}/cancel`);
      await t.request('PATCH', '/v1/settings', { body: { run_concurrency: 8, max_queued_runs: 2000 } });
    }
  });
});

describe('small leaks and 500s', () => {
  it('never returns a key hash', async () => {
    const created = await t.request('POST', '/v1/api-keys', { body: { name: 'no hash', key_type: 'agent' } });
    const list = await t.request('GET', '/v1/api-keys');
    for (const body of [created.body, list.body]) expect(JSON.stringify(body)).not.toContain('key_hash');
  });

  it('a key learns who it is, and nothing of any other key', async () => {
    const created = await t.request('POST', '/v1/api-keys', { body: { name: 'who am i', key_type: 'agent' } });
    const own = await t.request('GET', '/v1/api-keys/current', { key: created.body.data.key });
    expect(own.status).toBe(200);
    expect(own.body.data).toMatchObject({ uuid: created.body.data.uuid, name: 'who am i', key_type: 'agent', revoked: false });
    expect(JSON.stringify(own.body)).not.toContain('key_hash');
    expect(own.body.data.key).toBeUndefined();
  });

  it('authenticates before it validates', async () => {
    const uuid = await activeWorkflow();
    const res = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: null, body: { nonsense: true } });
    expect(res.status).toBe(401);
    const badQuery = await t.request('GET', '/v1/workflow-runs?page=zero', { key: null });
    expect(badQuery.status).toBe(401);
  });

  it('answers absurd pages and leap seconds without a 500', async () => {
    for (const page of ['99999999999999999999', '1e309']) {
      const res = await t.request('GET', `/v1/workflow-runs?page=${page}`);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    const leap = await t.request('GET', '/v1/workflow-runs?from=2016-12-31T23:59:60Z&to=2030-06-30T23:59:60Z');
    expect(leap.status).toBe(200);
    const key = await t.request('POST', '/v1/api-keys', { body: { name: 'leap', key_type: 'agent', expires_at: '2030-06-30T23:59:60Z' } });
    expect(key.status).toBe(201);
    expect(key.body.data.expires_at).toBe('2030-07-01T00:00:00.000Z');
  });

  it('answers malformed paths and oversized headers in the error envelope', async () => {
    const badEscape = await t.request('GET', '/v1/workflows/%ZZ');
    expect(badEscape.status).toBe(400);
    expect(badEscape.body.error.code).toBe('BAD_URL');
    const long = await t.request('GET', `/v1/workflows/${'a'.repeat(300)}`);
    expect(long.status).toBe(414);
    expect(long.body.error.code).toBe('URI_TOO_LONG');
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(`GET /v1/health HTTP/1.1\r\nHost: ${new URL(t.url).host}\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.code).toBe('HEADERS_TOO_LARGE');
  });
});
