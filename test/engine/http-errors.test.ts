import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const t = testServer({ settingsOverrides: { execute_rate_limit_per_minute: 3 } });

/** Raw HTTP, for the headers fetch will not let a test forge (Host). */
function raw(path: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${t.url}${path}`, { method: 'GET', headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('error envelope and codes', () => {
  it('401 without a key, with an unknown key, a revoked key and an expired key', async () => {
    const none = await t.request('GET', '/v1/workflows', { key: null });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String), details: null } });
    const unknown = await t.request('GET', '/v1/workflows', { key: 'vgl_nope' });
    expect(unknown.status).toBe(401);
    const created = await t.request('POST', '/v1/api-keys', { body: { name: 'temp', key_type: 'human' } });
    expect(created.status).toBe(201);
    expect(created.body.data.key).toMatch(/^vgl_[0-9A-Za-z]{43}$/);
    expect((await t.request('GET', '/v1/workflows', { key: created.body.data.key })).status).toBe(200);
    await t.request('DELETE', `/v1/api-keys/${created.body.data.uuid}`);
    const revoked = await t.request('GET', '/v1/workflows', { key: created.body.data.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toMatch(/revoked/);
    const listed = await t.request('GET', '/v1/api-keys');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.data.key);
    expect(listed.body.data.find((k: { uuid: string }) => k.uuid === created.body.data.uuid).revoked).toBe(true);
  });

  it('403 FORBIDDEN names the scopes needed', async () => {
    const res = await t.request('POST', '/v1/workflows', { key: t.keys.agent, body: { name: 'x', code: TRIVIAL_WORKFLOW } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', details: { required_scopes: ['workflows:write'] } });
    const keys = await t.request('GET', '/v1/api-keys', { key: t.keys.human });
    expect(keys.status).toBe(403);
  });

  it('refuses agent keys that could approve', async () => {
    const res = await t.request('POST', '/v1/api-keys', {
      body: { name: 'sneaky', key_type: 'agent', scopes: ['workflows:execute', 'approvals:write'] },
    });
    expect(res.status).toBe(422);
  });

  it('400 INVALID_JSON for malformed JSON', async () => {
    const res = await t.request('POST', '/v1/workflows', { rawBody: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_JSON');
  });

  it('415 for a body that is not JSON', async () => {
    const res = await t.request('POST', '/v1/workflows', { rawBody: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('413 for an oversize body', async () => {
    const res = await t.request('POST', '/v1/workflows', { body: { name: 'big', code: 'x'.repeat(3 * 1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('405 with Allow for a wrong method, 404 for an unknown route', async () => {
    const wrong = await t.request('PUT', '/v1/workflows');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    expect(wrong.body.error.code).toBe('METHOD_NOT_ALLOWED');
    const wrongParam = await t.request('PUT', '/v1/workflow-runs/01936c3e-0000-7000-8000-000000000000');
    expect(wrongParam.status).toBe(405);
    const missing = await t.request('GET', '/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });

  it('422 for a bad UUID in the path and unknown query values', async () => {
    const res = await t.request('GET', '/v1/workflows/12345');
    expect(res.status).toBe(422);
    const query = await t.request('GET', '/v1/workflows?state=deleted&page=0');
    expect(query.status).toBe(422);
    expect(query.body.error.details.problems).toHaveLength(2);
  });

  it('421 for a foreign Host header, 403 for a foreign Origin', async () => {
    const port = new URL(t.url).port;
    const evil = await raw('/v1/workflows', { host: `evil.example:${port}`, authorization: `Bearer ${t.keys.admin}` });
    expect(evil.status).toBe(421);
    expect(evil.body.error.code).toBe('MISDIRECTED_REQUEST');
    const localhost = await raw('/v1/workflows', { host: `localhost:${port}`, authorization: `Bearer ${t.keys.admin}` });
    expect(localhost.status).toBe(200);
    const origin = await t.request('GET', '/v1/workflows', { headers: { origin: 'https://evil.example' } });
    expect(origin.status).toBe(403);
    expect(origin.body.error.code).toBe('FORBIDDEN_ORIGIN');
    expect(origin.headers.get('access-control-allow-origin')).toBeNull();
    const own = await t.request('GET', '/v1/workflows', { headers: { origin: t.url } });
    expect(own.status).toBe(200);
  });

  it('429 RATE_LIMITED with Retry-After once a key exceeds its executions per minute', async () => {
    const wf = await t.request('POST', '/v1/workflows', {
      body: { name: 'limited', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never' },
    });
    const key = t.server.engine.keys.create({ name: 'burst', key_type: 'human' }).secret;
    const body = { indicator_type: 'ip', indicator_value: '1.2.3.4' };
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(await t.request('POST', `/v1/workflows/${wf.body.data.uuid}/execute`, { key, body }));
    }
    expect(statuses.map((r) => r.status)).toEqual([202, 202, 202, 429]);
    expect(statuses[3]!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(statuses[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('503 EXECUTION_PAUSED for agents while executions are paused', async () => {
    const wf = await t.request('POST', '/v1/workflows', {
      body: { name: 'paused', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never' },
    });
    await t.request('PATCH', '/v1/settings', { body: { execution_paused: true } });
    try {
      const res = await t.request('POST', `/v1/workflows/${wf.body.data.uuid}/execute`, {
        key: t.keys.agent,
        body: { indicator_type: 'ip', indicator_value: '1.2.3.4', reason: 'r', confidence: 0.5 },
      });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('EXECUTION_PAUSED');
    } finally {
      await t.request('PATCH', '/v1/settings', { body: { execution_paused: false } });
    }
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document built from the validation schemas', async () => {
    const res = await t.request('GET', '/v1/openapi.json', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const execute = res.body.paths['/v1/workflows/{uuid}/execute'].post;
    const schema = execute.requestBody.content['application/json'].schema;
    expect(schema.properties.indicator_type.enum).toContain('hash_sha256');
    expect(schema.properties.confidence).toMatchObject({ minimum: 0, maximum: 1 });
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/workflows', '/v1/workflow-runs', '/v1/workflow-approvals/{uuid}/approve', '/v1/secrets/{name}']),
    );
  });
});
