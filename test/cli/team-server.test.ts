// Three `vigil serve --database` processes on one PostgreSQL database: one queue (each run claimed
// and executed once), one gate (one decision wins), one Idempotency-Key record, one stream of
// events, one set of settings. A loopback receiver counts the calls the runs make, so "executed
// once" is what the upstream saw.
import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServeProcess } from '../helpers/cli.ts';
import { postgresSkipReason } from '../helpers/postgres.ts';
import { closeSharedSandbox, eventually } from '../helpers/server.ts';
import { openEventStream } from '../helpers/sse.ts';
import { startTeam, type Team } from '../helpers/team.ts';

const body = { indicator_type: 'ip', indicator_value: '203.0.113.7' };
const agentBody = { ...body, reason: 'the alert says so', confidence: 0.9 };

/** Counts the calls each run makes to it: a run that executed twice shows as 2. */
const calls = new Map<string, number>();
let receiver: Server;
let receiverUrl: string;

beforeAll(async () => {
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
});

afterAll(async () => {
  receiver?.close();
  await closeSharedSandbox();
});

const counted = () => `export async function run(ctx) {\n  await ctx.http.post(${JSON.stringify(receiverUrl)}, { json: { run: ctx.run.id } });\n  return ctx.ok("seen");\n}\n`;

/**
 * 2,000 executes from 48 callers, each on the instances in turn (a full queue's 503 is retried
 * shortly): every 202 has its own run, every run calls the receiver once, and every instance ran
 * a share.
 */
