// Instances on several machines may disagree about the time. Heartbeats and the lease are judged by
// the database's clock, so an instance whose own clock runs an hour behind is not taken for dead
// and its running run is left to finish.
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresSkipReason } from '../../helpers/postgres.ts';
import { closeSharedSandbox, eventually, startTestServer, testDatabase, type TestServer } from '../../helpers/server.ts';

const servers: TestServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
  await closeSharedSandbox();
});

describe.skipIf(postgresSkipReason)('the lease on a shared database', () => {
  it('is judged by the database clock, not by an instance clock an hour behind', async () => {
    const held: ServerResponse[] = [];
    const upstream = createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      const database = await testDatabase();
      const behind = await startTestServer({ database, leaseMs: 600, clock: { now: () => Date.now() - 3_600_000 } });
      servers.push(behind);
      servers.push(await startTestServer({ database, leaseMs: 600 }));
      const created = await behind.request('POST', '/v1/workflows', {
        body: {
          name: 'waits for the upstream',
          state: 'active',
          approval_mode: 'never',
          allowed_hosts: ['127.0.0.1'],
          code: `export async function run(ctx) {\n  await ctx.http.get("http://127.0.0.1:${(upstream.address() as { port: number }).port}/");\n  return ctx.ok("answered");\n}\n`,
        },
      });
      const run = (await behind.request('POST', `/v1/workflows/${created.body.data.uuid}/execute`, { key: behind.keys.human, body: { indicator_type: 'ip', indicator_value: '203.0.113.7' } }))
        .body.data.run_uuid as string;
      await eventually(async () => held.length === 1, 'the run to call the upstream');

      // Five leases, a dozen heartbeats of the other instance: time enough to reclaim a lost run.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect((await behind.request('GET', `/v1/workflow-runs/${run}`)).body.data.status).toBe('running');

      held.shift()!.end('{"ok":true}');
      const ended = await eventually(async () => {
        const data = (await behind.request('GET', `/v1/workflow-runs/${run}`)).body.data;
        return data.status === 'running' ? null : data;
      }, 'the run to end');
      expect(ended.status).toBe('success');
    } finally {
      for (const res of held) res.destroy();
      upstream.close();
    }
  });
});
