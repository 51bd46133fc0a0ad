// Several engine instances on one PostgreSQL database: one queue (each run claimed and executed
// once), one gate (one decision wins), one stream of events, one set of settings. A loopback
// receiver counts the calls the runs make, so "executed once" is what the upstream saw.
import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream } from '../helpers/sse.ts';
import { postgresSkipReason } from '../helpers/postgres.ts';
import { closeSharedSandbox, eventually, startTestServer, testDatabase, type TestServer } from '../helpers/server.ts';

const body = { indicator_type: 'ip', indicator_value: '203.0.113.7' };
const agentBody = { ...body, reason: 'the alert says so', confidence: 0.9 };

describe.skipIf(postgresSkipReason)('team server: three instances on one PostgreSQL database', () => {
  let url: string;
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  let receiver: Server;
  let receiverUrl: string;
  const calls = new Map<string, number>();

  beforeAll(async () => {
    url = await testDatabase();
    [a, b, c] = [await startTestServer({ database: url }), await startTestServer({ database: url }), await startTestServer({ database: url })];
    await Promise.all([a, b, c].map((t) => t.server.engine.hearingOthers()));
    receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        const run = (JSON.parse(text) as { run: string }).run;
        calls.set(run, (calls.get(run) ?? 0) + 1);
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/seen`;
  }, 60_000);

  afterAll(async () => {
    receiver?.close();
    await Promise.all([a, b, c].map((t) => t?.close()));
    await closeSharedSandbox();
  });

  async function workflow(t: TestServer, name: string, approval_mode: 'never' | 'always'): Promise<string> {
    const created = await t.request('POST', '/v1/workflows', {
      body: {
        name,
        state: 'active',
        approval_mode,
        allowed_hosts: ['127.0.0.1'],
        code: `export async function run(ctx) {\n  await ctx.http.post(${JSON.stringify(receiverUrl)}, { json: { run: ctx.run.id } });\n  return ctx.ok("seen");\n}\n`,
      },
    });
    expect(created.status).toBe(201);
    return created.body.data.uuid as string;
  }

  it('applies a settings change made on one instance on the others', async () => {
    expect((await a.request('PATCH', '/v1/settings', { body: { max_queued_runs: 5000, run_concurrency: 8 } })).status).toBe(200);
    for (const t of [b, c]) {
      await eventually(async () => (await t.request('GET', '/v1/settings')).body.data.max_queued_runs === 5000, 'the other instance to read the new settings');
    }

    const uuid = await workflow(a, 'paused elsewhere', 'never');
    expect((await b.request('PATCH', '/v1/settings', { body: { execution_paused: true } })).status).toBe(200);
    await eventually(async () => {
      const refused = await c.request('POST', `/v1/workflows/${uuid}/execute`, { key: c.keys.agent, body: agentBody });
      return refused.status === 503 && refused.body.error.code === 'EXECUTION_PAUSED';
    }, 'an agent execute on a third instance to be refused while paused');
    expect((await c.request('PATCH', '/v1/settings', { body: { execution_paused: false } })).status).toBe(200);
    await eventually(async () => (await a.request('GET', '/v1/settings')).body.data.execution_paused === false, 'the pause to end everywhere');
  });

  it('runs each of 2,000 executes spread over the instances exactly once', async () => {
    const uuid = await workflow(a, 'counted', 'never');
    const instances = [a, b, c];
    const accepted: string[] = [];
    let next = 0;
    // 48 callers at a time, each on the instances in turn; a full queue's 503 is retried as told.
    const caller = async () => {
      for (let i = next++; i < 2000; i = next++) {
        const t = instances[i % instances.length]!;
        for (;;) {
          const answer = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.human, body });
          if (answer.status === 202) {
            accepted.push(answer.body.data.run_uuid as string);
            break;
          }
          expect(answer.status).toBe(503);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    await Promise.all(Array.from({ length: 48 }, caller));
    expect(new Set(accepted).size).toBe(2000);

    await eventually(
      async () => (await a.request('GET', `/v1/workflows/${uuid}/runs?status=success&page_size=1`)).body.meta.total === 2000,
      'every run to succeed',
      120_000,
    );
    expect(accepted.filter((run) => calls.get(run) !== 1)).toEqual([]);
    expect([...calls.keys()].filter((run) => !accepted.includes(run))).toEqual([]);

    // Each instance ran its share: the queue is one, the work is spread.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ claimed_by: string; n: number }>(
        `SELECT claimed_by, COUNT(*)::int AS n FROM runs r JOIN workflows w ON w.id = r.workflow_id WHERE w.uuid = $1 GROUP BY claimed_by`,
        [uuid],
      );
      expect(rows.map((row) => row.claimed_by).sort()).toEqual([a, b, c].map((t) => t.server.engine.store.cluster!.instanceId).sort());
    } finally {
      await client.end();
    }
  }, 240_000);

  it('decides an approval once when instances approve and reject it at the same time', async () => {
    const uuid = await workflow(a, 'gated', 'always');
    for (let round = 0; round < 8; round++) {
      const asked = await [a, b, c][round % 3]!.request('POST', `/v1/workflows/${uuid}/execute`, { key: a.keys.agent, body: agentBody });
      expect(asked.status).toBe(202);
      const approval = asked.body.data.approval_request_uuid as string;
      const decisions = await Promise.all(
        [a, b, c, a, b, c].map((t, i) => t.request('POST', `/v1/workflow-approvals/${approval}/${i % 2 === 0 ? 'approve' : 'reject'}`, { key: t.keys.human })),
      );
      expect(decisions.filter((d) => d.status === 200)).toHaveLength(1);
      expect(decisions.filter((d) => d.status === 409).map((d) => d.body.error.code)).toEqual(Array(5).fill('APPROVAL_ALREADY_DECIDED'));
      const decided = (await b.request('GET', `/v1/workflow-approvals/${approval}`)).body.data;
      const runs = (await c.request('GET', `/v1/workflows/${uuid}/runs?page_size=500`)).body.data.filter(
        (run: { approval_uuid: string | null }) => run.approval_uuid === approval,
      );
      expect(runs).toHaveLength(decided.status === 'approved' ? 1 : 0);
    }
  });

  it('shows an SSE client on one instance an approval created on another, and its decision made on a third', async () => {
    const uuid = await workflow(a, 'watched', 'always');
    const stream = await openEventStream(b.url, b.keys.admin);
    try {
      expect(stream.status).toBe(200);
      const asked = await a.request('POST', `/v1/workflows/${uuid}/execute`, { key: a.keys.agent, body: agentBody });
      const approval = asked.body.data.approval_request_uuid as string;
      await stream.next((event) => event.type === 'approval.created' && event.data.approval_uuid === approval, 'approval.created on the other instance');
      expect((await c.request('POST', `/v1/workflow-approvals/${approval}/approve`, { key: c.keys.human })).status).toBe(200);
      await stream.next((event) => event.type === 'approval.decided' && event.data.approval_uuid === approval, 'approval.decided on the other instance');
      await stream.next((event) => event.type === 'run.finished' && event.data.workflow_uuid === uuid, 'the approved run to finish');
    } finally {
      stream.close();
    }
  });
});
