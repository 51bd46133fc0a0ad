import { describe, expect, it } from 'vitest';
import { eventually, testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
const t = testServer({ clock });

async function activeWorkflow(fields: Record<string, unknown> = {}): Promise<string> {
  const res = await t.request('POST', '/v1/workflows', {
    body: { name: `wf ${Math.random()}`, code: TRIVIAL_WORKFLOW, state: 'active', ...fields },
  });
  expect(res.status).toBe(201);
  return res.body.data.uuid;
}

const agentBody = { indicator_type: 'ip', indicator_value: '203.0.113.7', reason: 'seen in phishing', confidence: 0.9 };
const execute = (uuid: string, key: string, body: Record<string, unknown> = agentBody, headers?: Record<string, string>) =>
  t.request('POST', `/v1/workflows/${uuid}/execute`, { key, body, headers });

async function runOf(uuid: string) {
  return eventually(async () => {
    const res = await t.request('GET', `/v1/workflow-runs/${uuid}`);
    return ['success', 'failed', 'timed_out', 'cancelled'].includes(res.body.data.status) ? res.body.data : null;
  }, `run ${uuid} to finish`);
}

describe('the approval gate', () => {
  const table = [
    ['always', 'human', true],
    ['always', 'agent', true],
    ['agent_only', 'human', false],
    ['agent_only', 'agent', true],
    ['never', 'human', false],
    ['never', 'agent', false],
  ] as const;
  for (const [mode, keyType, gated] of table) {
    it(`${mode} + ${keyType} key → ${gated ? 'pending approval' : 'queued run'}`, async () => {
      const uuid = await activeWorkflow({ approval_mode: mode });
      const res = await execute(uuid, t.keys[keyType]);
      expect(res.status).toBe(202);
      expect(res.body.meta).toEqual({});
      if (gated) {
        expect(res.body.data).toEqual({
          status: 'pending_approval',
          approval_request_uuid: expect.any(String),
          expires_at: expect.stringMatching(/Z$/),
          workflow_uuid: uuid,
          workflow_version: 1,
          created_at: expect.stringMatching(/Z$/),
        });
        const approval = await t.request('GET', `/v1/workflow-approvals/${res.body.data.approval_request_uuid}`);
        expect(approval.body.data).toMatchObject({ status: 'pending', trigger_type: keyType, workflow_uuid: uuid });
      } else {
        expect(res.body.data).toEqual({
          run_uuid: expect.any(String),
          status: 'queued',
          workflow_uuid: uuid,
          workflow_version: 1,
          created_at: expect.stringMatching(/Z$/),
        });
        const run = await runOf(res.body.data.run_uuid);
        expect(run).toMatchObject({ status: 'success', trigger_type: keyType, workflow_uuid: uuid });
      }
    });
  }

  it('takes the trigger source from the key, never the body', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'agent_only' });
    const res = await execute(uuid, t.keys.agent, { ...agentBody, trigger_type: 'human', trigger_source: 'human' });
    expect(res.body.data.status).toBe('pending_approval');
  });
});

describe('execute validation', () => {
  it('requires reason and confidence from agent keys, listing both', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const res = await execute(uuid, t.keys.agent, { indicator_type: 'ip', indicator_value: '1.2.3.4' });
    expect(res.status).toBe(422);
    expect(res.body.error.details.problems.map((p: { field: string }) => p.field)).toEqual(['body.reason', 'body.confidence']);
    const human = await execute(uuid, t.keys.human, { indicator_type: 'ip', indicator_value: '1.2.3.4' });
    expect(human.status).toBe(202);
  });

  it('rejects a bad confidence, an unknown indicator type and a string number', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const res = await execute(uuid, t.keys.agent, { ...agentBody, confidence: 1.5, indicator_type: 'mac' });
    expect(res.status).toBe(422);
    const fields = res.body.error.details.problems.map((p: { field: string }) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['body.confidence', 'body.indicator_type']));
    const stringy = await execute(uuid, t.keys.agent, { ...agentBody, confidence: '0.5' });
    expect(stringy.status).toBe(422);
  });

  it('refuses inactive and unknown workflows and bad ids', async () => {
    const draft = await t.request('POST', '/v1/workflows', { body: { name: 'draft', code: TRIVIAL_WORKFLOW } });
    const res = await execute(draft.body.data.uuid, t.keys.agent);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WORKFLOW_NOT_EXECUTABLE');
    const unknown = await execute('01936c3e-0000-7000-8000-000000000000', t.keys.agent);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'workflow' } });
    const bad = await execute('not-a-uuid', t.keys.agent);
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.problems[0].field).toBe('params.uuid');
  });

  it('refuses an indicator type the workflow does not accept', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never', indicator_types: ['domain'] });
    const res = await execute(uuid, t.keys.agent);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INDICATOR_TYPE_NOT_SUPPORTED');
  });
});

