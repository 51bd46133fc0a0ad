// http_endpoint workflows end to end: the REST API, the approval gate, the real sandbox process
// and a receiver on 127.0.0.1 that plays the external automation (an n8n or Logic Apps webhook).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSharedSandbox, eventually, startTestServer, type TestServer } from '../helpers/server.ts';

const TOKEN = 'n8n-token-5f2c9e1a7b3d';
const SIGNING_KEY = 'hook-signing-key-8d1e4b';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let t: TestServer;
let receiver: Server;
let base: string;
const received: Received[] = [];
const held: ServerResponse[] = [];

/** The receiver: what external automation does with Vigil's request, one path per behaviour. */
function handle(req: Received, res: ServerResponse): void {
  switch (req.path) {
    case '/hook':
      res.writeHead(202, { 'content-type': 'application/json', 'x-execution-id': 'exec-42' });
      res.end(JSON.stringify({ accepted: true, run: JSON.parse(req.body).run_id }));
      return;
    case '/echo':
      // An endpoint that echoes what it received, credentials included: nothing stored may show them.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ headers: req.headers }));
      return;
    case '/verify': {
      const presented = Buffer.from(String(req.headers['x-hub-signature']));
      const expected = Buffer.from(`sha512=${createHmac('sha512', SIGNING_KEY).update(req.body).digest('hex')}`);
      const ok = presented.length === expected.length && timingSafeEqual(presented, expected);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' });
      res.end(ok ? 'signature ok' : 'bad signature');
      return;
    }
    case '/broken':
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('flow failed at step 3');
      return;
    case '/big':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(100 * 1024));
      return;
    case '/moved':
      res.writeHead(307, { location: '/hook' });
      res.end();
      return;
    case '/to-metadata':
      res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
      return;
    case '/slow':
      held.push(res);
      return;
    default:
      res.writeHead(404);
      res.end();
  }
}

beforeAll(async () => {
  t = await startTestServer();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      handle(entry, res);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  expect((await t.request('PUT', '/v1/secrets/N8N_TOKEN', { body: { value: TOKEN } })).status).toBeLessThan(300);
  expect((await t.request('PUT', '/v1/secrets/HOOK_KEY', { body: { value: SIGNING_KEY } })).status).toBeLessThan(300);
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await new Promise((resolve) => receiver.close(resolve));
  await t.close();
  await closeSharedSandbox();
});

