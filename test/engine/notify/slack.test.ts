// The Slack notifier against a fake Slack on 127.0.0.1: Web API over HTTP (bearer tokens checked),
// Socket Mode over a WebSocket that delivers interaction envelopes and checks acks, incoming
// webhooks and response_urls, plus the signed HTTP callback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSignature } from '../../../src/main/engine/notify/index.ts';
import { closeSharedSandbox, eventually, startTestServer, type TestServer } from '../../helpers/server.ts';
import { startFakeSlack, waitFor, type FakeSlack } from './fakes.ts';
import { createWorkflow, FAILING_WORKFLOW, FAST_RETRY, getApproval, notifierEntry, putNotifiers, requestApproval } from './helpers.ts';

const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const ALICE = { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0TEAM' };
const MALLORY = { id: 'U0MALLORY', username: 'mallory', name: 'mallory', team_id: 'T0TEAM' };

let t: TestServer;
let slack: FakeSlack;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestServer({ clock, notify: FAST_RETRY });
});
afterAll(async () => {
  await t?.close();
  await slack?.close();
  await closeSharedSandbox();
});

const botConfig = (extra: Record<string, unknown> = {}) => ({
  slack: {
    enabled: true,
    mode: 'bot',
    default_channel: '#soc-approvals',
    api_url: slack.apiUrl,
    bot_token: slack.botToken,
    app_token: slack.appToken,
    signing_secret: SIGNING_SECRET,
    socket_mode: true,
    approvers: [ALICE.id],
    ...extra,
  },
});

let responseIds = 0;
function click(approvalUuid: string, action: 'approve' | 'reject' | 'open', user: Record<string, string> = ALICE) {
  responseIds += 1;
  return {
    type: 'block_actions',
    user,
    api_app_id: 'A111',
    team: { id: 'T0TEAM', domain: 'soc' },
    trigger_id: `trigger-${responseIds}`,
    container: { type: 'message', channel_id: 'CSOCAPPROVALS', message_ts: '1700000000.000001' },
    response_url: slack.responseUrl(String(responseIds)),
    actions: [
      {
        type: 'button',
        action_id: `vigil_${action}`,
        block_id: 'vigil_approval',
        value: approvalUuid,
        action_ts: '1700000001.000000',
      },
    ],
  };
}

const postMessagesFor = (uuid: string) =>
  slack.calls.filter((call) => call.method === 'chat.postMessage' && JSON.stringify(call.body.blocks ?? '').includes(uuid));
const updatesOf = (ts: string) => slack.calls.filter((call) => call.method === 'chat.update' && call.body.ts === ts);
const responsesTo = (url: string) => slack.responses.filter((response) => `${slack.url}${response.path}` === url);

function buttons(call: { body: any }): any[] {
  return call.body.blocks.find((block: any) => block.type === 'actions')?.elements ?? [];
}