describe('what reaches the run', () => {
  it('passes context, indicator extras and alert through to the run input and ctx', async () => {
    const code = `export async function run(ctx) {
  return ctx.ok("seen", { input: ctx.input, malice: ctx.indicator.malice, enrichment: ctx.indicator.enrichment, alert: ctx.alert });
}
`;
    const uuid = await activeWorkflow({ approval_mode: 'never', code });
    const res = await execute(uuid, t.keys.agent, {
      ...agentBody,
      context: { ticket: 'INC-42', hosts: ['a', 'b'] },
      indicator_malice: 'malicious',
      enrichment: { asn: 64500 },
      alert: { uuid: 'alert-1', title: 'Impossible travel', severity: 'high', source: 'entra', fields: { user: 'bob' } },
    });
    const run = await runOf(res.body.data.run_uuid);
    expect(run.input.context).toEqual({ ticket: 'INC-42', hosts: ['a', 'b'] });
    expect(run.result.data).toEqual({
      input: { ticket: 'INC-42', hosts: ['a', 'b'] },
      malice: 'malicious',
      enrichment: { asn: 64500 },
      alert: { uuid: 'alert-1', title: 'Impossible travel', severity: 'high', source: 'entra', fields: { user: 'bob' } },
    });
    expect(run.trigger_key.name).toBe('agent');
    expect(run.reason).toBe('seen in phishing');
    expect(run.logs.some((log: { message: string }) => log.message === 'checking')).toBe(false);
  });
});

describe('idempotency', () => {
  it('replays the identical response for the same key and body, and creates one run', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const headers = { 'idempotency-key': `retry-${Math.random()}` };
    const first = await execute(uuid, t.keys.agent, agentBody, headers);
    const again = await execute(uuid, t.keys.agent, { confidence: 0.9, reason: 'seen in phishing', indicator_value: '203.0.113.7', indicator_type: 'ip' }, headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const runs = await t.request('GET', `/v1/workflows/${uuid}/runs`);
    expect(runs.body.meta.total).toBe(1);
  });

  it('refuses the same key with another body (409) and scopes keys per caller', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const headers = { 'idempotency-key': `conflict-${Math.random()}` };
    await execute(uuid, t.keys.agent, agentBody, headers);
    const other = await execute(uuid, t.keys.agent, { ...agentBody, indicator_value: '198.51.100.1' }, headers);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const otherCaller = await execute(uuid, t.keys.human, agentBody, headers);
    expect(otherCaller.status).toBe(202);
    expect((await t.request('GET', `/v1/workflows/${uuid}/runs`)).body.meta.total).toBe(2);
  });

  it('replays a gated response without a second approval', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const headers = { 'idempotency-key': `gated-${Math.random()}` };
    const first = await execute(uuid, t.keys.agent, agentBody, headers);
    const again = await execute(uuid, t.keys.agent, agentBody, headers);
    expect(again.body).toEqual(first.body);
    const approvals = await t.request('GET', `/v1/workflow-approvals?workflow_uuid=${uuid}`);
    expect(approvals.body.meta.total).toBe(1);
  });
});

