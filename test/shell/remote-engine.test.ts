// The desktop following a team server: the shell's port over a real server's REST API and event
// stream (loopback), with the analyst's own key; and Settings → Server's check of an address and key.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/main/engine/index.ts';
import { RemoteShellEngine } from '../../src/main/shell/remote-engine.ts';
import { checkTeamServer } from '../../src/main/shell/team-server.ts';
import { closeSharedSandbox, eventually, startTestServer, TRIVIAL_WORKFLOW, type TestServer } from '../helpers/server.ts';
import { selfSignedCertificate } from '../helpers/tls.ts';

let t: TestServer;
/** The analyst's own human key (default scopes: may decide, may not change settings). */
let analyst: { secret: string; label: string };
const engines: RemoteShellEngine[] = [];

function follow(key: string, url = t.url): { engine: RemoteShellEngine; events: EngineEvent[]; problems: Array<string | null>; logged: string[] } {
  const logged: string[] = [];
  const engine = new RemoteShellEngine({ url, key, log: (message) => logged.push(message), reconnectDelay: () => 50 });
  const events: EngineEvent[] = [];
  const problems: Array<string | null> = [];
  engine.onEvent((event) => events.push(event));
  engine.onConnectionChange((problem) => problems.push(problem));
  engine.start();
  engines.push(engine);
  return { engine, events, problems, logged };
}

beforeAll(async () => {
  t = await startTestServer();
  const { key, secret } = t.server.engine.keys.create({ name: 'Alice Analyst', key_type: 'human' });
  analyst = { secret, label: `Alice Analyst (${key.prefix}…)` };
}, 60_000);

afterAll(async () => {
  for (const engine of engines) await engine.close();
  await t?.close();
  await closeSharedSandbox();
});

async function gatedWorkflow(name: string): Promise<string> {
  const created = await t.request('POST', '/v1/workflows', {
    body: { name, code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'agent_only', risk_level: 'medium' },
  });
  expect(created.status).toBe(201);
  return created.body.data.uuid;
}

async function agentExecute(workflow: string, value: string): Promise<string> {
  const executed = await t.request('POST', `/v1/workflows/${workflow}/execute`, {
    key: t.keys.agent,
    body: { indicator_type: 'ip', indicator_value: value, reason: 'Brute force from this address', confidence: 0.9 },
  });
  expect(executed.status).toBe(202);
  return executed.body.data.approval_request_uuid;
}