describe('settings', () => {
  it('refuses an unusable configuration, listing every problem, and changes nothing', async () => {
    const res = await t.request('PUT', '/v1/settings/notifiers', { body: { slack: { enabled: true, socket_mode: true } } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details.problems.map((p: any) => p.field).sort()).toEqual([
      'body.slack.app_token',
      'body.slack.bot_token',
      'body.slack.default_channel',
    ]);
    const view = await t.request('GET', '/v1/settings/notifiers');
    expect(view.body.data.slack.enabled).toBe(false);
  });

  it('validates tokens, URLs and unknown fields', async () => {
    const bad = await t.request('PUT', '/v1/settings/notifiers', {
      body: { slack: { bot_token: 'xoxp-user-token', webhook_url: 'http://hooks.example.com/x', colour: 'red' } },
    });
    expect(bad.status).toBe(422);
    const fields = bad.body.error.details.problems.map((p: any) => p.field);
    expect(fields).toContain('body.slack.bot_token');
    expect(fields).toContain('body.slack');
    const plainHttp = await t.request('PUT', '/v1/settings/notifiers', { body: { teams: { webhook_url: 'http://teams.example.com/hook' } } });
    expect(plainHttp.status).toBe(422);
    expect(plainHttp.body.error.details.problems).toEqual([
      { field: 'body.teams.webhook_url', message: 'must be an https:// URL (http:// only to 127.0.0.1 or localhost)' },
    ]);
  });

  it('is admin only', async () => {
    expect((await t.request('GET', '/v1/settings/notifiers', { key: t.keys.human })).status).toBe(403);
    expect((await t.request('PUT', '/v1/settings/notifiers', { key: t.keys.agent, body: { desktop: { enabled: true } } })).status).toBe(403);
    expect((await t.request('GET', '/v1/settings/notifiers', { key: null })).status).toBe(401);
  });

  it('stores secrets in the credential store and shows only whether they are set', async () => {
    const res = await t.request('PUT', '/v1/settings/notifiers', { body: botConfig() });
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    for (const secret of [slack.botToken, slack.appToken, SIGNING_SECRET]) expect(text).not.toContain(secret);
    expect(res.body.data.slack).toMatchObject({
      enabled: true,
      mode: 'bot',
      default_channel: '#soc-approvals',
      approvers: [ALICE.id],
      credentials: { bot_token: true, app_token: true, signing_secret: true, webhook_url: false },
    });
    expect(await t.server.engine.credentials.get('NOTIFIER_SLACK_BOT_TOKEN')).toBe(slack.botToken);
    // Socket Mode dials out with the app-level token and keeps the connection.
    await slack.socketConnected();
    const opened = slack.calls.find((call) => call.method === 'apps.connections.open')!;
    expect(opened.headers.authorization).toBe(`Bearer ${slack.appToken}`);
    const view = await eventually(async () => {
      const current = await t.request('GET', '/v1/settings/notifiers');
      return current.body.data.slack.socket.state === 'connected' ? current.body.data : null;
    }, 'socket state connected');
    expect(view.warnings).toEqual([]);
    expect(JSON.stringify(view)).not.toContain(slack.appToken);
  });

  it('sends a test message and reports what Slack answered', async () => {
    const ok = await t.request('POST', '/v1/settings/notifiers/test', { body: { channel: 'slack' } });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ channel: 'slack', delivered: true, target: '#soc-approvals', status: 200, error: null });
    expect(ok.body.data.answer).toMatch(/^ok: message 1700000000\.\d+ in CSOCAPPROVALS$/);
    expect(ok.body.data.socket.state).toBe('connected');
    slack.refuseNext('chat.postMessage', 1, 'not_in_channel');
    const refused = await t.request('POST', '/v1/settings/notifiers/test', { body: { channel: 'slack' } });
    expect(refused.body.data).toMatchObject({ delivered: false, answer: 'not_in_channel', error: 'Slack refused chat.postMessage: not_in_channel' });
    const teams = await t.request('POST', '/v1/settings/notifiers/test', { body: { channel: 'teams' } });
    expect(teams.status).toBe(400);
    expect(teams.body.error.code).toBe('NOTIFIER_NOT_CONFIGURED');
  });
});