describe('dry run', () => {
  it('returns the plan and stores nothing', async () => {
    const code = `export async function run(ctx) {\n  const token = ctx.secrets.get("FW_TOKEN");\n  return ctx.ok(token ? "has" : "none");\n}\n`;
    const uuid = await activeWorkflow({ approval_mode: 'agent_only', code, secrets: ['FW_TOKEN', 'OTHER'] });
    await t.request('PUT', '/v1/secrets/FW_TOKEN', { body: { value: 's3cret' } });
    const res = await execute(uuid, t.keys.agent, { ...agentBody, dry_run: true });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      dry_run: true,
      requires_approval: true,
      trigger_type: 'agent',
      workflow: { uuid, version: 1 },
      secrets: [
        { name: 'FW_TOKEN', exists: true },
        { name: 'OTHER', exists: false },
      ],
      lint: { ok: true },
    });
    const human = await execute(uuid, t.keys.human, { ...agentBody, dry_run: true });
    expect(human.body.data.requires_approval).toBe(false);
    expect((await t.request('GET', `/v1/workflows/${uuid}/runs`)).body.meta.total).toBe(0);
    expect((await t.request('GET', `/v1/workflow-approvals?workflow_uuid=${uuid}`)).body.meta.total).toBe(0);
  });
});

describe('approvals', () => {
  it('approve queues one run of the pinned version even after the code changed', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always', code: TRIVIAL_WORKFLOW });
    const gated = await execute(uuid, t.keys.agent);
    const approvalUuid = gated.body.data.approval_request_uuid;
    await t.request('PATCH', `/v1/workflows/${uuid}`, { body: { code: TRIVIAL_WORKFLOW.replace('"done"', '"v2"') } });
    const approved = await t.request('POST', `/v1/workflow-approvals/${approvalUuid}/approve`, { key: t.keys.human });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ status: 'approved', responder: expect.stringContaining('analyst') });
    const run = await runOf(approved.body.data.run.uuid);
    expect(run).toMatchObject({ workflow_version: 1, status: 'success', approval_uuid: approvalUuid });
    expect(run.result.message).toBe('done');
    const again = await t.request('POST', `/v1/workflow-approvals/${approvalUuid}/reject`, { key: t.keys.human });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('APPROVAL_ALREADY_DECIDED');
  });

  it('keeps the reject reason and queues nothing', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const gated = await execute(uuid, t.keys.agent);
    const rejected = await t.request('POST', `/v1/workflow-approvals/${gated.body.data.approval_request_uuid}/reject`, {
      key: t.keys.human,
      body: { reason: 'false positive: our VPN egress' },
    });
    expect(rejected.body.data).toMatchObject({ status: 'rejected', decision_reason: 'false positive: our VPN egress', run: null });
    expect((await t.request('GET', `/v1/workflows/${uuid}/runs`)).body.meta.total).toBe(0);
  });

  it('lets exactly one of many concurrent decisions win', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const gated = await execute(uuid, t.keys.agent);
    const id = gated.body.data.approval_request_uuid;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.request('POST', `/v1/workflow-approvals/${id}/${i % 2 ? 'approve' : 'reject'}`, { key: t.keys.human }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(11);
    const runs = await t.request('GET', `/v1/workflows/${uuid}/runs`);
    const winner = results.find((r) => r.status === 200)!;
    expect(runs.body.meta.total).toBe(winner.body.data.status === 'approved' ? 1 : 0);
  });

  it('expires overdue approvals without anyone reading them; approving then is 409 APPROVAL_EXPIRED', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always', approval_timeout_seconds: 60 });
    const gated = await execute(uuid, t.keys.agent);
    const id = gated.body.data.approval_request_uuid;
    clock.offsetMs += 61_000;
    try {
      t.server.engine.approvals.sweep();
      const raw = t.server.engine.store.approvals.get(id)!;
      expect(raw.status).toBe('expired');
      const res = await t.request('POST', `/v1/workflow-approvals/${id}/approve`, { key: t.keys.human });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('APPROVAL_EXPIRED');
    } finally {
      clock.offsetMs -= 61_000;
    }
  });

  it('expired-but-not-yet-swept approvals cannot be approved either', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always', approval_timeout_seconds: 60 });
    const gated = await execute(uuid, t.keys.agent);
    clock.offsetMs += 61_000;
    try {
      const res = await t.request('POST', `/v1/workflow-approvals/${gated.body.data.approval_request_uuid}/approve`, { key: t.keys.human });
      expect(res.body.error.code).toBe('APPROVAL_EXPIRED');
    } finally {
      clock.offsetMs -= 61_000;
    }
  });

  it('lets the agent key that asked read its own approval, not others', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const gated = await execute(uuid, t.keys.agent);
    const id = gated.body.data.approval_request_uuid;
    const own = await t.request('GET', `/v1/workflow-approvals/${id}`, { key: t.keys.agent });
    expect(own.status).toBe(200);
    const other = t.server.engine.keys.create({ name: 'other agent', key_type: 'agent', scopes: ['workflows:execute'] }).secret;
    const foreign = await t.request('GET', `/v1/workflow-approvals/${id}`, { key: other });
    expect(foreign.status).toBe(404);
    const agentApprove = await t.request('POST', `/v1/workflow-approvals/${id}/approve`, { key: t.keys.agent });
    expect(agentApprove.status).toBe(403);
  });

  it('lists pending first', async () => {
    const res = await t.request('GET', '/v1/workflow-approvals?page_size=500');
    const statuses: string[] = res.body.data.map((a: { status: string }) => a.status);
    const firstDecided = statuses.findIndex((s) => s !== 'pending');
    expect(statuses.slice(firstDecided).includes('pending')).toBe(false);
    const pending = await t.request('GET', '/v1/workflow-approvals?status=pending');
    expect(pending.body.data.every((a: { status: string }) => a.status === 'pending')).toBe(true);
  });
});

