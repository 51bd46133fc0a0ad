// The published contract: /v1/openapi.json documents, for every operation, what it answers when
// it succeeds and how it refuses; and an answer carries only what its schema declares, so a field
// a view leaks (a key's hash, a decide token's hash) never reaches a caller.
import fastJson from 'fast-json-stringify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, Approval, One, PageOf } from '../../src/shared/api/index.ts';
import { closeSharedSandbox, startTestServer, type TestServer } from '../helpers/server.ts';
import { approval as approvalFixture } from '../renderer/fixtures.ts';

interface MediaType {
  schema?: Record<string, unknown>;
}
interface Response {
  description?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  responses?: Record<string, Response>;
}

let t: TestServer;
let spec: { paths: Record<string, Record<string, Operation>> };

/** Answers that rightly have no body: a deletion, Slack's acknowledgement, MCP's accepted notification. */
const NO_BODY = new Set(['DELETE /v1/workflows/{uuid} 204', 'POST /v1/approvals/callback/slack 200', 'POST /mcp 202', 'GET /mcp 202', 'DELETE /mcp 202']);

function operations(): Array<{ name: string; operation: Operation }> {
  return Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
  );
}

const isErrorEnvelope = (schema: Record<string, unknown> | undefined) => {
  const error = (schema?.properties as Record<string, { properties?: Record<string, unknown> }> | undefined)?.error;
  return Boolean(error?.properties?.code && error.properties.message && 'details' in error.properties);
};

beforeAll(async () => {
  t = await startTestServer();
  const res = await t.request('GET', '/v1/openapi.json', { key: null });
  expect(res.status).toBe(200);
  spec = res.body;
});

afterAll(async () => {
  await t?.close();
  await closeSharedSandbox();
});

describe('/v1/openapi.json', () => {
  it('lists the API operations', () => {
    const names = operations().map(({ name }) => name);
    expect(names.length).toBeGreaterThan(40);
    expect(names).toEqual(expect.arrayContaining(['GET /v1/workflows', 'POST /v1/workflows/{uuid}/execute', 'GET /v1/api-keys', 'GET /v1/events']));
  });

  it('documents a success answer for every operation, with its media type and schema', () => {
    const missing: string[] = [];
    for (const { name, operation } of operations()) {
      const successes = Object.entries(operation.responses ?? {}).filter(([status]) => status.startsWith('2'));
      if (successes.length === 0) missing.push(`${name}: no 2xx`);
      for (const [status, response] of successes) {
        if (NO_BODY.has(`${name} ${status}`)) {
          expect(response.content, `${name} ${status} has no body`).toBeUndefined();
          continue;
        }
        const media = Object.values(response.content ?? {});
        if (media.length === 0 || media.some((type) => !type.schema)) missing.push(`${name} ${status}: no content schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents the error envelope for at least one 4xx of every operation', () => {
    const missing = operations()
      .filter(({ operation }) =>
        !Object.entries(operation.responses ?? {}).some(
          ([status, response]) => status.startsWith('4') && isErrorEnvelope(response.content?.['application/json']?.schema),
        ),
      )
      .map(({ name }) => name);
    expect(missing).toEqual([]);
  });

  it('names every field of a JSON answer, with nullable ones marked', () => {
    const workflow = spec.paths['/v1/workflows/{uuid}']!.get!.responses!['200']!.content!['application/json']!.schema as {
      properties: { data: { properties: Record<string, { type?: unknown; anyOf?: unknown }> } };
    };
    const fields = workflow.properties.data.properties;
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(['uuid', 'name', 'code', 'state', 'warnings', 'integration', 'endpoint']));
    expect(fields.builtin_key!.type).toEqual(['string', 'null']);
  });
});

describe('answers carry only declared fields', () => {
  // What a careless view could leak: the columns that must never leave the engine.
  const leakyKey = {
    id: 7,
    uuid: '0193a0c4-7b1e-7cc2-9d7e-000000000001',
    name: 'agent',
    key_type: 'agent',
    scopes: ['workflows:read'],
    prefix: 'vgl_abc',
    key_hash: 'deadbeef',
    created_at: '2026-11-22T12:00:00.000Z',
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
    revoked: false,
  };

  it('the published schema of the key listing writes a key without its hash or row id', () => {
    const schema = spec.paths['/v1/api-keys']!.get!.responses!['200']!.content!['application/json']!.schema!;
    const written = JSON.parse(fastJson(schema)({ data: [leakyKey], meta: { total: 1 } }));
    expect(written.data[0]).not.toHaveProperty('key_hash');
    expect(written.data[0]).not.toHaveProperty('id');
    expect(written.data[0]).toMatchObject({ uuid: leakyKey.uuid, prefix: 'vgl_abc', expires_at: null, revoked: false });
  });

  it('the shared schemas drop an approval\'s decide token hash and keep its free-form input whole', () => {
    const approval = {
      ...approvalFixture({
        trigger_key: { uuid: leakyKey.uuid, name: 'agent', prefix: 'vgl_abc' },
        input: {
          indicator: { type: 'ip', value: '203.0.113.7', malice: null, enrichment: { score: 9, tags: ['a'] } },
          alert: { title: 'x', vendor_field: { nested: true } },
          alert_uuid: null,
          context: { anything: [1, 'two', null] },
        },
        notifier_info: [{ channel: 'slack', ts: '1.2' }],
      }),
      // What the row holds besides the view: never for callers.
      id: 3,
      decide_token_hash: 'cafebabe',
      version_secrets: ['API_TOKEN'],
    };
    Object.assign(approval.trigger_key!, { id: 7 });
    const written = JSON.parse(fastJson(PageOf(Approval))({ data: [approval], meta: { total: 1, page: 1, page_size: 50, total_pages: 1 } }));
    const item = written.data[0];
    expect(item).not.toHaveProperty('decide_token_hash');
    expect(item).not.toHaveProperty('version_secrets');
    expect(item).not.toHaveProperty('id');
    expect(item.trigger_key).not.toHaveProperty('id');
    expect(item.input).toEqual(approval.input);
    expect(item.notifier_info).toEqual(approval.notifier_info);
  });

  it('a created key is written with its secret, a listed one is not', () => {
    const serializeOne = fastJson(One(ApiKey));
    expect(JSON.parse(serializeOne({ data: { ...leakyKey, key: 'vgl_secret' }, meta: {} })).data).not.toHaveProperty('key');
  });

  it('the live key listing has no hash either', async () => {
    const res = await t.request('GET', '/v1/api-keys');
    expect(res.status).toBe(200);
    for (const key of res.body.data) {
      expect(key).not.toHaveProperty('key_hash');
      expect(key).not.toHaveProperty('id');
    }
  });
});