describe('bot mode messages', () => {
  it('posts a Block Kit request with Approve, Reject and a working browser link', async () => {
    const workflow = await createWorkflow(t);
    const uuid = await requestApproval(t, workflow);
    const entry = await notifierEntry(t, uuid, 'slack');
    expect(entry).toMatchObject({ status: 'sent', attempts: 1, error: null, slack_message: { channel: 'CSOCAPPROVALS' } });
    const [call] = postMessagesFor(uuid);
    expect(call!.headers.authorization).toBe(`Bearer ${slack.botToken}`);
    expect(call!.body.channel).toBe('#soc-approvals');
    expect(call!.body.text).toContain('Approval needed');
    const [approve, reject, open] = buttons(call!);
    expect(approve).toMatchObject({ action_id: 'vigil_approve', value: uuid, style: 'primary' });
    expect(reject).toMatchObject({ action_id: 'vigil_reject', value: uuid, style: 'danger' });
    expect(open.action_id).toBe('vigil_open');
    expect(open.url).toMatch(new RegExp(`^${t.url}/v1/approvals/${uuid}/decide\\?token=[A-Za-z0-9_-]{43}$`));
    const page = await fetch(open.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('203.0.113.7');
  });

  it('posts to the workflow\'s own channel when it has one', async () => {
    const own = await createWorkflow(t);
    await putNotifiers(t, { slack: { workflow_channels: { [own]: 'C0OWNCHANNEL' } } });
    const uuid = await requestApproval(t, own);
    await notifierEntry(t, uuid, 'slack');
    expect(postMessagesFor(uuid)[0]!.body.channel).toBe('C0OWNCHANNEL');
    await putNotifiers(t, { slack: { workflow_channels: {} } });
  });

  it('escapes agent-supplied text so it cannot mention, link or format', async () => {
    const workflow = await createWorkflow(t, { name: 'Block "evil" <b>&co' });
    const uuid = await requestApproval(t, workflow, {
      // Account names are free text: the indicator type whose value can carry markup.
      indicator_type: 'account',
      indicator_value: '<!channel> <https://evil.example|click me>',
      reason: 'please <@U0BOSS> approve *now*',
    });
    await notifierEntry(t, uuid, 'slack');
    const { body } = postMessagesFor(uuid)[0]!;
    const text = JSON.stringify(body.blocks) + body.text;
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(text).not.toContain('<@U0BOSS>');
    expect(text).toContain('&lt;!channel&gt; &lt;https://evil.example|click me&gt;');
    expect(text).toContain('&lt;@U0BOSS&gt;');
    for (const block of body.blocks) {
      for (const field of block.fields ?? []) expect(field).toMatchObject({ type: 'mrkdwn', verbatim: true });
    }
  });

  it('retries with backoff after 500s, then records the success', async () => {
    slack.failNext('chat.postMessage', 2, 500);
    const uuid = await requestApproval(t, await createWorkflow(t));
    const entry = await notifierEntry(t, uuid, 'slack');
    expect(entry).toMatchObject({ status: 'sent', attempts: 3, max_attempts: 3, error: null });
    // Two answered 500, the third was accepted: each try reached Slack once.
    expect(postMessagesFor(uuid)).toHaveLength(3);
  });

  it('records the failure on the approval after the last try', async () => {
    slack.failNext('chat.postMessage', 3, 503, { ok: false, error: 'service_unavailable' });
    const uuid = await requestApproval(t, await createWorkflow(t));
    const entry = await notifierEntry(t, uuid, 'slack');
    expect(entry).toMatchObject({ status: 'failed', attempts: 3 });
    expect(entry.error).toMatch(/^Slack answered HTTP 503 to chat.postMessage/);
    expect((await getApproval(t, uuid)).status).toBe('pending');
  });

  it('does not retry what cannot succeed (channel_not_found)', async () => {
    slack.refuseNext('chat.postMessage', 1, 'channel_not_found');
    const uuid = await requestApproval(t, await createWorkflow(t));
    const entry = await notifierEntry(t, uuid, 'slack');
    expect(entry).toMatchObject({ status: 'failed', attempts: 1, error: 'Slack refused chat.postMessage: channel_not_found' });
  });

  it('never holds up the execute call: it answers while Slack has not answered yet', async () => {
    const release = slack.hold('chat.postMessage');
    try {
      const uuid = await requestApproval(t, await createWorkflow(t));
      await waitFor(() => slack.calls.some((call) => call.method === 'chat.postMessage' && JSON.stringify(call.body.blocks).includes(uuid)), 'the held post');
      const info = (await getApproval(t, uuid)).notifier_info.find((e: any) => e.notifier === 'slack');
      expect(info.status).toBe('sending');
      release();
      expect((await notifierEntry(t, uuid, 'slack')).status).toBe('sent');
    } finally {
      release();
    }
  });
});

describe('Socket Mode decisions', () => {
  it('an approver\'s click is acked, decides once, queues the run and updates the message', async () => {
    await slack.socketConnected();
    const workflow = await createWorkflow(t);
    const uuid = await requestApproval(t, workflow);
    const { slack_message: ref } = await notifierEntry(t, uuid, 'slack');
    const ack = await slack.interact(click(uuid, 'approve'));
    expect(ack.envelope_id).toMatch(/^env-/);
    const approval = await eventually(async () => {
      const current = await getApproval(t, uuid);
      return current.status === 'approved' ? current : null;
    }, 'approval by Slack');
    expect(approval.responder).toBe('Slack @alice (U0ALICE)');
    expect(approval.run).toMatchObject({ uuid: expect.any(String) });
    const runs = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${workflow}`);
    expect(runs.body.meta.total).toBe(1);
    expect(runs.body.data[0].uuid).toBe(approval.run.uuid);

    const [update] = await waitFor(() => updatesOf(ref.ts).length > 0 && updatesOf(ref.ts), 'chat.update');
    expect(update!.headers.authorization).toBe(`Bearer ${slack.botToken}`);
    expect(update!.body.channel).toBe(ref.channel);
    expect(buttons(update!)).toEqual([]);
    expect(JSON.stringify(update!.body.blocks)).toContain('*Approved* by Slack @alice (U0ALICE)');
    expect((await notifierEntry(t, uuid, 'slack', 'update')).status).toBe('sent');
  });

  it('a user off the approver list gets a private note and nothing changes', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t));
    const { slack_message: ref } = await notifierEntry(t, uuid, 'slack');
    const payload = click(uuid, 'approve', MALLORY);
    await slack.interact(payload);
    const [note] = await waitFor(() => responsesTo(payload.response_url).length > 0 && responsesTo(payload.response_url), 'the note');
    expect(note!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(note!.body.text).toContain('not on the list');
    const approval = await getApproval(t, uuid);
    expect(approval.status).toBe('pending');
    expect(updatesOf(ref.ts)).toHaveLength(0);
  });

  it('the browser-link button is acked and ignored', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t));
    await notifierEntry(t, uuid, 'slack');
    await slack.interact(click(uuid, 'open'));
    expect((await getApproval(t, uuid)).status).toBe('pending');
  });

  it('a rejection from Slack is kept and shown', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t));
    const { slack_message: ref } = await notifierEntry(t, uuid, 'slack');
    await slack.interact(click(uuid, 'reject'));
    const [update] = await waitFor(() => updatesOf(ref.ts).length > 0 && updatesOf(ref.ts), 'chat.update');
    expect(JSON.stringify(update!.body.blocks)).toContain('*Rejected* by Slack @alice (U0ALICE)');
    const approval = await getApproval(t, uuid);
    expect(approval).toMatchObject({ status: 'rejected', run: null });
  });

  it('a Slack click racing a REST approval: exactly one wins, one run, the loser is told', async () => {
    for (let round = 0; round < 4; round++) {
      const workflow = await createWorkflow(t);
      const uuid = await requestApproval(t, workflow);
      await notifierEntry(t, uuid, 'slack');
      const payload = click(uuid, 'approve');
      const [rest] = await Promise.all([
        t.request('POST', `/v1/workflow-approvals/${uuid}/approve`, { key: t.keys.human, body: {} }),
        slack.interact(payload),
      ]);
      const approval = await eventually(async () => {
        const current = await getApproval(t, uuid);
        return current.status === 'approved' ? current : null;
      }, 'the decision');
      if (rest.status === 200) {
        expect(approval.responder).toMatch(/^analyst/);
        const [note] = await waitFor(() => responsesTo(payload.response_url).length > 0 && responsesTo(payload.response_url), 'the loser note');
        expect(note!.body.text).toContain('already approved by analyst');
      } else {
        expect(rest.status).toBe(409);
        expect(rest.body.error.code).toBe('APPROVAL_ALREADY_DECIDED');
        expect(approval.responder).toBe('Slack @alice (U0ALICE)');
      }
      const runs = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${workflow}`);
      expect(runs.body.meta.total).toBe(1);
    }
  });

  it('an expired request\'s message is updated by the sweeper', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t, { approval_timeout_seconds: 60 }));
    const { slack_message: ref } = await notifierEntry(t, uuid, 'slack');
    clock.offsetMs = 61_000;
    try {
      t.server.engine.approvals.sweep();
      const [update] = await waitFor(() => updatesOf(ref.ts).length > 0 && updatesOf(ref.ts), 'chat.update');
      expect(JSON.stringify(update!.body.blocks)).toContain('*Expired*');
      expect(buttons(update!)).toEqual([]);
      // A late click changes nothing and says why.
      const payload = click(uuid, 'approve');
      await slack.interact(payload);
      const [note] = await waitFor(() => responsesTo(payload.response_url).length > 0 && responsesTo(payload.response_url), 'the note');
      expect(note!.body.text).toContain('expired');
    } finally {
      clock.offsetMs = 0;
    }
    expect((await getApproval(t, uuid)).status).toBe('expired');
  });
});

