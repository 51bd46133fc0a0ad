// Teams (Adaptive Card to a Workflows / incoming-webhook receiver on 127.0.0.1) and the desktop
// port (a recording DesktopNotifier, as the Electron shell would pass; and the headless log line).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesktopNotifier } from '../../../src/main/engine/notify/index.ts';
import { closeSharedSandbox, eventually, startTestServer, type TestServer } from '../../helpers/server.ts';
import { startTeamsReceiver, waitFor, type TeamsReceiver } from './fakes.ts';
import { createWorkflow, FAILING_WORKFLOW, FAST_RETRY, getApproval, notifierEntry, putNotifiers, requestApproval } from './helpers.ts';

let t: TestServer;
let teams: TeamsReceiver;
const desktopCalls: Array<{ method: string; args: any[] }> = [];
let desktopFailures = 0;

const desktop: DesktopNotifier = {
  approvalCreated(approval, decideUrl) {
    desktopCalls.push({ method: 'approvalCreated', args: [approval, decideUrl] });
    if (desktopFailures > 0) {
      desktopFailures -= 1;
      throw new Error('notification centre busy');
    }
  },
  async approvalExpired(approval) {
    desktopCalls.push({ method: 'approvalExpired', args: [approval] });
  },
  runFailed(run) {
    desktopCalls.push({ method: 'runFailed', args: [run] });
  },
};
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

beforeAll(async () => {
  teams = await startTeamsReceiver();
  t = await startTestServer({ clock, notify: FAST_RETRY, desktopNotifier: desktop });
  await putNotifiers(t, { teams: { enabled: true, webhook_url: teams.url } });
});
afterAll(async () => {
  await t?.close();
  await teams?.close();
  await closeSharedSandbox();
});

const postsFor = (text: string) => teams.posts.filter((post) => post.raw.includes(text));

