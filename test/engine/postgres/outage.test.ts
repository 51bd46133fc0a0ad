// PostgreSQL restarting under running instances (a failover, an upgrade): while it is down, every
// request is answered 503 DATABASE_UNAVAILABLE with Retry-After and nothing is half-written; once
// it is back, the same instances work again without a restart, and hear each other again.
import { afterAll, describe, expect, it } from 'vitest';
import { openEventStream } from '../../helpers/sse.ts';
import { postgresSkipReason, startPostgres, type PostgresCluster } from '../../helpers/postgres.ts';
import { closeSharedSandbox, eventually, startTestServer, type TestServer } from '../../helpers/server.ts';

let cluster: PostgresCluster | undefined;
const servers: TestServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
  await closeSharedSandbox();
  await cluster?.stop();
});

const body = { indicator_type: 'ip', indicator_value: '203.0.113.7' };
const agentBody = { ...body, reason: 'the alert says so', confidence: 0.9 };

describe.skipIf(postgresSkipReason)('a PostgreSQL outage', () => {
  it('is answered 503 with Retry-After while it lasts, and the instances carry on after it', async () => {
    cluster = await startPostgres();
    const database = await cluster.createDatabase();
    const a = await startTestServer({ database });
    servers.push(a);
    const b = await startTestServer({ database });
    servers.push(b);
    const created = await a.request('POST', '/v1/workflows', {
      body: { name: 'survives', state: 'active', approval_mode: 'agent_only', code: 'export async function run(ctx) {\n  return ctx.ok("ran");\n}\n' },
    });
    const workflow = created.body.data.uuid as string;
    const runsBefore = (await a.request('GET', `/v1/workflows/${workflow}/runs`)).body.meta.total as number;

    await cluster.outage(async () => {
      const refused = await a.request('POST', `/v1/workflows/${workflow}/execute`, { key: a.keys.human, body });
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('DATABASE_UNAVAILABLE');
      expect(refused.headers.get('retry-after')).toBe('5');
      expect((await b.request('GET', '/v1/workflows')).status).toBe(503);
    });

    const ran = await eventually(async () => {
      const answer = await a.request('POST', `/v1/workflows/${workflow}/execute`, { key: a.keys.human, body });
      return answer.status === 202 ? answer.body.data.run_uuid : null;
    }, 'an execute to be accepted again', 30_000);
    const run = await eventually(async () => {
      const data = (await b.request('GET', `/v1/workflow-runs/${ran}`)).body.data;
      return data?.status === 'success' ? data : null;
    }, 'the run to succeed');
    expect(run.result.message).toBe('ran');
    // The refused execute left nothing behind.
    expect((await a.request('GET', `/v1/workflows/${workflow}/runs`)).body.meta.total).toBe(runsBefore + 1);

    // The event relay reconnected: B's stream hears an approval asked on A.
    const stream = await openEventStream(b.url, b.keys.admin);
    try {
      await eventually(async () => {
        const asked = await a.request('POST', `/v1/workflows/${workflow}/execute`, { key: a.keys.agent, body: agentBody });
        const approval = asked.body.data.approval_request_uuid as string;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return stream.events.some((event) => event.type === 'approval.created' && event.data.approval_uuid === approval);
      }, 'the other instance to hear an approval again', 30_000);
    } finally {
      stream.close();
    }
  });
});
