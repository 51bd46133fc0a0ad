// What an agent written against Calseta's, Altostrat's or Truthlocks' API notices when it talks to
// Vigil (docs/api-compatibility.md): the key header, the execute answer's fields, `input`, ignored
// fields named, one NOT_FOUND code, and Calseta's one-body mock shorthand.
import { describe, expect, it } from 'vitest';
import { eventually, testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const t = testServer();

async function activeWorkflow(fields: Record<string, unknown> = {}): Promise<string> {
  const res = await t.request('POST', '/v1/workflows', {
    body: { name: `wf ${Math.random()}`, code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never', ...fields },
  });
  expect(res.status).toBe(201);
  return res.body.data.uuid;
}

const agentBody = { indicator_type: 'ip', indicator_value: '203.0.113.7', reason: 'seen in phishing', confidence: 0.9 };

async function finished(runUuid: string) {
  return eventually(async () => {
    const res = await t.request('GET', `/v1/workflow-runs/${runUuid}`);
    return ['success', 'failed', 'timed_out', 'cancelled'].includes(res.body.data.status) ? res.body.data : null;
  }, `run ${runUuid} to finish`);
}

describe('the key header', () => {
  it('accepts X-API-Key as well as Authorization: Bearer', async () => {
    const res = await t.request('GET', '/v1/workflows', { key: null, headers: { 'x-api-key': t.keys.human } });
    expect(res.status).toBe(200);
    const both = await t.request('GET', '/v1/workflows', { key: t.keys.human, headers: { 'x-api-key': t.keys.human } });
    expect(both.status).toBe(200);
  });

  it('refuses two headers naming different keys, and a wrong X-API-Key, with 401', async () => {
    const mixed = await t.request('GET', '/v1/workflows', { key: t.keys.human, headers: { 'x-api-key': t.keys.agent } });
    expect(mixed.status).toBe(401);
    expect(mixed.body.error.message).toMatch(/different keys/);
    const wrong = await t.request('GET', '/v1/workflows', { key: null, headers: { 'x-api-key': 'vgl_not_a_key' } });
    expect(wrong.status).toBe(401);
    const none = await t.request('GET', '/v1/workflows', { key: null });
    expect(none.status).toBe(401);
    expect(none.body.error.message).toContain('X-API-Key');
  });

  it('holds an X-API-Key to its scopes like a bearer key', async () => {
    const uuid = await activeWorkflow();
    const res = await t.request('DELETE', `/v1/workflows/${uuid}`, { key: null, headers: { 'x-api-key': t.keys.agent } });
    expect(res.status).toBe(403);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = await t.request('GET', '/v1/openapi.json');
    expect(doc.body.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  });
});

describe('the execute answer', () => {
  it('carries workflow_uuid, workflow_version and created_at, gated or not', async () => {
    const open = await activeWorkflow({ approval_mode: 'never' });
    const queued = await t.request('POST', `/v1/workflows/${open}/execute`, { key: t.keys.agent, body: agentBody });
    expect(queued.status).toBe(202);
    expect(queued.body.data).toMatchObject({ status: 'queued', workflow_uuid: open, workflow_version: 1 });
    expect(Date.parse(queued.body.data.created_at)).not.toBeNaN();

    const gated = await activeWorkflow({ approval_mode: 'always' });
    await t.request('PATCH', `/v1/workflows/${gated}`, { body: { code: TRIVIAL_WORKFLOW.replace('"done"', '"done v2"') } });
    const pending = await t.request('POST', `/v1/workflows/${gated}/execute`, { key: t.keys.agent, body: agentBody });
    expect(pending.status).toBe(202);
    expect(pending.body.data).toMatchObject({ status: 'pending_approval', workflow_uuid: gated, workflow_version: 2 });
    expect(Date.parse(pending.body.data.created_at)).not.toBeNaN();
  });

  it('takes `input` as another name for `context`, and refuses both at once', async () => {
    const uuid = await activeWorkflow();
    const res = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.agent, body: { ...agentBody, input: { ticket: 'INC-7' } } });
    expect(res.status).toBe(202);
    const run = await finished(res.body.data.run_uuid);
    expect(run.input.context).toEqual({ ticket: 'INC-7' });
    expect(run.result.data.input).toEqual({ ticket: 'INC-7' });

    const both = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.agent, body: { ...agentBody, input: {}, context: {} } });
    expect(both.status).toBe(422);
    expect(both.body.error.details.problems[0].field).toBe('body.input');
  });

  it('names the fields it ignored in meta.ignored_fields', async () => {
    const uuid = await activeWorkflow();
    const res = await t.request('POST', `/v1/workflows/${uuid}/execute`, {
      key: t.keys.agent,
      body: { ...agentBody, parameters: { user: 'x' }, priority: 'high' },
    });
    expect(res.status).toBe(202);
    expect(res.body.meta.ignored_fields).toEqual(['parameters', 'priority']);
    const run = await finished(res.body.data.run_uuid);
    expect(JSON.stringify(run.input)).not.toContain('parameters');

    const clean = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.agent, body: agentBody });
    expect(clean.body.meta).toEqual({});
  });
});

