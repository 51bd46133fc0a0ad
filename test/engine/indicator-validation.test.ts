// Indicator values are checked against their type wherever they enter a run: REST execute (also
// dry runs), the two test endpoints and MCP's execute_workflow, all with the same 422 naming the rule.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSharedSandbox, startTestServer, TRIVIAL_WORKFLOW, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let workflow: string;

beforeAll(async () => {
  t = await startTestServer();
  const res = await t.request('POST', '/v1/workflows', {
    body: { name: 'Look up an indicator', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never' },
  });
  workflow = res.body.data.uuid;
});
afterAll(async () => {
  await t.close();
  await closeSharedSandbox();
});

const agent = { reason: 'seen in phishing', confidence: 0.9 };

function expectRefused(res: { status: number; body: any }, rule: string) {
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe('VALIDATION_ERROR');
  expect(res.body.error.message).toContain(`(rule ${rule})`);
  expect(res.body.error.details.problems).toContainEqual({ field: 'body.indicator_value', rule, message: expect.stringContaining(`(rule ${rule})`) });
}

describe('execute', () => {
  it('refuses "hello world" as an ip, from humans and agents, and starts nothing', async () => {
    const body = { indicator_type: 'ip', indicator_value: 'hello world' };
    expectRefused(await t.request('POST', `/v1/workflows/${workflow}/execute`, { key: t.keys.human, body }), 'ip-address');
    expectRefused(await t.request('POST', `/v1/workflows/${workflow}/execute`, { key: t.keys.agent, body: { ...body, ...agent } }), 'ip-address');
    expect((await t.request('GET', `/v1/workflows/${workflow}/runs`)).body.meta.total).toBe(0);
  });

  it('names the rule of each type', async () => {
    const cases = [
      ['domain', 'not a domain', 'domain-name'],
      ['hash_md5', 'abc', 'md5-hex'],
      ['hash_sha1', 'd41d8cd98f00b204e9800998ecf8427e', 'sha1-hex'],
      ['hash_sha256', 'zz', 'sha256-hex'],
      ['url', 'evil.example/login', 'url'],
      ['email', 'jdoe', 'email-address'],
      ['account', '  ', 'account-text'],
    ];
    for (const [type, value, rule] of cases) {
      const res = await t.request('POST', `/v1/workflows/${workflow}/execute`, { key: t.keys.human, body: { indicator_type: type, indicator_value: value } });
      expectRefused(res, rule!);
    }
  });

  it('lists a bad value together with an agent\'s missing reason and confidence', async () => {
    const res = await t.request('POST', `/v1/workflows/${workflow}/execute`, {
      key: t.keys.agent,
      body: { indicator_type: 'ip', indicator_value: 'hello world' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details.problems.map((p: { field: string }) => p.field)).toEqual(['body.indicator_value', 'body.reason', 'body.confidence']);
  });

  it('checks dry runs too, and accepts valid values of every type', async () => {
    expectRefused(
      await t.request('POST', `/v1/workflows/${workflow}/execute`, { key: t.keys.human, body: { indicator_type: 'ip', indicator_value: '999.1.1.1', dry_run: true } }),
      'ip-address',
    );
    const valid = [
      ['ip', '2001:db8::7'],
      ['domain', 'bücher.example'],
      ['url', 'https://evil.example/login'],
      ['email', 'jdoe@example.com'],
      ['account', 'CORP\\jdoe'],
      ['hash_sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ];
    for (const [type, value] of valid) {
      const res = await t.request('POST', `/v1/workflows/${workflow}/execute`, { key: t.keys.human, body: { indicator_type: type, indicator_value: value, dry_run: true } });
      expect(res.status).toBe(200);
    }
  });
});

describe('test endpoints', () => {
  it('refuses a bad value for saved and unsaved code', async () => {
    const body = { indicator_type: 'email', indicator_value: 'not an address' };
    expectRefused(await t.request('POST', `/v1/workflows/${workflow}/test`, { body }), 'email-address');
    expectRefused(await t.request('POST', '/v1/workflows/test', { body: { ...body, code: TRIVIAL_WORKFLOW } }), 'email-address');
    const ok = await t.request('POST', '/v1/workflows/test', { body: { indicator_type: 'email', indicator_value: 'jdoe@example.com', code: TRIVIAL_WORKFLOW } });
    expect(ok.status).toBe(200);
  });
});

describe('MCP execute_workflow', () => {
  it('answers the same validation error as a tool error', async () => {
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: { authorization: `Bearer ${t.keys.agent}` } } }));
    try {
      const result: any = await client.callTool({
        name: 'execute_workflow',
        arguments: { workflow_uuid: workflow, indicator_type: 'ip', indicator_value: 'hello world', ...agent },
      });
      expect(result.isError).toBe(true);
      const { error } = JSON.parse(result.content[0].text);
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(error.details.problems).toEqual([{ field: 'body.indicator_value', rule: 'ip-address', message: expect.stringContaining('(rule ip-address)') }]);
    } finally {
      await client.close();
    }
  });
});