describe('failed runs', () => {
  it('are posted to the workflow\'s channel when notify_run_failed is on', async () => {
    await putNotifiers(t, { slack: { notify_run_failed: true } });
    try {
      const workflow = await createWorkflow(t, { approval_mode: 'never', code: FAILING_WORKFLOW, name: 'Quarantine host' });
      const res = await t.request('POST', `/v1/workflows/${workflow}/execute`, {
        key: t.keys.human,
        body: { indicator_type: 'ip', indicator_value: '198.51.100.23' },
      });
      expect(res.status).toBe(202);
      const runUuid = res.body.data.run_uuid;
      const post = await waitFor(
        () => slack.calls.find((call) => call.method === 'chat.postMessage' && JSON.stringify(call.body.blocks).includes(runUuid)),
        'the run-failed message',
        20_000,
      );
      expect(post.body.channel).toBe('#soc-approvals');
      expect(post.body.text).toBe('Run failed: "Quarantine host": upstream said no');
      expect(JSON.stringify(post.body.blocks)).toContain('198.51.100.23');
    } finally {
      await putNotifiers(t, { slack: { notify_run_failed: false } });
    }
  });
});

describe('incoming webhook mode', () => {
  it('posts through the webhook and replaces the message through the click\'s response_url', async () => {
    await putNotifiers(t, { slack: { mode: 'webhook', webhook_url: slack.webhookUrl } });
    const uuid = await requestApproval(t, await createWorkflow(t));
    const entry = await notifierEntry(t, uuid, 'slack');
    expect(entry).toMatchObject({ status: 'sent', attempts: 1 });
    expect(entry.slack_message).toBeUndefined();
    const post = slack.webhookPosts.find((p) => JSON.stringify(p.body).includes(uuid))!;
    expect(post.headers['content-type']).toContain('application/json');
    expect(buttons(post).map((b: any) => b.action_id)).toEqual(['vigil_approve', 'vigil_reject', 'vigil_open']);

    const payload = click(uuid, 'approve');
    await slack.interact(payload);
    const replaced = await waitFor(
      () => responsesTo(payload.response_url).find((r) => r.body.replace_original === true),
      'the replaced message',
    );
    expect(JSON.stringify(replaced.body.blocks)).toContain('*Approved* by Slack @alice (U0ALICE)');
  });

  it('a decision made elsewhere is posted as a follow-up (webhook messages cannot be edited)', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t));
    await notifierEntry(t, uuid, 'slack');
    const before = slack.webhookPosts.length;
    const res = await t.request('POST', `/v1/workflow-approvals/${uuid}/reject`, { key: t.keys.human, body: { reason: 'false positive' } });
    expect(res.status).toBe(200);
    expect((await notifierEntry(t, uuid, 'slack', 'update')).status).toBe('sent');
    const followUp = slack.webhookPosts.slice(before).find((p) => JSON.stringify(p.body).includes('Rejected'))!;
    expect(JSON.stringify(followUp.body.blocks)).toContain('false positive');
    await putNotifiers(t, { slack: { mode: 'bot', webhook_url: null } });
  });
});

