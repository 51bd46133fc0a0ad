// Each step's result in the run record: REST (GET /v1/workflow-runs/{uuid}) and MCP get_run show
// what every ctx.step returned, its status and timing; lists stay light.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { eventually, testServer } from '../helpers/server.ts';

const t = testServer();

const STEPPED = `export async function run(ctx) {
  const user = await ctx.step("find user", async () => ({ id: "00u1", login: ctx.indicator.value }));
  ctx.step.skip("reset MFA", "the user has no factors");
  try {
    await ctx.step("suspend", async () => { throw new Error("Okta answered 403"); });
  } catch {
    return ctx.fail("could not suspend", { user: user.id });
  }
  return ctx.ok("suspended");
}
`;

describe('run steps', () => {
  it('are part of a run\'s details over REST and MCP, not of its list row', async () => {
    const wf = await t.request('POST', '/v1/workflows', {
      body: { name: 'stepped', code: STEPPED, state: 'active', approval_mode: 'never', indicator_types: ['account'] },
    });
    const res = await t.request('POST', `/v1/workflows/${wf.body.data.uuid}/execute`, {
      key: t.keys.human,
      body: { indicator_type: 'account', indicator_value: 'jdoe@example.com' },
    });
    const runUuid = res.body.data.run_uuid;
    const run = await eventually(async () => {
      const detail = await t.request('GET', `/v1/workflow-runs/${runUuid}`);
      return detail.body.data.status === 'failed' ? detail.body.data : null;
    }, 'the run to end');
    expect(run.steps).toEqual([
      { name: 'find user', status: 'success', started_at: expect.stringMatching(/Z$/), duration_ms: expect.any(Number), output: { id: '00u1', login: 'jdoe@example.com' }, error: null, reason: null },
      { name: 'reset MFA', status: 'skipped', started_at: expect.stringMatching(/Z$/), duration_ms: 0, output: null, error: null, reason: 'the user has no factors' },
      { name: 'suspend', status: 'failed', started_at: expect.stringMatching(/Z$/), duration_ms: expect.any(Number), output: null, error: expect.stringContaining('Okta answered 403'), reason: null },
    ]);
    const list = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${wf.body.data.uuid}`);
    expect(list.body.data[0]).not.toHaveProperty('steps');

    const client = new Client({ name: 'steps-agent', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: { authorization: `Bearer ${t.keys.human}` } } }));
    try {
      const result: any = await client.callTool({ name: 'get_run', arguments: { run_uuid: runUuid } });
      const summary = JSON.parse(result.content[0].text);
      expect(summary.steps.map((step: { name: string; status: string }) => `${step.name}: ${step.status}`)).toEqual([
        'find user: success',
        'reset MFA: skipped',
        'suspend: failed',
      ]);
    } finally {
      await client.close();
    }
  });

  it('are in the test report', async () => {
    const res = await t.request('POST', '/v1/workflows/test', {
      body: { code: STEPPED, indicator_type: 'account', indicator_value: 'jdoe@example.com' },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.steps.map((step: { status: string }) => step.status)).toEqual(['success', 'skipped', 'failed']);
  });
});