describe('runs', () => {
  it('lists with filters and cancels a queued run', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    await t.server.engine.scheduler.drain(0);
    const queued = await execute(uuid, t.keys.human, { indicator_type: 'ip', indicator_value: '1.1.1.1' });
    const cancel = await t.request('POST', `/v1/workflow-runs/${queued.body.data.run_uuid}/cancel`, { key: t.keys.human });
    expect(cancel.status).toBe(202);
    expect(cancel.body.data.status).toBe('cancelled');
    const again = await t.request('POST', `/v1/workflow-runs/${queued.body.data.run_uuid}/cancel`, { key: t.keys.human });
    expect(again.status).toBe(409);
    t.server.engine.scheduler.resume();
    const done = await execute(uuid, t.keys.agent);
    await runOf(done.body.data.run_uuid);
    const cancelled = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${uuid}&status=cancelled`);
    expect(cancelled.body.data.map((r: { uuid: string }) => r.uuid)).toEqual([queued.body.data.run_uuid]);
    const agentRuns = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${uuid}&trigger_type=agent`);
    expect(agentRuns.body.meta.total).toBe(1);
    const both = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${uuid}&status=success,cancelled`);
    expect(both.body.meta.total).toBe(2);
    const future = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${uuid}&from=2999-01-01T00:00:00Z`);
    expect(future.body.meta.total).toBe(0);
    const badStatus = await t.request('GET', '/v1/workflow-runs?status=done');
    expect(badStatus.status).toBe(422);
  });

  it('shows a run with its logs', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'never' });
    const res = await execute(uuid, t.keys.agent);
    const run = await runOf(res.body.data.run_uuid);
    expect(run.logs).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'info', message: 'checking', fields: { value: '203.0.113.7' } })]));
    expect(run.started_at).toMatch(/Z$/);
    expect(run.duration_ms).toBeGreaterThanOrEqual(0);
    const missing = await t.request('GET', '/v1/workflow-runs/01936c3e-0000-7000-8000-000000000000');
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'run' } });
  });
});

describe('requests waiting for approval', () => {
  it('a key may have 50 waiting: its 51st is refused (429) and stores nothing, other keys are not, and a decision makes room', async () => {
    const uuid = await activeWorkflow({ approval_mode: 'always' });
    const { key, secret: flooding } = t.server.engine.keys.create({ name: 'flooding agent', key_type: 'agent', scopes: ['workflows:execute'] });
    const waiting: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await execute(uuid, flooding);
      expect(res.status).toBe(202);
      waiting.push(res.body.data.approval_request_uuid);
    }
    const refused = await execute(uuid, flooding);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'APPROVALS_PENDING_LIMIT', details: { pending: 50 } });
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(t.server.engine.approvals.pendingCountOf(key.id)).toBe(50);
    // Another key's request still reaches the analyst.
    expect((await execute(uuid, t.keys.agent)).status).toBe(202);
    const rejected = await t.request('POST', `/v1/workflow-approvals/${waiting[0]}/reject`, { body: { reason: 'not now' } });
    expect(rejected.status).toBe(200);
    expect((await execute(uuid, flooding)).status).toBe(202);
  });
});
