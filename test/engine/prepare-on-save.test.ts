// A save hands the workflow's code to the sandbox to compile while the engine checks it, so that
// its first run does not wait for the compile. What runs afterwards is the saved code, as before.
import { afterAll, describe, expect, it } from 'vitest';
import { createSandboxHost, type RunRequest } from '../../src/main/sandbox/index.ts';
import { eventually, testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const sandbox = createSandboxHost();
const prepared: string[] = [];
const t = testServer({
  executor: {
    run: (request: RunRequest, signal?: AbortSignal, options?: Parameters<typeof sandbox.run>[2]) => sandbox.run(request, signal, options),
    prepare: (code: string) => {
      prepared.push(code);
      sandbox.prepare(code);
    },
  },
});
afterAll(() => sandbox.close());

const executed = async (uuid: string) => {
  const res = await t.request('POST', `/v1/workflows/${uuid}/execute`, { body: { indicator_type: 'ip', indicator_value: '203.0.113.7' } });
  expect(res.status).toBe(202);
  return eventually(async () => {
    const run = (await t.request('GET', `/v1/workflow-runs/${res.body.data.run_uuid}`)).body.data;
    return ['success', 'failed', 'timed_out', 'cancelled'].includes(run.status) ? run : null;
  }, 'the run to finish');
};

describe('saving a script workflow', () => {
  it('prepares the code it saves, and runs that code', async () => {
    const created = await t.request('POST', '/v1/workflows', { body: { name: 'prepared', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never' } });
    expect(created.status).toBe(201);
    expect(prepared).toEqual([TRIVIAL_WORKFLOW]);
    const uuid = created.body.data.uuid;
    expect(await executed(uuid)).toMatchObject({ status: 'success', result: { message: 'done' } });

    const changed = TRIVIAL_WORKFLOW.replace('ctx.ok("done"', 'ctx.ok("changed"');
    expect((await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { code: changed } })).status).toBe(200);
    expect(prepared).toEqual([TRIVIAL_WORKFLOW, changed]);
    expect(await executed(uuid)).toMatchObject({ status: 'success', result: { message: 'changed' } });

    expect((await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { name: 'renamed' } })).status).toBe(200);
    expect(prepared).toHaveLength(2);
  });

  it('does not prepare an http_endpoint workflow, which has no code to compile', async () => {
    const before = prepared.length;
    const created = await t.request('POST', '/v1/workflows', {
      body: { name: 'endpoint', kind: 'http_endpoint', endpoint: { method: 'POST', url: 'https://api.example.test/hooks/contain' }, allowed_hosts: ['api.example.test'] },
    });
    expect(created.status).toBe(201);
    expect(prepared).toHaveLength(before);
  });
});