describe('HTTP callback /v1/approvals/callback/slack', () => {
  const callback = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/v1/approvals/callback/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
  const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const signed = (payload: unknown, options: { secret?: string; ts?: number; body?: string } = {}) => {
    const body = form(payload);
    const ts = String(options.ts ?? Math.floor(clock.now() / 1000));
    return callback(options.body ?? body, {
      'x-slack-request-timestamp': ts,
      'x-slack-signature': slackSignature(options.secret ?? SIGNING_SECRET, ts, body),
    });
  };

  it('decides on a correctly signed click from an approver', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t));
    const { slack_message: ref } = await notifierEntry(t, uuid, 'slack');
    const res = await signed(click(uuid, 'approve'));
    expect(res.status).toBe(200);
    expect(await getApproval(t, uuid)).toMatchObject({ status: 'approved', responder: 'Slack @alice (U0ALICE)' });
    await waitFor(() => updatesOf(ref.ts).length > 0, 'chat.update');
  });

  it('refuses bad, old, tampered and unsigned requests and changes nothing', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t));
    const payload = click(uuid, 'approve');
    const cases: Array<[string, Promise<Response>, string]> = [
      ['wrong secret', signed(payload, { secret: 'ffffffffffffffffffffffffffffffff' }), 'SLACK_SIGNATURE_INVALID'],
      ['six minutes old', signed(payload, { ts: Math.floor(clock.now() / 1000) - 360 }), 'SLACK_REQUEST_TOO_OLD'],
      ['from the future', signed(payload, { ts: Math.floor(clock.now() / 1000) + 360 }), 'SLACK_REQUEST_TOO_OLD'],
      ['tampered body', signed(payload, { body: form(click(uuid, 'reject')) }), 'SLACK_SIGNATURE_INVALID'],
      ['no headers', callback(form(payload)), 'SLACK_SIGNATURE_MISSING'],
      ['signature only', callback(form(payload), { 'x-slack-signature': 'v0=00' }), 'SLACK_SIGNATURE_MISSING'],
    ];
    for (const [what, pending, code] of cases) {
      const res = await pending;
      expect(res.status, what).toBe(401);
      expect(((await res.json()) as any).error.code, what).toBe(code);
    }
    expect((await getApproval(t, uuid)).status).toBe('pending');
  });

  it('applies the approver list', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t));
    const payload = click(uuid, 'reject', MALLORY);
    expect((await signed(payload)).status).toBe(200);
    await waitFor(() => responsesTo(payload.response_url).length > 0, 'the note');
    expect((await getApproval(t, uuid)).status).toBe('pending');
  });

  it('is 403 while Slack has no signing secret, and 404 while Slack is off', async () => {
    const uuid = await requestApproval(t, await createWorkflow(t));
    await putNotifiers(t, { slack: { signing_secret: null } });
    const noSecret = await signed(click(uuid, 'approve'));
    expect(noSecret.status).toBe(403);
    expect(((await noSecret.json()) as any).error.code).toBe('SLACK_CALLBACK_NOT_CONFIGURED');
    await putNotifiers(t, { slack: { enabled: false } });
    expect((await signed(click(uuid, 'approve'))).status).toBe(404);
    expect((await getApproval(t, uuid)).status).toBe('pending');
  });

  it('turning Slack off closes the Socket Mode connection', async () => {
    const view = await t.request('GET', '/v1/settings/notifiers');
    expect(view.body.data.slack.socket.state).toBe('off');
  });
});
