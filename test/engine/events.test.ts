// GET /v1/events: Server-Sent Events delivered live, and Last-Event-ID resume replaying exactly
// what a client missed.
import { describe, expect, it } from 'vitest';
import { testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';
import { openEventStream } from '../helpers/sse.ts';

const openEvents = (key: string, headers: Record<string, string> = {}, query = '') => openEventStream(t.url, key, headers, query);

const t = testServer();

async function workflow(approvalMode: 'always' | 'never'): Promise<string> {
  const res = await t.request('POST', '/v1/workflows', {
    body: { name: `events ${Math.random()}`, code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: approvalMode },
  });
  expect(res.status).toBe(201);
  return res.body.data.uuid;
}

const execute = (uuid: string, key = t.keys.agent) =>
  t.request('POST', `/v1/workflows/${uuid}/execute`, {
    key,
    body: { indicator_type: 'ip', indicator_value: '192.0.2.1', reason: 'events test', confidence: 0.5 },
  });

describe('GET /v1/events', () => {
  it('needs a key and answers as an event stream', async () => {
    expect((await t.request('GET', '/v1/events', { key: null })).status).toBe(401);
    const stream = await openEvents(t.keys.human);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('cache-control')).toContain('no-cache');
    stream.close();
  });

  it('delivers approval.created / approval.decided and run.queued / started / finished live', async () => {
    const stream = await openEvents(t.keys.human);
    try {
      const gated = await workflow('always');
      const res = await execute(gated);
      const approvalUuid = res.body.data.approval_request_uuid;
      const created = await stream.next((e) => e.type === 'approval.created' && e.data.approval_uuid === approvalUuid, 'approval.created');
      expect(created.data).toMatchObject({ workflow_uuid: gated, at: expect.stringMatching(/Z$/) });

      const approved = await t.request('POST', `/v1/workflow-approvals/${approvalUuid}/approve`, { key: t.keys.human, body: {} });
      const runUuid = approved.body.data.run.uuid;
      const decided = await stream.next((e) => e.type === 'approval.decided' && e.data.approval_uuid === approvalUuid, 'approval.decided');
      expect(decided.data).toMatchObject({ status: 'approved', run_uuid: runUuid, responder: expect.stringMatching(/^analyst/) });
      const queued = await stream.next((e) => e.type === 'run.queued' && e.data.run_uuid === runUuid, 'run.queued');
      const started = await stream.next((e) => e.type === 'run.started' && e.data.run_uuid === runUuid, 'run.started');
      const finished = await stream.next((e) => e.type === 'run.finished' && e.data.run_uuid === runUuid, 'run.finished');
      expect(finished.data.status).toBe('success');
      // Ids increase in the order things happened.
      expect(created.id).toBeLessThan(decided.id);
      expect(decided.id).toBeLessThan(queued.id);
      expect(queued.id).toBeLessThan(started.id);
      expect(started.id).toBeLessThan(finished.id);

      // An ungated run: queued, started, finished without any approval event.
      const direct = await execute(await workflow('never'), t.keys.human);
      const directRun = direct.body.data.run_uuid;
      for (const type of ['run.queued', 'run.started', 'run.finished']) {
        await stream.next((e) => e.type === type && e.data.run_uuid === directRun, `${type} of the direct run`);
      }
    } finally {
      stream.close();
    }
  });

  it('resumes with Last-Event-ID: replays exactly what was missed, in order, then goes live', async () => {
    const gated = await workflow('always');
    const first = await openEvents(t.keys.human);
    const before = (await execute(gated)).body.data.approval_request_uuid;
    const seen = await first.next((e) => e.type === 'approval.created' && e.data.approval_uuid === before, 'the first approval');
    first.close();

    // While the client is away: another approval is created and the first one is decided.
    const missed = (await execute(gated)).body.data.approval_request_uuid;
    const rejected = await t.request('POST', `/v1/workflow-approvals/${before}/reject`, { key: t.keys.human, body: { reason: 'not now' } });
    expect(rejected.status).toBe(200);
    const expected = t.server.engine.bus.since(seen.id).map((event) => event.id);
    expect(expected.length).toBeGreaterThanOrEqual(2);

    const resumed = await openEvents(t.keys.human, { 'last-event-id': String(seen.id) });
    try {
      await resumed.next((e) => e.type === 'approval.decided' && e.data.approval_uuid === before, 'the missed decision');
      await resumed.next((e) => e.type === 'approval.created' && e.data.approval_uuid === missed, 'the missed approval');
      expect(resumed.events.every((e) => e.id > seen.id)).toBe(true);
      expect(resumed.events.slice(0, expected.length).map((e) => e.id)).toEqual(expected);
      const ids = resumed.events.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));

      const live = (await execute(gated)).body.data.approval_request_uuid;
      await resumed.next((e) => e.type === 'approval.created' && e.data.approval_uuid === live, 'a live event after the replay');
      expect(new Set(resumed.events.map((e) => e.id)).size).toBe(resumed.events.length);
    } finally {
      resumed.close();
    }

    // The query parameter does the same for clients that cannot set headers.
    const viaQuery = await openEvents(t.keys.human, {}, `?last_event_id=${seen.id}`);
    try {
      await viaQuery.next((e) => e.type === 'approval.created' && e.data.approval_uuid === missed, 'the missed approval via ?last_event_id');
      expect(viaQuery.events.every((e) => e.id > seen.id)).toBe(true);
    } finally {
      viaQuery.close();
    }
  });

  it('a key that may only execute sees the events of its own approvals only', async () => {
    const executeOnly = t.server.engine.keys.create({ name: 'execute-only agent', key_type: 'agent', scopes: ['workflows:execute'] }).secret;
    const stream = await openEvents(executeOnly);
    try {
      const gated = await workflow('always');
      const foreign = (await execute(gated)).body.data.approval_request_uuid;
      const own = (await execute(gated, executeOnly)).body.data.approval_request_uuid;
      await stream.next((e) => e.type === 'approval.created' && e.data.approval_uuid === own, 'its own approval');
      expect(stream.events.some((e) => e.data.approval_uuid === foreign)).toBe(false);
      expect(stream.events.some((e) => e.type === 'workflow.changed')).toBe(false);
    } finally {
      stream.close();
    }
  });
});