describe('the remote ShellEngine', () => {
  it('hears an approval request as it is made, lists it as pending, and reads it', async () => {
    const { engine, events, problems } = follow(analyst.secret);
    await eventually(async () => problems.includes(null), 'the event stream to connect');
    const approval = await agentExecute(await gatedWorkflow('Block IP at the edge'), '203.0.113.50');

    const created = await eventually(async () => events.find((e) => e.type === 'approval.created' && e.data.approval_uuid === approval), 'approval.created');
    expect(created.id).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(created.at))).toBe(false);
    const pending = await engine.pendingApprovals(8);
    expect(pending.total).toBeGreaterThanOrEqual(1);
    expect(pending.items.map((item) => item.uuid)).toContain(approval);
    const summary = await engine.approval(approval);
    expect(summary).toMatchObject({ workflow_name: 'Block IP at the edge', status: 'pending', risk_level: 'medium', trigger_type: 'agent' });
    expect(summary.input.indicator).toMatchObject({ type: 'ip', value: '203.0.113.50' });
  }, 30_000);

  it("records a decision under the analyst's key, and a second decision is told it was already decided", async () => {
    const { engine, events } = follow(analyst.secret);
    const approval = await agentExecute(await gatedWorkflow('Disable account'), '198.51.100.7');
    await engine.decide(approval, 'reject', 'Vigil tray');

    const decided = (await t.request('GET', `/v1/workflow-approvals/${approval}`)).body.data;
    expect(decided).toMatchObject({ status: 'rejected', responder: analyst.label, decision_reason: 'Rejected from the Vigil tray' });
    await eventually(async () => events.find((e) => e.type === 'approval.decided' && e.data.approval_uuid === approval), 'approval.decided');

    await expect(engine.decide(approval, 'approve', 'Vigil notification')).rejects.toThrow(
      `This approval request was already rejected by ${analyst.label}.`,
    );
  }, 30_000);

  it('an approval from the port queues its run', async () => {
    const { engine } = follow(analyst.secret);
    const approval = await agentExecute(await gatedWorkflow('Isolate host'), '192.0.2.10');
    await engine.decide(approval, 'approve', 'Vigil notification');
    const decided = (await t.request('GET', `/v1/workflow-approvals/${approval}`)).body.data;
    expect(decided).toMatchObject({ status: 'approved', responder: analyst.label, decision_reason: null });
    expect(decided.run).not.toBeNull();
  }, 30_000);

  it('does not replay events from before it connected', async () => {
    const earlier = await agentExecute(await gatedWorkflow('Earlier request'), '192.0.2.20');
    // The Date header the replay is cut at is whole seconds.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { engine, events, problems } = follow(analyst.secret);
    await eventually(async () => problems.includes(null), 'the event stream to connect');
    const later = await agentExecute(await gatedWorkflow('Later request'), '192.0.2.21');
    await eventually(async () => events.find((e) => e.data.approval_uuid === later), 'the later request');
    expect(events.find((e) => e.data.approval_uuid === earlier)).toBeUndefined();
    expect((await engine.pendingApprovals(100)).items.map((item) => item.uuid)).toContain(earlier);
  }, 30_000);

  it('pausing needs the admin scope: the analyst sees why, an admin key pauses and resumes', async () => {
    const { engine } = follow(analyst.secret);
    expect(await engine.pauseState()).toEqual({ paused: false, locked: 'your key "Alice Analyst" lacks the admin scope' });
    await expect(engine.setExecutionPaused(true)).rejects.toThrow(/The team server does not let this key do that \(403\)/);

    const admin = follow(t.keys.admin).engine;
    let changes = 0;
    admin.onSettingsChange(() => changes++);
    await admin.setExecutionPaused(true);
    expect(await admin.pauseState()).toEqual({ paused: true, locked: null });
    expect((await t.request('GET', '/v1/settings')).body.data.execution_paused).toBe(true);
    await admin.setExecutionPaused(false);
    expect(changes).toBe(2);
  }, 30_000);

  it('a wrong key is a clear error, for reads and for the event stream', async () => {
    const { engine, problems } = follow('vgl_wrongwrongwrongwrongwrongwrong');
    await expect(engine.pendingApprovals(8)).rejects.toThrow(/^The team server refused the key \(401\): /);
    await eventually(async () => problems.find((problem) => problem?.startsWith('The team server refused the key (401)')), 'the refusal');
    expect(engine.connectionProblem).toMatch(/refused the key/);
  }, 30_000);

  it('an unreachable server is reported, and followed again once it is back', async () => {
    // A second server, on a port known in advance, that goes away and comes back with the same data.
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-team-'));
    let team = await startTestServer({ dataDir, port });
    const key = team.server.engine.keys.create({ name: 'Bob', key_type: 'human' }).secret;
    await team.close();

    const { engine, events, problems } = follow(key, `http://127.0.0.1:${port}`);
    await eventually(async () => problems.find((problem) => problem?.includes('connection refused')), 'connection refused');
    expect(engine.connectionProblem).toBe(`Could not reach http://127.0.0.1:${port}: nothing accepts connections there (connection refused) (ECONNREFUSED).`);
    await expect(engine.pendingApprovals(8)).rejects.toThrow(/Could not reach/);

    team = await startTestServer({ dataDir, port });
    try {
      await eventually(async () => problems.at(-1) === null, 'the stream to reconnect');
      expect(engine.connectionProblem).toBeNull();
      const workflow = (
        await team.request('POST', '/v1/workflows', { body: { name: 'Back again', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'always' } })
      ).body.data.uuid;
      await team.request('POST', `/v1/workflows/${workflow}/execute`, { key, body: { indicator_type: 'ip', indicator_value: '192.0.2.30' } });
      await eventually(async () => events.find((e) => e.type === 'approval.created'), 'an event after the reconnection');
    } finally {
      await engine.close();
      await team.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('checking a team server', () => {
  it("names the analyst's human key", async () => {
    await expect(checkTeamServer(t.url, analyst.secret)).resolves.toEqual({
      ok: true,
      url: t.url,
      key: { name: 'Alice Analyst', key_type: 'human', prefix: expect.stringMatching(/^vgl_/), scopes: ['workflows:read', 'workflows:write', 'workflows:execute', 'approvals:write'] },
    });
  });

  it('refuses an agent key: decisions must record a person', async () => {
    await expect(checkTeamServer(t.url, t.keys.agent)).resolves.toEqual({
      ok: false,
      error: '"agent" is an agent key. The desktop app needs your own human key, so that the approvals you decide record you.',
    });
  });

  it('says a key is unknown (401)', async () => {
    const result = await checkTeamServer(t.url, 'vgl_wrongwrongwrongwrongwrongwrong');
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^The team server refused the key \(401\): /) });
  });

  it('says nothing answers', async () => {
    const port = await freePort();
    await expect(checkTeamServer(`http://127.0.0.1:${port}`, analyst.secret)).resolves.toEqual({
      ok: false,
      error: `Could not reach http://127.0.0.1:${port}: nothing accepts connections there (connection refused) (ECONNREFUSED).`,
    });
  });

  it('says a certificate is not trusted (TLS error)', async () => {
    const tls = selfSignedCertificate('vigil.corp.example');
    const secure = await startTestServer({ publicUrl: 'https://vigil.corp.example', tls });
    try {
      const result = await checkTeamServer(secure.url, secure.keys.human);
      expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^TLS error with https:\/\/127\.0\.0\.1:\d+: self-signed certificate.* \(DEPTH_ZERO_SELF_SIGNED_CERT\)\. Is the address https/) });
    } finally {
      await secure.close();
    }
  }, 30_000);

  it('says when something else answers', async () => {
    const other = (await import('node:http')).createServer((_request, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nope</h1>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const address = other.address() as { port: number };
    try {
      await expect(checkTeamServer(`http://127.0.0.1:${address.port}`, analyst.secret)).resolves.toEqual({
        ok: false,
        error: `http://127.0.0.1:${address.port} answered 404 Not Found, and not like a Vigil server: check the address.`,
      });
    } finally {
      other.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