function card(post: { body: any }) {
  expect(post.body.type).toBe('message');
  expect(post.body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  return post.body.attachments[0].content;
}

describe('Teams', () => {
  it('posts an Adaptive Card with the facts and the browser link', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t, { name: 'Disable account' }), {
      indicator_type: 'account',
      indicator_value: 'jdoe@example.com',
      reason: 'impossible travel [see](https://evil.example)',
    });
    expect(await notifierEntry(t, uuid, 'teams')).toMatchObject({ status: 'sent', attempts: 1 });
    const post = postsFor(uuid)[0]!;
    expect(post.headers['content-type']).toContain('application/json');
    const content = card(post);
    expect(content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const facts = Object.fromEntries(content.body.find((e: any) => e.type === 'FactSet').facts.map((f: any) => [f.title, f.value]));
    expect(facts).toMatchObject({
      Risk: 'high',
      Indicator: 'account: jdoe@example.com',
      Confidence: '87%',
      'Requested by': 'agent (agent key)',
    });
    // A link in the agent's reason is shown as text, not as a link.
    expect(facts.Reason).toBe('impossible travel \\[see\\](https://evil.example)');
    const [action] = content.actions;
    expect(action.type).toBe('Action.OpenUrl');
    expect(action.url).toMatch(new RegExp(`^${t.url}/v1/approvals/${uuid}/decide\\?token=`));
    expect((await fetch(action.url)).status).toBe(200);
  });

  it('retries 500s with backoff, then succeeds', async () => {
    teams.failNext(2, 500);
    const uuid = await requestApproval(t, await createWorkflow(t));
    expect(await notifierEntry(t, uuid, 'teams')).toMatchObject({ status: 'sent', attempts: 3, error: null });
  });

  it('records the failure after the last try, and does not retry a 400', async () => {
    teams.failNext(3, 502, 'Bad Gateway');
    const failing = await requestApproval(t, await createWorkflow(t));
    const entry = await notifierEntry(t, failing, 'teams');
    expect(entry).toMatchObject({ status: 'failed', attempts: 3, error: 'the Teams webhook answered HTTP 502: Bad Gateway' });

    teams.failNext(1, 400, 'Webhook Bad Request - Null or empty event');
    const refused = await requestApproval(t, await createWorkflow(t));
    expect(await notifierEntry(t, refused, 'teams')).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('posts a follow-up card once the request is decided', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t, { name: 'Block IP' }));
    await notifierEntry(t, uuid, 'teams');
    const res = await t.request('POST', `/v1/workflow-approvals/${uuid}/reject`, { key: t.keys.human, body: { reason: 'known scanner' } });
    expect(res.status).toBe(200);
    expect((await notifierEntry(t, uuid, 'teams', 'update')).status).toBe('sent');
    const followUp = teams.posts.filter((post) => post.raw.includes('Rejected by analyst'));
    expect(followUp).toHaveLength(1);
    expect(followUp[0]!.raw).toContain('known scanner');
  });

  it('treats a classic connector\'s 200 with a failure text as a failure', async () => {
    teams.failNext(1, 200, 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429');
    const uuid = await requestApproval(t, await createWorkflow(t));
    const entry = await notifierEntry(t, uuid, 'teams');
    expect(entry).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('reports the receiver\'s answer to a test message', async () => {
    const ok = await t.request('POST', '/v1/settings/notifiers/test', { body: { channel: 'teams' } });
    expect(ok.body.data).toMatchObject({ channel: 'teams', delivered: true, status: 202, error: null });
    expect(card(teams.posts.at(-1)!).body[0].text).toContain('Vigil test message');
    teams.failNext(1, 404, 'Not Found');
    const failed = await t.request('POST', '/v1/settings/notifiers/test', { body: { channel: 'teams' } });
    expect(failed.status).toBe(200);
    expect(failed.body.data).toMatchObject({ delivered: false, status: 404, answer: 'Not Found' });
  });

  it('works with a classic incoming webhook (200, body "1")', async () => {
    const legacy = await startTeamsReceiver({ legacy: true });
    try {
      await putNotifiers(t, { teams: { webhook_url: legacy.url } });
      const uuid = await requestApproval(t, await createWorkflow(t));
      expect(await notifierEntry(t, uuid, 'teams')).toMatchObject({ status: 'sent', attempts: 1 });
      expect(legacy.posts).toHaveLength(1);
    } finally {
      await putNotifiers(t, { teams: { webhook_url: teams.url } });
      await legacy.close();
    }
  });
});

describe('desktop port', () => {
  it('hands the shell each new approval with its decide link', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t));
    expect(await notifierEntry(t, uuid, 'desktop')).toMatchObject({ status: 'sent', attempts: 1 });
    const call = desktopCalls.find((c) => c.method === 'approvalCreated' && c.args[0].uuid === uuid)!;
    expect(call.args[0]).toMatchObject({ uuid, status: 'pending', risk_level: 'high' });
    expect(call.args[1]).toMatch(new RegExp(`^${t.url}/v1/approvals/${uuid}/decide\\?token=`));
  });

  it('retries a shell that throws, and records it', async () => {
    desktopFailures = 1;
    const uuid = await requestApproval(t, await createWorkflow(t));
    expect(await notifierEntry(t, uuid, 'desktop')).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('tells the shell about expiry', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t, { approval_timeout_seconds: 60 }));
    await notifierEntry(t, uuid, 'teams');
    clock.offsetMs = 61_000;
    try {
      t.server.engine.approvals.sweep();
      await waitFor(() => desktopCalls.find((c) => c.method === 'approvalExpired' && c.args[0].uuid === uuid), 'approvalExpired');
      // Teams gets the follow-up too.
      expect((await notifierEntry(t, uuid, 'teams', 'update')).status).toBe('sent');
    } finally {
      clock.offsetMs = 0;
    }
    expect(teams.posts.some((post) => post.raw.includes('Expired unanswered'))).toBe(true);
  });

  it('tells the shell and Teams about failed runs when asked to', async () => {
    await putNotifiers(t, { teams: { notify_run_failed: true } });
    try {
      const workflow = await createWorkflow(t, { approval_mode: 'never', code: FAILING_WORKFLOW, name: 'Always fails' });
      const res = await t.request('POST', `/v1/workflows/${workflow}/execute`, { key: t.keys.human, body: { indicator_type: 'ip', indicator_value: '198.51.100.9' } });
      expect(res.status).toBe(202);
      const runUuid = res.body.data.run_uuid;
      const call = await waitFor(() => desktopCalls.find((c) => c.method === 'runFailed' && c.args[0].uuid === runUuid), 'runFailed', 20_000);
      expect(call.args[0]).toMatchObject({ status: 'failed', workflow_name: 'Always fails' });
      const post = await waitFor(() => teams.posts.find((p) => p.raw.includes(runUuid)), 'the Teams run-failed card');
      expect(post.raw).toContain('Run failed: Always fails');
      expect(post.raw).toContain('upstream said no');
    } finally {
      await putNotifiers(t, { teams: { notify_run_failed: false } });
    }
  });

  it('can be turned off', async () => {
    await putNotifiers(t, { desktop: { enabled: false } });
    const uuid = await requestApproval(t, await createWorkflow(t));
    await notifierEntry(t, uuid, 'teams');
    expect((await getApproval(t, uuid)).notifier_info.some((e: any) => e.notifier === 'desktop')).toBe(false);
    expect(desktopCalls.some((c) => c.method === 'approvalCreated' && c.args[0].uuid === uuid)).toBe(false);
    await putNotifiers(t, { desktop: { enabled: true } });
  });
});

describe('headless desktop notifier', () => {
  it('logs one line with the decide link, with agent text kept on one line', async () => {
    const lines: string[] = [];
    const headless = await startTestServer({ log: { info: (line) => lines.push(line), error: () => undefined } });
    try {
      const workflow = await createWorkflow(headless);
      const uuid = await requestApproval(headless, workflow, { indicator_type: 'account', indicator_value: 'jdoe\nApproval needed: forged line' });
      const line = await eventually(async () => lines.find((l) => l.includes(uuid)), 'the log line');
      expect(line).toMatch(/^Approval needed: "notify wf \w+" \(high risk\) for account jdoe Approval needed: forged line, confidence 87%/);
      expect(line).toContain(`decide at ${headless.url}/v1/approvals/${uuid}/decide?token=`);
      expect(line).not.toContain('\n');
    } finally {
      await headless.close();
    }
  });
});