async function createEndpoint(endpoint: Record<string, unknown>, fields: Record<string, unknown> = {}) {
  const res = await t.request('POST', '/v1/workflows', {
    body: {
      name: `endpoint ${Math.random()}`,
      kind: 'http_endpoint',
      state: 'active',
      approval_mode: 'never',
      allowed_hosts: ['127.0.0.1'],
      secrets: ['N8N_TOKEN', 'HOOK_KEY'],
      documentation: 'Starts the n8n containment flow for the indicator.',
      endpoint,
      ...fields,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

const agentBody = { indicator_type: 'ip', indicator_value: '203.0.113.7', reason: 'beaconing to a known C2', confidence: 0.8 };

async function execute(uuid: string, body: Record<string, unknown> = agentBody, key = t.keys.agent) {
  const res = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.data;
}

async function finished(runUuid: string) {
  return eventually(async () => {
    const res = await t.request('GET', `/v1/workflow-runs/${runUuid}`);
    return ['success', 'failed', 'timed_out', 'cancelled'].includes(res.body.data.status) ? res.body.data : null;
  }, `run ${runUuid} to finish`);
}

async function runOnce(endpoint: Record<string, unknown>, fields: Record<string, unknown> = {}, body: Record<string, unknown> = agentBody) {
  const workflow = await createEndpoint(endpoint, fields);
  const { run_uuid } = await execute(workflow.uuid, body);
  return { workflow, run: await finished(run_uuid) };
}

describe('saving an http_endpoint workflow', () => {
  it('lists every problem of a bad configuration', async () => {
    const res = await t.request('POST', '/v1/workflows', {
      body: {
        name: 'bad endpoint',
        kind: 'http_endpoint',
        secrets: ['N8N_TOKEN'],
        endpoint: {
          url: 'ftp://files.example.com/drop',
          method: 'GET',
          headers: { 'Bad Name': 'x', Authorization: 'Bearer {{secret:UNDECLARED}}', Host: 'evil.example.com' },
          hmac: { secret: 'NOT_DECLARED', algorithm: 'md5' },
          timeout_seconds: 0,
          success_statuses: ['abc'],
          retries: 3,
        },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    const fields = res.body.error.details.problems.map((p: { field: string }) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'body.endpoint.url',
        'body.endpoint.method',
        'body.endpoint.headers.Bad Name',
        'body.endpoint.headers.Authorization',
        'body.endpoint.headers.Host',
        'body.endpoint.hmac.secret',
        'body.endpoint.hmac.algorithm',
        'body.endpoint.timeout_seconds',
        'body.endpoint.success_statuses.0',
        'body.endpoint.retries',
      ]),
    );
    const undeclared = res.body.error.details.problems.find((p: { field: string }) => p.field === 'body.endpoint.headers.Authorization');
    expect(undeclared.message).toContain('UNDECLARED is not declared');
  });

  it('needs an endpoint for http_endpoint and code for scripts, and never mixes them', async () => {
    const none = await t.request('POST', '/v1/workflows', { body: { name: 'x', kind: 'http_endpoint' } });
    expect(none.status).toBe(422);
    expect(none.body.error.details.problems[0].field).toBe('body.endpoint');
    const script = await t.request('POST', '/v1/workflows', { body: { name: 'x' } });
    expect(script.status).toBe(422);
    expect(script.body.error.details.problems[0].field).toBe('body.code');
    const mixed = await t.request('POST', '/v1/workflows', {
      body: { name: 'x', code: 'export async function run(ctx) { return ctx.ok("x"); }', endpoint: { url: `${base}/hook` } },
    });
    expect(mixed.status).toBe(422);
    expect(mixed.body.error.details.problems[0].field).toBe('body.endpoint');
  });

  it('keeps the configuration as versions; the kind never changes', async () => {
    const workflow = await createEndpoint({ url: `${base}/hook`, headers: { Authorization: 'Bearer {{secret:N8N_TOKEN}}' } });
    expect(workflow).toMatchObject({
      kind: 'http_endpoint',
      code_version: 1,
      timeout_seconds: 30,
      endpoint: {
        url: `${base}/hook`,
        method: 'POST',
        headers: { Authorization: 'Bearer {{secret:N8N_TOKEN}}' },
        hmac: null,
        timeout_seconds: 30,
        success_statuses: ['2xx'],
      },
    });
    expect(JSON.parse(workflow.code)).toEqual(workflow.endpoint);

    const moved = await t.request('PATCH', `/v1/workflows/${workflow.uuid}`, { body: { endpoint: { ...workflow.endpoint, url: `${base}/moved` } } });
    expect(moved.body.data.code_version).toBe(2);
    // The same configuration written differently is not a new version.
    const same = await t.request('PATCH', `/v1/workflows/${workflow.uuid}`, {
      body: { endpoint: { success_statuses: ['2xx'], url: `${base}/moved`, headers: { Authorization: 'Bearer {{secret:N8N_TOKEN}}' } } },
    });
    expect(same.body.data.code_version).toBe(2);
    // The workflow's timeout is the endpoint's: changing it is a configuration change.
    const slower = await t.request('PATCH', `/v1/workflows/${workflow.uuid}`, { body: { timeout_seconds: 90 } });
    expect(slower.body.data).toMatchObject({ code_version: 3, timeout_seconds: 90, endpoint: { timeout_seconds: 90, url: `${base}/moved` } });

    const versions = await t.request('GET', `/v1/workflows/${workflow.uuid}/versions`);
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const first = await t.request('GET', `/v1/workflows/${workflow.uuid}/versions/1`);
    expect(JSON.parse(first.body.data.code).url).toBe(`${base}/hook`);

    // Restoring an old version is saving its code again.
    const restored = await t.request('PATCH', `/v1/workflows/${workflow.uuid}`, { body: { code: first.body.data.code } });
    expect(restored.body.data).toMatchObject({ code_version: 4, timeout_seconds: 30, endpoint: { url: `${base}/hook` } });

    const copy = await t.request('POST', `/v1/workflows/${workflow.uuid}/duplicate`);
    expect(copy.status).toBe(201);
    expect(copy.body.data).toMatchObject({ kind: 'http_endpoint', state: 'draft', code_version: 1, endpoint: restored.body.data.endpoint });

    const kind = await t.request('PATCH', `/v1/workflows/${workflow.uuid}`, { body: { kind: 'script' } });
    expect(kind.status).toBe(400);
    expect(kind.body.error.code).toBe('WORKFLOW_KIND_IMMUTABLE');
    const undeclare = await t.request('PATCH', `/v1/workflows/${workflow.uuid}`, { body: { secrets: [] } });
    expect(undeclare.status).toBe(422);
    expect(undeclare.body.error.details.problems[0].field).toBe('body.endpoint.headers.Authorization');
  });
});

describe('running an http_endpoint workflow', () => {
  it('sends the run context as JSON behind the approval gate and records the answer', async () => {
    const workflow = await createEndpoint(
      { url: `${base}/hook`, headers: { Authorization: 'Bearer {{secret:N8N_TOKEN}}', 'X-Source': 'vigil' } },
      { approval_mode: 'always' },
    );
    const pending = await execute(workflow.uuid, {
      ...agentBody,
      context: { ticket: 'INC-1234' },
      alert: { title: 'C2 beacon', severity: 'high' },
      indicator_malice: 'Malicious',
    });
    expect(pending.status).toBe('pending_approval');
    const before = received.length;
    const approved = await t.request('POST', `/v1/workflow-approvals/${pending.approval_request_uuid}/approve`, {
      key: t.keys.human,
      body: { reason: 'confirmed with the SOC lead' },
    });
    expect(approved.status).toBe(200);
    const approval = await eventually(async () => {
      const res = await t.request('GET', `/v1/workflow-approvals/${pending.approval_request_uuid}`);
      return res.body.data.run ? res.body.data : null;
    }, 'the approved run');
    const run = await finished(approval.run.uuid);

    expect(run.status).toBe('success');
    const request = received.slice(before).find((r) => r.path === '/hook')!;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['x-source']).toBe('vigil');
    expect(JSON.parse(request.body)).toEqual({
      run_id: run.uuid,
      workflow: { uuid: workflow.uuid, name: workflow.name, version: 1 },
      indicator: { type: 'ip', value: '203.0.113.7', malice: 'Malicious', enrichment: null },
      alert: { title: 'C2 beacon', severity: 'high' },
      alert_uuid: null,
      input: { ticket: 'INC-1234' },
      trigger: { key_type: 'agent', key_name: 'agent', reason: 'beaconing to a known C2', confidence: 0.8 },
      approval: {
        uuid: pending.approval_request_uuid,
        status: 'approved',
        decided_by: approval.responder,
        decided_at: approval.decided_at,
        reason: 'confirmed with the SOC lead',
      },
      sent_at: expect.stringMatching(/Z$/),
      test: false,
    });

    expect(run.result).toEqual({
      success: true,
      message: `POST ${base}/hook answered 202`,
      data: {
        status: 202,
        url: `${base}/hook`,
        headers: expect.objectContaining({ 'content-type': 'application/json', 'x-execution-id': 'exec-42' }),
        body: JSON.stringify({ accepted: true, run: run.uuid }),
        body_bytes: expect.any(Number),
        body_truncated: false,
        json: { accepted: true, run: run.uuid },
      },
    });
    expect(run.logs[0]).toMatchObject({ level: 'info', http: { method: 'POST', url: `${base}/hook`, status: 202 } });
  });

  it('signs the body with the configured secret, header and algorithm', async () => {
    const { run } = await runOnce({ url: `${base}/verify`, hmac: { secret: 'HOOK_KEY', header: 'X-Hub-Signature', algorithm: 'sha512' } });
    expect(run.status).toBe('success');
    expect(run.result.data.body).toBe('signature ok');
    const request = received.filter((r) => r.path === '/verify').at(-1)!;
    expect(request.headers['x-hub-signature']).toMatch(/^sha512=[0-9a-f]{128}$/);
  });

  it('puts secrets on the wire only: logs, results and API responses show [REDACTED]', async () => {
    const { workflow, run } = await runOnce({ url: `${base}/echo`, headers: { 'X-Api-Token': '{{secret:N8N_TOKEN}}', 'X-Note': 'token={{secret:N8N_TOKEN}}' } });
    expect(run.status).toBe('success');
    const wire = received.filter((r) => r.path === '/echo').at(-1)!;
    expect(wire.headers['x-api-token']).toBe(TOKEN);
    expect(wire.headers['x-note']).toBe(`token=${TOKEN}`);
    // The receiver echoed the token back; the stored run never has it.
    expect(run.result.data.json.headers['x-api-token']).toBe('[REDACTED]');
    const everything = [
      await t.request('GET', `/v1/workflow-runs/${run.uuid}`),
      await t.request('GET', `/v1/workflow-runs?workflow_uuid=${workflow.uuid}`),
      await t.request('GET', `/v1/workflows/${workflow.uuid}`),
      await t.request('GET', `/v1/workflows/${workflow.uuid}/versions/1`),
    ];
    for (const res of everything) expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it('fails on a status the workflow does not expect, keeping what the endpoint said', async () => {
    const { run } = await runOnce({ url: `${base}/broken` });
    expect(run.status).toBe('failed');
    expect(run.result).toMatchObject({
      success: false,
      message: `POST ${base}/broken answered 500, expected 2xx`,
      data: { status: 500, body: 'flow failed at step 3' },
    });
    const accepting = await runOnce({ url: `${base}/broken`, success_statuses: [200, 500] });
    expect(accepting.run.status).toBe('success');
  });

  it('ends timed_out with a clear message when the endpoint does not answer in time', async () => {
    const { run } = await runOnce({ url: `${base}/slow`, timeout_seconds: 1 });
    expect(run.status).toBe('timed_out');
    expect(run.error).toBe(`POST ${base}/slow timed out after 1 s (the endpoint's timeout)`);
  });

  it('keeps the first 64 KB of a large answer', async () => {
    const { run } = await runOnce({ url: `${base}/big` });
    expect(run.status).toBe('success');
    expect(run.result.data).toMatchObject({ body_bytes: 100 * 1024, body_truncated: true });
    expect(run.result.data.body).toHaveLength(64 * 1024);
    expect(run.logs.map((entry: { level: string }) => entry.level)).toEqual(['info', 'warn']);
  });

  it('follows redirects and checks every hop against the egress policy', async () => {
    const followed = await runOnce({ url: `${base}/moved` });
    expect(followed.run.status).toBe('success');
    expect(followed.run.result.data).toMatchObject({ status: 202, url: `${base}/hook` });
    const hop = received.filter((r) => r.path === '/hook').at(-1)!;
    expect(hop.method).toBe('POST');
    expect(JSON.parse(hop.body).run_id).toBe(followed.run.uuid);

    const denied = await runOnce({ url: `${base}/to-metadata` });
    expect(denied.run.status).toBe('failed');
    expect(denied.run.error).toContain('egress to 169.254.169.254');
    expect(denied.run.error).toContain('denied');
  });

  it('is refused by the egress policy without allowed_hosts for loopback', async () => {
    const before = received.length;
    const { run } = await runOnce({ url: `${base}/hook` }, { allowed_hosts: [] });
    expect(run.status).toBe('failed');
    expect(run.error).toContain('denied');
    expect(received.length).toBe(before);
  });

  it('fails without sending anything when a referenced secret is not set', async () => {
    const before = received.length;
    const { run } = await runOnce({ url: `${base}/hook`, headers: { Authorization: '{{secret:UNSET_TOKEN}}' } }, { secrets: ['UNSET_TOKEN'] });
    expect(run.status).toBe('failed');
    expect(run.error).toBe('nothing was sent: the secret UNSET_TOKEN is not set; set it under Secrets (or give a test value)');
    expect(received.length).toBe(before);
  });

  it('shows the checked configuration in a dry run', async () => {
    const workflow = await createEndpoint({ url: `${base}/hook` });
    const res = await t.request('POST', `/v1/workflows/${workflow.uuid}/execute`, { key: t.keys.agent, body: { ...agentBody, dry_run: true } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ workflow: { kind: 'http_endpoint', version: 1 }, lint: { ok: true, problems: [] }, timeout_seconds: 30 });
  });
});

describe('testing an http_endpoint workflow', () => {
  it('answers from mocks and sends nothing', async () => {
    const workflow = await createEndpoint({ url: `${base}/hook`, headers: { Authorization: 'Bearer {{secret:N8N_TOKEN}}' }, hmac: { secret: 'HOOK_KEY' } });
    const before = received.length;
    const res = await t.request('POST', `/v1/workflows/${workflow.uuid}/test`, {
      body: {
        indicator_type: 'ip',
        indicator_value: '198.51.100.1',
        context: { ticket: 'INC-9' },
        mocks: { responses: [{ method: 'POST', url: `${base}/hook`, status: 201, json: { queued: true } }] },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ success: true, status: 'success', data: { status: 201, json: { queued: true } } });
    const call = res.body.data.http_calls[0];
    expect(call).toMatchObject({ method: 'POST', url: `${base}/hook`, status: 201, mock: 0 });
    expect(call.request_headers.authorization).toBe('Bearer [REDACTED]');
    // Signed with the placeholder, not the keychain's key: test mode never reads the keychain.
    expect(call.request_headers['x-vigil-signature']).toBe(`sha256=${createHmac('sha256', 'test-value-of-HOOK_KEY').update(call.request_body).digest('hex')}`);
    expect(res.body.data.secrets).toEqual([
      { name: 'N8N_TOKEN', source: 'placeholder' },
      { name: 'HOOK_KEY', source: 'placeholder' },
    ]);
    expect(JSON.parse(call.request_body)).toMatchObject({ test: true, input: { ticket: 'INC-9' }, indicator: { value: '198.51.100.1' } });
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    expect(received.length).toBe(before);
  });

  it('tests unsaved configuration, and fails loudly without a mock', async () => {
    const res = await t.request('POST', '/v1/workflows/test', {
      body: { kind: 'http_endpoint', endpoint: { url: 'https://automation.example.com/hook' }, indicator_type: 'domain', indicator_value: 'evil.example' },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('failed');
    expect(res.body.data.message).toContain('no mock matches POST https://automation.example.com/hook');
    const invalid = await t.request('POST', '/v1/workflows/test', {
      body: { kind: 'http_endpoint', code: '{"url": "notaurl"}', indicator_type: 'domain', indicator_value: 'evil.example' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.details.problems[0].field).toBe('body.endpoint.url');
  });
});

describe('agents see http_endpoint workflows over MCP', () => {
  it('lists them with their documentation and executes them the same way', async () => {
    const workflow = await createEndpoint({ url: `${base}/hook` }, { name: 'Start n8n containment' });
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: { authorization: `Bearer ${t.keys.agent}` } } }));
    try {
      const { resources } = await client.listResources();
      expect(resources).toContainEqual(
        expect.objectContaining({ uri: `vigil://workflows/${workflow.uuid}`, name: 'Start n8n containment', description: 'Starts the n8n containment flow for the indicator.' }),
      );
      const read = await client.readResource({ uri: `vigil://workflows/${workflow.uuid}` });
      expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ kind: 'http_endpoint', documentation: 'Starts the n8n containment flow for the indicator.' });
      const result = await client.callTool({
        name: 'execute_workflow',
        arguments: { workflow_uuid: workflow.uuid, indicator_type: 'ip', indicator_value: '192.0.2.9', reason: 'test', confidence: 0.5 },
      });
      const runUuid = JSON.parse((result.content as Array<{ text: string }>)[0]!.text).run_uuid;
      const run = await finished(runUuid);
      expect(run.status).toBe('success');
      expect(received.some((r) => r.path === '/hook' && JSON.parse(r.body).run_id === runUuid)).toBe(true);
    } finally {
      await client.close();
    }
  });
});