async function spreadExecutes(team: Team, instances: ServeProcess[], uuid: string): Promise<void> {
  const accepted: string[] = [];
  let next = 0;
  const caller = async () => {
    for (let i = next++; i < 2000; i = next++) {
      const instance = instances[i % instances.length]!;
      for (;;) {
        const answer = await team.request(instance, 'POST', `/v1/workflows/${uuid}/execute`, { key: team.keys.human, body });
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
    async () => (await team.request(instances.at(-1)!, 'GET', `/v1/workflows/${uuid}/runs?status=success&page_size=1`)).body.meta.total === 2000,
    'every run to succeed',
    120_000,
  );
  expect(accepted.filter((run) => calls.get(run) !== 1)).toEqual([]);
  const ours = new Set(accepted);
  const { rows } = await query<{ uuid: string; claimed_by: string }>(
    team,
    'SELECT r.uuid, r.claimed_by FROM runs r JOIN workflows w ON w.id = r.workflow_id WHERE w.uuid = $1',
    [uuid],
  );
  expect(rows.filter((row) => !ours.has(row.uuid))).toEqual([]);
  expect(new Set(rows.map((row) => row.claimed_by)).size).toBe(instances.length);
}

async function query<T extends pg.QueryResultRow>(team: Team, sql: string, values: unknown[]): Promise<pg.QueryResult<T>> {
  const client = new pg.Client({ connectionString: team.database });
  await client.connect();
  try {
    return await client.query<T>(sql, values);
  } finally {
    await client.end();
  }
}

describe.skipIf(postgresSkipReason)('team server: two instances on one PostgreSQL database', () => {
  let team: Team;
  beforeAll(async () => {
    team = await startTeam(2);
  }, 60_000);
  afterAll(async () => {
    await team?.close();
  });

  it('runs each of 2,000 executes spread over the instances exactly once', async () => {
    const [a, b] = team.instances as [ServeProcess, ServeProcess];
    expect((await team.request(a, 'PATCH', '/v1/settings', { body: { max_queued_runs: 5000, execute_rate_limit_per_minute: 0 } })).status).toBe(200);
    await eventually(async () => (await team.request(b, 'GET', '/v1/settings')).body.data.execute_rate_limit_per_minute === 0, 'the other instance to read the settings');
    const created = await team.request(a, 'POST', '/v1/workflows', {
      body: { name: 'counted by two', state: 'active', approval_mode: 'never', allowed_hosts: ['127.0.0.1'], code: counted() },
    });
    expect(created.status).toBe(201);
    await spreadExecutes(team, [a, b], created.body.data.uuid as string);
  }, 240_000);
});

describe.skipIf(postgresSkipReason)('team server: three instances on one PostgreSQL database', () => {
  let team: Team;
  let a: ServeProcess;
  let b: ServeProcess;
  let c: ServeProcess;

  beforeAll(async () => {
    team = await startTeam(3);
    [a, b, c] = team.instances as [ServeProcess, ServeProcess, ServeProcess];
  }, 60_000);

  afterAll(async () => {
    await team?.close();
  });

  const request = (instance: ServeProcess, method: string, path: string, options?: Parameters<Team['request']>[3]) => team.request(instance, method, path, options);

  async function workflow(name: string, approval_mode: 'never' | 'always', code?: string): Promise<string> {
    const created = await request(a, 'POST', '/v1/workflows', {
      body: {
        name,
        state: 'active',
        approval_mode,
        allowed_hosts: ['127.0.0.1'],
        code: code ?? counted(),
      },
    });
    expect(created.status).toBe(201);
    return created.body.data.uuid as string;
  }

  it('applies a settings change made on one instance on the others', async () => {
    expect((await request(a, 'PATCH', '/v1/settings', { body: { max_queued_runs: 5000, execute_rate_limit_per_minute: 0 } })).status).toBe(200);
    for (const instance of [b, c]) {
      await eventually(async () => (await request(instance, 'GET', '/v1/settings')).body.data.max_queued_runs === 5000, 'the other instance to read the new settings');
    }

    const uuid = await workflow('paused elsewhere', 'never');
    expect((await request(b, 'PATCH', '/v1/settings', { body: { execution_paused: true } })).status).toBe(200);
    await eventually(async () => {
      const refused = await request(c, 'POST', `/v1/workflows/${uuid}/execute`, { key: team.keys.agent, body: agentBody });
      return refused.status === 503 && refused.body.error.code === 'EXECUTION_PAUSED';
    }, 'an agent execute on a third instance to be refused while paused');
    expect((await request(c, 'PATCH', '/v1/settings', { body: { execution_paused: false } })).status).toBe(200);
    await eventually(async () => (await request(a, 'GET', '/v1/settings')).body.data.execution_paused === false, 'the pause to end everywhere');
  });

  it('runs each of 2,000 executes spread over the instances exactly once', async () => {
    await spreadExecutes(team, [a, b, c], await workflow('counted', 'never'));
  }, 240_000);

  it('decides an approval once when instances approve and reject it at the same time', async () => {
    const uuid = await workflow('gated', 'always');
    for (let round = 0; round < 8; round++) {
      const asked = await request([a, b, c][round % 3]!, 'POST', `/v1/workflows/${uuid}/execute`, { key: team.keys.agent, body: agentBody });
      expect(asked.status).toBe(202);
      const approval = asked.body.data.approval_request_uuid as string;
      const decisions = await Promise.all(
        [a, b, c, a, b, c].map((instance, i) =>
          request(instance, 'POST', `/v1/workflow-approvals/${approval}/${i % 2 === 0 ? 'approve' : 'reject'}`, { key: team.keys.human }),
        ),
      );
      expect(decisions.filter((d) => d.status === 200)).toHaveLength(1);
      expect(decisions.filter((d) => d.status === 409).map((d) => d.body.error.code)).toEqual(Array(5).fill('APPROVAL_ALREADY_DECIDED'));
      const decided = (await request(b, 'GET', `/v1/workflow-approvals/${approval}`)).body.data;
      const runs = (await request(c, 'GET', `/v1/workflows/${uuid}/runs?page_size=500`)).body.data.filter(
        (run: { approval_uuid: string | null }) => run.approval_uuid === approval,
      );
      expect(runs).toHaveLength(decided.status === 'approved' ? 1 : 0);
    }
  });

  it('gives executes on several instances with the same Idempotency-Key one run and one answer', async () => {
    const uuid = await workflow('once per key', 'never');
    for (let round = 0; round < 10; round++) {
      const headers = { 'idempotency-key': `same-alert-${round}` };
      const answers = await Promise.all(
        [a, b, c, a, b, c].map((instance) => request(instance, 'POST', `/v1/workflows/${uuid}/execute`, { key: team.keys.human, body, headers })),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(202));
      expect(new Set(answers.map((answer) => answer.body.data.run_uuid)).size).toBe(1);
    }
    expect((await request(b, 'GET', `/v1/workflows/${uuid}/runs?page_size=100`)).body.meta.total).toBe(10);
  });

  it('cancels a run from an instance other than the one running it', async () => {
    const held = createServer(() => undefined);
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    try {
      const port = (held.address() as { port: number }).port;
      const uuid = await workflow('waits forever', 'never', `export async function run(ctx) {\n  await ctx.http.get("http://127.0.0.1:${port}/");\n  return ctx.ok("answered");\n}\n`);
      const run = (await request(a, 'POST', `/v1/workflows/${uuid}/execute`, { key: team.keys.human, body })).body.data.run_uuid as string;
      await eventually(async () => (await request(b, 'GET', `/v1/workflow-runs/${run}`)).body.data.status === 'running', 'the run to start');
      expect((await request(c, 'POST', `/v1/workflow-runs/${run}/cancel`)).status).toBe(202);
      const ended = await eventually(async () => {
        const data = (await request(b, 'GET', `/v1/workflow-runs/${run}`)).body.data;
        return data.status === 'running' ? null : data;
      }, 'the run to end');
      expect(ended.status).toBe('cancelled');
    } finally {
      held.closeAllConnections();
      held.close();
    }
  });

  it('fires a scheduled occurrence once when every instance finds it due at the same moment', async () => {
    const created = await request(a, 'POST', '/v1/workflows', {
      body: {
        name: 'every minute',
        workflow_type: 'scheduled',
        state: 'active',
        approval_mode: 'never',
        schedule: { cron: '* * * * *', timezone: 'UTC', overlap: 'queue' },
        code: 'export async function run(ctx) {\n  return ctx.ok("tick");\n}\n',
      },
    });
    expect(created.status).toBe(201);
    const uuid = created.body.data.uuid as string;
    const client = new pg.Client({ connectionString: team.database });
    await client.connect();
    try {
      // Each round rewinds next_run_at to a second ago, which only a test does. Should a minute's
      // turn lie between a rewound due and now, that minute's occurrence would come back with it
      // and run once per round. So the rounds start between 2 and 30 s into a minute, checked on
      // the wall clock after each wait: a timer may end a few milliseconds early by that clock.
      for (;;) {
        const intoMinute = Date.now() % 60_000;
        if (intoMinute >= 2_000 && intoMinute <= 30_000) break;
        await new Promise((resolve) => setTimeout(resolve, intoMinute > 30_000 ? 60_000 - intoMinute + 2_000 : 2_000 - intoMinute));
      }
      const dues: string[] = [];
      for (let round = 0; round < 3; round++) {
        const due = new Date(Date.now() - 1000).toISOString();
        dues.push(due);
        await client.query('UPDATE workflows SET next_run_at = $1 WHERE uuid = $2', [due, uuid]);
        // A workflow change reaches every instance, and each looks again at what is due first.
        expect((await request(b, 'POST', '/v1/workflows', { body: { name: `wake ${round}`, code: 'export async function run(ctx) {\n  return ctx.ok("x");\n}\n' } })).status).toBe(201);
        await eventually(
          async () => (await client.query('SELECT next_run_at FROM workflows WHERE uuid = $1', [uuid])).rows[0].next_run_at !== due,
          'the occurrence to be handled',
        );
      }
      await eventually(
        async () => (await request(c, 'GET', `/v1/workflows/${uuid}/runs?status=queued,running&page_size=1`)).body.meta.total === 0,
        'the scheduled runs to end',
      );
      const { rows } = await client.query<{ scheduled_for: string; n: number }>(
        `SELECT r.scheduled_for, COUNT(*)::int AS n FROM runs r JOIN workflows w ON w.id = r.workflow_id
         WHERE w.uuid = $1 GROUP BY r.scheduled_for`,
        [uuid],
      );
      // What each row was, for a failure to say how an occurrence came to run twice.
      const runs = await client.query(
        `SELECT r.scheduled_for, r.status, r.reason, r.queued_at, r.claimed_by FROM runs r JOIN workflows w ON w.id = r.workflow_id
         WHERE w.uuid = $1 ORDER BY r.id`,
        [uuid],
      );
      const story = JSON.stringify({ dues, runs: runs.rows });
      // Each forced occurrence ran, once; so did any the clock brought meanwhile.
      expect(dues.map((due) => rows.find((row) => row.scheduled_for === due)?.n), story).toEqual([1, 1, 1]);
      expect(rows.filter((row) => row.n !== 1), story).toEqual([]);
    } finally {
      await client.end();
    }
  }, 90_000);

  it('shows an SSE client on one instance an approval created on another, and its decision made on a third', async () => {
    const uuid = await workflow('watched', 'always');
    const stream = await openEventStream(b.url, team.keys.admin);
    try {
      expect(stream.status).toBe(200);
      const asked = await request(a, 'POST', `/v1/workflows/${uuid}/execute`, { key: team.keys.agent, body: agentBody });
      const approval = asked.body.data.approval_request_uuid as string;
      await stream.next((event) => event.type === 'approval.created' && event.data.approval_uuid === approval, 'approval.created on the other instance');
      expect((await request(c, 'POST', `/v1/workflow-approvals/${approval}/approve`, { key: team.keys.human })).status).toBe(200);
      await stream.next((event) => event.type === 'approval.decided' && event.data.approval_uuid === approval, 'approval.decided on the other instance');
      await stream.next((event) => event.type === 'run.finished' && event.data.workflow_uuid === uuid, 'the approved run to finish');
    } finally {
      stream.close();
    }
  });
});