describe('unknown resources', () => {
  it('answer 404 NOT_FOUND naming the resource', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const cases: Array<[string, string, string]> = [
      ['GET', `/v1/workflows/${missing}`, 'workflow'],
      ['POST', `/v1/workflows/${missing}/execute`, 'workflow'],
      ['GET', `/v1/workflow-runs/${missing}`, 'run'],
      ['GET', `/v1/workflow-approvals/${missing}`, 'approval'],
      ['DELETE', `/v1/api-keys/${missing}`, 'api_key'],
      ['DELETE', '/v1/secrets/NO_SUCH_SECRET', 'secret'],
      ['GET', '/v1/no-such-thing', 'route'],
    ];
    for (const [method, path, resource] of cases) {
      const res = await t.request(method, path, method === 'POST' ? { key: t.keys.agent, body: agentBody } : {});
      expect(res.status, path).toBe(404);
      expect(res.body.error, path).toMatchObject({ code: 'NOT_FOUND', details: { resource } });
    }
    const uuid = await activeWorkflow();
    const version = await t.request('GET', `/v1/workflows/${uuid}/versions/9`);
    expect(version.body.error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'workflow_version', latest_version: 1 } });
  });
});

describe('test mocks', () => {
  const LOOKUP = `export async function run(ctx) {
  const res = await ctx.http.get("https://intel.example.com/v1/ip/" + ctx.indicator.value);
  const again = await ctx.http.post("https://tickets.example.com/new", { json: { ip: ctx.indicator.value } });
  return ctx.ok("scored", { score: res.json().score, ticket: again.status });
}
`;
  const body = { code: LOOKUP, indicator_type: 'ip', indicator_value: '203.0.113.7' };

  it('accept Calseta\'s mock_http_responses: every call answers 200 with that body', async () => {
    const res = await t.request('POST', '/v1/workflows/test', { key: t.keys.human, body: { ...body, mock_http_responses: { score: 42 } } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ success: true, data: { score: 42, ticket: 200 } });
    expect(res.body.data.http_calls.map((call: { mock: unknown }) => call.mock)).toEqual(['default', 'default']);
  });

  it('refuse a plain object in mocks that is not the documented shape, instead of answering every call with it', async () => {
    const res = await t.request('POST', '/v1/workflows/test', { key: t.keys.human, body: { ...body, mocks: { score: 42 } } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.problems[0]).toMatchObject({ field: 'body.mocks' });
    expect(res.body.error.details.problems[0].message).toContain('mock_http_responses');
  });

  it('refuse mocks and mock_http_responses together', async () => {
    const res = await t.request('POST', '/v1/workflows/test', {
      key: t.keys.human,
      body: { ...body, mocks: { responses: [] }, mock_http_responses: { score: 1 } },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details.problems[0].field).toBe('body.mock_http_responses');
  });
});
