// Schedules as an analyst meets them: a scheduled workflow runs on its own with its context, and
// what does not run (missed while Vigil was down, paused, overlapping, an approval nobody gave) is
// in the run history as `skipped` with the reason. The clock is injected and moved by hand; one
// test at the end watches a real every-2-seconds schedule.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSharedSandbox, eventually, startTestServer, type TestServer } from '../helpers/server.ts';

afterAll(async () => {
  await closeSharedSandbox();
});

/** A clock the test moves; the engine reads it for everything (due times, approvals, runs). */
function testClock(start: string) {
  const clock = { ms: Date.parse(start), now: () => clock.ms, set: (at: string) => (clock.ms = Date.parse(at)) };
  return clock;
}

const SCHEDULED = `import type { WorkflowContext } from "vigil";
export async function run(ctx: WorkflowContext) {
  return ctx.ok("scheduled", { input: ctx.input, scheduled_for: ctx.run.scheduled_for, trigger: ctx.run.trigger, indicator: ctx.indicator });
}
`;

async function scheduled(t: TestServer, schedule: Record<string, unknown>, fields: Record<string, unknown> = {}) {
  const res = await t.request('POST', '/v1/workflows', {
    body: { name: `sched ${Math.random()}`, code: SCHEDULED, workflow_type: 'scheduled', state: 'active', approval_mode: 'never', schedule, ...fields },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function runsOf(t: TestServer, uuid: string) {
  const res = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${uuid}&page_size=100`);
  return (res.body.data as Array<Record<string, any>>).reverse();
}

const FINAL = ['success', 'failed', 'timed_out', 'cancelled', 'skipped'];

describe('schedules with an injected clock', () => {
  // Monday 2030-01-07, 06:00 UTC (07:00 in Berlin).
  const clock = testClock('2030-01-07T06:00:00.000Z');
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ clock });
  });
  afterAll(async () => {
    await t.close();
  });

  it('computes next_run_at on save, fills the defaults, and only while the workflow is active', async () => {
    const workflow = await scheduled(t, { cron: '0 8 * * 1-5', timezone: 'Europe/Berlin' });
    expect(workflow.schedule).toEqual({ cron: '0 8 * * 1-5', timezone: 'Europe/Berlin', context: {}, catch_up: 'last', overlap: 'skip' });
    expect(workflow.next_run_at).toBe('2030-01-07T07:00:00.000Z');
    expect(workflow.last_scheduled_at).toBeNull();
    const listed = await t.request('GET', '/v1/workflows?workflow_type=scheduled&page_size=100');
    expect(listed.body.data.find((w: { uuid: string }) => w.uuid === workflow.uuid)).toMatchObject({ next_run_at: '2030-01-07T07:00:00.000Z' });
    const paused = await t.request('PATCH', `/v1/workflows/${workflow.uuid}`, { body: { state: 'inactive' } });
    expect(paused.body.data.next_run_at).toBeNull();
    const draft = await scheduled(t, { cron: '0 8 * * *' }, { state: 'draft' });
    expect(draft.next_run_at).toBeNull();
    expect(draft.schedule.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('refuses an invalid expression or zone with 422 naming the field and the reason', async () => {
    const bad = await t.request('POST', '/v1/workflows', {
      body: { name: 'bad schedule', code: SCHEDULED, workflow_type: 'scheduled', schedule: { cron: '61 * * * *', timezone: 'Mars/Olympus' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    expect(bad.body.error.details.problems).toEqual([
      { field: 'body.schedule.cron', message: expect.stringContaining('minute') },
      { field: 'body.schedule.timezone', message: expect.stringContaining('Mars/Olympus') },
    ]);
    const fields = await t.request('POST', '/v1/workflows', {
      body: { name: 'bad schedule', code: SCHEDULED, workflow_type: 'scheduled', schedule: { cron: '* * * *' } },
    });
    expect(fields.status).toBe(422);
    expect(fields.body.error.details.problems[0].message).toMatch(/5 fields .* this one has 4/);
    const notScheduled = await t.request('POST', '/v1/workflows', {
      body: { name: 'indicator with schedule', code: SCHEDULED, workflow_type: 'indicator', schedule: { cron: '* * * * *' } },
    });
    expect(notScheduled.status).toBe(422);
    expect(notScheduled.body.error.details.problems[0].field).toBe('body.schedule');
  });

  it('makes a schedule change a new version that keeps the schedule', async () => {
    const workflow = await scheduled(t, { cron: '0 8 * * *', timezone: 'UTC' });
    const patched = await t.request('PATCH', `/v1/workflows/${workflow.uuid}`, { body: { schedule: { cron: '30 9 * * *', timezone: 'UTC', context: { a: 1 } } } });
    expect(patched.status).toBe(200);
    expect(patched.body.data.code_version).toBe(workflow.code_version + 1);
    expect(patched.body.data.next_run_at).toBe('2030-01-07T09:30:00.000Z');
    const v1 = await t.request('GET', `/v1/workflows/${workflow.uuid}/versions/${workflow.code_version}`);
    const v2 = await t.request('GET', `/v1/workflows/${workflow.uuid}/versions/${workflow.code_version + 1}`);
    expect(v1.body.data.schedule.cron).toBe('0 8 * * *');
    expect(v2.body.data.schedule).toMatchObject({ cron: '30 9 * * *', context: { a: 1 } });
  });

  it('runs a due occurrence with trigger schedule, no indicator and the context as ctx.input', async () => {
    clock.set('2030-01-07T06:00:00.000Z');
    const workflow = await scheduled(t, { cron: '0 7 * * *', timezone: 'UTC', context: { scope: 'all-users' } });
    expect(workflow.next_run_at).toBe('2030-01-07T07:00:00.000Z');
    clock.set('2030-01-07T07:00:02.000Z');
    t.server.engine.schedules.check();
    const run = await eventually(async () => {
      const [first] = await runsOf(t, workflow.uuid);
      return first && FINAL.includes(first.status) ? first : null;
    }, 'the scheduled run');
    expect(run).toMatchObject({ trigger_type: 'schedule', status: 'success', scheduled_for: '2030-01-07T07:00:00.000Z', trigger_key: null });
    expect(run.input).toEqual({ indicator: null, alert: null, alert_uuid: null, context: { scope: 'all-users' } });
    expect(run.result.data).toEqual({
      input: { scope: 'all-users' },
      scheduled_for: '2030-01-07T07:00:00.000Z',
      trigger: 'schedule',
      indicator: null,
    });
    const after = await t.request('GET', `/v1/workflows/${workflow.uuid}`);
    expect(after.body.data).toMatchObject({ last_scheduled_at: '2030-01-07T07:00:00.000Z', next_run_at: '2030-01-08T07:00:00.000Z' });
    // Checking again at the same moment does not run it twice.
    t.server.engine.schedules.check();
    expect(await runsOf(t, workflow.uuid)).toHaveLength(1);
    const filtered = await t.request('GET', `/v1/workflow-runs?trigger_type=schedule&workflow_uuid=${workflow.uuid}`);
    expect(filtered.body.meta.total).toBe(1);
  });

  it('gates an occurrence like an agent, skips the next while it waits (overlap skip), and skips it when the approval expires', async () => {
    clock.set('2030-01-07T10:00:30.000Z');
    const tokens = new Map<string, string>();
    const stop = t.server.engine.approvals.onCreated((approval, token) => tokens.set(approval.uuid, token));
    const workflow = await scheduled(t, { cron: '* * * * *', timezone: 'UTC' }, { approval_mode: 'agent_only', approval_timeout_seconds: 60 });
    expect(workflow.next_run_at).toBe('2030-01-07T10:01:00.000Z');
    clock.set('2030-01-07T10:01:00.000Z');
    t.server.engine.schedules.check();
    const pending = await t.request('GET', `/v1/workflow-approvals?workflow_uuid=${workflow.uuid}`);
    expect(pending.body.data).toHaveLength(1);
    expect(pending.body.data[0]).toMatchObject({
      status: 'pending',
      trigger_type: 'schedule',
      reason: 'scheduled',
      scheduled_for: '2030-01-07T10:01:00.000Z',
      expires_at: '2030-01-07T10:02:00.000Z',
    });
    // The page an approver opens from a notice says who asked and that there is no indicator.
    const approvalUuid = pending.body.data[0].uuid;
    const page = await t.request('GET', `/v1/approvals/${approvalUuid}/decide?token=${tokens.get(approvalUuid)}`, { key: null });
    stop();
    expect(page.status).toBe(200);
    expect(page.body).toContain("The workflow's schedule asks to run this workflow");
    expect(page.body).toContain('the workflow&#39;s schedule (occurrence 2030-01-07T10:01:00.000Z)');
    expect(page.body).toContain('no indicator');
    // The next occurrence comes while the first still waits for its decision.
    clock.set('2030-01-07T10:02:00.000Z');
    t.server.engine.schedules.check();
    clock.set('2030-01-07T10:02:01.000Z');
    t.server.engine.approvals.sweep();
    const runs = await runsOf(t, workflow.uuid);
    expect(runs.map((run) => [run.status, run.scheduled_for])).toEqual([
      ['skipped', '2030-01-07T10:02:00.000Z'],
      ['skipped', '2030-01-07T10:01:00.000Z'],
    ]);
    expect(runs[0]!.reason).toMatch(/previous scheduled run .* still awaiting approval; overlap is skip/);
    expect(runs[1]!.reason).toMatch(/approval request expired/);
    expect(runs[1]!.approval_uuid).toBe(pending.body.data[0].uuid);
    const expired = await t.request('GET', `/v1/workflow-approvals/${pending.body.data[0].uuid}`);
    expect(expired.body.data.status).toBe('expired');
  });

  it('queues an overlapping occurrence when overlap is queue', async () => {
    clock.set('2030-01-07T11:00:30.000Z');
    const workflow = await scheduled(t, { cron: '* * * * *', timezone: 'UTC', overlap: 'queue' }, { approval_mode: 'always' });
    clock.set('2030-01-07T11:01:00.000Z');
    t.server.engine.schedules.check();
    clock.set('2030-01-07T11:02:00.000Z');
    t.server.engine.schedules.check();
    const pending = await t.request('GET', `/v1/workflow-approvals?workflow_uuid=${workflow.uuid}`);
    expect(pending.body.data.map((a: { scheduled_for: string }) => a.scheduled_for).sort()).toEqual([
      '2030-01-07T11:01:00.000Z',
      '2030-01-07T11:02:00.000Z',
    ]);
    expect(await runsOf(t, workflow.uuid)).toEqual([]);
  });

  it('records occurrences as skipped while executions are paused', async () => {
    clock.set('2030-01-07T12:00:30.000Z');
    const workflow = await scheduled(t, { cron: '* * * * *', timezone: 'UTC' });
    expect((await t.request('PATCH', '/v1/settings', { body: { execution_paused: true } })).status).toBe(200);
    try {
      clock.set('2030-01-07T12:01:00.000Z');
      t.server.engine.schedules.check();
    } finally {
      await t.request('PATCH', '/v1/settings', { body: { execution_paused: false } });
    }
    const runs = await runsOf(t, workflow.uuid);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'skipped', trigger_type: 'schedule', scheduled_for: '2030-01-07T12:01:00.000Z' });
    expect(runs[0]!.reason).toMatch(/paused/);
  });

  it('executes a scheduled workflow by hand without an indicator; other workflows still need one', async () => {
    const workflow = await scheduled(t, { cron: '0 0 1 1 *', timezone: 'UTC', context: { from: 'schedule' } });
    const res = await t.request('POST', `/v1/workflows/${workflow.uuid}/execute`, { key: t.keys.human, body: { context: { by: 'hand' } } });
    expect(res.status).toBe(202);
    const indicatorWorkflow = await t.request('POST', '/v1/workflows', { body: { name: 'needs indicator', code: SCHEDULED, state: 'active', approval_mode: 'never' } });
    const refused = await t.request('POST', `/v1/workflows/${indicatorWorkflow.body.data.uuid}/execute`, { key: t.keys.human, body: {} });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.problems.map((p: { field: string }) => p.field)).toEqual(['body.indicator_type', 'body.indicator_value']);
  });
});

describe('occurrences missed while Vigil was not running', () => {
  it('catch_up last runs the latest once, catch_up none runs nothing; each records one skipped summary, never a burst', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-sched-restart-'));
    const clock = testClock('2030-01-07T10:30:00.000Z');
    try {
      let t = await startTestServer({ dataDir, clock });
      const last = await scheduled(t, { cron: '0 * * * *', timezone: 'UTC', catch_up: 'last', context: { n: 1 } });
      const none = await scheduled(t, { cron: '0 * * * *', timezone: 'UTC', catch_up: 'none' });
      expect(last.next_run_at).toBe('2030-01-07T11:00:00.000Z');
      await t.close();

      // Vigil was down from 10:30 to 16:30: the 11:00 … 16:00 occurrences (six) were missed.
      clock.set('2030-01-07T16:30:00.000Z');
      t = await startTestServer({ dataDir, clock });
      try {
        const lastRuns = await eventually(async () => {
          const runs = await runsOf(t, last.uuid);
          return runs.length === 2 && runs.every((run) => FINAL.includes(run.status)) ? runs : null;
        }, 'the caught-up run');
        expect(lastRuns.map((run) => [run.status, run.scheduled_for])).toEqual([
          ['skipped', '2030-01-07T15:00:00.000Z'],
          ['success', '2030-01-07T16:00:00.000Z'],
        ]);
        expect(lastRuns[0]!.reason).toMatch(/5 occurrences missed .*2030-01-07T11:00:00.000Z to 2030-01-07T15:00:00.000Z.*catch_up is last/);
        expect(lastRuns[1]!.result.data.input).toEqual({ n: 1 });

        const noneRuns = await runsOf(t, none.uuid);
        expect(noneRuns).toHaveLength(1);
        expect(noneRuns[0]).toMatchObject({ status: 'skipped', scheduled_for: '2030-01-07T16:00:00.000Z' });
        expect(noneRuns[0]!.reason).toMatch(/6 occurrences missed .*catch_up is none/);

        const after = await t.request('GET', `/v1/workflows/${none.uuid}`);
        expect(after.body.data).toMatchObject({ next_run_at: '2030-01-07T17:00:00.000Z', last_scheduled_at: '2030-01-07T16:00:00.000Z' });
      } finally {
        await t.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a real schedule', () => {
  it('runs a 6-field every-2-seconds schedule on the real clock', async () => {
    const t = await startTestServer();
    try {
      const workflow = await scheduled(t, { cron: '*/2 * * * * *', timezone: 'UTC', context: { real: true } });
      const run = await eventually(
        async () => (await runsOf(t, workflow.uuid)).find((r) => r.status === 'success'),
        'a scheduled run to complete',
        30_000,
      );
      expect(run).toMatchObject({ trigger_type: 'schedule', scheduled_for: expect.stringMatching(/Z$/) });
      expect(run.result.data.input).toEqual({ real: true });
    } finally {
      await t.close();
    }
  }, 40_000);
});
